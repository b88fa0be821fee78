package io.btlib.client.internal;

import io.btlib.client.PieceCache;
import io.btlib.client.Storage;
import io.btlib.client.StorageFactory;
import io.btlib.client.TorrentListener;
import io.btlib.client.TorrentState;
import io.btlib.client.TorrentStatus;
import io.btlib.hash.PieceVerifier;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerCandidate;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.MetadataMessage;
import io.btlib.wire.session.PeerEvent;
import io.btlib.wire.session.PeerSession;
import io.btlib.wire.session.PendingBlock;
import io.btlib.wire.session.SessionConfig;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One torrent in the engine: its lifecycle (check, download, seed, pause, stop), its metainfo,
 * storage and piece state, and its connections, whose events it routes to the parts that do the
 * work: the {@link PeerBook}, {@link RequestScheduler}, {@link PieceAssembler}, {@link WebSeeds},
 * {@link UploadPump}, {@link MetadataExchange}, {@link LayerExchange} and {@link ChokeRound}.
 * Everything runs on the engine thread except the disk and hashing work handed to the pool, whose
 * results come back as posted tasks. Internal, not API.
 */
final class TorrentRuntime {
  private static final Logger log = LoggerFactory.getLogger(TorrentRuntime.class);

  final Engine engine;
  final InfoHashes infoHashes;
  final TorrentHandle handle;
  final CompletableFuture<Void> completion = new CompletableFuture<>();
  final CopyOnWriteArrayList<TorrentListener> listeners = new CopyOnWriteArrayList<>();
  final List<Connection> connections = new ArrayList<>();
  volatile TorrentStatus status;
  volatile Metainfo metainfoVolatile;
  volatile boolean removed;
  MagnetLink magnet;
  /** On the engine's list of torrents its ticks visit ({@link Engine#wake}); loop only. */
  boolean awake;

  final TokenBucket downBucket;
  final TokenBucket upBucket;
  final RateLimiter downLimit;
  final RateLimiter upLimit;
  final TransferTotals totals;
  final ChokeRound choking;
  final PeerBook peers;
  final Holepunch holepunch;
  final RequestScheduler scheduler;
  final PieceAssembler assembler;
  final WebSeeds webSeeds;
  final UploadPump uploads;
  final MetadataExchange metadata;
  final LayerExchange layers;
  /** What readers may read; shared with their threads. */
  final ReadGate readGate = new ReadGate();
  /** The readers' windows and the deadlines they give pieces. */
  final ReaderWindows windows = new ReaderWindows();

  private Metainfo metainfo;
  private Storage storage;
  private final StorageFactory storageFactory;
  private BitSet initialVerified;
  /** The bounded cache's keeper when the storage is a {@link PieceCache}; else null. */
  private CacheKeeper cache;
  private TorrentState state = TorrentState.STOPPED;
  /** The state a paused torrent resumes to. */
  private TorrentState resumeState;
  private String error;
  private PieceState<PeerAddress> pieces;
  private PieceVerifier verifier;
  private SessionConfig sessionConfig;
  /** A v2 torrent whose missing piece layers are fetched before it is installed; else null. */
  private Metainfo layersPending;
  /** Super-seeding's state (see {@link #superSeeding()}), or null. */
  private SuperSeeding superSeeding;
  /** A seed's suggestions (see {@link #seedSuggestions()}), or null. */
  private SeedSuggestions seedSuggestions;

  TorrentRuntime(Engine engine, InfoHashes infoHashes, Metainfo metainfo, Storage storage,
      StorageFactory storageFactory, BitSet verified) {
    this.engine = engine;
    this.infoHashes = infoHashes;
    this.storage = storage;
    this.storageFactory = storageFactory != null ? storageFactory : m -> storage;
    this.initialVerified = verified == null ? null : (BitSet) verified.clone();
    long now = engine.ticker.getAsLong();
    this.totals = new TransferTotals(now);
    this.downBucket = new TokenBucket(0, Engine.burstFor(0), now);
    this.upBucket = new TokenBucket(0, Engine.burstFor(0), now);
    this.downLimit = new RateLimiter(engine.downBucket, downBucket);
    this.upLimit = new RateLimiter(engine.upBucket, upBucket);
    this.handle = new TorrentHandle(this);
    this.webSeeds = new WebSeeds(this);
    this.scheduler = new RequestScheduler(this);
    this.choking = new ChokeRound(this);
    this.peers = new PeerBook(this);
    this.holepunch = new Holepunch(this);
    this.assembler = new PieceAssembler(this);
    this.uploads = new UploadPump(this);
    this.metadata = new MetadataExchange(engine, infoHashes);
    this.layers = new LayerExchange(this);
    if (metainfo != null && HashExchange.lacksPieceLayers(metainfo)) {
      // a v2 .torrent without (all of) its piece layers: fetch them from peers first, as for a
      // magnet link, then open with the given storage
      this.layersPending = metainfo;
    } else if (metainfo != null) {
      checkCache(storage, metainfo);
      setMetainfo(metainfo);
    }
    this.status = snapshot(now);
  }

  private void setMetainfo(Metainfo m) {
    this.metainfo = m;
    this.metainfoVolatile = m;
    this.pieces = new PieceState<>(m, engine.random);
    this.verifier = PieceVerifier.of(m);
    assembler.setMetainfo(m, pieces);
    scheduler.setMetainfo(m);
    uploads.setMetainfo(m);
    metadata.setMetainfo(m);
    windows.setMetainfo(m);
    readGate.open(m, storage);
    if (storage instanceof PieceCache) {
      cache = new CacheKeeper((PieceCache) storage, pieces, windows);
      initialVerified = new BitSet(); // a cache starts empty: nothing to check or trust
      pieces.restrictTo(windowPieces());
    }
  }

  /** A bounded cache must hold one piece at least: a clear error rather than endless eviction. */
  private static void checkCache(Storage s, Metainfo m) {
    if (s instanceof PieceCache && ((PieceCache) s).capacity() < m.pieceLength()) {
      throw new IllegalArgumentException("the piece cache holds " + ((PieceCache) s).capacity()
          + " bytes, less than one piece (" + m.pieceLength() + " bytes)");
    }
  }

  /** The pieces the readers' windows cover: all a bounded cache fetches. */
  private BitSet windowPieces() {
    BitSet b = new BitSet();
    for (int i = 0; i < windows.count(); i++) {
      b.set(windows.piece(i));
    }
    return b;
  }

  /** The bounded cache's keeper, or null without one. */
  CacheKeeper cache() {
    return cache;
  }

  /**
   * A bounded cache needs room: {@code piece} is verified no more, for readers, peers and the
   * piece state, and only then are its bytes dropped.
   */
  void evict(int piece) {
    pieces.unverify(piece);
    readGate.unverified(piece);
    cache.evicted(piece);
    uploads.evicted(piece);
    try {
      cache.cache().evict(piece);
    } catch (IOException | RuntimeException e) {
      log.warn("evicting piece {} failed: {}", piece, e.toString());
    }
  }

  // what the parts share: on the engine thread only

  /** The metainfo, or null while it is fetched. */
  Metainfo metainfo() {
    return metainfo;
  }

  /** The piece state, or null while the metainfo is fetched. */
  PieceState<PeerAddress> pieces() {
    return pieces;
  }

  PieceVerifier verifier() {
    return verifier;
  }

  Storage storage() {
    return storage;
  }

  TorrentState state() {
    return state;
  }

  boolean isPrivate() {
    return metainfo != null && metainfo.isPrivate();
  }

  void post(Consumer<TorrentListener> call) {
    engine.events.post(listeners, call);
  }

  /** The settings of this torrent's sessions (rebuilt once the metainfo is known). */
  SessionConfig sessionConfig() {
    if (sessionConfig == null || (metainfo != null && !sessionConfig.hasPieceCount())) {
      SessionConfig.Builder b = SessionConfig.builder(engine.peerId, infoHashes)
          .listenPort(engine.listenAddress().getPort())
          .limits(engine.config.limits())
          .maxQueuedRequests(engine.config.maxRequestsPerPeer())
          .blockAllocator(engine::allocateBlock);
      if (metainfo != null) {
        b.pieces(metainfo.pieceCount(), metainfo::pieceSize);
        b.metadataSize(metadata.infoBytes().length);
        if (metainfo.version() == io.btlib.metainfo.TorrentVersion.V2) {
          // libtorrent asks for a v2 file's last piece as if padded to the full length
          b.paddedPieceLength(metainfo.pieceLength());
        }
        if (metainfo.isPrivate()) {
          // BEP 27: no peer exchange for private torrents
          b.extensions(Map.of(ExtendedHandshake.UT_METADATA, SessionConfig.UT_METADATA_ID));
        }
      }
      if (holepunch.enabled()) {
        b.extensions(Map.of(ExtendedHandshake.UT_METADATA, SessionConfig.UT_METADATA_ID,
            ExtendedHandshake.UT_PEX, SessionConfig.UT_PEX_ID,
            ExtendedHandshake.UT_HOLEPUNCH, SessionConfig.UT_HOLEPUNCH_ID));
      }
      b.dht(!isPrivate() && peers.dhtPort() > 0); // BEP 27: no DHT for private torrents
      sessionConfig = b.build();
    }
    return sessionConfig;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Whether peers may connect (and slots be handed out): not stopped, paused, failed, checking. */
  boolean acceptsConnections() {
    return state != TorrentState.STOPPED && state != TorrentState.PAUSED
        && state != TorrentState.FAILED && state != TorrentState.CHECKING;
  }

  void start() {
    if (state != TorrentState.STOPPED) {
      return;
    }
    long now = engine.ticker.getAsLong();
    if (metainfo == null) {
      setState(TorrentState.FETCHING_METADATA, now);
      if (layersPending != null) {
        try {
          layers.startFetch(layersPending); // refuses layers over the cap
        } catch (IllegalArgumentException e) {
          fail(e.getMessage(), now);
          return;
        }
      } else {
        metadata.startFetch();
      }
      if (magnet != null) {
        for (InetSocketAddress a : magnet.peers()) {
          try {
            peers.addPeer(PeerAddress.of(a.getHostString(), a.getPort()),
                PeerCandidate.Source.MANUAL);
          } catch (IllegalArgumentException e) {
            log.debug("magnet peer {} skipped: {}", a, e.getMessage());
          }
        }
      }
      peers.openSources();
      return;
    }
    beginCheck(now);
  }

  private void beginCheck(long now) {
    if (initialVerified != null) {
      pieces.markVerified(initialVerified);
      readGate.verified(initialVerified);
      initialVerified = null;
      afterCheck(now);
      return;
    }
    setState(TorrentState.CHECKING, now);
    Storage s = storage;
    Metainfo m = metainfo;
    engine.submitDisk(() -> {
      BitSet good = new BitSet();
      PieceVerifier.Check check = PieceVerifier.of(m).newCheck();
      ByteBuffer buf = ByteBuffer.allocate(Math.min(256 * 1024, m.pieceLength()));
      for (int p = 0; p < m.pieceCount() && !removed; p++) {
        try {
          int size = m.pieceSize(p);
          check.start(p);
          for (int off = 0; off < size; ) {
            int n = Math.min(buf.capacity(), size - off);
            ((Buffer) buf).clear().limit(n);
            s.read(p, off, buf);
            ((Buffer) buf).flip();
            check.update(buf);
            off += n;
          }
          if (check.finish()) {
            good.set(p);
          }
        } catch (IOException | IllegalStateException e) {
          // not on disk (or not checkable yet): not good
        }
      }
      engine.post(() -> {
        if (state == TorrentState.CHECKING) {
          pieces.markVerified(good);
          readGate.verified(good);
          afterCheck(engine.ticker.getAsLong());
        }
      });
    });
  }

  private void afterCheck(long now) {
    if (pieces.isComplete() && cache == null) {
      setState(TorrentState.SEEDING, now);
      completion.complete(null);
      post(l -> l.onComplete(handle));
    } else {
      setState(TorrentState.DOWNLOADING, now);
    }
    peers.openSources();
    webSeeds.open(metainfo, magnet);
    peers.dial(now); // now, not at the next tick
    webSeeds.tick(now);
  }

  void pause() {
    if (state == TorrentState.STOPPED || state == TorrentState.PAUSED
        || state == TorrentState.FAILED) {
      return;
    }
    closeAll("paused");
    resumeState = state;
    setState(TorrentState.PAUSED, engine.ticker.getAsLong());
  }

  void resume() {
    if (state != TorrentState.PAUSED) {
      return;
    }
    long now = engine.ticker.getAsLong();
    if (resumeState == TorrentState.CHECKING) {
      beginCheck(now); // the check's result was dropped while paused: check again
      return;
    }
    setState(resumeState == null ? TorrentState.DOWNLOADING : resumeState, now);
  }

  /**
   * Closes connections and peer sources and returns to STOPPED, keeping what was verified; a
   * later {@link #start()} trusts it instead of checking again.
   */
  void stop() {
    if (state == TorrentState.STOPPED || state == TorrentState.FAILED) {
      return;
    }
    closeAll("stopped");
    peers.closeSources();
    if (pieces != null && state != TorrentState.CHECKING) {
      initialVerified = pieces.verified();
    }
    setState(TorrentState.STOPPED, engine.ticker.getAsLong());
  }

  void fail(String why) {
    fail(why, engine.ticker.getAsLong());
  }

  void fail(String why, long now) {
    if (state == TorrentState.FAILED) {
      return;
    }
    error = why;
    readGate.failed(why);
    closeAll("torrent failed");
    setState(TorrentState.FAILED, now);
    completion.completeExceptionally(new IllegalStateException("torrent failed: " + why));
  }

  /** Closes every connection and stops the web seeds' fetches. */
  private void closeAll(String why) {
    for (Connection c : new ArrayList<>(connections)) {
      engine.close(c, why);
    }
    webSeeds.cancel(why);
  }

  void shutdown(String why) {
    removed = true;
    readGate.gone(why);
    assembler.shutdown();
    for (Connection c : new ArrayList<>(connections)) {
      engine.close(c, why);
    }
    webSeeds.shutdown(why);
    peers.closeSources();
    if (!completion.isDone()) {
      completion.completeExceptionally(new IllegalStateException("torrent " + why));
    }
    engine.unregister(this);
    engine.readCache.dropExtents(this);
    engine.submitDisk(this::closeStorage);
  }

  synchronized void closeStorage() {
    readGate.gone("closed");
    if (storage != null) {
      try {
        storage.flush();
      } catch (IOException e) {
        log.warn("flushing storage of {} failed: {}", infoHashes, e.toString());
      }
      try {
        storage.close();
      } catch (IOException e) {
        log.warn("closing storage of {} failed: {}", infoHashes, e.toString());
      }
    }
  }

  private void setState(TorrentState s, long now) {
    if (state == s) {
      return;
    }
    state = s;
    post(l -> l.onStateChanged(handle, s));
    status = snapshot(now);
    engine.wake(this);
  }

  // ---------------------------------------------------------------- user's calls

  void addManualPeer(PeerAddress peer) {
    peers.addPeer(peer, PeerCandidate.Source.MANUAL);
    if (acceptsConnections()) {
      peers.dial(engine.ticker.getAsLong()); // now, not at the next tick
    }
  }

  void setRateLimits(long download, long upload) {
    long now = engine.ticker.getAsLong();
    downBucket.setBurst(Engine.burstFor(download), now);
    downBucket.setRate(download, now);
    upBucket.setBurst(Engine.burstFor(upload), now);
    upBucket.setRate(upload, now);
  }

  void setFilePriority(int file, int priority) {
    if (pieces == null) {
      return;
    }
    pieces.setFilePriority(file, priority);
    applyWantedFiles();
    long now = engine.ticker.getAsLong();
    for (Connection c : connections) {
      scheduler.updateInterest(c, now);
    }
    checkComplete(now);
  }

  /** Tells the storage which files have a priority above 0. */
  private void applyWantedFiles() {
    try {
      BitSet wanted = new BitSet();
      for (int f = 0; f < metainfo.files().size(); f++) {
        if (pieces.filePriority(f) > 0) {
          wanted.set(f);
        }
      }
      storage.setWantedFiles(wanted);
    } catch (IOException e) {
      log.warn("storage could not apply file priorities: {}", e.toString());
    }
  }

  // ---------------------------------------------------------------- readers

  /** A reader's window moved (opened, read on, sought, readahead changed). */
  void readerWindowMoved(int reader, int file, long position, long readahead) {
    long now = engine.ticker.getAsLong();
    long ahead = cache == null || metainfo == null ? readahead
        : Math.min(readahead, cache.maxWindow(metainfo.pieceLength()));
    windows.set(reader, file, position, ahead, now);
    windowsChanged(now);
  }

  /** A reader closed: its window and its deadlines go. */
  void readerClosed(int reader) {
    windows.remove(reader);
    windowsChanged(engine.ticker.getAsLong());
  }

  private void windowsChanged(long now) {
    if (cache != null && pieces != null) {
      // a bounded cache wants what the windows cover, nothing else: interest follows
      pieces.restrictTo(windowPieces());
      for (Connection c : new ArrayList<>(connections)) {
        scheduler.refreshInterest(c);
      }
    }
    scheduler.windowsChanged(now);
  }

  // ---------------------------------------------------------------- connections

  void onConnected(Connection c, long now) {
    peers.onConnected(c);
    c.startSession(c.handshakeSent ? PeerSession.outgoingAfterHandshake(sessionConfig(), now)
        : PeerSession.outgoing(sessionConfig(), now));
    c.peer().connectedAt(now);
  }

  void onIncoming(Connection c, InfoHash handshakeHash, long now) {
    c.startSession(PeerSession.incoming(sessionConfig().toBuilder().handshakeHash(handshakeHash)
        .build(), now));
    c.peer().connectedAt(now);
  }

  /**
   * Our dial to {@code c.address} reached ourselves (the handshake carried our own peer id): that
   * endpoint is forgotten, and the engine refuses it from now on. Only the endpoint: another peer
   * on the same IP (behind the same NAT, or on 127.0.0.1) is dialled as before.
   */
  void onSelfConnection(Connection c) {
    peers.onSelfConnection(c);
  }

  void onViolation(Connection c, String reason) {
    log.debug("{} broke the protocol: {}", c, reason);
  }

  void onClosed(Connection c, String reason) {
    connections.remove(c);
    if (superSeeding != null) {
      superSeeding.onClosed(c);
    }
    if (seedSuggestions != null) {
      seedSuggestions.onClosed(c);
    }
    layers.onClosed(c);
    uploads.onClosed(c);
    c.outbox.drop(c);
    peers.onClosed(c);
    holepunch.onClosed(c);
    scheduler.onClosed(c);
    if (pieces != null && c.peer().handshakeDone()) {
      if (c.peer().isSeed()) {
        pieces.removePeerHasAll();
      } else {
        pieces.removePeerBitfield(c.peer().pieces());
      }
    }
    metadata.onClosed(c);
    choking.onClosed(c);
    if (c.peer().handshakeDone()) {
      post(l -> l.onPeerDisconnected(handle, c.address, reason));
      // others may now get the blocks this peer was asked for
      scheduler.requestMoreAll(engine.ticker.getAsLong());
    }
  }

  // ---------------------------------------------------------------- events

  void onEvent(Connection c, PeerEvent e, long now) {
    // the events of every block and every request first: the hot paths, tested before the rest
    if (e instanceof PeerEvent.BlockReceived) {
      onBlock(c, (PeerEvent.BlockReceived) e, now);
    } else if (e instanceof PeerEvent.RequestReceived) {
      PeerEvent.RequestReceived r = (PeerEvent.RequestReceived) e;
      uploads.onRequest(c, r.piece(), r.offset(), r.length());
    } else if (e instanceof PeerEvent.HandshakeReceived) {
      onHandshake(c, (PeerEvent.HandshakeReceived) e, now);
    } else if (e instanceof PeerEvent.ExtendedHandshakeReceived) {
      onExtendedHandshake(c, ((PeerEvent.ExtendedHandshakeReceived) e).handshake());
    } else if (e instanceof PeerEvent.BitfieldReceived) {
      onBitfield(c, (PeerEvent.BitfieldReceived) e, now);
    } else if (e instanceof PeerEvent.HaveReceived) {
      onHave(c, ((PeerEvent.HaveReceived) e).piece(), now);
    } else if (e instanceof PeerEvent.Choked) {
      c.peer().chokedUs();
      // without the fast extension the session reports each dropped request as rejected
    } else if (e instanceof PeerEvent.Unchoked) {
      c.peer().unchokedUs();
      scheduler.deadlines.pump(now);
      scheduler.requestMore(c, now);
    } else if (e instanceof PeerEvent.PeerInterested) {
      c.peer().interested(((PeerEvent.PeerInterested) e).interested());
      choking.onInterest(c);
    } else if (e instanceof PeerEvent.CancelReceived) {
      PeerEvent.CancelReceived r = (PeerEvent.CancelReceived) e;
      uploads.onCancel(c, r.piece(), r.offset());
    } else if (e instanceof PeerEvent.RequestRejected) {
      PeerEvent.RequestRejected r = (PeerEvent.RequestRejected) e;
      scheduler.onRejected(c, r.piece(), r.offset());
    } else if (e instanceof PeerEvent.AllowedFastReceived) {
      c.peer().allowedFast(((PeerEvent.AllowedFastReceived) e).piece());
      scheduler.requestMore(c, now);
    } else if (e instanceof PeerEvent.SuggestReceived) {
      c.peer().suggested(((PeerEvent.SuggestReceived) e).piece());
    } else if (e instanceof PeerEvent.MetadataReceived) {
      onMetadata(c, ((PeerEvent.MetadataReceived) e).message(), now);
    } else if (e instanceof PeerEvent.MetadataRequested) {
      metadata.onRequested(c, ((PeerEvent.MetadataRequested) e).piece());
    } else if (e instanceof PeerEvent.MetadataRejected) {
      metadata.onRejected(c, ((PeerEvent.MetadataRejected) e).piece());
    } else if (e instanceof PeerEvent.HashMessageReceived) {
      layers.onHashMessage(c, ((PeerEvent.HashMessageReceived) e).message(), now);
    } else if (e instanceof PeerEvent.PortReceived) {
      peers.onDhtPort(c, ((PeerEvent.PortReceived) e).port());
    } else if (e instanceof PeerEvent.PexReceived) {
      peers.addPexPeers(c, ((PeerEvent.PexReceived) e).message().added());
    } else if (e instanceof PeerEvent.ExtensionMessageReceived) {
      PeerEvent.ExtensionMessageReceived x = (PeerEvent.ExtensionMessageReceived) e;
      if (x.name().equals(ExtendedHandshake.UT_HOLEPUNCH)) {
        holepunch.onMessage(c, x.payload(), now);
      }
    }
  }

  private void onHandshake(Connection c, PeerEvent.HandshakeReceived h, long now) {
    if (peers.isBanned(h.peerId())) {
      c.session.close("banned peer id");
      return;
    }
    for (Connection o : connections) {
      if (o != c && o.peer().handshakeDone() && h.peerId().equals(o.peer().peerId())) {
        if (o.outgoing != c.outgoing && !o.session.isClosed()) {
          // Each side dialled the other at once (a holepunch does so on purpose): both sides
          // must keep the same connection, or each closes the one the other kept. The one the
          // peer with the lower id dialled stays, as libtorrent decides.
          boolean keepOurs = engine.peerId.compareTo(h.peerId()) < 0;
          Connection loser = c.outgoing == keepOurs ? o : c;
          if (loser == o) {
            engine.close(o, "dialled each other at once: the other connection stays");
            break;
          }
        }
        c.session.close("already connected to this peer");
        return;
      }
    }
    c.peer().handshake(h.peerId(), now);
    layers.onHandshake(c, h.reserved());
    if (pieces != null) {
      BitSet have = pieces.verified();
      if (have.cardinality() == metainfo.pieceCount() && engine.config.superSeeding()) {
        superSeeding().start(c);
      } else if (have.cardinality() == metainfo.pieceCount()) {
        c.session.haveAll();
      } else if (have.isEmpty()) {
        c.session.haveNone();
      } else {
        c.session.bitfield(have);
      }
    } else {
      c.session.haveNone();
    }
    int dhtPort = peers.dhtPort(); // after the bitfield, which must come first
    if (c.session.isDht() && dhtPort > 0 && !isPrivate()) {
      c.session.sendPort(dhtPort);
    }
    layers.afterBitfield(c, now);
    post(l -> l.onPeerConnected(handle, c.address));
  }

  private void onExtendedHandshake(Connection c, ExtendedHandshake h) {
    c.peer().extendedHandshake(h);
    peers.onListenPort(c, h);
    metadata.onExtendedHandshake(c, h);
  }

  private void onBitfield(Connection c, PeerEvent.BitfieldReceived b, long now) {
    if (b.haveAll()) {
      c.peer().hasAll();
      if (pieces != null) {
        pieces.peerHasAll();
      }
    } else if (!b.haveNone()) {
      c.peer().bitfield(b.pieces());
      if (pieces != null) {
        pieces.addPeerBitfield(c.peer().pieces());
        if (c.peer().pieceCount() == metainfo.pieceCount()) {
          // counted as a have-all peer from now on, as onHave does: onClosed removes a seed's
          // count with removePeerHasAll, which threw for a full bitfield counted piece by piece
          c.peer().hasAll();
          pieces.removePeerBitfield(c.peer().pieces());
          pieces.peerHasAll();
        }
      }
    }
    if (redundant(c)) {
      c.session.close("both seeds");
      return;
    }
    scheduler.updateInterest(c, now);
  }

  /**
   * Whether {@code c} is of no use to either side: we seed and so does it (libtorrent closes such
   * "redundant" connections too). A swarm of hundreds would otherwise keep every finished peer
   * connected to every other, each connection costing a handshake, buffers and ticks.
   */
  private boolean redundant(Connection c) {
    return c.peer().isSeed() && state == TorrentState.SEEDING && !c.closed;
  }

  private void onHave(Connection c, int p, long now) {
    if (!c.peer().peerHas(p)) {
      return;
    }
    if (pieces != null) {
      pieces.peerHave(p);
      if (c.peer().pieceCount() == metainfo.pieceCount()) {
        c.peer().hasAll();
        pieces.removePeerBitfield(c.peer().pieces());
        pieces.peerHasAll();
      }
    }
    if (superSeeding != null) {
      superSeeding.onHave(c, p);
    }
    if (seedSuggestions != null) {
      seedSuggestions.onHave(c, p);
    }
    if (redundant(c)) {
      c.session.close("both seeds");
      return;
    }
    scheduler.updateInterest(c, now);
  }

  /** Super-seeding's state, once the first peer connected to us seeding with it on; or null. */
  SuperSeeding superSeedingIfOn() {
    return superSeeding;
  }

  /** What a seed suggests to its peers, if it suggested any yet; or null. */
  SeedSuggestions seedSuggestionsIfAny() {
    return seedSuggestions;
  }

  /** What a seed suggests to its peers; null before the metainfo is known. */
  SeedSuggestions seedSuggestions() {
    if (seedSuggestions == null && metainfo != null && pieces != null) {
      seedSuggestions = new SeedSuggestions(this, metainfo.pieceCount(), pieces::availability,
          engine.random);
    }
    return seedSuggestions;
  }

  private SuperSeeding superSeeding() {
    if (superSeeding == null) {
      superSeeding = new SuperSeeding(metainfo.pieceCount(), pieces::availability, engine.random);
    }
    return superSeeding;
  }

  // ---------------------------------------------------------------- downloading

  private void onBlock(Connection c, PeerEvent.BlockReceived b, long now) {
    if (b.late()) {
      onLateBlock(c, b, now);
      return;
    }
    try {
      onBlock0(c, b, now);
    } finally {
      engine.releaseBlock(b.data()); // the session allocated it from the engine's pool
    }
  }

  private void onBlock0(Connection c, PeerEvent.BlockReceived b, long now) {
    int len = b.data().remaining();
    totals.received(len, now);
    c.peer().received(len, now);
    int piece = b.piece();
    int block = b.offset() / Metainfo.BLOCK_SIZE;
    boolean wasRequested = scheduler.onBlock(c, piece, block);
    if (pieces == null || !wasRequested || b.offset() % Metainfo.BLOCK_SIZE != 0
        || len != pieces.blockLength(piece, block)) {
      totals.wasted(len);
      c.peer().needRequests(); // once the events of this read are handled
      return;
    }
    pieces.requestEnded(piece, block);
    assembler.accept(c, c.address, piece, block, b.data(), now);
    c.peer().needRequests(); // once the events of this read are handled
  }

  /**
   * A block whose request we cancelled arrived anyway (see {@link LateBlocks}): kept when its
   * piece still lacks it, else waste. Counted as downloaded either way, as the bytes came.
   */
  private void onLateBlock(Connection c, PeerEvent.BlockReceived b, long now) {
    try {
      int len = b.data().remaining();
      totals.received(len, now);
      c.peer().received(len, now);
      int piece = b.piece();
      if (pieces == null || !LateBlocks.useful(pieces, assembler::isHashing, piece, b.offset(), len)
          || !verifier().canVerify(piece) || !assembler.mayBuffer(piece)) {
        totals.wasted(len);
        return;
      }
      // no request of ours is counted for it any more: accept claims the block as received
      assembler.accept(c, c.address, piece, b.offset() / Metainfo.BLOCK_SIZE, b.data(), now);
    } finally {
      engine.releaseBlock(b.data());
      c.peer().needRequests(); // once the events of this read are handled
    }
  }

  /** Bans a peer, or counts bad data against a web seed (which appears as its address). */
  void ban(PeerAddress peer, String reason) {
    if (!webSeeds.lied(peer, reason)) {
      peers.ban(peer, reason);
    }
  }

  /** A piece passed its check and is written: peers hear of it, and the torrent may be done. */
  void pieceVerified(int piece, long now) {
    readGate.verified(piece);
    post(l -> l.onPieceVerified(handle, piece));
    choking.onPieceVerified(piece);
    for (Connection c : new ArrayList<>(connections)) {
      if (c.peer().handshakeDone() && !c.closed) {
        boolean tell = engine.config.sendRedundantHave() || !c.peer().has(piece);
        if (tell) {
          c.session.have(piece);
        }
        scheduler.refreshInterest(c);
        if (tell) {
          engine.flush(c, now);
        }
      }
    }
    scheduler.deadlines.pump(now);
    checkComplete(now);
  }

  private void checkComplete(long now) {
    if (state == TorrentState.DOWNLOADING && pieces.isComplete() && cache == null) {
      setState(TorrentState.SEEDING, now);
      for (Connection c : new ArrayList<>(connections)) {
        if (redundant(c)) {
          engine.close(c, "both seeds");
        }
      }
      assembler.completed();
      peers.completed();
      scheduler.notInterested();
      // the flush forces a whole download to disk: on the pool, never on the loop; the torrent
      // completes once it is done
      Storage s = storage;
      engine.submitDiskOrRun(() -> {
        try {
          s.flush();
        } catch (IOException | RuntimeException e) {
          log.warn("flush after completion failed: {}", e.toString());
        }
        engine.postOrRun(this::completed);
      });
    }
  }

  private void completed() {
    if (completion.complete(null)) {
      post(l -> l.onComplete(handle));
    }
  }

  // ---------------------------------------------------------------- seeding (see UploadPump)

  /**
   * After the engine has handled a batch of events from {@code c} (one read's worth): hands on a
   * free upload slot, answers the requests they brought and refills the request pipe the blocks
   * they brought emptied.
   */
  void afterEvents(Connection c, long now) {
    choking.afterEvents(c, now);
    if (c.peer().pumpNeeded()) {
      uploads.pump(c, now);
    }
    if (c.peer().takeRequestNeeded()) {
      scheduler.requestMore(c, now);
    }
  }

  /** See {@link UploadPump#pumpMore}. */
  boolean pumpMore(Connection c) {
    return uploads.pumpMore(c);
  }

  /** Sends a zero-copy block's bytes from storage; the count the channel took. */
  long transferBody(int piece, int offset, int length, java.nio.channels.WritableByteChannel ch)
      throws IOException {
    return uploads.transferBody(piece, offset, length, ch);
  }

  /** See {@link UploadPump#takeReadyBlock}. */
  Connection.ReadyBlock takeReadyBlock(Connection c, PendingBlock pb) {
    return uploads.takeReadyBlock(c, pb);
  }

  /** A block's body is written or dropped: its extent may be evicted again. */
  void releaseBlock(Connection.ReadyBlock r) {
    UploadPump.releaseBlock(r);
  }

  void onUploaded(Connection c, int n, long now) {
    totals.sent(n, now);
    c.peer().sent(n, now);
  }

  // ---------------------------------------------------------------- metadata (BEP 9, BEP 52)

  private void onMetadata(Connection c, MetadataMessage m, long now) {
    Metainfo got = metadata.onMetadata(c, m);
    if (got == null) {
      return;
    }
    if (HashExchange.lacksPieceLayers(got)) {
      // a v2 torrent's info dictionary has only each file's root: fetch the piece layers first
      try {
        layers.startFetch(got); // refuses layers over MAX_FETCH_BYTES
      } catch (IllegalArgumentException e) {
        fail(e.getMessage(), now);
        return;
      }
      layers.pump(now);
      return;
    }
    installMetadata(got, now);
  }

  /** The metainfo is complete (from peers): storage opens, and the torrent is checked. */
  void installMetadata(Metainfo got, long now) {
    try {
      storage = storageFactory.open(got);
      checkCache(storage, got);
    } catch (IOException | RuntimeException e) {
      fail("cannot open storage: " + e, now);
      return;
    }
    setMetainfo(got);
    if (magnet != null && !magnet.selectOnly().isEmpty()) {
      // BEP 53 select-only: the files the link does not name are not downloaded
      for (int f = 0; f < got.files().size(); f++) {
        if (!magnet.selectsFile(f)) {
          pieces.setFilePriority(f, 0);
        }
      }
      applyWantedFiles();
    }
    sessionConfig = null;
    for (Connection k : connections) {
      if (k.session != null) {
        k.session.setPieceCount(got.pieceCount(), got::pieceSize);
      }
    }
    post(l -> l.onMetadataReceived(handle));
    // what peers announced before the piece count was known now arrives as events
    for (Connection k : new ArrayList<>(connections)) {
      engine.drain(k, now);
    }
    beginCheck(now);
    for (Connection k : connections) {
      scheduler.updateInterest(k, now);
    }
  }

  // ---------------------------------------------------------------- timers

  void tick(long now) {
    if (!acceptsConnections()) {
      status = snapshot(now);
      return;
    }
    peers.dial(now);
    layers.pump(now); // re-asks chunks whose requests timed out
    choking.tick(now);
    scheduler.deadlines.pump(now); // late blocks are asked again
    for (Connection c : new ArrayList<>(connections)) {
      c.peer().tick(now);
      scheduler.requestMore(c, now);
      peers.pexTick(c, now);
      if (c.hasPendingOutput() || !c.peer().uploadQueue().isEmpty()
          || (c.session != null && c.session.hasTransmit())) {
        engine.flush(c, now); // nothing to write and nothing to read for upload: no visit
      }
    }
    webSeeds.tick(now);
    status = snapshot(now);
  }

  /**
   * Whether ticks can skip this torrent until something wakes it: no connection, no check or
   * metadata fetch under way, no peer it could dial and no web seed at work (when it takes
   * connections), and rates fallen to zero, so that its status stays what the last tick made it.
   * Conservative: a torrent that knows peers stays awake, since its selector decides when to dial
   * them again.
   */
  boolean isIdle(long now) {
    if (!connections.isEmpty() || state == TorrentState.CHECKING
        || state == TorrentState.FETCHING_METADATA) {
      return false;
    }
    if (acceptsConnections() && (peers.knownCount() > 0 || !webSeeds.isIdle())) {
      return false;
    }
    return totals.downloadRate(now) == 0 && totals.uploadRate(now) == 0;
  }

  // ---------------------------------------------------------------- status

  private TorrentStatus snapshot(long now) {
    int have = pieces == null ? 0 : pieces.verifiedCount();
    int count = pieces == null ? 0 : pieces.pieceCount();
    int wanted = 0;
    long left = 0;
    if (pieces != null) {
      wanted = pieces.verifiedCount() + pieces.wantedCount();
      left = pieces.wantedBytesLeft();
    }
    int seeds = 0;
    int connected = 0;
    for (Connection c : connections) {
      if (c.peer().handshakeDone()) {
        connected++;
        if (c.peer().isSeed()) {
          seeds++;
        }
      }
    }
    return new TorrentStatus(state, have, count, wanted, left, totals.downloaded(),
        totals.uploaded(), totals.wasted(), totals.downloadRate(now), totals.uploadRate(now),
        connected, seeds, peers.idleCount(), assembler.hashFailures(), peers.bannedCount(),
        Optional.ofNullable(error));
  }
}
