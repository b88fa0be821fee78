package io.btlib.client;

import io.btlib.client.internal.ClientAccess;
import io.btlib.client.internal.Engine;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerId;
import io.btlib.policy.Choker;
import io.btlib.policy.Chokers;
import io.btlib.policy.PeerSelector;
import io.btlib.policy.PeerSelectors;
import io.btlib.policy.PiecePicker;
import io.btlib.policy.PiecePickers;
import io.btlib.utp.UtpConfig;
import io.btlib.webseed.WebSeedConfig;
import io.btlib.wire.WireLimits;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Random;
import java.util.function.LongSupplier;

/**
 * A BitTorrent client: one listening socket, one engine thread, any number of torrents. Build one,
 * share it, close it.
 *
 * <pre>{@code
 * try (Client client = Client.builder().build()) {
 *   Metainfo m = Metainfo.parse(Path.of("file.torrent"));
 *   Torrent t = client.add(m, FileStorage.open(m, Path.of("downloads")));
 *   t.addPeer(PeerAddress.parse("127.0.0.1:6881"));
 *   t.start();
 *   t.completion().get();
 * }
 * }</pre>
 *
 * <p><b>Threads.</b> The client owns one event-loop thread (all sockets, all protocol state, all
 * policy calls), a small pool for disk reads/writes and hashing, and one thread that delivers
 * listener events. {@link #close()} stops them all and closes every socket and every storage it
 * was given, within a bounded wait; it is idempotent. After it, {@link #add} throws {@link
 * IllegalStateException}.
 *
 * <p><b>Many torrents.</b> A client holds thousands: an idle torrent (seeding or stopped, with no
 * peer and no transfer) costs no CPU until something happens to it (a peer found, a connection, a
 * command), and adding, finding or removing one costs the same whatever the count. Open their
 * storages from one {@link StorageFactory} (bt-storage's {@code FileStorage.builder(dir).build()})
 * so that their open files share one bound, rather than a storage per torrent with files of its
 * own.
 */
public final class Client implements AutoCloseable {
  private final Engine engine;

  static {
    // the test kit builds clients on a simulated network through this, not through public API
    ClientAccess.install(new ClientAccess.Bridge() {
      @Override
      public Engine.Config config(Builder b) {
        return b.config();
      }

      @Override
      public Client client(Engine e) {
        return new Client(e);
      }

      @Override
      public Engine engine(Client c) {
        return c.engine;
      }
    });
  }

  private Client(Engine engine) {
    this.engine = engine;
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Adds a torrent whose metainfo is known, with the storage that holds (or will hold) its data;
   * the client closes the storage when the torrent is removed or the client closes.
   *
   * @param verified pieces known to be good already (from resume data), or null to recheck all
   */
  public Torrent add(Metainfo metainfo, Storage storage, BitSet verified) {
    return engine.add(Objects.requireNonNull(metainfo), Objects.requireNonNull(storage), verified);
  }

  /** Adds a torrent and rechecks whatever its storage holds when it starts. */
  public Torrent add(Metainfo metainfo, Storage storage) {
    return add(metainfo, storage, null);
  }

  /**
   * Adds a torrent by magnet link: its info dictionary is fetched from peers (BEP 9), checked
   * against the link's hashes, and then {@code storage} opens the storage for it.
   */
  public Torrent add(MagnetLink magnet, StorageFactory storage) {
    return engine.add(Objects.requireNonNull(magnet), Objects.requireNonNull(storage));
  }

  /** The torrents in the client. */
  public List<Torrent> torrents() {
    return engine.torrents();
  }

  /** The address the client accepts peer connections on (the port chosen if 0 was asked). */
  public InetSocketAddress listenAddress() {
    return engine.listenAddress();
  }

  /**
   * The client's UDP socket, to share with a DHT node (see {@link UdpPort}); empty when the
   * client speaks no uTP ({@link Transport#TCP}) and so has none.
   */
  public Optional<UdpPort> udpPort() {
    return Optional.ofNullable(engine.udpPort());
  }

  /** Our peer id. */
  public PeerId peerId() {
    return engine.peerId();
  }

  /**
   * A snapshot of what the client holds (torrents, connections, registered channels, buffers),
   * for monitoring. It is taken on the engine thread: the caller waits for it (at most a few
   * seconds), so call it now and then, not per packet.
   *
   * @throws IllegalStateException if the client is closed, or its engine did not answer in time
   */
  public ClientStats stats() {
    return engine.stats();
  }

  /** Stops every thread and closes every socket and storage; idempotent. */
  @Override
  public void close() {
    engine.close();
  }

  /** The settings of a {@link Client}; each setter checks its value at once. Not thread-safe. */
  public static final class Builder {
    private InetAddress listenAddress = InetAddress.getLoopbackAddress();
    private int port;
    private String peerIdPrefix = "-BT0010-";
    private int maxConnectionsPerTorrent = 100;
    private int maxConnections = 500;
    private int maxHalfOpen = 100;
    private int uploadSlots = 8;
    private long downloadLimit;
    private long uploadLimit;
    private int maxRequestsPerPeer = 2000;
    private int maxOutstandingRequests = 2000;
    private Duration requestQueueTime = Duration.ofSeconds(3);
    private PiecePicker.Factory piecePicker = PiecePickers.rarestFirst();
    private Choker.Factory choker = Chokers.titForTat();
    private PeerSelector.Factory peerSelector = PeerSelectors.defaults();
    private final List<PeerSource> peerSources = new ArrayList<>();
    private WireLimits limits = WireLimits.DEFAULTS;
    private int diskThreads = 2;
    private LongSupplier ticker = System::nanoTime;
    private Random random;
    private Duration closeTimeout = Duration.ofSeconds(5);
    private int eventQueueCapacity = 10_000;
    private WebSeedConfig webSeeds = WebSeedConfig.DEFAULTS;
    private EncryptionPolicy outgoingEncryption = EncryptionPolicy.ENABLED;
    private EncryptionPolicy incomingEncryption = EncryptionPolicy.ENABLED;
    private boolean zeroCopyUploads;
    private boolean superSeeding;
    private boolean sendRedundantHave = true;
    private Transport transport = Transport.BOTH;
    private UtpConfig utpConfig = UtpConfig.defaults();

    private Builder() {}

    /**
     * The address to accept peer connections on (default: the loopback address, so nothing is
     * exposed unless asked; use {@code 0.0.0.0} or {@code ::} to accept from anywhere).
     */
    public Builder listenAddress(InetAddress address) {
      this.listenAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** The port to listen on, 0 to 65535 (default 0: any free port, see {@link #listenAddress}). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
      }
      this.port = port;
      return this;
    }

    /** The start of our peer id, printable ASCII, at most 20 characters (default "-BT0010-"). */
    public Builder peerIdPrefix(String prefix) {
      if (prefix.length() > 20 || !prefix.chars().allMatch(c -> c >= 0x20 && c < 0x7F)) {
        throw new IllegalArgumentException("peer id prefix must be printable ASCII of at most 20 "
            + "characters: " + prefix);
      }
      this.peerIdPrefix = prefix;
      return this;
    }

    /** The most peers one torrent connects to, at least 1 (default 100). */
    public Builder maxConnectionsPerTorrent(int n) {
      this.maxConnectionsPerTorrent = positive("maxConnectionsPerTorrent", n);
      return this;
    }

    /** The most connections in the whole client, at least 1 (default 500). */
    public Builder maxConnections(int n) {
      this.maxConnections = positive("maxConnections", n);
      return this;
    }

    /**
     * The most outgoing connections being set up at once, at least 1 (default 100: peer lists hold
     * many dead addresses, and a live peer should not wait behind them for their timeouts).
     */
    public Builder maxHalfOpen(int n) {
      this.maxHalfOpen = positive("maxHalfOpen", n);
      return this;
    }

    /** Peers unchoked at once per torrent, optimistic included, at least 0 (default 8). */
    public Builder uploadSlots(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("uploadSlots must be >= 0: " + n);
      }
      this.uploadSlots = n;
      return this;
    }

    /** Global download limit in bytes per second; 0 is unlimited (default). */
    public Builder downloadLimit(long bytesPerSecond) {
      this.downloadLimit = nonNegative("downloadLimit", bytesPerSecond);
      return this;
    }

    /** Global upload limit in bytes per second; 0 is unlimited (default). */
    public Builder uploadLimit(long bytesPerSecond) {
      this.uploadLimit = nonNegative("uploadLimit", bytesPerSecond);
      return this;
    }

    /**
     * The most block requests we queue from one peer, and announce to it as {@code reqq} (default
     * 2000, libtorrent's {@code max_allowed_in_request_queue}). A downloader keeps at most this
     * many of its requests outstanding with us, so it bounds what one peer can pull across a long
     * round trip: 2000 blocks of 16 KiB is 31 MiB in flight, 156 MiB/s at 200 ms. Requests beyond
     * it are rejected (or dropped, without the fast extension); a queued request costs a few
     * dozen bytes, and the blocks are read from disk only a few at a time as the socket drains.
     */
    public Builder maxRequestsPerPeer(int n) {
      this.maxRequestsPerPeer = positive("maxRequestsPerPeer", n);
      return this;
    }

    /**
     * The most block requests we keep outstanding with one peer (default 2000; libtorrent's
     * {@code max_out_request_queue} is 500). The queue to a peer grows to its download rate ×
     * {@link #requestQueueTime}, up to this and the peer's own {@code reqq}: raise it (and ask
     * the peer to raise its {@code reqq}) when rate × round trip exceeds 2000 blocks of 16 KiB,
     * 31 MiB, for example 100 MiB/s at over 300 ms.
     */
    public Builder maxOutstandingRequests(int n) {
      this.maxOutstandingRequests = positive("maxOutstandingRequests", n);
      return this;
    }

    /**
     * How long a block request may wait in the pipe to a peer: the queue to each peer is sized to
     * what it sends in this time at its current rate (default 3 s, libtorrent's {@code
     * request_queue_time}). It must exceed the round trip for the pipe to stay full.
     *
     * @throws IllegalArgumentException if {@code time} is not positive
     */
    public Builder requestQueueTime(Duration time) {
      if (time.isNegative() || time.isZero()) {
        throw new IllegalArgumentException("requestQueueTime must be positive: " + time);
      }
      this.requestQueueTime = time;
      return this;
    }

    /** The piece picker (default {@link PiecePickers#rarestFirst()}). */
    public Builder piecePicker(PiecePicker.Factory factory) {
      this.piecePicker = Objects.requireNonNull(factory);
      return this;
    }

    /** The choker (default {@link Chokers#titForTat()}). */
    public Builder choker(Choker.Factory factory) {
      this.choker = Objects.requireNonNull(factory);
      return this;
    }

    /** The peer selector (default {@link PeerSelectors#defaults()}). */
    public Builder peerSelector(PeerSelector.Factory factory) {
      this.peerSelector = Objects.requireNonNull(factory);
      return this;
    }

    /** Adds a source of peers (trackers, DHT); none by default. */
    public Builder peerSource(PeerSource source) {
      this.peerSources.add(Objects.requireNonNull(source));
      return this;
    }

    /** Wire protocol limits (default {@link WireLimits#DEFAULTS}). */
    public Builder wireLimits(WireLimits limits) {
      this.limits = Objects.requireNonNull(limits);
      return this;
    }

    /** Threads for disk I/O and hashing, 1 to 64 (default 2). */
    public Builder diskThreads(int n) {
      if (n < 1 || n > 64) {
        throw new IllegalArgumentException("diskThreads must be in [1, 64]: " + n);
      }
      this.diskThreads = n;
      return this;
    }

    /** The monotonic clock in nanoseconds (default {@code System::nanoTime}). */
    public Builder ticker(LongSupplier ticker) {
      this.ticker = Objects.requireNonNull(ticker);
      return this;
    }

    /** The random source for peer ids and policies (default: seeded from the ticker). */
    public Builder random(Random random) {
      this.random = Objects.requireNonNull(random);
      return this;
    }

    /** How long {@link Client#close()} waits for threads to end (default 5 s). */
    public Builder closeTimeout(Duration timeout) {
      if (timeout.isNegative()) {
        throw new IllegalArgumentException("closeTimeout must be >= 0: " + timeout);
      }
      this.closeTimeout = timeout;
      return this;
    }

    /** The capacity of each torrent's listener event queue, at least 16 (default 10,000). */
    public Builder eventQueueCapacity(int n) {
      if (n < 16) {
        throw new IllegalArgumentException("eventQueueCapacity must be >= 16: " + n);
      }
      this.eventQueueCapacity = n;
      return this;
    }

    /**
     * How torrents use web seeds (BEP 19: the torrent's {@code url-list}, a magnet link's {@code
     * ws=}): default {@link WebSeedConfig#DEFAULTS} (used, 4 requests per web seed); {@link
     * WebSeedConfig#DISABLED} ignores them.
     */
    public Builder webSeeds(WebSeedConfig config) {
      this.webSeeds = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Message Stream Encryption (MSE/PE) for the connections we open and for those peers open to
     * us (default {@link EncryptionPolicy#ENABLED} both ways: try encrypted, fall back to plain
     * text, accept both). Use {@link EncryptionPolicy#FORCED} both ways to never send or accept a
     * plain byte of BitTorrent protocol; that refuses peers without MSE.
     */
    public Builder encryption(EncryptionPolicy outgoing, EncryptionPolicy incoming) {
      this.outgoingEncryption = Objects.requireNonNull(outgoing, "outgoing");
      this.incomingEncryption = Objects.requireNonNull(incoming, "incoming");
      return this;
    }

    /** The same {@link #encryption(EncryptionPolicy, EncryptionPolicy) policy} both ways. */
    public Builder encryption(EncryptionPolicy policy) {
      return encryption(policy, policy);
    }

    /**
     * Super-seeding (BEP 16) for torrents this client seeds (default off): a peer is told we have
     * no piece, then shown a piece at a time (more when few peers share the seed), the swarm's
     * rarest first, another each time it announces one it was shown; it cannot request others. A first seeder's upload then goes to pieces
     * nobody has, so a flash crowd gets the whole torrent out of it sooner and with fewer
     * duplicate copies. Peers that connected before the torrent completed keep what they were
     * told. For an initial seeder with many peers; a seed among many seeds gains nothing.
     */
    public Builder superSeeding(boolean on) {
      this.superSeeding = on;
      return this;
    }

    /**
     * Whether a verified piece is announced (HAVE) to peers that have it already (default on,
     * as libtorrent's {@code send_redundant_have}). Such a HAVE tells the peer nothing it needs,
     * but a super-seeding peer (BEP 16) counts them to see its pieces spread, and seed chokers
     * that favour peers which pass pieces on read them: leave it on unless messages are the
     * cost. Off, a peer in a swarm of hundreds sends far fewer messages per MiB (every piece
     * goes to about every connection otherwise).
     */
    public Builder sendRedundantHave(boolean on) {
      this.sendRedundantHave = on;
      return this;
    }

    /**
     * Which transports the client speaks (default {@link Transport#BOTH}): with uTP it binds a UDP
     * socket on the TCP listening port (the same port number for both, as other clients expect)
     * and accepts uTP connections there; see {@link Transport} for which a dial uses. {@link
     * Transport#UTP} binds no TCP socket at all. With {@code BOTH}, a UDP port that another
     * socket holds (a DHT node bound to it, say: share the client's instead, {@link Client#udpPort})
     * leaves the client on TCP alone, with a warning; with {@code UTP} it fails the build.
     */
    public Builder transport(Transport transport) {
      this.transport = Objects.requireNonNull(transport, "transport");
      return this;
    }

    /**
     * The settings of uTP connections (default {@link UtpConfig#defaults()}): packet sizes,
     * buffers, LEDBAT's target delay and the timeouts. A smaller receive buffer saves memory per
     * connection (it is filled only as far as the engine has not read) at the cost of rate on
     * lossy long paths; see {@link UtpConfig#defaults()} for the figures.
     */
    public Builder utp(UtpConfig config) {
      this.utpConfig = Objects.requireNonNull(config, "config");
      return this;
    }

    /**
     * Whether uploads to peers whose payload is not encrypted go out with {@link
     * Storage#transferTo} (for a {@code FileStorage}, {@code FileChannel.transferTo}: sendfile,
     * no copy through user space), each block's body written straight from storage after its
     * header. Default false: blocks are served from a cache of piece extents read by the disk
     * threads and written with gathering writes, which keeps the event loop off the disk (a
     * {@code transferTo} of bytes not in the page cache blocks it until the disk answers) and
     * measured faster: on loopback, one 1 GiB transfer between two warm bt clients ran at
     * 184–289 MiB/s with zero copy against 563–930 MiB/s with the cache in the same run, since
     * each 16 KiB block costs a write for its header and a sendfile (with the JDK's size checks)
     * for its body where the cache writes eight blocks in one gathering write. Turn it on to save
     * the copy and the cache's memory where system calls are cheap relative to copying (large
     * machines, data that stays in the page cache). Encrypted (RC4) connections, torrents with an
     * upload limit at the time a block is queued, and blocks past a v2 piece's end always use
     * the cache.
     */
    public Builder zeroCopyUploads(boolean on) {
      this.zeroCopyUploads = on;
      return this;
    }

    /**
     * Builds and starts the client: binds the listening socket and starts the engine thread.
     *
     * @throws UncheckedIOException if the address cannot be bound
     */
    public Client build() {
      try {
        return new Client(Engine.open(config()));
      } catch (IOException e) {
        throw new UncheckedIOException("cannot start client on " + listenAddress + ":" + port, e);
      }
    }

    Engine.Config config() {
      Random r = random != null ? random : new Random(ticker.getAsLong());
      return new Engine.Config(listenAddress, port, peerIdPrefix, maxConnectionsPerTorrent,
          maxConnections, maxHalfOpen, uploadSlots, downloadLimit, uploadLimit, maxRequestsPerPeer,
          maxOutstandingRequests, requestQueueTime.toNanos(), piecePicker, choker, peerSelector, List.copyOf(peerSources), limits, diskThreads, ticker,
          r, closeTimeout, eventQueueCapacity, outgoingEncryption, incomingEncryption, webSeeds,
          zeroCopyUploads, superSeeding, sendRedundantHave, transport, utpConfig);
    }

    private static int positive(String what, int n) {
      if (n < 1) {
        throw new IllegalArgumentException(what + " must be >= 1: " + n);
      }
      return n;
    }

    private static long nonNegative(String what, long n) {
      if (n < 0) {
        throw new IllegalArgumentException(what + " must be >= 0: " + n);
      }
      return n;
    }
  }
}
