package io.btlib.testkit.internal;

import io.btlib.peer.PeerAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulated network: hosts by address, each behind its own access link, joined by a core
 * with no limits of its own. A path's one-way delay is the two hosts' latencies added; a segment
 * crosses the sender's uplink, the path, then the receiver's downlink. Dials to an address with no
 * host (or a vanished one) are never answered; dials to a port nobody listens on, or to a host
 * that refuses, are reset. Loop thread only.
 */
public final class Network {

  /** Takes connections to a listening port. */
  public interface Acceptor {
    /** A new connection's server end; set its listener before returning. */
    void accept(SimSocket socket);
  }

  final EventQueue queue;
  private final Map<InetAddress, NetHost> hosts = new LinkedHashMap<>();

  public Network(EventQueue queue) {
    this.queue = queue;
  }

  public EventQueue queue() {
    return queue;
  }

  /** Adds a host; see {@link NetHost} for what the figures mean. */
  public NetHost addHost(InetAddress address, long upRate, long downRate, long latencyNanos,
      int sendBuffer, int receiveBuffer) {
    if (hosts.containsKey(address)) {
      throw new IllegalArgumentException("host " + address.getHostAddress() + " exists");
    }
    NetHost h = new NetHost(this, address, upRate, downRate, latencyNanos, sendBuffer,
        receiveBuffer);
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

  /** A segment left {@code from}'s uplink: it reaches the other host's downlink a path later. */
  void propagate(NetHost from, Segment s) {
    NetHost to = s.flow.receiver.host;
    if (!from.alive || !to.alive) {
      return;
    }
    queue.after(oneWay(from, to), () -> to.arrive(s));
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
