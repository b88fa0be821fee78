package io.btlib.testkit.internal;

import io.btlib.testkit.LinkFaults;
import java.net.InetAddress;
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * One host of the simulated network: an address behind an access link with its own up and down
 * rates and one-way latency to the network's core. Its uplink serves the flows with bytes to send
 * and its queue of datagrams round robin, a segment's worth at a time (as a fair queue would); its
 * downlink is a first-in first-out queue (the bottleneck queue in front of a slow access link)
 * shared by TCP segments and datagrams. Both queues hold datagrams up to a limit in bytes and drop
 * those that find them full (tail drop); TCP segments are never dropped (the simulated TCP is
 * lossless, its windows bound what it queues). Loop thread only.
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
  /** Behind a stateful firewall: inbound only from endpoints it has sent datagrams to. */
  boolean firewalled;
  /** The endpoints this host's datagrams went to (what its firewall lets answer). */
  final java.util.Set<java.net.InetSocketAddress> contacted = new java.util.HashSet<>();
  long datagramsFiltered;
  final Map<Integer, Network.Acceptor> listeners = new HashMap<>();
  final Map<Integer, Network.DatagramReceiver> udpPorts = new HashMap<>();
  /** Faults of this host's access link, for datagrams it sends and receives. */
  LinkFaults faults = LinkFaults.none();
  private int nextPort = 49152;

  // uplink
  final ArrayDeque<Sender> sending = new ArrayDeque<>();
  final UdpQueue udpOut;
  boolean upBusy;
  // downlink
  final ArrayDeque<Packet> arriving = new ArrayDeque<>();
  private long arrivingBytes;
  private final long downQueueLimit;
  boolean downBusy;

  long bytesSent;
  long payloadSent;
  long tcpPayloadSent;
  long bytesReceived;
  long datagramsSent;
  long datagramsDropped;
  long datagramsLost;

  NetHost(Network net, InetAddress address, long upRate, long downRate, long latencyNanos,
      int sendBuffer, int receiveBuffer, long upQueueLimit, long downQueueLimit) {
    this.udpOut = new UdpQueue(upQueueLimit);
    this.downQueueLimit = downQueueLimit;
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

  /**
   * TCP payload and UDP payload this host's uplink carried (what {@link #bytesSent} is less IP,
   * TCP and UDP headers): uTP's own headers and resends are in it, as TCP's resends are.
   */
  public long payloadSent() {
    return payloadSent;
  }

  /** TCP payload this host's uplink carried. */
  public long tcpPayloadSent() {
    return tcpPayloadSent;
  }

  /** Bytes this host's downlink delivered. */
  public long bytesReceived() {
    return bytesReceived;
  }

  /** Datagrams this host sent (each copy counted once, when it left the uplink). */
  public long datagramsSent() {
    return datagramsSent;
  }

  /** Datagrams dropped by this host's full uplink or downlink queue. */
  public long datagramsDropped() {
    return datagramsDropped;
  }

  /** Datagrams this host sent that the faults on their way lost. */
  public long datagramsLost() {
    return datagramsLost;
  }

  /** Sets the faults of this host's access link. */
  public void faults(LinkFaults f) {
    this.faults = f;
  }

  /** Whether dials to this host are refused (answered with a reset). */
  public void refuse(boolean refuse) {
    this.refusing = refuse;
  }

  /**
   * Puts this host behind a stateful firewall, as a NAT without port forwarding is: dials to it go
   * unanswered and datagrams get in only from endpoints it has sent datagrams to.
   */
  public void firewall(boolean on) {
    this.firewalled = on;
  }

  /** Datagrams this host's firewall kept out. */
  public long datagramsFiltered() {
    return datagramsFiltered;
  }

  /** Pulls the cable: nothing reaches this host or leaves it from now on. */
  public void vanish() {
    alive = false;
    sending.clear();
    udpOut.clear();
    udpOut.queued = false;
    arriving.clear();
    arrivingBytes = 0;
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
      Sender f = sending.pollFirst();
      f.queued = false;
      Packet s = f.next();
      if (s == null) {
        continue; // window-limited or nothing left: it comes back when that changes
      }
      if (f.hasSendable()) {
        f.queued = true;
        if (f.keepsTurn(s.wireBytes())) {
          sending.addFirst(f);
        } else {
          sending.addLast(f);
        }
      }
      upBusy = true;
      bytesSent += s.wireBytes();
      if (s instanceof Segment seg) {
        payloadSent += seg.data.length;
        tcpPayloadSent += seg.data.length;
      } else {
        datagramsSent++;
        if (firewalled) {
          contacted.add(((Datagram) s).to);
        }
        payloadSent += ((Datagram) s).data.length; // a uTP peer's traffic (and the DHT's)
      }
      net.queue.after(serialization(s.wireBytes(), upRate), () -> {
        upBusy = false;
        net.propagate(this, s);
        kickUplink();
      });
      return;
    }
  }

  /** Puts a datagram in the uplink's queue (dropped if it is full). */
  void send(Datagram d) {
    if (!alive) {
      return;
    }
    if (!udpOut.offer(d)) {
      datagramsDropped++;
      return;
    }
    if (!udpOut.queued) {
      udpOut.queued = true;
      sending.addLast(udpOut);
    }
    kickUplink();
  }

  /** A packet reached this host's downlink: queued, or dropped if a datagram finds it full. */
  void arrive(Packet s) {
    if (!alive) {
      return;
    }
    if (s.droppable() && arrivingBytes + s.wireBytes() > downQueueLimit) {
      datagramsDropped++;
      return;
    }
    arriving.addLast(s);
    arrivingBytes += s.wireBytes();
    kickDownlink();
  }

  private void kickDownlink() {
    if (downBusy || arriving.isEmpty()) {
      return;
    }
    Packet s = arriving.pollFirst();
    arrivingBytes -= s.wireBytes();
    downBusy = true;
    net.queue.after(serialization(s.wireBytes(), downRate), () -> {
      downBusy = false;
      if (alive) {
        bytesReceived += s.wireBytes();
        s.deliver(this);
      }
      kickDownlink();
    });
  }

  @Override
  public String toString() {
    return address.getHostAddress();
  }
}
