package io.btlib.utp;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;

/**
 * The uTP connections behind one UDP socket, sans I/O: datagrams in ({@link #handleDatagram}),
 * datagrams out with their destinations ({@link #pollTransmit}), time passed in. It routes a
 * packet by (sender, connection id), opens connections ({@link #connect}) with ids unused towards
 * that peer, accepts SYNs within bounds, answers packets for connections it does not know with a
 * RESET (at most {@link #MAX_PENDING_RESETS} waiting: no amplification, a RESET is the smallest
 * packet there is), and forgets connections once they are closed and their last ack is out.
 *
 * <p>SYN floods: a connection accepted from a SYN counts as pending until its peer sends data,
 * and only then does {@link #pollAccepted} give it (a BitTorrent peer that dials speaks first).
 * At most {@value #MAX_PENDING_PER_ADDRESS} may be pending from one IP address (further SYNs from
 * it are dropped, not answered) and at most {@code maxPending} in all: a SYN beyond that evicts
 * the oldest pending connection, so that a flood from many addresses slows newcomers down but
 * does not lock them out. A pending connection that sends nothing within the connect timeout is
 * reset. At most {@code maxConnections} exist in all. The UDP socket's reader first asks {@link
 * UtpPacket#looksLikeUtp} so that DHT messages on the same port go to the DHT. Not thread-safe.
 */
public final class UtpMultiplexer {
  /** RESETs waiting to be sent at most; more are dropped. */
  public static final int MAX_PENDING_RESETS = 64;
  /** Pending connections (SYN, no data yet) from one IP address at most. */
  public static final int MAX_PENDING_PER_ADDRESS = 16;

  /** A connection and the peer it is with. */
  public static final class Entry {
    private final InetSocketAddress peer;
    private final UtpConnection connection;
    private boolean pending;
    private final long createdNanos;

    Entry(InetSocketAddress peer, UtpConnection connection, boolean pending, long createdNanos) {
      this.peer = peer;
      this.connection = connection;
      this.pending = pending;
      this.createdNanos = createdNanos;
    }

    /** The peer's address. */
    public InetSocketAddress peer() {
      return peer;
    }

    /** The connection. */
    public UtpConnection connection() {
      return connection;
    }
  }

  /** Why datagrams were dropped, counted. */
  public enum Drop {
    /** Not a valid uTP packet. */
    MALFORMED,
    /** A SYN beyond the pending or total bound. */
    SYN_REFUSED,
    /** For no connection we know (answered with a RESET while few wait). */
    UNKNOWN_CONNECTION
  }

  private record Key(InetSocketAddress peer, int id) {}

  /** A RESET owed to a packet for no connection we know. */
  private record ResetDue(InetSocketAddress peer, int connectionId, int seqNr) {}

  private final UtpConfig config;
  private final Random random;
  private final int maxConnections;
  private final int maxPending;
  private final Map<Key, Entry> connections = new HashMap<>();
  private final List<Entry> order = new ArrayList<>();
  private int next;
  private int pendingCount;
  /** Pending connections by the peer's IP address. */
  private final Map<java.net.InetAddress, Integer> pendingByAddress = new HashMap<>();
  private final ArrayDeque<ResetDue> resets = new ArrayDeque<>();
  private final ArrayDeque<Entry> accepted = new ArrayDeque<>();
  private final long[] drops = new long[Drop.values().length];
  /** Arrays for received payloads, shared by the connections and reused once read. */
  private final PayloadPool pool;

  /**
   * Creates a multiplexer.
   *
   * @param config the connections' settings
   * @param random picks connection ids and first sequence numbers
   * @param maxConnections connections at most, in all
   * @param maxPending accepted connections whose peer has sent no data yet, at most
   */
  public UtpMultiplexer(UtpConfig config, Random random, int maxConnections, int maxPending) {
    if (maxConnections < 1 || maxPending < 1) {
      throw new IllegalArgumentException("bounds must be positive");
    }
    this.config = Objects.requireNonNull(config, "config");
    this.random = Objects.requireNonNull(random, "random");
    this.maxConnections = maxConnections;
    this.maxPending = maxPending;
    this.pool = new PayloadPool(config);
  }

  /**
   * Opens a connection to {@code peer}: its SYN goes out with the next {@link #pollTransmit}.
   *
   * @param peer where to
   * @param nowNanos the caller's monotonic clock
   * @return the connection
   * @throws IllegalStateException if {@code maxConnections} exist already
   */
  public UtpConnection connect(InetSocketAddress peer, long nowNanos) {
    if (connections.size() >= maxConnections) {
      throw new IllegalStateException("at the connection limit: " + maxConnections);
    }
    for (;;) {
      UtpConnection c = UtpConnection.connect(config, pool, pathLimit(peer), random, nowNanos);
      // both ids must be free towards this peer: ours to receive on, and the one its side of
      // the connection will receive on (a SYN of its own would take that one)
      if (!connections.containsKey(new Key(peer, c.receiveId()))
          && !connections.containsKey(new Key(peer, c.sendId()))) {
        add(new Entry(peer, c, false, nowNanos));
        return c;
      }
    }
  }

  private void add(Entry e) {
    connections.put(new Key(e.peer, e.connection.receiveId()), e);
    order.add(e);
    if (e.pending) {
      pendingCount++;
      pendingByAddress.merge(e.peer.getAddress(), 1, Integer::sum);
    }
  }

  /** {@code e} is no longer pending: its peer sent data, or it was closed or evicted. */
  private void notPending(Entry e) {
    e.pending = false;
    pendingCount--;
    pendingByAddress.computeIfPresent(e.peer.getAddress(), (a, n) -> n == 1 ? null : n - 1);
  }

  /**
   * Handles one datagram from {@code from}: routed to its connection, accepted if it is a SYN
   * within the bounds (then {@link #pollAccepted} gives it), or dropped and counted.
   *
   * @param from the sender
   * @param datagram the bytes, position to limit (not changed)
   * @param nowNanos the caller's monotonic clock
   */
  public void handleDatagram(InetSocketAddress from, ByteBuffer datagram, long nowNanos) {
    UtpPacket p;
    try {
      p = UtpPacket.decode(datagram);
    } catch (UtpException e) {
      drops[Drop.MALFORMED.ordinal()]++;
      return;
    }
    if (p.type() == UtpPacket.Type.SYN) {
      Key key = new Key(from, SeqNr.wrap(p.connectionId() + 1));
      Entry known = connections.get(key);
      if (known != null) {
        known.connection.handlePacket(p, nowNanos); // a repeat: answered again
        return;
      }
      if (pendingByAddress.getOrDefault(from.getAddress(), 0) >= MAX_PENDING_PER_ADDRESS) {
        drops[Drop.SYN_REFUSED.ordinal()]++;
        return;
      }
      if (pendingCount >= maxPending) {
        evictOldestPending();
      }
      if (connections.size() >= maxConnections) {
        drops[Drop.SYN_REFUSED.ordinal()]++;
        return;
      }
      add(new Entry(from, UtpConnection.accept(config, pool, pathLimit(from), p, random, nowNanos), true, nowNanos));
      return;
    }
    Entry e = connections.get(new Key(from, p.connectionId()));
    if (e == null && p.type() == UtpPacket.Type.RESET) {
      e = bySendId(from, p.connectionId()); // implementations differ in the id a RESET carries
    }
    if (e == null) {
      drops[Drop.UNKNOWN_CONNECTION.ordinal()]++;
      if (p.type() != UtpPacket.Type.RESET && resets.size() < MAX_PENDING_RESETS) {
        resets.add(new ResetDue(from, p.connectionId(), p.seqNr()));
      }
      return;
    }
    e.connection.handlePacket(p, nowNanos);
    if (e.pending && (e.connection.available() > 0 || e.connection.isEndOfStream())) {
      notPending(e); // its peer sent data: a real connection, not a flood
      accepted.add(e);
    }
  }

  private void evictOldestPending() {
    Entry oldest = null;
    for (Entry e : order) {
      if (e.pending && (oldest == null || e.createdNanos - oldest.createdNanos < 0)) {
        oldest = e;
      }
    }
    if (oldest != null) {
      // forgotten at once (its slot is the newcomer's); a RESET tells its peer, if there is one
      notPending(oldest);
      connections.remove(new Key(oldest.peer, oldest.connection.receiveId()));
      order.remove(oldest);
      next = 0;
      if (resets.size() < MAX_PENDING_RESETS) {
        resets.add(new ResetDue(oldest.peer, oldest.connection.sendId(), 0));
      }
      drops[Drop.SYN_REFUSED.ordinal()]++;
    }
  }

  private Entry bySendId(InetSocketAddress from, int id) {
    for (Entry e : order) {
      if (e.connection.sendId() == id && e.peer.equals(from)) {
        return e;
      }
    }
    return null;
  }

  /** The next connection accepted from a SYN whose peer has sent data, or null. */
  public Entry pollAccepted() {
    return accepted.poll();
  }

  /**
   * The largest datagram the path to {@code peer} carries whole: loopback's MTU is 64 KiB, while
   * beyond the host the path's MTU is unknown (probing it needs control of IP's don't-fragment
   * bit per datagram, which Java's {@code DatagramChannel} does not give), so the configured
   * packet size, which fits Ethernet under a tunnel or two.
   */
  private int pathLimit(InetSocketAddress peer) {
    return peer.getAddress() != null && peer.getAddress().isLoopbackAddress()
        ? config.loopbackPacketSize() : config.packetSize();
  }

  /**
   * Writes the next datagram any connection has to send (taking them in turn) at {@code dst}'s
   * position.
   *
   * @param dst room for {@link UtpConfig#maxDatagram()} bytes
   * @param nowNanos the caller's monotonic clock
   * @return where to send it, or null when nothing waits
   */
  public InetSocketAddress pollTransmit(ByteBuffer dst, long nowNanos) {
    ResetDue r = resets.poll();
    if (r != null) {
      // the id the packet came with: the peer finds its connection by it, as we do (below)
      UtpPacket.of(UtpPacket.Type.RESET, r.connectionId(), (int) (nowNanos / 1000), 0, 0,
          random.nextInt(SeqNr.MODULUS), r.seqNr()).encode(dst);
      return r.peer();
    }
    int n = order.size();
    for (int i = 0; i < n; i++) {
      if (next >= order.size()) {
        next = 0;
      }
      Entry e = order.get(next++);
      if (e.connection.pollTransmit(dst, nowNanos)) {
        return e.peer;
      }
    }
    removeClosed();
    return null;
  }

  /**
   * Runs every connection's timer that is due, and resets pending connections that sent nothing
   * within the connect timeout.
   */
  public void handleTimeout(long nowNanos) {
    long connectTimeout = config.connectTimeout().toNanos();
    for (Entry e : order) {
      if (e.pending && nowNanos - e.createdNanos >= connectTimeout) {
        notPending(e);
        e.connection.reset();
      } else if (nowNanos - e.connection.nextDeadlineNanos() >= 0) {
        e.connection.handleTimeout(nowNanos);
      }
    }
  }

  /** When {@link #handleTimeout} should next run; {@link Long#MAX_VALUE} with no connections. */
  public long nextDeadlineNanos() {
    long d = Long.MAX_VALUE;
    long connectTimeout = config.connectTimeout().toNanos();
    for (Entry e : order) {
      long x = e.connection.nextDeadlineNanos();
      if (e.pending && (x == Long.MAX_VALUE || e.createdNanos + connectTimeout - x < 0)) {
        x = e.createdNanos + connectTimeout;
      }
      if (x != Long.MAX_VALUE && (d == Long.MAX_VALUE || x - d < 0)) {
        d = x;
      }
    }
    return d;
  }

  private void removeClosed() {
    for (Iterator<Entry> it = order.iterator(); it.hasNext(); ) {
      Entry e = it.next();
      if (e.connection.state() == UtpConnection.State.CLOSED) {
        it.remove();
        connections.remove(new Key(e.peer, e.connection.receiveId()));
        if (e.pending) {
          notPending(e);
        }
      }
    }
    next = 0;
  }

  /** Connections open now (closed ones are forgotten once nothing is left to send). */
  public int connectionCount() {
    return connections.size();
  }

  /** Accepted connections whose peer has sent no data yet. */
  public int pendingCount() {
    return pendingCount;
  }

  /** Datagrams dropped for {@code reason}. */
  public long dropped(Drop reason) {
    return drops[reason.ordinal()];
  }
}
