package io.btlib.client.internal;

import io.btlib.client.ClientStats;
import io.btlib.client.EncryptionPolicy;
import io.btlib.client.PeerSource;
import io.btlib.client.Storage;
import io.btlib.client.StorageFactory;
import io.btlib.client.Torrent;
import io.btlib.client.Transport;
import io.btlib.client.UdpPort;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.policy.Choker;
import io.btlib.policy.PeerSelector;
import io.btlib.policy.PiecePicker;
import io.btlib.utp.UtpConfig;
import io.btlib.wire.Handshake;
import io.btlib.wire.WireException;
import io.btlib.webseed.WebSeedConfig;
import io.btlib.wire.WireLimits;
import io.btlib.wire.mse.CryptoMethod;
import io.btlib.wire.mse.MseException;
import io.btlib.wire.mse.MseHandshake;
import io.btlib.wire.mse.MseResult;
import io.btlib.wire.mse.SkeyLookup;
import io.btlib.wire.session.CloseCause;
import io.btlib.wire.session.PeerEvent;
import io.btlib.wire.session.PeerSession;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The client's engine: one event-loop thread that owns every socket and all protocol state, a
 * pool for disk I/O and hashing, and a thread for listener events. Everything else posts tasks to
 * the loop. Internal, not API.
 */
public final class Engine {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);
  /**
   * At most this many bytes of downloaded pieces wait in memory for their hash check and write;
   * past it only pieces already started get more requests, so memory stays bounded whatever the
   * network outpaces.
   */
  static final long MAX_BUFFERED_BYTES = 64L << 20;
  /** At most this many block bodies go out in one gathering write. */
  static final int MAX_GATHER_BLOCKS = 16;
  /**
   * Seeding reads verified pieces in extents of this many bytes, or whole pieces when shorter:
   * one read and one hand-off per extent rather than per 16 KiB block.
   */
  static final int EXTENT = 1024 * 1024;

  /**
   * The most the {@link BufferPool} keeps of spare buffers: as much as pieces may buffer, and some
   * received blocks' buffers (spare extents count against the read cache's budget as well).
   */
  static final long MAX_SPARE_BYTES = MAX_BUFFERED_BYTES + (4L << 20);
  /**
   * Read buffers grow past their first size only while all of them together stay within this:
   * they are direct memory, which a small heap also bounds.
   */
  static final long MAX_READ_BUFFER_BYTES = 32L << 20;
  /** The read cache's budget: extents of every torrent, pinned or not. */
  static final long MAX_CACHE_BYTES = 32L << 20;
  /**
   * An RC4 connection encrypts the block bodies of a batch into a buffer of its own of this many
   * bytes (or one block, if blocks are longer): fewer bodies per gathering write than a plain one.
   */
  static final int ENCRYPTED_BODIES_BYTES = 64 * 1024;
  /** Peers that failed an MSE handshake and get plain text from now on: at most this many. */
  static final int MAX_PLAINTEXT_PEERS = 4096;
  /** How many endpoints found to be ourselves are remembered (a host has few addresses). */
  static final int MAX_SELF_ENDPOINTS = 64;
  /** How long such a peer is dialled in plain text before MSE is tried again: one hour. */
  static final long PLAINTEXT_MEMORY_NANOS = 3_600_000_000_000L;

  /** The client's settings, as the builder checked them. */
  public record Config(
      InetAddress listenAddress,
      int port,
      String peerIdPrefix,
      int maxConnectionsPerTorrent,
      int maxConnections,
      int maxHalfOpen,
      int uploadSlots,
      long downloadLimit,
      long uploadLimit,
      int maxRequestsPerPeer,
      int maxOutstandingRequests,
      long requestQueueNanos,
      PiecePicker.Factory piecePicker,
      Choker.Factory choker,
      PeerSelector.Factory peerSelector,
      List<PeerSource> peerSources,
      WireLimits limits,
      int diskThreads,
      LongSupplier ticker,
      Random random,
      Duration closeTimeout,
      int eventQueueCapacity,
      EncryptionPolicy outgoingEncryption,
      EncryptionPolicy incomingEncryption,
      WebSeedConfig webSeeds,
      boolean zeroCopyUploads,
      boolean superSeeding,
      boolean sendRedundantHave,
      Transport transport,
      UtpConfig utp) {}

  final Config config;
  final PeerId peerId;
  /** The host's clock: read where a task starts, then passed down as {@code now}. */
  final LongSupplier ticker;
  final Random random;
  final EventDispatcher events;
  final TokenBucket downBucket;
  final TokenBucket upBucket;
  /** Sockets, the loop, the disk pool: real ones or a simulated network's. */
  private final EngineHost host;
  private final InetSocketAddress listenAddress;
  /** Every torrent, in the order added; under byHash (O(1) add and remove at any count). */
  private final Set<TorrentRuntime> torrents = new LinkedHashSet<>();
  private final Map<InfoHash, TorrentRuntime> byHash = new HashMap<>();
  /**
   * The torrents the next tick visits: those with connections, peers to dial, transfers whose
   * rates are still falling, a check or a metadata fetch. An idle torrent (seeding or stopped, no
   * peer, no web seed at work) leaves it and costs nothing per tick until something wakes it
   * ({@link #wake}: a state change, a peer added, a connection); with 10,000 idle torrents the
   * per-tick visits were most of the client's idle CPU. Loop only.
   */
  private List<TorrentRuntime> awake = new ArrayList<>();
  /** The list {@link #tick} swaps with {@link #awake}; empty between ticks. Loop only. */
  private List<TorrentRuntime> ticking = new ArrayList<>();
  /** HASH('req2', id) of every torrent's 20-byte ids, for incoming MSE handshakes; under byHash. */
  private final Map<ByteBuffer, InfoHash> byReq2Hash = new HashMap<>();
  private final SkeyLookup skeyLookup = this::findSkey;
  /**
   * MSE keys and padding: cryptographic material, so never the policies' random (which a test
   * may seed); the host's secure random (a simulation's is seeded, for determinism).
   */
  private final Random mseRandom;
  /** Peers an MSE handshake failed with, dialled in plain text (ENABLED outgoing); loop only. */
  private final PlaintextPeers plaintextPeers =
      new PlaintextPeers(MAX_PLAINTEXT_PEERS, PLAINTEXT_MEMORY_NANOS);
  final List<Connection> connections = new ArrayList<>();
  volatile boolean closing;
  private boolean closed;
  private final ByteBuffer scratch = ByteBuffer.allocate(64 * 1024);
  int halfOpen;
  /**
   * Endpoints (IP and port) that turned out to be ourselves: a dial reached our own listener (the
   * handshake carried our peer id), through an address we could not tell was ours, such as a NAT's
   * public one. Only the endpoint, never the IP: other peers may share it. Loop only.
   */
  private final LinkedHashSet<PeerAddress> selfEndpoints = new LinkedHashSet<>();
  /** The addresses of this host's interfaces, when listening on the wildcard; loop only. */
  private Set<InetAddress> localAddresses;
  long bufferedBytes;
  /** The capacity of every open connection's read buffer. */
  private long readBufferBytes;
  /**
   * Spare buffers: received blocks' (sessions allocate from it, the torrent gives them back), the
   * read cache's extents and the chunks pieces are assembled in. Loop only.
   */
  final BufferPool buffers = new BufferPool(MAX_SPARE_BYTES);
  /** The spare buffers of received 16 KiB blocks. */
  private final BufferPool.Bucket blockBuffers = buffers.bucket(Metainfo.BLOCK_SIZE, false);
  private static final int MAX_FREE_BLOCKS = 256;
  /** How long {@link #stats()} waits for the loop. */
  static final long STATS_WAIT_MILLIS = 5_000;

  /** An engine on real sockets, a selector thread and a disk pool, as {@code config} says. */
  public static Engine open(Config config) throws IOException {
    return new Engine(config, new NioHost(config.listenAddress(), config.port(),
        config.diskThreads(), config.ticker(), config.transport(), config.utp(),
        config.maxConnections()));
  }

  /**
   * An engine on {@code host}, which it starts and, on {@link #close}, stops and releases. The
   * config's listen address, port, disk threads and ticker are the host's business.
   */
  public Engine(Config config, EngineHost host) {
    this.config = config;
    this.host = host;
    this.ticker = host::now;
    this.random = config.random();
    this.mseRandom = host.secureRandom();
    this.peerId = PeerId.random(config.peerIdPrefix(), random);
    long now = ticker.getAsLong();
    this.downBucket = new TokenBucket(config.downloadLimit(),
        burstFor(config.downloadLimit()), now);
    this.upBucket = new TokenBucket(config.uploadLimit(), burstFor(config.uploadLimit()), now);
    this.listenAddress = host.listenAddress();
    Executor listenerExecutor = host.listenerExecutor();
    this.events = listenerExecutor == null
        ? new EventDispatcher(config.eventQueueCapacity(), "bt-events")
        : new EventDispatcher(config.eventQueueCapacity(), listenerExecutor);
    host.start(new Handlers());
  }

  /** A bucket's burst: a quarter second of the rate, at least one 16 KiB block and some slack. */
  static long burstFor(long rate) {
    return Math.max(64 * 1024, rate / 4);
  }

  /** The host's UDP socket for other protocols to share, or null. */
  public UdpPort udpPort() {
    return host.udpPort();
  }

  public InetSocketAddress listenAddress() {
    return listenAddress;
  }

  /**
   * Whether {@code peer} is our own listening endpoint: our listen address and port (with a
   * wildcard listen address, any address of this host on our port), or an endpoint a dial found to
   * be ourselves. Compares endpoints, not IPs: a peer on our IP with another port is someone else.
   */
  boolean isSelf(PeerAddress peer) {
    return selfEndpoints.contains(peer)
        || isListenEndpoint(peer, listenAddress, this::localAddresses);
  }

  /**
   * Whether {@code peer} is {@code listen}: the same address and port, or, when {@code listen} is
   * the wildcard address, the same port on a loopback, wildcard or {@code local} address.
   */
  static boolean isListenEndpoint(PeerAddress peer, InetSocketAddress listen,
      Supplier<Set<InetAddress>> local) {
    if (peer.port() != listen.getPort()) {
      return false;
    }
    InetAddress ours = listen.getAddress();
    InetAddress a = peer.address();
    if (a.equals(ours)) {
      return true;
    }
    if (!ours.isAnyLocalAddress()) {
      return false;
    }
    return a.isLoopbackAddress() || a.isAnyLocalAddress() || local.get().contains(a);
  }

  /** This host's interface addresses, listed once (only asked with a wildcard listen address). */
  private Set<InetAddress> localAddresses() {
    if (localAddresses == null) {
      localAddresses = new HashSet<>();
      try {
        Enumeration<NetworkInterface> nics = NetworkInterface.getNetworkInterfaces();
        while (nics != null && nics.hasMoreElements()) {
          localAddresses.addAll(Collections.list(nics.nextElement().getInetAddresses()));
        }
      } catch (SocketException | RuntimeException e) {
        log.debug("cannot list this host's addresses: {}", e.toString());
      }
    }
    return localAddresses;
  }

  /** A dial to {@code peer} reached ourselves: that endpoint is never dialled again. */
  private void markSelf(PeerAddress peer) {
    selfEndpoints.remove(peer);
    selfEndpoints.add(peer);
    if (selfEndpoints.size() > MAX_SELF_ENDPOINTS) {
      Iterator<PeerAddress> it = selfEndpoints.iterator();
      it.next();
      it.remove();
    }
    log.debug("{} is ourselves: not dialled again", peer);
  }

  public PeerId peerId() {
    return peerId;
  }

  /**
   * A snapshot of the engine's counts, taken on the loop: at once when called there, else by a
   * posted task the caller waits for (at most {@link #STATS_WAIT_MILLIS}).
   *
   * @throws IllegalStateException if the engine is closed, or its loop did not answer in time
   */
  public ClientStats stats() {
    checkOpen();
    if (onLoop()) {
      return statsOnLoop();
    }
    CompletableFuture<ClientStats> f = new CompletableFuture<>();
    post(() -> f.complete(statsOnLoop()));
    try {
      return f.get(STATS_WAIT_MILLIS, TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted waiting for the engine's stats", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("the engine did not answer a stats request in "
          + STATS_WAIT_MILLIS + " ms", e);
    }
  }

  private ClientStats statsOnLoop() {
    int n;
    synchronized (byHash) {
      n = torrents.size();
    }
    return new ClientStats(n, connections.size(), halfOpen, host.registeredChannels(),
        buffers.retainedBytes(), readCache.bytes(), bufferedBytes);
  }

  public List<Torrent> torrents() {
    synchronized (byHash) {
      List<Torrent> out = new ArrayList<>(torrents.size());
      for (TorrentRuntime t : torrents) {
        out.add(t.handle);
      }
      return out;
    }
  }

  /** A copy of the torrents, in the order added. */
  private List<TorrentRuntime> torrentList() {
    synchronized (byHash) {
      return new ArrayList<>(torrents);
    }
  }

  /** How many torrents {@link #tick} visits now (the awake ones); loop only, for tests. */
  public int awakeTorrents() {
    return awake.size();
  }

  /**
   * Puts {@code t} on the list of torrents the ticks visit, until a tick finds it idle. Posted to
   * the loop when called from elsewhere.
   */
  void wake(TorrentRuntime t) {
    if (!onLoop()) {
      post(() -> wake(t));
      return;
    }
    if (!t.awake && !t.removed) {
      t.awake = true;
      awake.add(t);
    }
  }

  public Torrent add(Metainfo metainfo, Storage storage, BitSet verified) {
    checkOpen();
    TorrentRuntime t = new TorrentRuntime(this, metainfo.infoHashes(), metainfo, storage, null,
        verified);
    register(t);
    return t.handle;
  }

  public Torrent add(MagnetLink magnet, StorageFactory storage) {
    checkOpen();
    TorrentRuntime t = new TorrentRuntime(this, magnet.infoHashes(), null, null, storage, null);
    t.magnet = magnet;
    register(t);
    return t.handle;
  }

  private void register(TorrentRuntime t) {
    synchronized (byHash) {
      for (InfoHash h : t.infoHashes.shortHashes()) {
        if (byHash.containsKey(h)) {
          throw new IllegalArgumentException("torrent " + h + " is already in the client");
        }
      }
      for (InfoHash h : t.infoHashes.shortHashes()) {
        byHash.put(h, t);
        byReq2Hash.put(ByteBuffer.wrap(SkeyLookup.req2Hash(h)), h);
      }
      torrents.add(t);
    }
  }

  void unregister(TorrentRuntime t) {
    synchronized (byHash) {
      for (InfoHash h : t.infoHashes.shortHashes()) {
        if (byHash.remove(h, t)) {
          byReq2Hash.remove(ByteBuffer.wrap(SkeyLookup.req2Hash(h)));
        }
      }
      torrents.remove(t);
    }
  }

  private TorrentRuntime find(InfoHash shortHash) {
    synchronized (byHash) {
      return byHash.get(shortHash);
    }
  }

  /** The MSE receiver's lookup: the torrent id with this HASH('req2', id), if it takes peers. */
  private InfoHash findSkey(ByteBuffer req2Hash) {
    InfoHash h;
    synchronized (byHash) {
      h = byReq2Hash.get(req2Hash);
    }
    TorrentRuntime t = h == null ? null : find(h);
    return t != null && t.acceptsConnections() ? h : null;
  }

  /** The payload methods a policy allows: RC4 only when forced, else both. */
  private static Set<CryptoMethod> methodsFor(EncryptionPolicy p) {
    return p == EncryptionPolicy.FORCED ? EnumSet.of(CryptoMethod.RC4)
        : EnumSet.allOf(CryptoMethod.class);
  }

  /** Whether {@link #close()} has begun; commands are refused from then on. */
  boolean isClosing() {
    return closing;
  }

  void checkOpen() {
    if (closing) {
      throw new IllegalStateException("closed");
    }
  }

  /** Runs {@code r} on the engine thread. */
  void post(Runnable r) {
    if (closed) {
      return;
    }
    host.post(r);
  }

  boolean onLoop() {
    return host.onLoop();
  }

  /** Runs {@code r} on the disk pool; when the pool is shut down, drops it. */
  void submitDisk(Runnable r) {
    try {
      host.disk(r);
    } catch (RejectedExecutionException e) {
      log.debug("disk task dropped: engine closing");
    }
  }

  /**
   * The sessions' block allocator: a buffer for a received block, from the pool when it is a
   * standard 16 KiB block. Called on the loop (sessions run there).
   */
  ByteBuffer allocateBlock(int length) {
    if (length == Metainfo.BLOCK_SIZE) {
      ByteBuffer b = buffers.poll(blockBuffers); // cleared
      if (b != null) {
        return b;
      }
    }
    return ByteBuffer.allocate(length);
  }

  /** Gives back a block buffer once its bytes are copied out. */
  void releaseBlock(ByteBuffer b) {
    if (b.capacity() == Metainfo.BLOCK_SIZE && !b.isReadOnly() && !b.isDirect()
        && buffers.spareCount(blockBuffers) < MAX_FREE_BLOCKS && onLoop()) {
      buffers.give(blockBuffers, b);
    }
  }

  /** Runs {@code r} on the disk pool, or here if the pool no longer takes tasks. */
  void submitDiskOrRun(Runnable r) {
    try {
      host.disk(r);
    } catch (RejectedExecutionException e) {
      r.run();
    }
  }

  /** Runs {@code r} on the loop, or here once the loop has stopped. */
  void postOrRun(Runnable r) {
    if (closed) {
      r.run();
      return;
    }
    post(r);
  }

  // ------------------------------------------------------------ read cache

  /** Extents of verified pieces read for uploads, shared by every torrent. */
  final ReadCache readCache = new ReadCache(MAX_CACHE_BYTES, buffers);

  // ------------------------------------------------------------------ loop

  /** The engine's side of the host's loop. */
  private final class Handlers implements EngineHost.Handler {
    @Override
    public void accepted(Link link, long now) {
      accept(link, now);
    }

    @Override
    public void connectable(Link link, long now) {
      Connection c = (Connection) link.attachment();
      c.peer().tick(now);
      try {
        finishConnect(c, now);
      } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
        failed(c, e);
      }
    }

    @Override
    public void readable(Link link, long now) {
      Connection c = (Connection) link.attachment();
      c.peer().tick(now);
      try {
        read(c, now);
      } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
        failed(c, e);
      }
    }

    @Override
    public void writable(Link link, long now) {
      Connection c = (Connection) link.attachment();
      if (!c.closed) {
        c.peer().tick(now);
        try {
          flush(c, now);
        } catch (RuntimeException | OutOfMemoryError | StackOverflowError e) {
          failed(c, e);
        }
      }
    }

    @Override
    public void tick(long now) {
      Engine.this.tick(now);
    }

    @Override
    public boolean idle() {
      return connections.isEmpty() && awake.isEmpty();
    }

    @Override
    public void stopped() {
      shutdownOnLoop();
    }
  }

  /**
   * An error while handling {@code c} closes {@code c}, not the loop. (Each handler catches it
   * itself: a lambda per readable or writable event would be an allocation on the hot path.)
   */
  private void failed(Connection c, Throwable e) {
    log.error("error handling {}", c, e);
    close(c, "internal error: " + e);
  }


  private void tick(long now) {
    buffers.decay(now);
    for (Connection c : new ArrayList<>(connections)) {
      c.peer().tick(now);
      if (c.readThrottled || c.writeThrottled) {
        c.readThrottled = false;
        c.writeThrottled = false;
        updateInterest(c);
      }
      if (c.session != null) {
        // An idle connection costs nothing per tick: its session is only asked when one of its
        // deadlines (handshake, inactivity, keep-alive) has passed or it has events waiting (a
        // close from outside a read); with hundreds of connections the per-tick visits were a
        // large part of the CPU per MiB.
        if (now - c.session.nextDeadlineNanos() >= 0) {
          c.session.handleTimeout(now);
          drain(c, now);
        } else if (c.session.hasEvents()) {
          drain(c, now);
        }
      } else if (!c.connected && now - c.createdNanos > 10_000_000_000L) {
        c.timedOut = true;
        close(c, "connect timed out");
      } else if (c.connected && now - c.createdNanos > 20_000_000_000L) {
        c.mse.ended();
        close(c, "handshake timed out");
      }
    }
    List<TorrentRuntime> due = awake;
    awake = ticking;
    ticking = due;
    for (TorrentRuntime t : due) {
      t.awake = false;
      if (t.removed) {
        continue;
      }
      try {
        t.tick(now);
      } catch (RuntimeException e) {
        log.error("torrent {} tick failed", t.infoHashes, e);
        t.fail("internal error: " + e);
      }
      if (!t.isIdle(now)) {
        wake(t);
      }
    }
    due.clear();
  }

  private void accept(Link link, long now) {
    if (closing || connections.size() >= config.maxConnections()) {
      closeQuietly(link);
      return;
    }
    Connection c = new Connection(link, false, link.remote(), now);
    link.attach(c);
    c.connected = true;
    EncryptionPolicy in = config.incomingEncryption();
    if (in != EncryptionPolicy.DISABLED) {
      c.mse.start(MseHandshake.receiver(skeyLookup, methodsFor(in),
          in == EncryptionPolicy.ENABLED, mseRandom));
    }
    link.interest(Link.READ);
    connections.add(c);
    readBufferBytes += c.in.capacity();
  }

  private static void closeQuietly(Link link) {
    try {
      link.close();
    } catch (IOException e) {
      log.debug("closing {}: {}", link, e.toString());
    }
  }

  /**
   * Starts an outgoing connection for {@code t}, over uTP if {@code utp}; false if it could not
   * even start.
   */
  boolean connect(TorrentRuntime t, PeerAddress peer, boolean utp, long now) {
    Link link;
    try {
      link = host.dial(peer, utp);
    } catch (IOException | RuntimeException e) {
      log.debug("cannot dial {}: {}", peer, e.toString());
      return false;
    }
    Connection c = new Connection(link, true, peer, now);
    link.attach(c);
    c.torrent = t;
    connections.add(c);
    readBufferBytes += c.in.capacity();
    t.connections.add(c);
    wake(t);
    halfOpen++;
    finishConnect(c, now); // some dials connect at once
    return true;
  }

  private void finishConnect(Connection c, long now) {
    if (c.closed || c.connected) {
      return;
    }
    try {
      if (!c.link.finishConnect()) {
        return;
      }
    } catch (IOException e) {
      close(c, "connect failed: " + e.getMessage());
      return;
    }
    halfOpen--;
    c.connected = true;
    c.link.interest(Link.READ);
    EncryptionPolicy out = config.outgoingEncryption();
    if (out == EncryptionPolicy.FORCED
        || (out == EncryptionPolicy.ENABLED && !plaintextPeers.isPlain(c.address, now))) {
      // our BitTorrent handshake rides in the MSE handshake's initial payload (IA), as
      // libtorrent's does: it reaches the peer with step 3, before its answer, and what we send
      // after the peer's handshake goes in later packets. Transmission 3.00 over uTP loses the
      // messages that come in the same packet as a handshake sent after step 3.
      ByteBuffer ia = ByteBuffer.allocate(Handshake.LENGTH);
      PeerSession.handshake(c.torrent.sessionConfig()).encode(ia);
      ((Buffer) ia).flip();
      c.handshakeSent = true;
      c.mse.start(MseHandshake.initiator(c.torrent.infoHashes.shortHash(), methodsFor(out),
          ia, mseRandom));
      flush(c, now); // Ya and PadA; the session starts once the MSE handshake is done
      return;
    }
    c.torrent.onConnected(c, now);
    drain(c, now);
  }

  private void read(Connection c, long now) {
    for (int round = 0; round < 4 && !c.closed; round++) {
      if (!c.in.hasRemaining()) {
        grow(c, config.limits().maxMessageLength() + 4);
      }
      int want = c.in.remaining();
      RateLimiter limit =
          c.torrent != null && c.peer().handshakeDone() ? c.torrent.downLimit : null;
      if (limit != null) {
        long allowed = limit.available(now);
        if (allowed <= 0) {
          c.readThrottled = true; // stop selecting for reads until the next tick refills
          updateInterest(c);
          return;
        }
        want = (int) Math.min(want, allowed);
      }
      int n;
      int start = c.in.position();
      try {
        if (want == c.in.remaining()) {
          n = c.link.read(c.in);
        } else {
          ByteBuffer view = c.in.duplicate();
          ((Buffer) view).limit(view.position() + want);
          n = c.link.read(view);
          if (n > 0) {
            ((Buffer) c.in).position(view.position());
          }
        }
      } catch (IOException e) {
        c.mse.ended();
        close(c, "read failed: " + e.getMessage());
        return;
      }
      if (n < 0) {
        c.mse.ended();
        if (c.session != null) {
          c.session.handleEof(now);
          drain(c, now);
        }
        close(c, c.mse.inHandshake() ? "connection closed during the MSE handshake"
            : "connection closed by peer");
        return;
      }
      if (n == 0) {
        return;
      }
      c.mse.decrypt(c.in, start, n);
      if (limit != null) {
        limit.take(n, now); // only what was read: a short read costs no tokens
      }
      boolean filled = n == want && !c.in.hasRemaining();
      consume(c, now);
      if (filled && c.peer().handshakeDone() && !c.closed
          && readBufferBytes + c.in.capacity() <= MAX_READ_BUFFER_BYTES) {
        // the socket had more than the buffer holds: a busy peer gets fewer, larger reads
        grow(c, Connection.MAX_READ_BUFFER);
      }
    }
  }

  /**
   * Doubles the read buffer up to {@code max} (a message longer than the buffer may need up to the
   * wire limit); its bytes are kept.
   */
  private void grow(Connection c, int max) {
    int cap = c.in.capacity();
    if (cap >= max) {
      return;
    }
    // an RC4 connection decrypts in place: an array is cheaper to work on than direct memory
    int size = Math.min(max, cap * 2);
    ByteBuffer bigger = c.mse.encrypts() ? ByteBuffer.allocate(size)
        : ByteBuffer.allocateDirect(size);
    ((Buffer) c.in).flip();
    bigger.put(c.in);
    c.in = bigger;
    readBufferBytes += bigger.capacity() - cap;
  }

  private void consume(Connection c, long now) {
    ((Buffer) c.in).flip();
    try {
      if (c.mse.inHandshake() && !handleMse(c, now)) {
        return;
      }
      if (c.session == null) {
        if (!attachIncoming(c, now)) {
          return;
        }
      }
      c.session.handleBytes(c.in, now);
    } finally {
      if (c.in != null) {
        c.in.compact();
      }
    }
    drain(c, now);
  }

  /**
   * Feeds the MSE handshake from the read buffer (in read mode) and sends what it queues; once it
   * is done, switches the connection to the negotiated payload. False while it needs more bytes
   * (or the connection closed).
   */
  private boolean handleMse(Connection c, long now) {
    MseResult r;
    try {
      r = c.mse.handle(c.in, !c.outgoing);
    } catch (MseException e) {
      close(c, "MSE handshake failed: " + e.getMessage());
      return false;
    }
    if (r == null) {
      flush(c, now);
      return false;
    }
    ByteBuffer ia = r.initialPayload();
    if (ia.hasRemaining()) {
      prepend(c, ia);
    }
    if (c.outgoing) {
      c.torrent.onConnected(c, now);
    }
    flush(c, now); // the handshake's last bytes go before any payload
    return !c.closed;
  }

  /** Puts {@code head} before the unread bytes of the read buffer (in read mode). */
  private void prepend(Connection c, ByteBuffer head) {
    int n = head.remaining();
    int pos = c.in.position();
    if (pos >= n) {
      ((Buffer) c.in).position(pos - n);
      c.in.put(head.duplicate()); // leaves head as it is, like the absolute put (Java 16)
      ((Buffer) c.in).position(pos - n);
      return;
    }
    ByteBuffer bigger = ByteBuffer.allocate(Math.max(c.in.capacity(), n + c.in.remaining()));
    ((Buffer) bigger.put(head).put(c.in)).flip();
    readBufferBytes += bigger.capacity() - c.in.capacity();
    c.in = bigger;
  }

  /** Matches an incoming connection's handshake to a torrent; false while more bytes are needed. */
  private boolean attachIncoming(Connection c, long now) {
    InfoHash h;
    try {
      h = Handshake.peekInfoHash(c.in);
    } catch (WireException e) {
      close(c, "not a BitTorrent handshake");
      return false;
    }
    if (h == null) {
      return false;
    }
    TorrentRuntime t = find(h);
    if (t == null || !t.acceptsConnections()) {
      close(c, "no torrent " + h);
      return false;
    }
    InfoHash skey = c.mse.skey();
    if (skey != null && find(skey) != t) {
      close(c, "the handshake names " + h + ", the MSE handshake " + skey);
      return false;
    }
    if (t.connections.size() >= config.maxConnectionsPerTorrent()) {
      // peer turnover: a peer that wasted its turns makes room for one that may use them
      Connection idle = t.choking.stubbornlyIdle();
      if (idle == null) {
        close(c, "too many connections");
        return false;
      }
      close(idle, "peer turnover: idle for " + idle.peer().idleStrikes() + " turns");
    }
    c.torrent = t;
    t.connections.add(c);
    wake(t);
    t.onIncoming(c, h, now);
    return c.session != null;
  }

  /** Handles the session's events and sends what it has queued. */
  void drain(Connection c, long now) {
    if (c.session == null || c.closed) {
      return;
    }
    PeerEvent e;
    while ((e = c.session.pollEvent()) != null) {
      if (e instanceof PeerEvent.Closed) {
        PeerEvent.Closed closedEvent = (PeerEvent.Closed) e;
        if (closedEvent.cause() == CloseCause.SELF_CONNECTION) {
          if (c.outgoing) {
            markSelf(c.address);
            c.torrent.onSelfConnection(c);
          }
        } else if (closedEvent.protocolViolation()) {
          c.torrent.onViolation(c, closedEvent.reason());
        }
        flush(c, now);
        close(c, closedEvent.reason());
        return;
      }
      try {
        c.torrent.onEvent(c, e, now);
      } catch (RuntimeException ex) {
        log.error("handling {} from {} failed", e, c, ex);
        close(c, "internal error: " + ex);
        return;
      }
      if (c.closed) {
        return;
      }
    }
    c.torrent.afterEvents(c, now); // once per batch of events, not once per request or block
    flush(c, now);
  }

  /**
   * Writes what is queued for {@code c}, as much as the socket and the upload limit take: the
   * session's messages and the bodies of its blocks go out together, up to {@link
   * #MAX_GATHER_BLOCKS} blocks per gathering write, the bodies straight from the read cache.
   */
  void flush(Connection c, long now) {
    if (c.closed || !c.connected) {
      return;
    }
    if (c.mse.hasHandshake()) {
      try {
        if (!c.mse.writeHandshake(c.link)) {
          updateInterest(c);
          return;
        }
      } catch (IOException e) {
        c.mse.ended();
        close(c, "write failed: " + e.getMessage());
        return;
      }
    }
    if (c.session == null) {
      updateInterest(c);
      return;
    }
    try {
      for (int guard = 0; guard < 64 && !c.closed; guard++) {
        if (c.outbox.hasBatch()) {
          if (!c.outbox.writeBatch(c, now)) {
            break;
          }
        } else if (c.outbox.hasFileBlock()) {
          if (!c.outbox.writeFileBlock(c, now)) {
            break;
          }
        } else if (!c.outbox.fill(c, config.limits().maxBlockLength())
            && (c.closed || !c.torrent.pumpMore(c))) {
          break;
        }
      }
    } catch (Outbox.ReadFailed e) {
      close(c, e.getMessage());
      return;
    } catch (IOException e) {
      close(c, "write failed: " + e.getMessage());
      return;
    } catch (IllegalStateException e) {
      close(c, "internal error: " + e.getMessage());
      return;
    }
    updateInterest(c);
  }

  /** Selects for reads unless throttled, and for writes while bytes wait and not throttled. */
  private void updateInterest(Connection c) {
    if (c.closed || !c.connected || !c.link.isOpen()) {
      return;
    }
    boolean pending = c.hasPendingOutput();
    c.link.interest((c.readThrottled ? 0 : Link.READ)
        | (pending && !c.writeThrottled ? Link.WRITE : 0));
  }

  void close(Connection c, String reason) {
    if (c.closed) {
      return;
    }
    c.closed = true;
    if (c.outgoing && c.mse.isRefused() && c.torrent != null
        && config.outgoingEncryption() == EncryptionPolicy.ENABLED && !closing) {
      // the peer may not speak MSE: once more in plain text, and plain text from now on
      plaintextPeers.remember(c.address, ticker.getAsLong());
      TorrentRuntime t = c.torrent;
      PeerAddress a = c.address;
      boolean utp = c.link.utp();
      post(() -> redialPlain(t, a, utp));
    }
    readBufferBytes -= c.in.capacity();
    if (c.outgoing && !c.connected) {
      halfOpen--;
    }
    connections.remove(c);
    closeQuietly(c.link);
    if (c.torrent != null) {
      c.torrent.onClosed(c, reason);
    }
    log.debug("closed {}: {}", c, reason);
  }

  private void redialPlain(TorrentRuntime t, PeerAddress a, boolean utp) {
    if (closing || t.removed || !t.acceptsConnections()) {
      return;
    }
    for (Connection o : t.connections) {
      if (o.address.equals(a)) {
        return;
      }
    }
    log.debug("MSE failed with {}: dialling it again in plain text", a);
    connect(t, a, utp, ticker.getAsLong());
  }

  // ---------------------------------------------------------------- close

  public void close() {
    synchronized (this) {
      if (closing) {
        host.stop(config.closeTimeout().toMillis());
        return;
      }
      closing = true;
    }
    if (!host.stop(config.closeTimeout().toMillis())) {
      // the loop did not stop in time: release what it holds from here
      shutdownResources();
    }
  }

  private void shutdownOnLoop() {
    for (TorrentRuntime t : torrentList()) {
      try {
        t.shutdown("client closed");
      } catch (RuntimeException e) {
        log.warn("closing torrent {} failed", t.infoHashes, e);
      }
    }
    for (Connection c : new ArrayList<>(connections)) {
      close(c, "client closed");
    }
    shutdownResources();
  }

  private synchronized void shutdownResources() {
    if (closed) {
      return;
    }
    closed = true;
    host.release(config.closeTimeout().toMillis()); // queued disk work finishes first
    for (TorrentRuntime t : torrentList()) {
      t.closeStorage();
    }
    events.close(config.closeTimeout().toMillis());
  }

  static boolean isClosedChannel(Throwable e) {
    return e instanceof ClosedChannelException;
  }
}
