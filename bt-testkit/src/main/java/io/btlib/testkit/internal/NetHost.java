package io.btlib.testkit.internal;

import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * One host of the simulated network: an address behind an access link with its own up and down
 * rates and one-way latency to the network's core. Its uplink serves the flows with bytes to send
 * round robin, a segment at a time (as a fair queue would); its downlink is a first-in first-out
 * queue (the bottleneck queue in front of a slow access link). Loop thread only.
 */
public final class NetHost {
  /** The most bytes a segment carries (a TSO-sized burst; smaller segments cost more events). */
  static final int SEGMENT = 16 * 1024;

  final Network net;
  final InetAddress address;
  final long upRate;
  final long downRate;
  final long latencyNanos;
  final int sendBuffer;
  final int receiveBuffer;
  boolean alive = true;
  boolean refusing;
  final Map<Integer, Network.Acceptor> listeners = new HashMap<>();
  private int nextPort = 49152;

  // uplink
  final ArrayDeque<Flow> sending = new ArrayDeque<>();
  boolean upBusy;
  // downlink
  final ArrayDeque<Segment> arriving = new ArrayDeque<>();
  boolean downBusy;

  long bytesSent;
  long payloadSent;
  long bytesReceived;

  NetHost(Network net, InetAddress address, long upRate, long downRate, long latencyNanos,
      int sendBuffer, int receiveBuffer) {
    this.net = net;
    this.address = address;
    this.upRate = upRate;
    this.downRate = downRate;
    this.latencyNanos = latencyNanos;
    this.sendBuffer = sendBuffer;
    this.receiveBuffer = receiveBuffer;
  }

  /** A free local port for a dial. */
  int ephemeralPort() {
    int p = nextPort;
    nextPort = nextPort == 65535 ? 49152 : nextPort + 1;
    return p;
  }

  public InetAddress address() {
    return address;
  }

  public boolean isAlive() {
    return alive;
  }

  /** Payload and header bytes this host's uplink carried. */
  public long bytesSent() {
    return bytesSent;
  }

  /** TCP payload this host's uplink carried (what {@link #bytesSent} is less headers). */
  public long payloadSent() {
    return payloadSent;
  }

  /** Bytes this host's downlink delivered. */
  public long bytesReceived() {
    return bytesReceived;
  }

  /** Whether dials to this host are refused (answered with a reset). */
  public void refuse(boolean refuse) {
    this.refusing = refuse;
  }

  /** Pulls the cable: nothing reaches this host or leaves it from now on. */
  public void vanish() {
    alive = false;
    sending.clear();
    arriving.clear();
  }

  /** Time to put {@code bytes} on a link of {@code rate} bytes per second (0: unlimited). */
  static long serialization(long bytes, long rate) {
    return rate <= 0 ? 0 : (bytes * 1_000_000_000L + rate - 1) / rate;
  }

  /** Starts the uplink on its next segment if it is idle and some flow may send. */
  void kickUplink() {
    if (upBusy || !alive) {
      return;
    }
    for (int tries = sending.size(); tries > 0; tries--) {
      Flow f = sending.pollFirst();
      f.queued = false;
      Segment s = f.nextSegment();
      if (s == null) {
        continue; // window-limited or nothing left: it comes back when that changes
      }
      if (f.hasSendable()) {
        f.queued = true;
        sending.addLast(f);
      }
      upBusy = true;
      bytesSent += s.wireBytes();
      payloadSent += s.data.length;
      net.queue.after(serialization(s.wireBytes(), upRate), () -> {
        upBusy = false;
        net.propagate(this, s);
        kickUplink();
      });
      return;
    }
  }

  /** A segment reached this host's downlink. */
  void arrive(Segment s) {
    if (!alive) {
      return;
    }
    arriving.addLast(s);
    kickDownlink();
  }

  private void kickDownlink() {
    if (downBusy || arriving.isEmpty()) {
      return;
    }
    Segment s = arriving.pollFirst();
    downBusy = true;
    net.queue.after(serialization(s.wireBytes(), downRate), () -> {
      downBusy = false;
      if (alive) {
        bytesReceived += s.wireBytes();
        s.flow.deliver(s);
      }
      kickDownlink();
    });
  }

  @Override
  public String toString() {
    return address.getHostAddress();
  }
}
