package io.btlib.client.internal;

import io.btlib.peer.PeerAddress;
import io.btlib.utp.UtpConfig;
import io.btlib.utp.UtpConnection;
import io.btlib.utp.UtpMultiplexer;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The engine's side of one UDP socket's uTP connections, without the socket: a host hands it the
 * datagrams that arrive ({@link #receive}), sends what {@link #poll} gives, and calls {@link
 * #service} after each batch and when {@link #nextDeadline} has passed. It opens connections as
 * {@link UtpStream} links and tells the engine's {@link EngineHost.Handler} of new connections and
 * of readiness, level-triggered as a selector does: a stream with bytes to read (or its end)
 * while interested in reading is reported readable on every service until they are read.
 * {@link NioHost} runs it over a {@code DatagramChannel}; the test kit over a simulated one. Loop
 * only. Internal, not API: public for the test kit.
 */
public final class UtpEndpoint {
  private final UtpMultiplexer mux;
  private final List<UtpStream> streams = new ArrayList<>();
  /** What the connections of streams no longer in {@link #streams} counted when they left it. */
  private long retiredResent;
  private long retiredTimeouts;

  /**
   * An endpoint with no connections yet.
   *
   * @param config the connections' settings
   * @param random picks connection ids and first sequence numbers
   * @param maxConnections uTP connections at most
   * @param maxPending accepted connections whose peer has sent nothing yet, at most (SYN floods)
   */
  public UtpEndpoint(UtpConfig config, Random random, int maxConnections, int maxPending) {
    this.mux = new UtpMultiplexer(config, random, maxConnections, maxPending);
  }

  /** Hands a datagram from {@code from} to its connection (position to limit; not changed). */
  public void receive(InetSocketAddress from, ByteBuffer datagram, long now) {
    mux.handleDatagram(from, datagram, now);
  }

  /** Opens a connection to {@code peer}; its SYN goes out with the next {@link #poll}. */
  public Link dial(PeerAddress peer, long now) {
    UtpConnection c = mux.connect(peer.toSocketAddress(), now);
    UtpStream s = new UtpStream(c, peer, true);
    streams.add(s);
    return s;
  }

  /**
   * Runs the timers that are due, hands accepted connections and readiness to {@code handler}.
   *
   * @return whether a stream is still ready after its handler ran (so the host should come back
   *     at once rather than wait for the next datagram)
   */
  public boolean service(EngineHost.Handler handler, long now) {
    long deadline = mux.nextDeadlineNanos();
    if (deadline != Long.MAX_VALUE && now - deadline >= 0) {
      mux.handleTimeout(now);
    }
    UtpMultiplexer.Entry e;
    while ((e = mux.pollAccepted()) != null) {
      UtpStream s = new UtpStream(e.connection(), PeerAddress.of(e.peer()), false);
      streams.add(s);
      handler.accepted(s, now);
    }
    boolean more = false;
    int live = 0;
    for (int i = 0; i < streams.size(); i++) {
      UtpStream s = streams.get(i);
      if (s.isOpen()) {
        more |= dispatch(s, handler, now);
      }
      if (s.isOpen()) {
        streams.set(live++, s);
      } else {
        retire(s);
      }
    }
    // a stream dialled by a handler meanwhile was appended, and visited by the same loop
    streams.subList(live, streams.size()).clear();
    return more;
  }

  /**
   * Whether a stream is ready for its handler now: sending datagrams frees room in the streams'
   * send buffers, so after {@link #poll} a stream waiting to write may be ready again.
   */
  public boolean anyReady() {
    for (UtpStream s : streams) {
      if (s.isOpen() && !s.dialing && (((s.interest & Link.READ) != 0 && readable(s.connection))
          || ((s.interest & Link.WRITE) != 0 && writable(s.connection)))) {
        return true;
      }
    }
    return false;
  }

  private void retire(UtpStream s) {
    retiredResent += s.connection.packetsResent();
    retiredTimeouts += s.connection.timeouts();
  }

  /**
   * Packets the connections resent (lost or presumed lost), over every connection this endpoint
   * opened or accepted (a closed one's count as it was when its stream closed).
   */
  public long packetsResent() {
    long n = retiredResent;
    for (UtpStream s : streams) {
      n += s.connection.packetsResent();
    }
    return n;
  }

  /** Retransmission timeouts of the connections, counted as {@link #packetsResent} is. */
  public long timeouts() {
    long n = retiredTimeouts;
    for (UtpStream s : streams) {
      n += s.connection.timeouts();
    }
    return n;
  }

  /** Reports {@code s}'s readiness; true if it is still ready afterwards. */
  private static boolean dispatch(UtpStream s, EngineHost.Handler handler, long now) {
    UtpConnection c = s.connection;
    if (s.dialing) {
      if (c.state() == UtpConnection.State.SYN_SENT) {
        return false;
      }
      s.dialing = false;
      handler.connectable(s, now);
      return false;
    }
    if ((s.interest & Link.READ) != 0 && readable(c)) {
      handler.readable(s, now);
    }
    if (s.isOpen() && (s.interest & Link.WRITE) != 0 && writable(c)) {
      handler.writable(s, now);
    }
    return s.isOpen() && (((s.interest & Link.READ) != 0 && readable(c))
        || ((s.interest & Link.WRITE) != 0 && writable(c)));
  }

  private static boolean readable(UtpConnection c) {
    return c.available() > 0 || c.isEndOfStream() || c.state() == UtpConnection.State.CLOSED;
  }

  private static boolean writable(UtpConnection c) {
    return c.writable() > 0 || c.state() == UtpConnection.State.CLOSED;
  }

  /**
   * Writes the next datagram to send at {@code dst}'s position.
   *
   * @return where it goes, or null when nothing waits
   */
  public InetSocketAddress poll(ByteBuffer dst, long now) {
    return mux.pollTransmit(dst, now);
  }

  /** When {@link #service} should run next for the timers; {@link Long#MAX_VALUE} for never. */
  public long nextDeadline() {
    return mux.nextDeadlineNanos();
  }

  /** Connections in the multiplexer (open, or closing with something left to send). */
  public int connectionCount() {
    return mux.connectionCount();
  }

  /** Datagrams dropped for {@code reason}. */
  public long dropped(UtpMultiplexer.Drop reason) {
    return mux.dropped(reason);
  }

  /** Resets every connection (the host is stopping); their RESETs go out with {@link #poll}. */
  public void resetAll() {
    for (UtpStream s : streams) {
      s.connection.reset();
      retire(s);
    }
    streams.clear();
  }
}
