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
 * <p>In front of each direction of a rate-limited link is a first-in first-out queue (a modem's
 * buffer) holding {@link #QUEUE_DELAY} at the link's rate, at least {@link #MIN_QUEUE_BYTES}: a
 * datagram that finds it full is dropped (tail drop). TCP segments share the queue (and fill it:
 * their delay is what uTP's LEDBAT backs off from) but are never dropped, the simulated TCP being
 * lossless; its windows bound what it queues.
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

  /** The time's worth of a link's rate its queue holds: 250 ms, a common modem's buffer. */
  public static final Duration QUEUE_DELAY = Duration.ofMillis(250);

  /** The least a link's queue holds, bytes, however slow the link. */
  public static final int MIN_QUEUE_BYTES = 64 * 1024;

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

  /** The bytes the queue in front of the uplink holds (unbounded when the rate is). */
  public long upQueueBytes() {
    return queueBytes(upBytesPerSecond);
  }

  /** The bytes the queue in front of the downlink holds (unbounded when the rate is). */
  public long downQueueBytes() {
    return queueBytes(downBytesPerSecond);
  }

  private static long queueBytes(long rate) {
    if (rate == 0) {
      return Long.MAX_VALUE; // nothing waits on an unlimited link
    }
    return Math.max(MIN_QUEUE_BYTES, rate / 1000 * QUEUE_DELAY.toMillis());
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
