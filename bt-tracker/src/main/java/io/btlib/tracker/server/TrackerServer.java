package io.btlib.tracker.server;

import io.btlib.metainfo.InfoHash;
import io.btlib.tracker.server.internal.ConnectionIds;
import io.btlib.tracker.server.internal.HashKey;
import io.btlib.tracker.server.internal.HttpServerLoop;
import io.btlib.tracker.server.internal.HttpTrackerHandler;
import io.btlib.tracker.server.internal.Rng;
import io.btlib.tracker.server.internal.SwarmRegistry;
import io.btlib.tracker.server.internal.UdpServerLoop;
import io.btlib.tracker.server.internal.UdpTrackerHandler;
import java.io.IOException;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.nio.channels.DatagramChannel;
import java.nio.channels.ServerSocketChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An embeddable BitTorrent tracker serving HTTP (BEP 3, with BEP 23 compact and BEP 7 IPv6 peers,
 * BEP 48 scrape) and UDP (BEP 15) announces from swarms held in memory.
 *
 * <pre>{@code
 * try (TrackerServer tracker = TrackerServer.builder()
 *     .bindAddress(InetAddress.getByName("127.0.0.1"))
 *     .httpPort(6969).udpPort(6969)
 *     .build()
 *     .start()) {
 *   String url = tracker.httpAnnounceUrl();   // http://127.0.0.1:6969/announce
 *   ...
 * }
 * }</pre>
 *
 * <p><b>Behaviour.</b> Swarms are keyed by the 20-byte info hash (a v2 torrent by its truncated
 * hash, as clients announce it), peers by address and port; the address is the connection's or
 * datagram's source (see {@link Builder#bindAddress} for the {@code ip} parameter). A peer with
 * {@code left=0} is a seeder; {@code completed} counts one download per peer; {@code stopped}
 * removes the peer. A peer not heard from for twice the announce interval (at least 10 minutes:
 * clients re-announce no sooner than their own floor, libtorrent's is 5 minutes; see {@link
 * Builder#peerTimeout}) expires: it is no longer handed out, and the next sweep removes it, and
 * its swarm if that is left empty (counts include it until then). A reply holds
 * at most numwant peers, a random sample when the swarm has more, never the asking peer itself.
 * Every malformed HTTP request gets a bencoded {@code failure reason} (HTTP 200) naming the
 * parameter; every malformed UDP datagram is dropped or answered with an error (never with more
 * bytes than it carried). A scrape of the whole tracker is refused.
 *
 * <p><b>Resources.</b> {@link #start()} binds the sockets and starts daemon threads: {@code
 * bt-tracker-http-PORT} (one selector thread for all HTTP connections), {@code
 * bt-tracker-udp-PORT-N} ({@link Builder#udpThreads}, default 1, receive and answer datagrams)
 * and {@code bt-tracker-sweep-PORT} (removes expired peers every quarter of the peer timeout, at
 * most every minute; it holds the registry's lock for a bounded slice of swarms at a time, so
 * announces wait at most about a millisecond for it whatever the number of swarms). {@link
 * #close()} stops them and closes every socket within a bounded wait; afterwards the ports can be
 * bound again. Memory is bounded by {@link Builder#maxSwarms}, {@link Builder#maxPeersPerSwarm}
 * and {@link Builder#maxPeers} (about 40 bytes of heap a peer with its share of a 10-peer swarm:
 * 10^6 peers in 100,000 swarms took 36.7 MiB), and the HTTP side by {@link
 * Builder#maxHttpConnections} × 8 KiB.
 *
 * <p>Thread-safe. Not restartable: build a new server instead.
 */
public final class TrackerServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrackerServer.class);
  private static final long ID_ROTATION_NANOS = TimeUnit.MINUTES.toNanos(2);
  private static final int MAX_REQUEST_LINE = 4096;
  private static final int MAX_HEAD = 8192;
  private static final long JOIN_MILLIS = 5_000;
  /** The longest re-announce floor of common clients (libtorrent's min_announce_interval). */
  static final long CLIENT_INTERVAL_FLOOR_NANOS = TimeUnit.MINUTES.toNanos(5);

  private final Config config;
  private final SwarmRegistry registry;
  private final Object lifecycle = new Object();
  private boolean started;
  private boolean closed;
  private int httpPort = -1;
  private int udpPort = -1;
  private HttpServerLoop httpLoop;
  private UdpServerLoop udpLoop;
  private Thread httpThread;
  private final List<Thread> udpThreads = new ArrayList<>();
  private Thread sweepThread;

  private TrackerServer(Builder b) {
    this.config = b.config();
    long ttl = config.peerTimeout().toNanos();
    this.registry = new SwarmRegistry(new SwarmRegistry.Limits(config.maxSwarms(),
        config.maxPeersPerSwarm(), config.maxPeers(), config.defaultNumwant(),
        config.maxNumwant(), ttl), config.allowed());
  }

  /** A builder with the defaults listed on each of its methods. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the enabled ports and starts serving.
   *
   * @return this server, for chaining
   * @throws IOException if a port cannot be bound; whatever was bound is released
   * @throws IllegalStateException if already started or closed
   */
  public TrackerServer start() throws IOException {
    synchronized (lifecycle) {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      if (started) {
        throw new IllegalStateException("already started");
      }
      started = true;
      SecureRandom random = new SecureRandom();
      LongSupplier ticker = config.ticker();
      int interval = (int) config.interval().getSeconds();
      int minInterval = (int) config.minInterval().getSeconds();
      try {
        if (config.httpPort() >= 0) {
          ServerSocketChannel ch = ServerSocketChannel.open();
          try {
            ch.setOption(StandardSocketOptions.SO_REUSEADDR, true);
            ch.bind(new InetSocketAddress(config.bindAddress(), config.httpPort()), 1024);
          } catch (IOException e) {
            ch.close();
            throw e;
          }
          httpPort = ((InetSocketAddress) ch.getLocalAddress()).getPort();
          HttpTrackerHandler h = new HttpTrackerHandler(registry, new Rng(random.nextLong()),
              interval, minInterval);
          httpLoop = new HttpServerLoop(ch, h, ticker, config.httpTimeout().toNanos(),
              config.maxHttpConnections(), MAX_REQUEST_LINE, MAX_HEAD);
        }
        if (config.udpPort() >= 0) {
          DatagramChannel ch = DatagramChannel.open(config.bindAddress() instanceof Inet6Address
              ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
          try {
            ch.setOption(StandardSocketOptions.SO_RCVBUF, 4 << 20);
            ch.setOption(StandardSocketOptions.SO_SNDBUF, 1 << 20);
            ch.bind(new InetSocketAddress(config.bindAddress(), config.udpPort()));
          } catch (IOException e) {
            ch.close();
            throw e;
          }
          udpPort = ((InetSocketAddress) ch.getLocalAddress()).getPort();
          udpLoop = new UdpServerLoop(ch, ticker,
              UdpTrackerHandler.maxReplyBytes(config.maxNumwant()));
        }
      } catch (IOException | RuntimeException e) {
        stopAll();
        closed = true;
        throw e;
      }
      if (httpLoop != null) {
        httpThread = daemon(httpLoop, "bt-tracker-http-" + httpPort);
      }
      if (udpLoop != null) {
        ConnectionIds ids = new ConnectionIds(random, ID_ROTATION_NANOS, ticker.getAsLong());
        for (int i = 0; i < config.udpThreads(); i++) {
          UdpTrackerHandler h = new UdpTrackerHandler(registry, ids, new Rng(random.nextLong()),
              interval);
          udpThreads.add(daemon(udpLoop.worker(h), "bt-tracker-udp-" + udpPort + "-" + i));
        }
      }
      sweepThread = daemon(this::sweepLoop,
          "bt-tracker-sweep-" + (httpPort >= 0 ? httpPort : udpPort));
      log.debug("tracker started: http {} udp {}", httpPort, udpPort);
      return this;
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    t.start();
    return t;
  }

  private void sweepLoop() {
    long periodMillis = sweepPeriodMillis(config.peerTimeout());
    synchronized (lifecycle) {
      while (!closed) {
        try {
          lifecycle.wait(periodMillis);
        } catch (InterruptedException e) {
          return;
        }
        if (closed) {
          return;
        }
        try {
          registry.sweep(config.ticker().getAsLong());
        } catch (RuntimeException e) {
          log.warn("tracker sweep failed", e);
        }
      }
    }
  }

  /**
   * How often expired peers are swept: a quarter of the peer timeout, within 1 s..1 min, so an
   * expired peer is gone within 1.25 timeouts (memory then stays flat under churn) and a sweep,
   * a pass over every swarm, runs rarely.
   */
  static long sweepPeriodMillis(Duration peerTimeout) {
    return Math.max(1000, Math.min(60_000, peerTimeout.toMillis() / 4));
  }

  /**
   * The bound HTTP port, or -1 if HTTP is disabled.
   *
   * @throws IllegalStateException if not started
   */
  public int httpPort() {
    checkStarted();
    return httpPort;
  }

  /**
   * The bound UDP port, or -1 if UDP is disabled.
   *
   * @throws IllegalStateException if not started
   */
  public int udpPort() {
    checkStarted();
    return udpPort;
  }

  /**
   * The HTTP announce URL, e.g. {@code http://127.0.0.1:6969/announce}.
   *
   * @throws IllegalStateException if not started or HTTP is disabled
   */
  public String httpAnnounceUrl() {
    if (httpPort() < 0) {
      throw new IllegalStateException("HTTP is disabled");
    }
    return "http://" + hostLiteral() + ":" + httpPort + "/announce";
  }

  /**
   * The UDP announce URL, e.g. {@code udp://127.0.0.1:6969/announce}.
   *
   * @throws IllegalStateException if not started or UDP is disabled
   */
  public String udpAnnounceUrl() {
    if (udpPort() < 0) {
      throw new IllegalStateException("UDP is disabled");
    }
    return "udp://" + hostLiteral() + ":" + udpPort + "/announce";
  }

  private String hostLiteral() {
    String h = config.bindAddress().getHostAddress();
    int zone = h.indexOf('%');
    if (zone >= 0) {
      h = h.substring(0, zone);
    }
    return config.bindAddress() instanceof Inet6Address ? "[" + h + "]" : h;
  }

  /** The number of swarms held now. */
  public int swarmCount() {
    return registry.swarmCount();
  }

  /** The number of peers held now, in all swarms. */
  public int peerCount() {
    return registry.peerCount();
  }

  private void checkStarted() {
    synchronized (lifecycle) {
      if (!started) {
        throw new IllegalStateException("not started");
      }
    }
  }

  /**
   * Stops every thread and closes every socket, waiting up to a few seconds for the threads to
   * end. Idempotent; safe to call before {@link #start()}.
   */
  @Override
  public void close() {
    Thread[] threads;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      lifecycle.notifyAll();
      stopAll();
      List<Thread> all = new ArrayList<>(udpThreads);
      all.add(httpThread);
      all.add(sweepThread);
      threads = all.toArray(new Thread[0]);
    }
    for (Thread t : threads) {
      if (t != null && t != Thread.currentThread()) {
        try {
          t.join(JOIN_MILLIS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          return;
        }
      }
    }
  }

  private void stopAll() {
    if (httpLoop != null) {
      httpLoop.stop();
      if (httpThread == null) {
        httpLoop.run(); // never started: run() with running=false just closes its sockets
      }
    }
    if (udpLoop != null) {
      udpLoop.stop();
    }
  }

  @Override
  public String toString() {
    return "TrackerServer[" + config.bindAddress().getHostAddress() + " http " + httpPort + " udp "
        + udpPort + "]";
  }

  /** The settings a TrackerServer runs with: an immutable snapshot of its builder. */
  private record Config(
      InetAddress bindAddress,
      int httpPort,
      int udpPort,
      Duration interval,
      Duration minInterval,
      Duration peerTimeout,
      Set<HashKey> allowed,
      int maxSwarms,
      int maxPeersPerSwarm,
      int maxPeers,
      int defaultNumwant,
      int maxNumwant,
      Duration httpTimeout,
      int maxHttpConnections,
      int udpThreads,
      LongSupplier ticker) {}

  /**
   * Settings for a {@link TrackerServer}. Each setter checks its value at once and throws
   * {@link IllegalArgumentException} naming it.
   */
  public static final class Builder {
    private InetAddress bindAddress = InetAddress.getLoopbackAddress();
    private int httpPort = 0;
    private int udpPort = 0;
    private Duration interval = Duration.ofMinutes(30);
    private Duration minInterval = Duration.ofMinutes(5);
    private Duration peerTimeout;
    private Set<HashKey> allowed;
    private int maxSwarms = 100_000;
    private int maxPeersPerSwarm = 10_000;
    private int maxPeers = 1_000_000;
    private int defaultNumwant = 50;
    private int maxNumwant = 200;
    private Duration httpTimeout = Duration.ofSeconds(15);
    private int maxHttpConnections = 1024;
    private int udpThreads = 1;
    private LongSupplier ticker = System::nanoTime;

    private Builder() {}

    private Config config() {
      return new Config(
          bindAddress,
          httpPort,
          udpPort,
          interval,
          minInterval.compareTo(interval) > 0 ? interval : minInterval, // never above interval
          peerTimeout != null ? peerTimeout : defaultPeerTimeout(interval),
          allowed == null ? null : Set.copyOf(allowed),
          maxSwarms,
          maxPeersPerSwarm,
          maxPeers,
          defaultNumwant,
          maxNumwant,
          httpTimeout,
          maxHttpConnections,
          udpThreads,
          ticker);
    }

    /**
     * The address both sockets bind to. Default: 127.0.0.1 (loopback only; pass the wildcard
     * address to serve the network). An IPv6 address gives an IPv6 UDP socket, whose announce
     * replies carry 18-byte peers (BEP 15). The HTTP {@code ip} parameter is honoured only on
     * connections from a loopback address, and only as an IP literal.
     */
    public Builder bindAddress(InetAddress address) {
      this.bindAddress = Objects.requireNonNull(address, "bindAddress");
      return this;
    }

    /** The HTTP port: 0 (the default) for an ephemeral port, -1 to disable HTTP. */
    public Builder httpPort(int port) {
      this.httpPort = checkPort("httpPort", port);
      return this;
    }

    /** The UDP port: 0 (the default) for an ephemeral port, -1 to disable UDP. */
    public Builder udpPort(int port) {
      this.udpPort = checkPort("udpPort", port);
      return this;
    }

    private static int checkPort(String what, int port) {
      if (port < -1 || port > 65535) {
        throw new IllegalArgumentException(what + " must be -1..65535, got " + port);
      }
      return port;
    }

    /**
     * The announce interval sent to clients, 1 second to 1 day, whole seconds. Default: 30
     * minutes, as opentracker and most public trackers use: frequent enough for a peer list to
     * stay fresh, rare enough that a tracker serves 10^6 peers with a few hundred announces a
     * second. Peers expire after twice the interval, and never sooner than 10 minutes, unless
     * {@link #peerTimeout} says otherwise.
     */
    public Builder announceInterval(Duration interval) {
      Objects.requireNonNull(interval, "announceInterval");
      if (interval.getSeconds() < 1 || interval.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("announceInterval must be 1 s..1 day, got " + interval);
      }
      this.interval = interval;
      return this;
    }

    /**
     * The {@code min interval} sent to HTTP clients, the least time they should wait between
     * announces, 1 second to 1 day. Default: 5 minutes. Lowered to the announce interval at
     * {@link #build()} if longer.
     */
    public Builder minAnnounceInterval(Duration minInterval) {
      Objects.requireNonNull(minInterval, "minAnnounceInterval");
      if (minInterval.getSeconds() < 1 || minInterval.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException(
            "minAnnounceInterval must be 1 s..1 day, got " + minInterval);
      }
      this.minInterval = minInterval;
      return this;
    }

    /**
     * How long a peer not heard from stays in its swarm, 1 second to 7 days, whole seconds, or
     * null for the default: twice the announce interval, and never less than 10 minutes (clients
     * re-announce no sooner than their own floor whatever the tracker says: bt after 1 minute,
     * libtorrent after 5; a shorter timeout drops live peers). An expired peer is no longer
     * handed out, and a sweep every quarter of the timeout (1 s to 1 min) removes it, with its
     * swarm if that is left empty. Shorten it only when every client announces more often, as a
     * benchmark's do.
     */
    public Builder peerTimeout(Duration timeout) {
      if (timeout != null
          && (timeout.getSeconds() < 1 || timeout.compareTo(Duration.ofDays(7)) > 0)) {
        throw new IllegalArgumentException("peerTimeout must be 1 s..7 days, got " + timeout);
      }
      this.peerTimeout = timeout;
      return this;
    }

    private static Duration defaultPeerTimeout(Duration interval) {
      long nanos = 2 * Math.max(interval.toNanos(), CLIENT_INTERVAL_FLOOR_NANOS);
      return Duration.ofNanos(nanos);
    }

    /**
     * The only torrents served, or null (the default) to serve any. Others get a failure
     * ({@code info_hash not allowed on this tracker}) and scrape as nothing. A v2 hash is
     * reduced to its 20-byte truncated form, which is what clients announce. Copied.
     */
    public Builder allowedInfoHashes(Collection<InfoHash> hashes) {
      if (hashes == null) {
        this.allowed = null;
        return this;
      }
      Set<HashKey> keys = new HashSet<>();
      for (InfoHash h : hashes) {
        Objects.requireNonNull(h, "allowedInfoHashes holds null");
        InfoHash v1 = h.isV1() ? h : h.truncated();
        keys.add(HashKey.of(v1.bytes(), 0));
      }
      this.allowed = keys;
      return this;
    }

    /**
     * The most swarms held, at least 1; a new swarm beyond it evicts one announced to long ago
     * (approximate LRU: the least recent of 8 picked at random). Default: 100,000.
     */
    public Builder maxSwarms(int n) {
      this.maxSwarms = positive("maxSwarms", n);
      return this;
    }

    /**
     * The most peers of one swarm, at least 1; a new peer beyond it evicts one of the swarm's
     * peers heard from long ago (approximate LRU, as for swarms). Default: 10,000.
     */
    public Builder maxPeersPerSwarm(int n) {
      this.maxPeersPerSwarm = positive("maxPeersPerSwarm", n);
      return this;
    }

    /**
     * The most peers in all swarms, at least 1; a new peer beyond it evicts a peer of a swarm
     * announced to long ago (approximate LRU). Default: 1,000,000 (about 40 MiB).
     */
    public Builder maxPeers(int n) {
      this.maxPeers = positive("maxPeers", n);
      return this;
    }

    /** The peers returned when a client does not say how many it wants. Default: 50. */
    public Builder defaultNumwant(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("defaultNumwant must be >= 0, got " + n);
      }
      this.defaultNumwant = n;
      return this;
    }

    /**
     * The most peers one reply carries, 1..1000; larger requests are cut to it. Default: 200.
     */
    public Builder maxNumwant(int n) {
      if (n < 1 || n > 1000) {
        throw new IllegalArgumentException("maxNumwant must be 1..1000, got " + n);
      }
      this.maxNumwant = n;
      return this;
    }

    /**
     * How long an HTTP connection may take to deliver each complete request (counted from the
     * previous reply or from accept), and to read its reply; slower connections are closed.
     * Default: 15 seconds.
     */
    public Builder httpTimeout(Duration timeout) {
      Objects.requireNonNull(timeout, "httpTimeout");
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("httpTimeout must be positive, got " + timeout);
      }
      this.httpTimeout = timeout;
      return this;
    }

    /** The most HTTP connections open at once; more are closed on accept. Default: 1024. */
    public Builder maxHttpConnections(int n) {
      this.maxHttpConnections = positive("maxHttpConnections", n);
      return this;
    }

    /**
     * The threads receiving and answering UDP datagrams on the one UDP socket, 1..8. Default: 1.
     * One thread answers about 10^5 announces a second on one core (two system calls and about
     * 1.5 µs of work each); a second thread lets one receive while the other answers, but they
     * hand the socket's lock back and forth for every datagram, which costs about as much as it
     * gains on two cores. Raise it only with cores to spare.
     */
    public Builder udpThreads(int n) {
      if (n < 1 || n > 8) {
        throw new IllegalArgumentException("udpThreads must be 1..8, got " + n);
      }
      this.udpThreads = n;
      return this;
    }

    /**
     * The monotonic clock, in nanoseconds, for peer expiry, connection-id rotation and HTTP
     * timeouts. Default: {@code System::nanoTime}. Tests pass a fake to move time by hand.
     */
    public Builder ticker(LongSupplier nanoTime) {
      this.ticker = Objects.requireNonNull(nanoTime, "ticker");
      return this;
    }

    private static int positive(String what, int n) {
      if (n < 1) {
        throw new IllegalArgumentException(what + " must be >= 1, got " + n);
      }
      return n;
    }

    /**
     * A server with these settings, not yet started.
     *
     * @throws IllegalArgumentException if {@code defaultNumwant} exceeds {@code maxNumwant}
     */
    public TrackerServer build() {
      if (defaultNumwant > maxNumwant) {
        throw new IllegalArgumentException("defaultNumwant " + defaultNumwant
            + " exceeds maxNumwant " + maxNumwant);
      }
      return new TrackerServer(this);
    }
  }
}
