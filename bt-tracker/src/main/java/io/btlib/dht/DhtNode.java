package io.btlib.dht;

import io.btlib.client.PeerSource;
import io.btlib.client.UdpPort;
import io.btlib.dht.internal.Bep42;
import io.btlib.dht.internal.DhtEngine;
import io.btlib.dht.internal.KrpcCodec;
import io.btlib.dht.internal.NodeInfo;
import io.btlib.dht.internal.RoutingTable;
import io.btlib.dht.internal.RoutingTableFile;
import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerCandidate;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A Mainline DHT node (BEP 5): answers ping, find_node, get_peers and announce_peer, keeps a
 * k-bucket routing table, stores announced peers, and finds and announces peers for info hashes. It
 * is also a {@link PeerSource}, so a client can use it to find peers for its torrents.
 *
 * <pre>{@code
 * try (DhtNode dht = DhtNode.builder()
 *     .bindAddress(InetAddress.getByName("0.0.0.0"))
 *     .port(6881)
 *     .bootstrapNodes(List.of(new InetSocketAddress("203.0.113.5", 6881)))
 *     .routingTableFile(Path.of("dht.dat"))
 *     .build()) {
 *   dht.start();
 *   dht.bootstrap().join();
 *   List<PeerAddress> peers = dht.getPeers(infoHash).join();
 * }
 * }</pre>
 *
 * <p><b>Defaults are loopback-safe:</b> the node binds 127.0.0.1 on an ephemeral port and knows no
 * bootstrap nodes, so it never talks to the Internet unless told to. To join the public DHT, bind a
 * routable address and pass bootstrap nodes.
 *
 * <p><b>Threads:</b> one UDP socket (its own, or one shared with a client: {@link
 * #start(UdpPort)}) and one daemon thread ({@code bt-dht-PORT}) do all receiving, sending and
 * timers. Public methods may be called from any thread and never block, except {@link
 * #start()} (binds) and {@link #close()} (waits up to 2 s for the thread). Returned futures
 * complete on the node's thread: dependent actions must be quick and must not block.
 *
 * <p><b>Limits:</b> datagrams over {@value io.btlib.dht.internal.KrpcCodec#MAX_PACKET_BYTES} bytes and
 * malformed messages are dropped (a query with a bad argument gets KRPC error 203); each source IP
 * gets a token bucket of queries (excess dropped); stored peers are capped per info hash and in
 * info hashes, and expire after 30 minutes; tokens rotate every 5 minutes (the previous one is
 * still accepted).
 *
 * <p><b>Options:</b> read-only mode (BEP 43) sends {@code ro=1}, answers no queries and is not
 * added to others' tables; BEP 42 hardening derives our id from our external address and keeps out
 * nodes whose ids do not match their IPs. Local addresses (127/8, 10/8, 172.16/12, 192.168/16,
 * 169.254/16, ::1, fe80::/10, fc00::/7) are exempt, as BEP 42 says, so loopback swarms and tests
 * work with any ids.
 */
public final class DhtNode implements PeerSource, AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(DhtNode.class);
  private static final long TICK_MILLIS = 100;
  private static final int MAX_SEEN_PINGS = 64;
  private static final long SEEN_QUIET_MILLIS = 10 * 60 * 1000;
  private static final long REBOOTSTRAP_MILLIS = 60_000;

  private final Config config;
  private final Clock clock;
  private final Random random;
  private final NodeId id;
  private final List<NodeInfo> restored;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final CopyOnWriteArrayList<Search> searches = new CopyOnWriteArrayList<>();
  private final Object lifecycle = new Object();
  private volatile DhtStats stats = DhtStats.EMPTY;
  private final AtomicInteger seenPings = new AtomicInteger();
  private final Map<InetSocketAddress, Long> seenRecently = new HashMap<>(); // DHT thread only
  private volatile boolean closed;
  private DatagramChannel channel;
  /** The socket shared with a client, when started on one (then {@link #channel} is null). */
  private UdpPort shared;
  private final ConcurrentLinkedQueue<Received> sharedIn = new ConcurrentLinkedQueue<>();
  private final AtomicInteger sharedQueued = new AtomicInteger();
  /** Datagrams from a shared port waiting for the node's thread at most; more are dropped. */
  private static final int MAX_SHARED_QUEUED = 1024;
  private volatile Selector selector;
  private Thread thread;
  private DhtEngine engine;
  private volatile InetSocketAddress localAddress;
  private long nextRebootstrap; // the node's thread only

  private DhtNode(Builder b) {
    this.config = b.config();
    this.clock = b.clock;
    this.random = b.random;
    NodeId chosen = b.nodeId;
    List<NodeInfo> nodes = List.of();
    if (b.routingTableFile != null && Files.exists(b.routingTableFile)) {
      try {
        RoutingTableFile.Saved saved = RoutingTableFile.load(b.routingTableFile);
        nodes = saved.nodes();
        if (chosen == null
            && (!b.bep42
                || b.externalAddress == null
                || Bep42.isValid(saved.id(), b.externalAddress))) {
          chosen = saved.id();
        }
      } catch (NoSuchFileException e) {
        // raced with a delete: start empty
      } catch (IOException e) {
        LOG.warn("ignoring the DHT routing table file: {}", e.getMessage());
      }
    }
    if (chosen == null) {
      chosen =
          b.bep42 && b.externalAddress != null
              ? Bep42.generate(b.externalAddress, random)
              : NodeId.random(random);
    }
    this.id = chosen;
    this.restored = nodes;
  }

  /** A builder with the defaults described on each setter. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * Binds the socket and starts the node's thread; then bootstraps in the background if it has
   * bootstrap nodes or a restored routing table.
   *
   * @return this node
   * @throws IOException if the socket cannot be bound
   * @throws IllegalStateException if already started or closed
   */
  public DhtNode start() throws IOException {
    synchronized (lifecycle) {
      checkStartable();
      InetAddress bind = config.bindAddress();
      DatagramChannel ch =
          DatagramChannel.open(
              bind instanceof java.net.Inet6Address
                  ? StandardProtocolFamily.INET6
                  : StandardProtocolFamily.INET);
      try {
        ch.bind(new InetSocketAddress(bind, config.port()));
        ch.configureBlocking(false);
        selector = Selector.open();
        ch.register(selector, SelectionKey.OP_READ);
      } catch (IOException | RuntimeException e) {
        ch.close();
        if (selector != null) {
          selector.close();
        }
        throw e;
      }
      channel = ch;
      localAddress = (InetSocketAddress) ch.getLocalAddress();
      return run();
    }
  }

  /**
   * Starts the node on a socket it shares, a client's ({@code client.udpPort()}): uTP and the
   * DHT on one port, as libtorrent runs them, so peers and nodes see one endpoint. The node binds
   * nothing (the builder's address and port are not used); it takes the port's datagrams that
   * are not uTP and sends through it. Closing the node leaves the port to its client.
   *
   * @param port the shared socket
   * @return this node
   * @throws IOException if the node's wake-up selector cannot be opened
   * @throws IllegalStateException if already started or closed
   */
  public DhtNode start(UdpPort port) throws IOException {
    Objects.requireNonNull(port, "port");
    synchronized (lifecycle) {
      checkStartable();
      selector = Selector.open();
      shared = port;
      localAddress = port.localAddress();
      port.receiver(this::receivedShared);
      return run();
    }
  }

  private void checkStartable() {
    if (closed) {
      throw new IllegalStateException("DHT node is closed");
    }
    if (thread != null) {
      throw new IllegalStateException("DHT node is already started");
    }
  }

  /** A datagram from the shared port, on its client's loop: copied for the node's thread. */
  private void receivedShared(ByteBuffer datagram, InetSocketAddress from) {
    if (closed || datagram.remaining() > KrpcCodec.MAX_PACKET_BYTES) {
      return; // too long for KRPC anyway
    }
    if (sharedQueued.incrementAndGet() > MAX_SHARED_QUEUED) {
      sharedQueued.decrementAndGet();
      return; // the node is behind: dropped, as by a full socket
    }
    byte[] b = new byte[datagram.remaining()];
    datagram.duplicate().get(b);
    sharedIn.add(new Received(b, from));
    Selector s = selector;
    if (s != null) {
      s.wakeup();
    }
  }

  private record Received(byte[] bytes, InetSocketAddress from) {}

  /** Sets up the engine and starts the thread (under the lifecycle lock, the socket ready). */
  private DhtNode run() {
    DhtEngine.Config ec =
        new DhtEngine.Config(
            config.readOnly(),
            config.bep42(),
            config.queryTimeout().toMillis(),
            config.ratePerSecond(),
            config.rateBurst(),
            config.maxInfoHashes(),
            config.maxPeersPerInfoHash(),
            config.peerTtl().toMillis(),
            50,
            1024);
    engine = new DhtEngine(ec, id, clock::millis, random, this::sendNow);
    nextRebootstrap = clock.millis() + REBOOTSTRAP_MILLIS;
    for (NodeInfo n : restored) {
      engine.restore(n);
    }
    thread = new Thread(this::loop, "bt-dht-" + localAddress.getPort());
    thread.setDaemon(true);
    thread.start();
    if (!config.bootstrapNodes().isEmpty() || !restored.isEmpty()) {
      bootstrap();
    }
    return this;
  }

  /** The bound address; null before {@link #start()}. */
  public InetSocketAddress localAddress() {
    return localAddress;
  }

  /** Our node id. */
  public NodeId id() {
    return id;
  }

  /** The number of nodes in the routing table (from the latest {@link #stats()}). */
  public int routingTableSize() {
    return stats.nodes();
  }

  /** The latest snapshot of the node's state. */
  public DhtStats stats() {
    return stats;
  }

  /**
   * Looks up our own id through the bootstrap nodes and the routing table, filling the table.
   *
   * @return completes with the routing table's size afterwards
   */
  public CompletableFuture<Integer> bootstrap() {
    return submit(
        f ->
            engine
                .lookup(id, false, config.bootstrapNodes())
                .whenComplete(
                    (l, e) -> {
                      saveTable();
                      f.complete(engine.table().size());
                    }));
  }

  /**
   * Finds peers for a torrent with an iterative get_peers lookup.
   *
   * @param infoHash a v1 hash, or a v2 hash (its first 20 bytes are used, as BEP 52 says)
   * @return completes with the peers found (possibly none), or with those found so far if the node
   *     closes meanwhile; fails if the node is not started or is closed
   */
  public CompletableFuture<List<PeerAddress>> getPeers(InfoHash infoHash) {
    NodeId target = key(infoHash);
    return submit(f -> engine.getPeers(target, config.bootstrapNodes(), null)
        .whenComplete((v, e) -> complete(f, v, e)));
  }

  /**
   * Finds peers for a torrent and announces that we accept peers on {@code port}, to the k closest
   * nodes that gave us a token.
   *
   * @return completes with the number of nodes that accepted the announce
   * @throws IllegalArgumentException if the port is outside 1..65535
   */
  public CompletableFuture<Integer> announce(InfoHash infoHash, int port) {
    NodeId target = key(infoHash);
    if (port < PeerAddress.MIN_PORT || port > PeerAddress.MAX_PORT) {
      throw new IllegalArgumentException("port out of range 1..65535: " + port);
    }
    return submit(
        f ->
            engine
                .announce(target, port, false, config.bootstrapNodes(), null)
                .whenComplete((r, e) -> complete(f, r == null ? null : r.acceptedBy(), e)));
  }

  private static NodeId key(InfoHash h) {
    Objects.requireNonNull(h, "infoHash");
    return NodeId.of(h.isV2() ? h.truncated().bytes() : h.bytes());
  }

  private static <T> void complete(CompletableFuture<T> f, T v, Throwable e) {
    if (e != null) {
      f.completeExceptionally(e);
    } else {
      f.complete(v);
    }
  }

  private interface Task<T> {
    void run(CompletableFuture<T> f);
  }

  private <T> CompletableFuture<T> submit(Task<T> task) {
    CompletableFuture<T> f = new CompletableFuture<>();
    synchronized (lifecycle) {
      if (thread == null || closed) {
        f.completeExceptionally(
            new IllegalStateException(closed ? "DHT node is closed" : "DHT node is not started"));
        return f;
      }
    }
    tasks.add(
        () -> {
          if (closed) {
            f.completeExceptionally(new IllegalStateException("DHT node is closed"));
            return;
          }
          try {
            task.run(f);
          } catch (RuntimeException e) {
            f.completeExceptionally(e);
          }
        });
    Selector s = selector;
    if (s != null) {
      s.wakeup();
    }
    return f;
  }

  /**
   * Our UDP port, once started and unless read-only: the engine sends it to peers in BEP 5 PORT
   * messages so that they can add this node to their routing tables.
   */
  @Override
  public OptionalInt dhtPort() {
    InetSocketAddress a = localAddress;
    return a == null || closed || config.readOnly() ? OptionalInt.empty() : OptionalInt.of(a.getPort());
  }

  /**
   * A peer told the engine where its DHT node listens (BEP 5 PORT): the node pings it, and adds it
   * to the routing table if it answers. Bounded: at most {@value #MAX_SEEN_PINGS} such nodes wait
   * for the node's thread at a time and at most four times as many are pinged in ten minutes
   * (more are ignored); a node pinged this way in the last ten minutes and nodes of the other
   * address family are ignored too. Does not block.
   */
  @Override
  public void dhtNodeSeen(InetSocketAddress node) {
    InetSocketAddress local = localAddress;
    if (node == null || node.isUnresolved() || local == null || closed
        || node.getAddress().getClass() != local.getAddress().getClass()
        || node.getPort() < PeerAddress.MIN_PORT) {
      return;
    }
    if (seenPings.incrementAndGet() > MAX_SEEN_PINGS) {
      seenPings.decrementAndGet();
      return;
    }
    tasks.add(() -> {
      seenPings.decrementAndGet();
      long now = clock.millis();
      if (closed) {
        return;
      }
      seenRecently.values().removeIf(t -> t < now - SEEN_QUIET_MILLIS);
      if (seenRecently.size() < 4 * MAX_SEEN_PINGS && seenRecently.putIfAbsent(node, now) == null) {
        engine.ping(node);
      }
    });
    Selector s = selector;
    if (s != null) {
      s.wakeup();
    }
  }

  /**
   * Starts finding peers for a torrent: at once, then every {@link Builder#searchInterval} (every
   * {@link Builder#retryInterval} while nothing was found), a get_peers lookup for each of its
   * 20-byte info hashes (v1, and the truncated v2), reporting peers as {@link
   * PeerCandidate.Source#DHT} as each node's answer brings them (not only when the lookup ends,
   * which waits for its slowest nodes) and announcing {@link Context#listenPort()}. While the
   * routing table is empty a lookup starts from the bootstrap nodes. A private torrent (BEP 27)
   * never touches the DHT: the session does nothing. Does not block.
   */
  @Override
  public Session open(Context context) {
    Objects.requireNonNull(context, "context");
    if (context.isPrivate() || closed) {
      return () -> {};
    }
    Search s = new Search(context);
    searches.add(s);
    Selector sel = selector;
    if (sel != null) {
      sel.wakeup();
    }
    return s;
  }

  /** One torrent's periodic search; its fields are used by the node's thread only. */
  private final class Search implements Session {
    final Context context;
    volatile boolean stopped;
    boolean running;
    long nextRun = Long.MIN_VALUE;

    Search(Context context) {
      this.context = context;
    }

    void tick(long now) {
      if (running || now < nextRun) {
        return;
      }
      List<InfoHash> hashes;
      int port;
      try {
        hashes = context.infoHashes().shortHashes();
        port = context.listenPort();
      } catch (RuntimeException e) {
        LOG.warn("a peer source context failed; retrying later", e);
        nextRun = now + config.retryInterval().toMillis();
        return;
      }
      running = true;
      AtomicInteger left = new AtomicInteger(hashes.size());
      List<PeerAddress> found = new ArrayList<>();
      for (InfoHash h : hashes) {
        NodeId target = key(h);
        CompletableFuture<DhtEngine.AnnounceResult> f =
            port >= 1 && port <= 65535
                ? engine.announce(target, port, false, config.bootstrapNodes(), this::report)
                : engine.getPeers(target, config.bootstrapNodes(), this::report)
                    .thenApply(p -> new DhtEngine.AnnounceResult(p, 0));
        f.whenComplete(
            (r, e) -> {
              if (r != null) {
                found.addAll(r.peers());
              }
              if (left.decrementAndGet() == 0) {
                finish(found);
              }
            });
      }
    }

    /**
     * Peers from one get_peers answer, reported at once: the lookup ends only when its slowest
     * nodes answer or time out (2 s each for dead ones), and the engine need not wait for that.
     */
    private void report(List<PeerAddress> peers) {
      if (stopped) {
        return;
      }
      try {
        context.addPeers(List.copyOf(peers), PeerCandidate.Source.DHT);
      } catch (RuntimeException e) {
        LOG.warn("a peer source context failed in addPeers", e);
      }
    }

    private void finish(List<PeerAddress> found) {
      running = false;
      long now = clock.millis();
      nextRun = now + (found.isEmpty() ? config.retryInterval() : config.searchInterval()).toMillis();
      if (!found.isEmpty() && !stopped) {
        try {
          context.addPeers(
              List.copyOf(new java.util.LinkedHashSet<>(found)), PeerCandidate.Source.DHT);
        } catch (RuntimeException e) {
          LOG.warn("a peer source context failed in addPeers", e);
        }
      }
    }

    @Override
    public void close() {
      stopped = true;
      searches.remove(this);
    }
  }

  // ---------------------------------------------------------------- the node's thread

  private void sendNow(byte[] packet, InetSocketAddress to) {
    if (shared != null) {
      shared.send(ByteBuffer.wrap(packet), to);
      return;
    }
    try {
      channel.send(ByteBuffer.wrap(packet), to);
    } catch (IOException e) {
      LOG.debug("send to {} failed: {}", to, e.toString());
    }
  }

  private void loop() {
    ByteBuffer buf = ByteBuffer.allocate(KrpcCodec.MAX_PACKET_BYTES + 1);
    long lastSnapshot = System.nanoTime() - TICK_MILLIS * 1_000_000;
    while (!closed) {
      try {
        selector.select(TICK_MILLIS);
        selector.selectedKeys().clear();
        for (int i = 0; i < 256 && !closed; i++) {
          if (channel == null) {
            Received r = sharedIn.poll();
            if (r == null) {
              break;
            }
            sharedQueued.decrementAndGet();
            engine.onPacket(r.bytes(), 0, r.bytes().length, r.from());
            continue;
          }
          ((Buffer) buf).clear();
          InetSocketAddress from = (InetSocketAddress) channel.receive(buf);
          if (from == null) {
            break;
          }
          engine.onPacket(buf.array(), 0, buf.position(), from);
        }
        Runnable t;
        while (!closed && (t = tasks.poll()) != null) {
          t.run();
        }
        long now = clock.millis();
        engine.onTick();
        if (now >= nextRebootstrap) {
          nextRebootstrap = now + REBOOTSTRAP_MILLIS;
          if (engine.table().size() == 0 && !config.bootstrapNodes().isEmpty()) {
            engine.lookup(id, false, config.bootstrapNodes()); // the table emptied: start over
          }
        }
        for (Search s : searches) {
          if (!s.stopped) {
            s.tick(now);
          }
        }
        long nanos = System.nanoTime(); // the snapshot's cadence is real time, whatever the clock
        if (nanos - lastSnapshot >= TICK_MILLIS * 1_000_000) {
          lastSnapshot = nanos;
          stats = snapshot(now);
        }
      } catch (ClosedChannelException e) {
        break;
      } catch (IOException | RuntimeException e) {
        LOG.warn("DHT loop error (continuing)", e);
      }
    }
    engine.failAll();
    Runnable t;
    while ((t = tasks.poll()) != null) {
      t.run(); // each fails at once: the engine refuses queries now
    }
    saveTable();
  }

  private DhtStats snapshot(long now) {
    RoutingTable table = engine.table();
    return new DhtStats(
        table.size(),
        table.goodCount(now),
        table.bucketCount(),
        table.replacementCount(),
        engine.store().infoHashes(),
        engine.store().peers(),
        engine.pendingQueries(),
        engine.packetsIn(),
        engine.packetsDropped(),
        engine.queriesAnswered(),
        engine.rateLimited(),
        Optional.ofNullable(engine.externalAddress()));
  }

  private void saveTable() {
    Path file = config.routingTableFile();
    if (file == null) {
      return;
    }
    List<NodeInfo> nodes = new ArrayList<>();
    for (RoutingTable.Entry e : engine.table().entries()) {
      if (!e.isBad()) {
        nodes.add(e.info());
      }
    }
    try {
      RoutingTableFile.save(file, id, nodes);
    } catch (IOException e) {
      LOG.warn("could not save the DHT routing table to {}: {}", file, e.toString());
    }
  }

  /**
   * Stops the node: fails pending lookups, saves the routing table (if a file was given), stops the
   * thread (waiting up to 2 s) and closes the socket. Idempotent.
   */
  @Override
  public void close() {
    Thread t;
    synchronized (lifecycle) {
      if (closed) {
        return;
      }
      closed = true;
      t = thread;
    }
    for (Search s : searches) {
      s.stopped = true;
    }
    searches.clear();
    if (t != null) {
      selector.wakeup();
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (shared != null) {
        shared.receiver(null); // the port stays its client's
      } else {
        try {
          channel.close();
        } catch (IOException e) {
          LOG.debug("closing the DHT socket", e);
        }
      }
      try {
        selector.close();
      } catch (IOException e) {
        LOG.debug("closing the DHT selector", e);
      }
    }
  }

  /** The settings a DhtNode runs with: an immutable snapshot of its builder. */
  private record Config(
      InetAddress bindAddress,
      int port,
      List<InetSocketAddress> bootstrapNodes,
      NodeId nodeId,
      boolean readOnly,
      boolean bep42,
      InetAddress externalAddress,
      Path routingTableFile,
      Duration queryTimeout,
      Duration searchInterval,
      Duration retryInterval,
      Duration peerTtl,
      double ratePerSecond,
      int rateBurst,
      int maxInfoHashes,
      int maxPeersPerInfoHash,
      Clock clock,
      Random random) {}

  /** Settings for a {@link DhtNode}; each setter checks its argument. Not thread-safe. */
  public static final class Builder {
    private InetAddress bindAddress = InetAddress.getLoopbackAddress();
    private int port;
    private List<InetSocketAddress> bootstrapNodes = List.of();
    private NodeId nodeId;
    private boolean readOnly;
    private boolean bep42;
    private InetAddress externalAddress;
    private Path routingTableFile;
    private Duration queryTimeout = Duration.ofSeconds(2);
    private Duration searchInterval = Duration.ofMinutes(10);
    private Duration retryInterval = Duration.ofMinutes(1);
    private Duration peerTtl = Duration.ofMinutes(30);
    private double ratePerSecond = 20;
    private int rateBurst = 50;
    private int maxInfoHashes = 2000;
    private int maxPeersPerInfoHash = 100;
    private Clock clock = Clock.systemUTC();
    private Random random = new java.security.SecureRandom();

    Builder() {}

    private Config config() {
      return new Config(
          bindAddress,
          port,
          List.copyOf(bootstrapNodes),
          nodeId,
          readOnly,
          bep42,
          externalAddress,
          routingTableFile,
          queryTimeout,
          searchInterval,
          retryInterval,
          peerTtl,
          ratePerSecond,
          rateBurst,
          maxInfoHashes,
          maxPeersPerInfoHash,
          clock,
          random);
    }

    /**
     * The local address to bind (default 127.0.0.1; use 0.0.0.0 or a routable one to go public).
     */
    public Builder bindAddress(InetAddress address) {
      this.bindAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** The UDP port (default 0: an ephemeral port). */
    public Builder port(int port) {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port out of range 0..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /**
     * Nodes to bootstrap from (default none: the node contacts no one it is not told about).
     * Addresses must be resolved.
     */
    public Builder bootstrapNodes(List<InetSocketAddress> nodes) {
      List<InetSocketAddress> copy = List.copyOf(nodes);
      for (InetSocketAddress a : copy) {
        if (a.isUnresolved()) {
          throw new IllegalArgumentException("bootstrap node is unresolved: " + a);
        }
      }
      this.bootstrapNodes = copy;
      return this;
    }

    /** Our id (default: the saved one, else BEP 42-derived if enabled, else random). */
    public Builder nodeId(NodeId id) {
      this.nodeId = Objects.requireNonNull(id, "id");
      return this;
    }

    /** BEP 43 read-only mode (default off): answer no queries, flag ours with {@code ro=1}. */
    public Builder readOnly(boolean readOnly) {
      this.readOnly = readOnly;
      return this;
    }

    /**
     * BEP 42 hardening (default off): keep out of the routing table nodes whose ids do not match
     * their IPs (local addresses exempt), and derive our id from {@link #externalAddress}.
     */
    public Builder bep42(boolean enabled) {
      this.bep42 = enabled;
      return this;
    }

    /** Our external IP, for a BEP 42 id (default unknown: a random id). */
    public Builder externalAddress(InetAddress address) {
      this.externalAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** Where to save the routing table on close and after bootstrap, and restore it from. */
    public Builder routingTableFile(Path file) {
      this.routingTableFile = Objects.requireNonNull(file, "file");
      return this;
    }

    /** How long to wait for each answer (default 2 s). */
    public Builder queryTimeout(Duration timeout) {
      this.queryTimeout = positive(timeout, "queryTimeout");
      return this;
    }

    /**
     * How often a {@link PeerSource} session searches again after finding peers (default 10 min).
     */
    public Builder searchInterval(Duration interval) {
      this.searchInterval = positive(interval, "searchInterval");
      return this;
    }

    /** How soon a session searches again after finding none (default 1 min). */
    public Builder retryInterval(Duration interval) {
      this.retryInterval = positive(interval, "retryInterval");
      return this;
    }

    /** How long a peer announced to us is kept (default 30 min). */
    public Builder peerTtl(Duration ttl) {
      this.peerTtl = positive(ttl, "peerTtl");
      return this;
    }

    /**
     * Queries served per source IP: {@code perSecond} sustained, {@code burst} at once (default
     * 20/s, 50); the excess is dropped unanswered. Every node on 127.0.0.1 shares one IP, so raise
     * this for a node that serves a large local swarm (a bootstrap router for tests).
     */
    public Builder rateLimit(double perSecond, int burst) {
      if (!(perSecond > 0) || burst < 1) {
        throw new IllegalArgumentException(
            "rate limit must be positive: " + perSecond + ", " + burst);
      }
      this.ratePerSecond = perSecond;
      this.rateBurst = burst;
      return this;
    }

    /** Caps on stored announces: info hashes (default 2000) and peers per hash (default 100). */
    public Builder storageLimits(int maxInfoHashes, int maxPeersPerInfoHash) {
      if (maxInfoHashes < 1 || maxPeersPerInfoHash < 1) {
        throw new IllegalArgumentException(
            "storage limits must be positive: " + maxInfoHashes + ", " + maxPeersPerInfoHash);
      }
      this.maxInfoHashes = maxInfoHashes;
      this.maxPeersPerInfoHash = maxPeersPerInfoHash;
      return this;
    }

    /** The clock for timeouts, node states and expiry (default the system clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The random source for ids, transaction ids and secrets (default a {@code SecureRandom}). */
    public Builder random(Random random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    private static Duration positive(Duration d, String what) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive: " + d);
      }
      return d;
    }

    /** A node with these settings, not started; reads the routing table file if there is one. */
    public DhtNode build() {
      return new DhtNode(this);
    }
  }
}
