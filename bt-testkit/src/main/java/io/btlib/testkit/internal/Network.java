package io.btlib.testkit.internal;

import io.btlib.peer.PeerAddress;
import io.btlib.testkit.LinkFaults;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The simulated network: hosts by address, each behind its own access link, joined by a core
 * with no limits of its own. A path's one-way delay is the two hosts' latencies added; a segment
 * crosses the sender's uplink, the path, then the receiver's downlink. Dials to an address with no
 * host (or a vanished one) are never answered; dials to a port nobody listens on, or to a host
 * that refuses, are reset. Datagrams take the same links and path (they share the hosts' queues
 * with TCP), meet the faults of the sender's link, the path and the receiver's link, and go to
 * whoever is bound to their port, or nowhere. Loop thread only.
 */
public final class Network {

  /** Takes connections to a listening port. */
  public interface Acceptor {
    /** A new connection's server end; set its listener before returning. */
    void accept(SimSocket socket);
  }

  /** Takes the datagrams sent to a bound UDP port. */
  public interface DatagramReceiver {
    /** A datagram from {@code from} (the array is the receiver's to keep). */
    void received(InetSocketAddress from, byte[] data);
  }

  final EventQueue queue;
  private final Map<InetAddress, NetHost> hosts = new LinkedHashMap<>();
  /** Faults of paths between two hosts, by the pair of addresses (either order). */
  private final Map<List<InetAddress>, LinkFaults> pathFaults = new HashMap<>();
  private final Random faultRandom;

  /** A network whose faults draw from {@code faultSeed}. */
  public Network(EventQueue queue, long faultSeed) {
    this.queue = queue;
    this.faultRandom = new Random(faultSeed);
  }

  public EventQueue queue() {
    return queue;
  }

  /** Adds a host; see {@link NetHost} for what the figures mean. */
  public NetHost addHost(InetAddress address, long upRate, long downRate, long latencyNanos,
      int sendBuffer, int receiveBuffer, long upQueueLimit, long downQueueLimit) {
    if (hosts.containsKey(address)) {
      throw new IllegalArgumentException("host " + address.getHostAddress() + " exists");
    }
    NetHost h = new NetHost(this, address, upRate, downRate, latencyNanos, sendBuffer,
        receiveBuffer, upQueueLimit, downQueueLimit);
    hosts.put(address, h);
    return h;
  }

  /** The hosts, in the order they were added. */
  public List<NetHost> hosts() {
    return Collections.unmodifiableList(new ArrayList<>(hosts.values()));
  }

  long oneWay(NetHost a, NetHost b) {
    return a.latencyNanos + b.latencyNanos;
  }

  /** Listens on {@code port} of {@code host}; 0 picks a free one. The port. */
  public int listen(NetHost host, int port, Acceptor acceptor) {
    int p = port;
    if (p == 0) {
      for (p = 6881; host.listeners.containsKey(p); p++) {
        // the next one
      }
    }
    if (host.listeners.putIfAbsent(p, acceptor) != null) {
      throw new IllegalArgumentException("port " + p + " of " + host + " is in use");
    }
    return p;
  }

  /** Stops listening on {@code port} of {@code host}. */
  public void unlisten(NetHost host, int port) {
    host.listeners.remove(port);
  }

  /**
   * Starts a dial from {@code from} to {@code to}: the socket's listener hears {@code
   * connectable} one round trip later if the far end answers.
   */
  public SimSocket dial(NetHost from, PeerAddress to, SimSocket.Listener listener) {
    SimSocket s = new SimSocket(this, from, from.ephemeralPort(), to, listener);
    NetHost dst = hosts.get(to.address());
    if (dst == null || !from.alive) {
      return s; // nothing there: the SYN is lost, the dial times out
    }
    long oneWay = oneWay(from, dst);
    queue.after(oneWay, () -> {
      if (!dst.alive || !from.alive || s.isClosed()) {
        return;
      }
      if (dst.firewalled) {
        return; // the SYN is kept out: the dial times out
      }
      Acceptor a = dst.listeners.get(to.port());
      if (a == null || dst.refusing) {
        queue.after(oneWay, () -> {
          if (from.alive) {
            s.refused();
          }
        });
        return;
      }
      SimSocket server = new SimSocket(this, dst, to.port(), s.local(), null);
      Flow up = new Flow(this, s, server);
      Flow down = new Flow(this, server, s);
      server.connected(down, up, false);
      a.accept(server);
      queue.after(oneWay, () -> {
        if (!from.alive) {
          return;
        }
        if (s.isClosed()) {
          server.reset();
          return;
        }
        s.connected(up, down, true);
      });
    });
    return s;
  }

  /** Sets the faults of the path between {@code a} and {@code b}, both ways. */
  public void faults(NetHost a, NetHost b, LinkFaults f) {
    pathFaults.put(pathKey(a, b), f);
  }

  private static List<InetAddress> pathKey(NetHost a, NetHost b) {
    return a.address.getHostAddress().compareTo(b.address.getHostAddress()) <= 0
        ? List.of(a.address, b.address) : List.of(b.address, a.address);
  }

  /** Binds UDP {@code port} of {@code host} (0: the first free one from 6881); the port. */
  public int bindUdp(NetHost host, int port, DatagramReceiver receiver) {
    int p = port;
    if (p == 0) {
      for (p = 6881; host.udpPorts.containsKey(p); p++) {
        // the next one
      }
    }
    if (host.udpPorts.putIfAbsent(p, receiver) != null) {
      throw new IllegalArgumentException("UDP port " + p + " of " + host + " is in use");
    }
    return p;
  }

  /** Unbinds UDP {@code port} of {@code host}. */
  public void unbindUdp(NetHost host, int port) {
    host.udpPorts.remove(port);
  }

  /** Sends a datagram from {@code port} of {@code from} to {@code to}: into the uplink's queue. */
  public void send(NetHost from, int port, InetSocketAddress to, byte[] data) {
    from.send(new Datagram(new InetSocketAddress(from.address, port), to, data));
  }

  /** A packet left {@code from}'s uplink: it reaches the other host's downlink a path later. */
  void propagate(NetHost from, Packet p) {
    if (p instanceof Datagram d) {
      propagate(from, d);
      return;
    }
    NetHost to = ((Segment) p).flow.receiver.host;
    if (!from.alive || !to.alive) {
      return;
    }
    queue.after(oneWay(from, to), () -> to.arrive(p));
  }

  private void propagate(NetHost from, Datagram d) {
    NetHost to = hosts.get(d.to.getAddress());
    if (to == null || !from.alive || !to.alive) {
      return;
    }
    if (to.firewalled && !to.contacted.contains(d.from)) {
      to.datagramsFiltered++;
      return;
    }
    long delay = oneWay(from, to);
    int copies = 1;
    for (LinkFaults f : new LinkFaults[] {from.faults, pathFaults.get(pathKey(from, to)),
        to.faults}) {
      if (f == null || f.isNone()) {
        continue;
      }
      if (f.loss() > 0 && faultRandom.nextDouble() < f.loss()) {
        from.datagramsLost++;
        return;
      }
      if (f.duplicate() > 0 && faultRandom.nextDouble() < f.duplicate()) {
        copies++;
      }
    }
    for (int i = 0; i < copies; i++) {
      long extra = 0;
      for (LinkFaults f : new LinkFaults[] {from.faults, pathFaults.get(pathKey(from, to)),
          to.faults}) {
        if (f != null && f.reorder() > 0 && faultRandom.nextDouble() < f.reorder()) {
          extra += 1 + (long) (faultRandom.nextDouble() * f.reorderDelay().toNanos());
        }
      }
      Datagram copy = i == 0 ? d : new Datagram(d.from, d.to, d.data.clone());
      queue.after(delay + extra, () -> to.arrive(copy));
    }
  }

  /** {@code from} answers data for a closed socket with a reset, which reaches {@code peer}. */
  void reset(NetHost from, SimSocket peer) {
    queue.after(oneWay(from, peer.host), () -> {
      if (from.alive && peer.host.alive) {
        peer.reset();
      }
    });
  }
}
