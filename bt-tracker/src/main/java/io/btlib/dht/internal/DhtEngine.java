package io.btlib.dht.internal;

import io.btlib.dht.NodeId;
import io.btlib.peer.PeerAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The DHT node's logic without I/O: datagrams and clock ticks in ({@link #onPacket}, {@link
 * #onTick}), datagrams out through a {@link Sender}. It answers queries, keeps the routing table,
 * stores announced peers, and runs lookups. Every method must be called from one thread (the
 * node's); futures complete on that thread.
 */
public final class DhtEngine {
  private static final Logger LOG = LoggerFactory.getLogger(DhtEngine.class);

  /** Where the engine's datagrams go. */
  @FunctionalInterface
  public interface Sender {
    /** Sends one datagram; must not block (drop if the socket is full). */
    void send(byte[] packet, InetSocketAddress to);
  }

  /**
   * Settings.
   *
   * @param readOnly BEP 43: send {@code ro}, answer no queries
   * @param bep42 keep only nodes whose ids are valid for their IPs (local IPs exempt)
   * @param queryTimeoutMillis how long to wait for an answer
   * @param ratePerSecond queries a second served per source IP
   * @param rateBurst queries served at once per source IP
   * @param maxInfoHashes info hashes stored at most
   * @param maxPeersPerHash peers stored per info hash at most
   * @param peerTtlMillis how long an announce is kept
   * @param maxValuesPerReply peers sent in one get_peers reply at most
   * @param maxPendingQueries our queries in flight at most
   */
  public record Config(
      boolean readOnly,
      boolean bep42,
      long queryTimeoutMillis,
      double ratePerSecond,
      int rateBurst,
      int maxInfoHashes,
      int maxPeersPerHash,
      long peerTtlMillis,
      int maxValuesPerReply,
      int maxPendingQueries) {}

  private interface Callback {
    void onResponse(KrpcMessage.Response r, InetSocketAddress from);

    void onFailure();
  }

  private record Pending(
      InetSocketAddress to, NodeId expectedId, long deadline, Callback callback) {}

  private final Config config;
  private final NodeId id;
  private final LongSupplier clock;
  private final Random random;
  private final Sender sender;
  private final RoutingTable table;
  private final Tokens tokens;
  private final PeerStore store;
  private final RateLimiter limiter;
  private final LinkedHashMap<Integer, Pending> pending = new LinkedHashMap<>();
  /** See {@link #nodeFailed}. */
  private static final long EVICT_WHILE_ANSWERED_MILLIS = 60_000;

  private int nextTid;
  private long lastAnswer = Long.MIN_VALUE / 2;
  private long lastHousekeeping;
  private volatile PeerAddress externalAddress;
  private boolean closed;

  // counters, read by other threads for stats
  private volatile long packetsIn;
  private volatile long packetsDropped;
  private volatile long queriesAnswered;
  private volatile long rateLimited;

  /** An engine for node {@code id}; {@code clock} gives milliseconds. */
  public DhtEngine(
      Config config, NodeId id, LongSupplier clock, Random random, Sender sender) {
    this.config = config;
    this.id = id;
    this.clock = clock;
    this.random = random;
    this.sender = sender;
    long now = clock.getAsLong();
    this.table = new RoutingTable(id, now);
    this.tokens = new Tokens(random, now);
    this.store =
        new PeerStore(config.maxInfoHashes(), config.maxPeersPerHash(), config.peerTtlMillis());
    this.limiter = new RateLimiter(config.ratePerSecond(), config.rateBurst());
    this.nextTid = random.nextInt(1 << 16);
    this.lastHousekeeping = now;
  }

  /** Our id. */
  public NodeId id() {
    return id;
  }

  /** The routing table (DHT thread only). */
  public RoutingTable table() {
    return table;
  }

  /** The peer store (DHT thread only). */
  public PeerStore store() {
    return store;
  }

  /** Datagrams received. */
  public long packetsIn() {
    return packetsIn;
  }

  /** Datagrams dropped as malformed, unexpected or rate limited. */
  public long packetsDropped() {
    return packetsDropped;
  }

  /** Queries answered. */
  public long queriesAnswered() {
    return queriesAnswered;
  }

  /** Queries dropped by the per-IP rate limit. */
  public long rateLimited() {
    return rateLimited;
  }

  /** Our address as the last responder reported it (BEP 42 {@code ip}), or null. */
  public PeerAddress externalAddress() {
    return externalAddress;
  }

  /** Our queries in flight. */
  public int pendingQueries() {
    return pending.size();
  }

  // ---------------------------------------------------------------- input

  /** Handles one received datagram; never throws for any content. */
  public void onPacket(byte[] buf, int offset, int length, InetSocketAddress from) {
    packetsIn++;
    KrpcMessage m;
    try {
      m = KrpcCodec.decode(buf, offset, length);
    } catch (KrpcException e) {
      packetsDropped++;
      LOG.debug("dropped a packet from {}: {}", from, e.getMessage());
      if (e.answerable()
          && !config.readOnly()
          && limiter.tryAcquire(from.getAddress(), clock.getAsLong())) {
        send(new KrpcMessage.Error(e.transactionId(), e.errorCode(), e.getMessage()), from);
      }
      return;
    }
    if (m instanceof KrpcMessage.Query q) {
      onQuery(q, from);
    } else if (m instanceof KrpcMessage.Response r) {
      onResponse(r, from);
    } else {
      onError((KrpcMessage.Error) m, from);
    }
  }

  private void onQuery(KrpcMessage.Query q, InetSocketAddress from) {
    long now = clock.getAsLong();
    if (config.readOnly()) {
      packetsDropped++;
      return; // BEP 43: a read-only node answers nothing
    }
    if (!limiter.tryAcquire(from.getAddress(), now)) {
      packetsDropped++;
      rateLimited++;
      return;
    }
    answer(q, from, now);
    if (!q.readOnly()) {
      // after the answer: a node new to the table is pinged, and the answer should go first
      consider(new NodeInfo(q.id(), from), false, now);
    }
  }

  private void answer(KrpcMessage.Query q, InetSocketAddress from, long now) {
    PeerAddress requester = peerOf(from);
    switch (q.method()) {
      case PING -> reply(q, List.of(), List.of(), null, requester, from);
      case FIND_NODE -> reply(q, nodesFor(q, q.target(), from), List.of(), null, requester, from);
      case GET_PEERS -> {
        List<PeerAddress> values = store.get(q.infoHash(), config.maxValuesPerReply(), now, random);
        reply(
            q,
            nodesFor(q, q.infoHash(), from),
            values,
            tokens.tokenFor(from.getAddress(), now),
            requester,
            from);
      }
      case ANNOUNCE_PEER -> {
        if (!tokens.isValid(q.token(), from.getAddress(), now)) {
          packetsDropped++;
          send(
              new KrpcMessage.Error(q.transactionId(), KrpcCodec.ERROR_PROTOCOL, "bad token"),
              from);
          return;
        }
        int port = q.impliedPort() ? from.getPort() : q.port();
        if (port < PeerAddress.MIN_PORT || port > PeerAddress.MAX_PORT) {
          send(
              new KrpcMessage.Error(
                  q.transactionId(), KrpcCodec.ERROR_PROTOCOL, "port out of range"),
              from);
          return;
        }
        store.add(q.infoHash(), new PeerAddress(from.getAddress(), port), now);
        reply(q, List.of(), List.of(), null, requester, from);
      }
      default -> throw new IllegalStateException("method " + q.method());
    }
  }

  /**
   * The k closest nodes of each address family the query wants (BEP 32 {@code want}), or of the
   * requester's own family when it does not say; the response puts them in {@code nodes} and
   * {@code nodes6}.
   */
  private List<NodeInfo> nodesFor(KrpcMessage.Query q, NodeId target, InetSocketAddress from) {
    int want = q.want();
    if (want == 0) {
      want = from.getAddress() instanceof java.net.Inet6Address
          ? KrpcMessage.Query.WANT_N6 : KrpcMessage.Query.WANT_N4;
    }
    return table.closestOfEach(target, RoutingTable.K, (want & KrpcMessage.Query.WANT_N4) != 0,
        (want & KrpcMessage.Query.WANT_N6) != 0);
  }

  private static PeerAddress peerOf(InetSocketAddress a) {
    return a.getPort() == 0 ? null : new PeerAddress(a.getAddress(), a.getPort());
  }

  private void reply(
      KrpcMessage.Query q,
      List<NodeInfo> nodes,
      List<PeerAddress> values,
      byte[] token,
      PeerAddress requester,
      InetSocketAddress to) {
    queriesAnswered++;
    send(
        new KrpcMessage.Response(
            q.transactionId(), id, nodes, List.of(), values, token, requester, null),
        to);
  }

  private void onResponse(KrpcMessage.Response r, InetSocketAddress from) {
    Pending p = take(r.transactionId(), from);
    if (p == null) {
      packetsDropped++;
      return;
    }
    if (p.expectedId() != null && !p.expectedId().equals(r.id())) {
      // another node answers at that address now: the old one is gone
      nodeFailed(p.expectedId());
    }
    if (r.ip() != null) {
      externalAddress = r.ip();
    }
    lastAnswer = clock.getAsLong();
    consider(new NodeInfo(r.id(), from), true, lastAnswer);
    p.callback().onResponse(r, from);
  }

  private void onError(KrpcMessage.Error e, InetSocketAddress from) {
    Pending p = take(e.transactionId(), from);
    if (p == null) {
      packetsDropped++;
      return;
    }
    LOG.debug("error {} from {}: {}", e.code(), from, e.message());
    p.callback().onFailure();
  }

  private Pending take(byte[] tid, InetSocketAddress from) {
    if (tid.length != 2) {
      return null;
    }
    int key = ((tid[0] & 0xFF) << 8) | (tid[1] & 0xFF);
    Pending p = pending.get(key);
    if (p == null || !p.to().equals(from)) {
      return null; // unknown, or a spoofed answer from elsewhere
    }
    pending.remove(key);
    return p;
  }

  private void consider(NodeInfo node, boolean responded, long now) {
    if (config.readOnly() && !responded) {
      return;
    }
    if (config.bep42() && !Bep42.isValid(node.id(), node.address().getAddress())) {
      return;
    }
    for (NodeInfo q : table.add(node, responded, now)) {
      pingTableNode(q);
    }
    if (!responded && table.startVerifying(node.id(), now)) {
      pingTableNode(node); // it queried us: does it answer too?
    }
  }

  /**
   * A node of the table failed to answer. While others answer us (within the last {@link
   * #EVICT_WHILE_ANSWERED_MILLIS}), a node that turns bad leaves the table; otherwise the silence
   * may be our own network's, and the table is kept.
   */
  private void nodeFailed(NodeId node) {
    table.failed(node, clock.getAsLong() - lastAnswer < EVICT_WHILE_ANSWERED_MILLIS);
  }

  /**
   * Pings a node of the routing table; its answer refreshes it. A timeout counts as one failure,
   * in {@link #onTick} as for any query to a known node: the callback does not count it again
   * (it used to, so that one lost datagram made a node bad), nor an error reply (the node is
   * there) or a ping refused for too many queries in flight (not the node's doing).
   */
  private void pingTableNode(NodeInfo q) {
    query(
        KrpcMessage.Query.ping(null, id, config.readOnly()),
        q.address(),
        q.id(),
        new Callback() {
          @Override
          public void onResponse(KrpcMessage.Response r, InetSocketAddress from) {}

          @Override
          public void onFailure() {}
        });
  }

  /** Expires timed-out queries and runs once-a-second housekeeping; call at least every 100 ms. */
  public void onTick() {
    long now = clock.getAsLong();
    List<Pending> expired = List.of();
    if (!pending.isEmpty()) {
      Iterator<Pending> it = pending.values().iterator();
      while (it.hasNext()) {
        Pending p = it.next();
        if (p.deadline() > now) {
          break;
        }
        it.remove();
        if (expired.isEmpty()) {
          expired = new ArrayList<>();
        }
        expired.add(p);
      }
    }
    for (Pending p : expired) {
      if (p.expectedId() != null) {
        nodeFailed(p.expectedId());
      }
      p.callback().onFailure();
    }
    if (now - lastHousekeeping >= 1000) {
      lastHousekeeping = now;
      store.expire(now);
      NodeInfo stale = table.stalest(now);
      if (stale != null) {
        pingTableNode(stale);
      }
      if (table.size() > 0) {
        for (NodeId target : table.refreshTargets(now, random)) {
          lookup(target, false, List.of());
        }
      }
    }
  }

  // ---------------------------------------------------------------- output

  private void send(KrpcMessage m, InetSocketAddress to) {
    try {
      sender.send(KrpcCodec.encode(m), to);
    } catch (RuntimeException e) {
      LOG.debug("could not send to {}: {}", to, e.toString());
    }
  }

  /** Sends a query, rewriting its transaction id; the callback sees the answer or failure. */
  private void query(KrpcMessage.Query q, InetSocketAddress to, NodeId expected, Callback cb) {
    if (closed || pending.size() >= config.maxPendingQueries()) {
      cb.onFailure();
      return;
    }
    int key;
    do {
      key = nextTid++ & 0xFFFF;
    } while (pending.containsKey(key));
    byte[] tid = {(byte) (key >>> 8), (byte) key};
    KrpcMessage.Query withTid =
        new KrpcMessage.Query(
            tid,
            q.method(),
            q.id(),
            q.target(),
            q.infoHash(),
            q.port(),
            q.impliedPort(),
            q.token(),
            config.readOnly(),
            q.version());
    pending.put(
        key, new Pending(to, expected, clock.getAsLong() + config.queryTimeoutMillis(), cb));
    send(withTid, to);
  }

  /** Pings an address; the future completes with whether it answered. */
  public CompletableFuture<Boolean> ping(InetSocketAddress to) {
    CompletableFuture<Boolean> f = new CompletableFuture<>();
    query(
        KrpcMessage.Query.ping(null, id, config.readOnly()),
        to,
        null,
        new Callback() {
          @Override
          public void onResponse(KrpcMessage.Response r, InetSocketAddress from) {
            f.complete(true);
          }

          @Override
          public void onFailure() {
            f.complete(false);
          }
        });
    return f;
  }

  /**
   * Runs a lookup for {@code target} seeded from the routing table and {@code extraAddresses}
   * (whose ids are unknown); completes with the finished lookup.
   */
  public CompletableFuture<Lookup> lookup(
      NodeId target, boolean getPeers, List<InetSocketAddress> extraAddresses) {
    return lookup(target, getPeers, extraAddresses, null);
  }

  /**
   * {@link #lookup(NodeId, boolean, List)}, passing the peers of every get_peers answer to {@code
   * onValues} (if not null) as it arrives, before the lookup ends.
   */
  private CompletableFuture<Lookup> lookup(NodeId target, boolean getPeers,
      List<InetSocketAddress> extraAddresses, Consumer<List<PeerAddress>> onValues) {
    Lookup l = new Lookup(target, getPeers);
    l.addCandidates(table.closest(target, RoutingTable.K * 2), id);
    for (InetSocketAddress a : extraAddresses) {
      l.addUnknown(a);
    }
    CompletableFuture<Lookup> f = new CompletableFuture<>();
    step(l, f, onValues);
    return f;
  }

  private void step(Lookup l, CompletableFuture<Lookup> f, Consumer<List<PeerAddress>> onValues) {
    if (f.isDone()) {
      return;
    }
    for (Object next : l.nextToQuery()) {
      boolean unknown = next instanceof InetSocketAddress;
      InetSocketAddress to = unknown ? (InetSocketAddress) next : ((NodeInfo) next).address();
      NodeId expected = unknown ? null : ((NodeInfo) next).id();
      KrpcMessage.Query q =
          l.isGetPeers()
              ? KrpcMessage.Query.getPeers(null, id, l.target(), config.readOnly())
              : KrpcMessage.Query.findNode(null, id, l.target(), config.readOnly());
      query(
          q,
          to,
          expected,
          new Callback() {
            @Override
            public void onResponse(KrpcMessage.Response r, InetSocketAddress from) {
              List<NodeInfo> nodes = new ArrayList<>(r.nodes());
              nodes.addAll(r.nodes6());
              if (config.bep42()) {
                nodes.removeIf(n -> !Bep42.isValid(n.id(), n.address().getAddress()));
              }
              l.answered(expected, new NodeInfo(r.id(), from), nodes, r.values(), r.token(), id);
              if (onValues != null && !r.values().isEmpty() && !f.isDone()) {
                try {
                  onValues.accept(r.values());
                } catch (RuntimeException e) {
                  LOG.warn("a get_peers listener failed", e);
                }
              }
              step(l, f, onValues);
            }

            @Override
            public void onFailure() {
              if (unknown) {
                l.failedUnknown();
              } else {
                l.failed(expected);
              }
              step(l, f, onValues);
            }
          });
    }
    if (l.isDone()) {
      f.complete(l);
    }
  }

  /** A get_peers lookup; completes with the peers found, and those announced to us. */
  public CompletableFuture<List<PeerAddress>> getPeers(NodeId infoHash) {
    return getPeers(infoHash, List.of(), null);
  }

  /**
   * A get_peers lookup that starts from {@code routers} (the bootstrap nodes) when the routing
   * table is still empty, as libtorrent's traversals do: a search that begins before the bootstrap
   * has answered would otherwise ask no one and find nothing. The peers of each answer also go to
   * {@code onValues} (if not null) at once: the lookup itself waits for its slowest nodes (dead
   * ones time out), and a client need not wait with it.
   */
  public CompletableFuture<List<PeerAddress>> getPeers(NodeId infoHash,
      List<InetSocketAddress> routers, Consumer<List<PeerAddress>> onValues) {
    return lookup(infoHash, true, routersIfEmpty(routers), onValues)
        .thenApply(l -> withLocal(infoHash, l.values()));
  }

  private List<InetSocketAddress> routersIfEmpty(List<InetSocketAddress> routers) {
    return table.size() == 0 ? routers : List.of();
  }

  private List<PeerAddress> withLocal(NodeId infoHash, List<PeerAddress> found) {
    List<PeerAddress> local =
        store.get(infoHash, config.maxValuesPerReply(), clock.getAsLong(), random);
    if (local.isEmpty()) {
      return found;
    }
    java.util.LinkedHashSet<PeerAddress> all = new java.util.LinkedHashSet<>(found);
    all.addAll(local);
    return List.copyOf(all);
  }

  /**
   * A get_peers lookup, then announce_peer to the k closest nodes that gave a token; completes with
   * the peers found and the number of nodes that accepted the announce.
   */
  public CompletableFuture<AnnounceResult> announce(NodeId infoHash, int port, boolean implied) {
    return announce(infoHash, port, implied, List.of(), null);
  }

  /**
   * {@link #announce(NodeId, int, boolean)}, its lookup starting from {@code routers} while the
   * routing table is empty and passing each answer's peers to {@code onValues} as they arrive (see
   * {@link #getPeers(NodeId, List, Consumer)}).
   */
  public CompletableFuture<AnnounceResult> announce(NodeId infoHash, int port, boolean implied,
      List<InetSocketAddress> routers, Consumer<List<PeerAddress>> onValues) {
    CompletableFuture<AnnounceResult> f = new CompletableFuture<>();
    lookup(infoHash, true, routersIfEmpty(routers), onValues)
        .whenComplete(
            (l, err) -> {
              if (err != null) {
                f.completeExceptionally(err);
                return;
              }
              List<Lookup.Candidate> targets = new ArrayList<>();
              for (Lookup.Candidate c : l.closestAnswered()) {
                if (c.token() != null) {
                  targets.add(c);
                }
              }
              if (targets.isEmpty()) {
                f.complete(new AnnounceResult(withLocal(infoHash, l.values()), 0));
                return;
              }
              int[] left = {targets.size()};
              int[] ok = {0};
              for (Lookup.Candidate c : targets) {
                KrpcMessage.Query q =
                    KrpcMessage.Query.announcePeer(
                        null, id, infoHash, port, implied, c.token(), config.readOnly());
                query(
                    q,
                    c.info().address(),
                    c.info().id(),
                    new Callback() {
                      @Override
                      public void onResponse(KrpcMessage.Response r, InetSocketAddress from) {
                        ok[0]++;
                        done();
                      }

                      @Override
                      public void onFailure() {
                        done();
                      }

                      private void done() {
                        if (--left[0] == 0) {
                          f.complete(new AnnounceResult(withLocal(infoHash, l.values()), ok[0]));
                        }
                      }
                    });
              }
            });
    return f;
  }

  /** What an announce achieved. */
  public record AnnounceResult(List<PeerAddress> peers, int acceptedBy) {}

  /** Adds a node we have not heard from yet (restored from a file) as questionable. */
  public void restore(NodeInfo node) {
    if (config.bep42() && !Bep42.isValid(node.id(), node.address().getAddress())) {
      return;
    }
    table.add(node, false, clock.getAsLong() - RoutingTable.GOOD_MILLIS);
  }

  /** Fails every query in flight and refuses new ones (on close). */
  public void failAll() {
    closed = true;
    List<Pending> all = new ArrayList<>(pending.values());
    pending.clear();
    for (Pending p : all) {
      try {
        p.callback().onFailure();
      } catch (RuntimeException e) {
        LOG.debug("callback failed on close", e);
      }
    }
  }
}
