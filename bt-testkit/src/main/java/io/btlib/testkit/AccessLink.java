package io.btlib.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * A simulated host's access link to the network's core: its upload and download rates, its
 * one-way latency to the core (a path between two hosts takes both hosts' latencies, so two hosts
 * of 50 ms each have a 200 ms round trip), and the TCP send and receive buffers of its sockets,
 * which bound what one connection keeps in flight. Rates are bytes per second on the wire (TCP/IP
 * headers count); 0 means unlimited. Immutable.
 *
 * @param upBytesPerSecond the uplink's rate, 0 for unlimited
 * @param downBytesPerSecond the downlink's rate, 0 for unlimited
 * @param latency one-way delay from the host to the core
 * @param sendBuffer bytes a socket holds written and not yet acknowledged
 * @param receiveBuffer bytes a socket holds arrived and not yet read
 */
public record AccessLink(long upBytesPerSecond, long downBytesPerSecond, Duration latency,
    int sendBuffer, int receiveBuffer) {

  /** The socket buffers unless told: 32 MiB, the most Linux autotuning gives here. */
  public static final int DEFAULT_BUFFER = 32 << 20;

  /** Checks the figures. */
  public AccessLink {
    if (upBytesPerSecond < 0 || downBytesPerSecond < 0) {
      throw new IllegalArgumentException("negative rate");
    }
    Objects.requireNonNull(latency, "latency");
    if (latency.isNegative()) {
      throw new IllegalArgumentException("negative latency " + latency);
    }
    if (sendBuffer < 16 * 1024 || receiveBuffer < 16 * 1024) {
      throw new IllegalArgumentException("socket buffers below 16 KiB");
    }
  }

  /** A link with these rates and one-way latency, and the default socket buffers. */
  public static AccessLink of(long upBytesPerSecond, long downBytesPerSecond, Duration latency) {
    return new AccessLink(upBytesPerSecond, downBytesPerSecond, latency, DEFAULT_BUFFER,
        DEFAULT_BUFFER);
  }

  /** The same rate both ways. */
  public static AccessLink symmetric(long bytesPerSecond, Duration latency) {
    return of(bytesPerSecond, bytesPerSecond, latency);
  }

  /** No rate limit, no latency: the ideal link. */
  public static AccessLink unlimited() {
    return of(0, 0, Duration.ZERO);
  }

  /** This link with other socket buffers. */
  public AccessLink withBuffers(int send, int receive) {
    return new AccessLink(upBytesPerSecond, downBytesPerSecond, latency, send, receive);
  }
}
