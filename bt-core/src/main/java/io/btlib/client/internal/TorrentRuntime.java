package io.btlib.client.internal;

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
import io.btlib.policy.BlockSink;
import io.btlib.policy.PeerCandidate;
import io.btlib.policy.PiecePicker;
import io.btlib.policy.SwarmView;
import io.btlib.webseed.WebSeedConfig;
import io.btlib.webseed.internal.WebSeedException;
import io.btlib.webseed.internal.WebSeedFetcher;
import io.btlib.webseed.internal.WebSeedLayout;
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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One torrent's engine-side state and behaviour: peers, requests, piece assembly and hashing,
 * choking, seeding, metadata fetching. Everything runs on the engine thread except the disk and
 * hashing work it hands to the pool, whose results come back as posted tasks. Internal, not API.
 */
final class TorrentRuntime {
  private static final Logger log = LoggerFactory.getLogger(TorrentRuntime.class);
  private static final long SECOND = 1_000_000_000L;
  /** The fewest requests we keep outstanding with a peer that unchokes us, whatever its rate. */
  static final int MIN_QUEUE = 4;

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

  private Metainfo metainfo;
  private Storage storage;
  private final StorageFactory storageFactory;
  private BitSet initialVerified;
  private TorrentState state = TorrentState.STOPPED;
  private String error;
  private PieceState<PeerAddress> pieces;
  private PieceVerifier verifier;
  private SmartBan<PeerAddress> smartBan;
  private final PiecePicker.Factory pickerFactory;
  private PiecePicker picker;
  private SessionConfig sessionConfig;
  private final Map<Integer, PieceBuffer> assembling = new HashMap<>();
  /** Pieces whose blocks are all in, being hashed and written: nothing in them to pick. */
  private final BitSet hashing = new BitSet();
  /** The piece state as the picker sees it: without the pieces being hashed. */
  private final SwarmView pickerView = new PickerView();
  final ChokeRound choking;
  final PeerBook peers;
  final UploadPump uploads;
  final MetadataExchange metadata;
  final LayerExchange layers;
  private long downloaded;
  private long uploaded;
  private long wasted;
  private int hashFailures;
  final TokenBucket downBucket;
  final TokenBucket upBucket;
  final RateLimiter downLimit;
  final RateLimiter upLimit;
  private final RateMeter downMeter;
  private final RateMeter upMeter;

  /**
   * A piece being assembled in memory until its hash check, in chunks of {@link #chunkSize}
   * bytes (the last one partly used). Chunks rather than one piece-long array: G1 allocates an
   * array of half a region or more (512 KiB in a small heap) as a humongous object in whole
   * regions of the old generation, so a 1 MiB piece would take 2 MiB of heap and every new one
   * would start a marking cycle.
   */
  private static final class PieceBuffer {
    final byte[][] chunks;
    final int chunkSize;
    final int size;
    final PeerAddress[] from;

    PieceBuffer(byte[][] chunks, int chunkSize, int size, int blocks) {
      this.chunks = chunks;
      this.chunkSize = chunkSize;
      this.size = size;
      this.from = new PeerAddress[blocks];
    }

    /** The bytes of the piece from {@code offset}, {@code length} of them, all in one chunk. */
    ByteBuffer view(int offset, int length) {
      return ByteBuffer.wrap(chunks[offset / chunkSize], offset % chunkSize, length);
    }

    /** Chunk {@code i}'s bytes of the piece. */
    ByteBuffer chunk(int i) {
      return ByteBuffer.wrap(chunks[i], 0, Math.min(chunkSize, size - i * chunkSize));
    }
  }

  /** The longest chunk of a piece buffer; a multiple of the block size. */
  private static final int MAX_CHUNK = 256 * 1024;
  /** Chunks kept for reuse while downloading (dropped on completion). */
  private final java.util.ArrayDeque<byte[]> freeChunks = new java.util.ArrayDeque<>();
  private int chunkSize;

  private PieceBuffer newBuffer(int piece) {
    int size = pieces.pieceSize(piece);
    int n = (size + chunkSize - 1) / chunkSize;
    byte[][] chunks = new byte[n][];
    for (int i = 0; i < n; i++) {
      byte[] a = freeChunks.pollFirst();
      chunks[i] = a != null ? a : new byte[chunkSize];
    }
    engine.bufferedBytes += (long) n * chunkSize;
    return new PieceBuffer(chunks, chunkSize, size, pieces.blockCount(piece));
  }

  private void release(PieceBuffer b) {
    engine.bufferedBytes -= (long) b.chunks.length * b.chunkSize;
    if (b.chunkSize != chunkSize || state != TorrentState.DOWNLOADING) {
      return;
    }
    for (byte[] a : b.chunks) {
      if ((long) freeChunks.size() * chunkSize >= Engine.MAX_BUFFERED_BYTES) {
        break;
      }
      freeChunks.addFirst(a);
    }
  }

  TorrentRuntime(Engine engine, InfoHashes infoHashes, Metainfo metainfo, Storage storage,
      StorageFactory storageFactory, BitSet verified) {
    this.engine = engine;
    this.webSeedConfig = engine.config.webSeeds();
    this.infoHashes = infoHashes;
    this.storage = storage;
    this.storageFactory = storageFactory != null ? storageFactory : m -> storage;
    this.initialVerified = verified == null ? null : (BitSet) verified.clone();
    this.pickerFactory = engine.config.piecePicker();
    long now = engine.ticker.getAsLong();
    this.downMeter = new RateMeter(now);
    this.upMeter = new RateMeter(now);
    this.downBucket = new TokenBucket(0, Engine.burstFor(0), now);
    this.upBucket = new TokenBucket(0, Engine.burstFor(0), now);
    this.downLimit = new RateLimiter(engine.downBucket, downBucket);
    this.upLimit = new RateLimiter(engine.upBucket, upBucket);
    this.handle = new TorrentHandle(this);
    this.choking = new ChokeRound(this);
    this.peers = new PeerBook(this);
    this.uploads = new UploadPump(this);
    this.metadata = new MetadataExchange(engine, infoHashes);
    this.layers = new LayerExchange(this);
    if (metainfo != null && HashExchange.lacksPieceLayers(metainfo)) {
      // a v2 .torrent without (all of) its piece layers: fetch them from peers first, as for a
      // magnet link, then open with the given storage
      this.layersPending = metainfo;
    } else if (metainfo != null) {
      setMetainfo(metainfo);
    }
    this.status = snapshot(now);
  }

  /** A v2 torrent whose missing piece layers are fetched before it is installed; else null. */
  private Metainfo layersPending;

  private void setMetainfo(Metainfo m) {
    this.metainfo = m;
    this.metainfoVolatile = m;
    this.pieces = new PieceState<>(m, engine.random);
    this.verifier = PieceVerifier.of(m);
    this.smartBan = new SmartBan<>(pieces::blockCount, SmartBan.DEFAULT_MAX_FAILED_PIECES);
    this.picker = pickerFactory.create(m);
    this.chunkSize = Math.min(m.pieceLength(), MAX_CHUNK);
    uploads.setMetainfo(m);
    metadata.setMetainfo(m);
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

  private SessionConfig sessionConfig() {
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
    if (metainfo == null) {
      setState(TorrentState.FETCHING_METADATA);
      if (layersPending != null) {
        try {
          layers.startFetch(layersPending); // refuses layers over the cap
        } catch (IllegalArgumentException e) {
          fail(e.getMessage());
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
    beginCheck();
  }

  private void beginCheck() {
    if (initialVerified != null) {
      pieces.markVerified(initialVerified);
      initialVerified = null;
      afterCheck();
      return;
    }
    setState(TorrentState.CHECKING);
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
          afterCheck();
        }
      });
    });
  }

  private void afterCheck() {
    if (pieces.isComplete()) {
      setState(TorrentState.SEEDING);
      completion.complete(null);
      post(l -> l.onComplete(handle));
    } else {
      setState(TorrentState.DOWNLOADING);
    }
    peers.openSources();
    openWebSeeds();
    long now = engine.ticker.getAsLong();
    peers.dial(now); // now, not at the next tick
    webSeedTick(now);
  }

  void pause() {
    if (state == TorrentState.STOPPED || state == TorrentState.PAUSED
        || state == TorrentState.FAILED) {
      return;
    }
    for (Connection c : new ArrayList<>(connections)) {
      engine.close(c, "paused");
    }
    cancelWebSeeds("paused");
    resumeState = state;
    setState(TorrentState.PAUSED);
  }

  private TorrentState resumeState;

  void resume() {
    if (state != TorrentState.PAUSED) {
      return;
    }
    if (resumeState == TorrentState.CHECKING) {
      beginCheck(); // the check's result was dropped while paused: check again
      return;
    }
    setState(resumeState == null ? TorrentState.DOWNLOADING : resumeState);
  }

  /**
   * Closes connections and peer sources and returns to STOPPED, keeping what was verified; a
   * later {@link #start()} trusts it instead of checking again.
   */
  void stop() {
    if (state == TorrentState.STOPPED || state == TorrentState.FAILED) {
      return;
    }
    for (Connection c : new ArrayList<>(connections)) {
      engine.close(c, "stopped");
    }
    cancelWebSeeds("stopped");
    peers.closeSources();
    if (pieces != null && state != TorrentState.CHECKING) {
      initialVerified = pieces.verified();
    }
    setState(TorrentState.STOPPED);
  }

  void fail(String why) {
    if (state == TorrentState.FAILED) {
      return;
    }
    error = why;
    for (Connection c : new ArrayList<>(connections)) {
      engine.close(c, "torrent failed");
    }
    cancelWebSeeds("torrent failed");
    setState(TorrentState.FAILED);
    completion.completeExceptionally(new IllegalStateException("torrent failed: " + why));
  }

  void shutdown(String why) {
    removed = true;
    for (PieceBuffer b : assembling.values()) {
      release(b);
    }
    assembling.clear();
    for (Connection c : new ArrayList<>(connections)) {
      engine.close(c, why);
    }
    cancelWebSeeds(why);
    if (webSeedFetcher != null) {
      webSeedFetcher.close();
      webSeedFetcher = null;
    }
    peers.closeSources();
    if (!completion.isDone()) {
      completion.completeExceptionally(new IllegalStateException("torrent " + why));
    }
    engine.unregister(this);
    engine.dropExtents(this);
    engine.submitDisk(this::closeStorage);
  }

  synchronized void closeStorage() {
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

  private void setState(TorrentState s) {
    if (state == s) {
      return;
    }
    state = s;
    post(l -> l.onStateChanged(handle, s));
    status = snapshot(engine.ticker.getAsLong());
  }

  void post(Consumer<TorrentListener> call) {
    engine.events.post(listeners, call);
  }

  // ---------------------------------------------------------------- peers

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
    for (Connection c : connections) {
      updateInterest(c);
    }
    checkComplete();
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

  void onConnected(Connection c, long now) {
    peers.onConnected(c);
    c.session = PeerSession.outgoing(sessionConfig(), now);
    c.connectedNanos = now;
  }

  void onIncoming(Connection c, InfoHash handshakeHash, long now) {
    c.session = PeerSession.incoming(sessionConfig().toBuilder().handshakeHash(handshakeHash)
        .build(), now);
    c.connectedNanos = now;
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
    layers.onClosed(c);
    uploads.onClosed(c);
    engine.dropBatch(c);
    peers.onClosed(c);
    if (pieces != null) {
      for (long key : c.requests.toArray()) {
        pieces.requestEnded((int) (key >>> 32), (int) key);
      }
      if (c.handshakeDone) {
        if (c.seed) {
          pieces.removePeerHasAll();
        } else {
          pieces.removePeerBitfield(c.has);
        }
      }
    }
    c.requests.clear();
    metadata.onClosed(c);
    choking.onClosed(c);
    if (c.handshakeDone) {
      post(l -> l.onPeerDisconnected(handle, c.address, reason));
      // others may now get the blocks this peer was asked for
      for (Connection o : connections) {
        requestMore(o, engine.ticker.getAsLong());
      }
    }
  }

  // ---------------------------------------------------------------- events

  void onEvent(Connection c, PeerEvent e, long now) {
    if (e instanceof PeerEvent.HandshakeReceived) {
      onHandshake(c, (PeerEvent.HandshakeReceived) e, now);
    } else if (e instanceof PeerEvent.ExtendedHandshakeReceived) {
      onExtendedHandshake(c, ((PeerEvent.ExtendedHandshakeReceived) e).handshake());
    } else if (e instanceof PeerEvent.BitfieldReceived) {
      PeerEvent.BitfieldReceived b = (PeerEvent.BitfieldReceived) e;
      if (b.haveAll()) {
        c.seed = true;
        if (pieces != null) {
          pieces.peerHasAll();
        }
      } else if (!b.haveNone()) {
        c.has = (BitSet) b.pieces().clone();
        if (pieces != null) {
          pieces.addPeerBitfield(c.has);
          c.seed = c.has.cardinality() == metainfo.pieceCount();
        }
      }
      updateInterest(c);
    } else if (e instanceof PeerEvent.HaveReceived) {
      int p = ((PeerEvent.HaveReceived) e).piece();
      if (!c.seed && !c.has.get(p)) {
        c.has.set(p);
        if (pieces != null) {
          pieces.peerHave(p);
          if (c.has.cardinality() == metainfo.pieceCount()) {
            c.seed = true;
            pieces.removePeerBitfield(c.has);
            pieces.peerHasAll();
          }
        }
        updateInterest(c);
      }
    } else if (e instanceof PeerEvent.Choked) {
      c.chokingUs = true;
      // without the fast extension the session reports each dropped request as rejected
    } else if (e instanceof PeerEvent.Unchoked) {
      c.chokingUs = false;
      requestMore(c, now);
    } else if (e instanceof PeerEvent.PeerInterested) {
      c.interestedInUs = ((PeerEvent.PeerInterested) e).interested();
      c.idle = false; // a fresh "interested" earns another turn
      choking.onInterest(c);
    } else if (e instanceof PeerEvent.BlockReceived) {
      onBlock(c, (PeerEvent.BlockReceived) e, now);
    } else if (e instanceof PeerEvent.RequestReceived) {
      PeerEvent.RequestReceived r = (PeerEvent.RequestReceived) e;
      uploads.onRequest(c, r.piece(), r.offset(), r.length());
    } else if (e instanceof PeerEvent.CancelReceived) {
      PeerEvent.CancelReceived r = (PeerEvent.CancelReceived) e;
      uploads.onCancel(c, r.piece(), r.offset());
    } else if (e instanceof PeerEvent.RequestRejected) {
      PeerEvent.RequestRejected r = (PeerEvent.RequestRejected) e;
      int block = r.offset() / Metainfo.BLOCK_SIZE;
      if (c.requests.remove(Connection.key(r.piece(), block)) && pieces != null) {
        pieces.requestEnded(r.piece(), block);
      }
    } else if (e instanceof PeerEvent.AllowedFastReceived) {
      c.allowedFast.set(((PeerEvent.AllowedFastReceived) e).piece());
      requestMore(c, now);
    } else if (e instanceof PeerEvent.SuggestReceived) {
      c.suggested.set(((PeerEvent.SuggestReceived) e).piece());
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
      peers.addPexPeers(((PeerEvent.PexReceived) e).message().added().keySet());
    }
  }

  boolean isPrivate() {
    return metainfo != null && metainfo.isPrivate();
  }

  private void onHandshake(Connection c, PeerEvent.HandshakeReceived h, long now) {
    if (peers.isBanned(h.peerId())) {
      c.session.close("banned peer id");
      return;
    }
    for (Connection o : connections) {
      if (o != c && o.handshakeDone && o.peerId != null && o.peerId.equals(h.peerId())) {
        c.session.close("already connected to this peer");
        return;
      }
    }
    c.peerId = h.peerId();
    c.handshakeDone = true;
    layers.onHandshake(c, h.reserved());
    c.downMeter = new RateMeter(now);
    c.upMeter = new RateMeter(now);
    if (pieces != null) {
      BitSet have = pieces.verified();
      if (have.cardinality() == metainfo.pieceCount()) {
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
    c.extended = h;
    h.requestQueue().ifPresent(q -> c.peerRequestQueue = Math.max(1, q));
    peers.onListenPort(c, h);
    metadata.onExtendedHandshake(c, h);
  }

  // ---------------------------------------------------------------- downloading

  private void updateInterest(Connection c) {
    if (pieces == null || c.session == null || !c.handshakeDone) {
      return;
    }
    boolean want = false;
    for (int p = pieces.nextWanted(0); p >= 0; p = pieces.nextWanted(p + 1)) {
      if (c.has(p)) {
        want = true;
        break;
      }
    }
    if (want != c.weAreInterested) {
      c.weAreInterested = want;
      c.session.interested(want);
    }
    if (want) {
      requestMore(c, engine.ticker.getAsLong());
    }
  }

  private void requestMore(Connection c, long now) {
    if (pieces == null || c.closed || c.session == null || !c.handshakeDone
        || state != TorrentState.DOWNLOADING || !c.weAreInterested) {
      return;
    }
    if (c.chokingUs && c.allowedFast.isEmpty()) {
      return;
    }
    int target = desiredQueue(c.downMeter.rate(now), engine.config.requestQueueNanos(),
        engine.config.maxOutstandingRequests(), c.peerRequestQueue);
    int inFlight = c.requests.size();
    int room = target - inFlight;
    if (room <= 0) {
      return;
    }
    // Refill in batches: a picker call scans the wanted and started pieces, so asking it for one
    // block per block received costs more than the blocks themselves. A pipe that is still more
    // than three quarters full waits for the next batch; a nearly empty one is always refilled.
    // (Waiting until it was half empty let a queue capped at the peer's reqq sag below the
    // bandwidth-delay product between batches.)
    if (room < target / 4 && inFlight > MIN_QUEUE) {
      return;
    }
    c.nowNanos = now;
    pieces.setNow(now);
    RequestSink sink = requestSink;
    sink.start(c, room);
    try {
      picker.pickBlocks(c, pickerView, room, sink);
    } catch (RuntimeException e) {
      log.error("piece picker threw; ignored", e);
    }
    // the requests go out after the picker is done: the sink stays small, and so does the code
    // the JIT compiles into the picker's loops
    int[] picks = sink.picks;
    for (int i = 0; i < sink.count; i++) {
      int piece = picks[2 * i];
      int block = picks[2 * i + 1];
      if (!c.session.request(piece, block * Metainfo.BLOCK_SIZE, pieces.blockLength(piece, block))) {
        continue; // the session refused it (choked, or already asked)
      }
      c.requests.add(Connection.key(piece, block));
      pieces.blockRequested(piece, block);
      c.lastRequestNanos = now;
    }
    sink.c = null;
  }

  /**
   * How many block requests to keep outstanding with a peer, as libtorrent sizes its queue: what
   * the peer sends in {@code queueNanos} at its current rate, so that the pipe stays full across
   * the round trip whatever the bandwidth-delay product (at 50 MiB/s and 3 s, 9600 blocks), but
   * at least {@link #MIN_QUEUE}, and at most our own cap and the peer's {@code reqq}.
   *
   * @param bytesPerSecond the peer's download rate to us
   * @param queueNanos how long a request may wait in the pipe (the client's request queue time)
   * @param cap the most we keep outstanding with any peer (the client's setting)
   * @param peerReqq the most the peer accepts: its {@code reqq}, or 250 if it announced none
   */
  static int desiredQueue(long bytesPerSecond, long queueNanos, int cap, int peerReqq) {
    // in doubles: 100 MiB/s x 10 s overflows nothing, but the product is computed safely anyway
    double blocks = (double) bytesPerSecond * queueNanos / SECOND / Metainfo.BLOCK_SIZE;
    long wanted = Math.max(MIN_QUEUE, (long) Math.min(blocks, Integer.MAX_VALUE));
    return (int) Math.max(1, Math.min(wanted, Math.min(cap, peerReqq)));
  }

  private final RequestSink requestSink = new RequestSink();

  /** Collects the picker's blocks for one connection, dropping what it should not have picked. */
  private final class RequestSink implements BlockSink {
    Connection c;
    int room;
    int count;
    int[] picks = new int[64];

    void start(Connection c, int room) {
      this.c = c;
      this.room = room;
      this.count = 0;
      if (picks.length < 2 * room) {
        picks = new int[2 * room];
      }
    }

    @Override
    public boolean add(int piece, int block) {
      if (count >= room) {
        return false;
      }
      if (acceptable(c, piece, block)) {
        picks[2 * count] = piece;
        picks[2 * count + 1] = block;
        count++;
      }
      return count < room; // the engine drops what the picker should not have picked
    }
  }

  private boolean acceptable(Connection c, int piece, int block) {
    return piece >= 0 && piece < metainfo.pieceCount() && block >= 0
        && block < pieces.blockCount(piece) && pieces.isWanted(piece) && c.has(piece)
        && !pieces.isBlockReceived(piece, block) && !c.isRequested(piece, block)
        && !(c.chokingUs && !c.allowedFast.get(piece))
        && verifier.canVerify(piece)
        && (engine.bufferedBytes < Engine.MAX_BUFFERED_BYTES || assembling.containsKey(piece));
  }

  /**
   * The swarm as the piece picker sees it: the piece state without the pieces whose blocks are
   * all in and being hashed, which hold nothing to pick. With a deep request pipe, dozens of
   * pieces can wait for their hash check; a picker scanning the started pieces would walk every
   * block of each on every call.
   */
  private final class PickerView implements SwarmView {
    @Override
    public int pieceCount() {
      return pieces.pieceCount();
    }

    @Override
    public boolean isWanted(int piece) {
      return pieces.isWanted(piece) && !hashing.get(piece);
    }

    @Override
    public int nextWanted(int from) {
      int p = pieces.nextWanted(from);
      while (p >= 0 && hashing.get(p)) {
        p = pieces.nextWanted(p + 1);
      }
      return p;
    }

    @Override
    public int wantedCount() {
      int n = pieces.wantedCount();
      for (int p = hashing.nextSetBit(0); p >= 0; p = hashing.nextSetBit(p + 1)) {
        if (pieces.isWanted(p)) {
          n--;
        }
      }
      return n;
    }

    @Override
    public int availability(int piece) {
      return pieces.availability(piece);
    }

    @Override
    public int priority(int piece) {
      return pieces.priority(piece);
    }

    @Override
    public int blockCount(int piece) {
      return pieces.blockCount(piece);
    }

    @Override
    public boolean isBlockReceived(int piece, int block) {
      return pieces.isBlockReceived(piece, block);
    }

    @Override
    public int blockRequests(int piece, int block) {
      return pieces.blockRequests(piece, block);
    }

    @Override
    public boolean isStarted(int piece) {
      return pieces.isStarted(piece) && !hashing.get(piece);
    }

    @Override
    public boolean isEndGame() {
      return pieces.isEndGame();
    }

    @Override
    public long nowNanos() {
      return pieces.nowNanos();
    }

    @Override
    public java.util.Random random() {
      return pieces.random();
    }
  }

  private void onBlock(Connection c, PeerEvent.BlockReceived b, long now) {
    try {
      onBlock0(c, b, now);
    } finally {
      engine.releaseBlock(b.data()); // the session allocated it from the engine's pool
    }
  }

  private void onBlock0(Connection c, PeerEvent.BlockReceived b, long now) {
    int len = b.data().remaining();
    downloaded += len;
    c.downloaded += len;
    c.downMeter.add(len, now);
    downMeter.add(len, now);
    c.lastBlockNanos = now;
    int piece = b.piece();
    int block = b.offset() / Metainfo.BLOCK_SIZE;
    boolean wasRequested = c.requests.remove(Connection.key(piece, block));
    if (pieces == null || !wasRequested || b.offset() % Metainfo.BLOCK_SIZE != 0
        || len != pieces.blockLength(piece, block)) {
      wasted += len;
      c.requestNeeded = true; // once the events of this read are handled
      return;
    }
    pieces.requestEnded(piece, block);
    acceptBlock(c, c.address, piece, block, b.data(), now);
    c.requestNeeded = true; // once the events of this read are handled
  }

  /**
   * Keeps a requested block that arrived from {@code from} (a peer's connection {@code c}, or a
   * web seed with {@code c} null): into the piece's buffer, unless it is an end-game duplicate;
   * withdraws the same block from every other peer; starts the hash check once the piece is in.
   */
  private void acceptBlock(Connection c, PeerAddress from, int piece, int block, ByteBuffer data,
      long now) {
    int len = data.remaining();
    int offset = block * Metainfo.BLOCK_SIZE;
    if (pieces.isVerified(piece) || pieces.isBlockReceived(piece, block)
        || hashing.get(piece)) {
      wasted += len; // an end-game duplicate
      return;
    }
    PieceBuffer buf = assembling.get(piece);
    if (buf == null) {
      buf = newBuffer(piece);
      assembling.put(piece, buf);
    }
    data.get(buf.chunks[offset / buf.chunkSize], offset % buf.chunkSize, len);
    buf.from[block] = from;
    smartBan.onBlock(piece, block, from);
    boolean complete = pieces.blockReceived(piece, block, from);
    // end game: withdraw the same block from everyone else
    for (Connection o : connections) {
      if (o != c && o.requests.remove(Connection.key(piece, block))) {
        o.session.cancel(piece, offset, len);
        pieces.requestEnded(piece, block);
        engine.flush(o, now);
      }
    }
    if (complete) {
      assembling.remove(piece);
      hashing.set(piece);
      verifyAndStore(piece, buf);
    }
  }

  private void verifyAndStore(int piece, PieceBuffer buf) {
    PieceVerifier v = verifier;
    Storage s = storage;
    engine.submitDisk(() -> {
      boolean ok;
      try {
        PieceVerifier.Check check = v.newCheck();
        check.start(piece);
        for (int i = 0; i < buf.chunks.length; i++) {
          check.update(buf.chunk(i));
        }
        ok = check.finish();
      } catch (RuntimeException e) {
        log.warn("checking piece {} failed: {}", piece, e.toString());
        ok = false;
      }
      if (!ok) {
        engine.post(() -> pieceDone(piece, buf, false, null));
        return;
      }
      write(() -> {
        String err = null;
        try {
          for (int i = 0; i < buf.chunks.length; i++) {
            s.write(piece, i * buf.chunkSize, buf.chunk(i));
          }
        } catch (IOException | RuntimeException e) {
          err = e.toString();
        }
        String writeError = err;
        engine.post(() -> pieceDone(piece, buf, true, writeError));
      });
    });
  }

  /** Verified pieces waiting for their write; see {@link #write(Runnable)}. */
  private final java.util.concurrent.ConcurrentLinkedQueue<Runnable> writes =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.concurrent.atomic.AtomicBoolean writing =
      new java.util.concurrent.atomic.AtomicBoolean();

  /**
   * Runs a piece's write on this disk thread, or hands it to the thread already writing, so one
   * thread at a time writes: two threads writing one file contend for its inode lock (spinning in
   * the kernel), while a thread that hands its write over goes on hashing the next piece.
   */
  private void write(Runnable w) {
    writes.add(w);
    while (!writes.isEmpty() && writing.compareAndSet(false, true)) {
      try {
        Runnable r;
        while ((r = writes.poll()) != null) {
          r.run();
        }
      } finally {
        writing.set(false);
      }
    }
  }

  private void pieceDone(int piece, PieceBuffer buf, boolean good, String writeError) {
    hashing.clear(piece);
    if (removed || state == TorrentState.FAILED) {
      release(buf);
      return;
    }
    try {
      pieceChecked(piece, buf, good, writeError);
    } finally {
      release(buf);
    }
    if (engine.bufferedBytes < Engine.MAX_BUFFERED_BYTES) {
      long now = engine.ticker.getAsLong();
      for (Connection c : new ArrayList<>(connections)) {
        requestMore(c, now); // requests held back while buffers were full may go out now
      }
    }
    webSeedTick(engine.ticker.getAsLong());
  }

  /**
   * Forces what was written in the background every {@link #WRITE_BACK_BYTES}: the flush that
   * completes the torrent then has little left to write, instead of the whole download at once
   * (about a quarter of a second per GiB here).
   */
  private void writeBack(int written) {
    writtenSinceFlush += written;
    if (writtenSinceFlush < WRITE_BACK_BYTES || flushing || pieces.isComplete()) {
      return;
    }
    writtenSinceFlush = 0;
    flushing = true;
    Storage s = storage;
    engine.submitDisk(() -> {
      try {
        s.flush();
      } catch (IOException | RuntimeException e) {
        log.debug("background flush failed: {}", e.toString());
      }
      engine.post(() -> flushing = false);
    });
  }

  private static final long WRITE_BACK_BYTES = 64L << 20;
  private long writtenSinceFlush;
  private boolean flushing;

  private void pieceChecked(int piece, PieceBuffer buf, boolean good, String writeError) {
    long now = engine.ticker.getAsLong();
    if (writeError != null) {
      log.warn("writing piece {} failed: {}", piece, writeError);
      pieces.pieceFailed(piece);
      fail("cannot write piece " + piece + ": " + writeError);
      return;
    }
    if (good) {
      pieces.pieceVerified(piece);
      writeBack(buf.size);
      Set<PeerAddress> liars = smartBan.onPiecePassed(piece, block -> buf.view(
          block * Metainfo.BLOCK_SIZE, pieces.blockLength(piece, block)));
      for (PeerAddress liar : liars) {
        ban(liar, "sent bad data for piece " + piece);
      }
      post(l -> l.onPieceVerified(handle, piece));
      for (Connection c : new ArrayList<>(connections)) {
        if (c.handshakeDone && !c.closed) {
          c.session.have(piece);
          updateInterest(c);
          engine.flush(c, now);
        }
      }
      checkComplete();
    } else {
      hashFailures++;
      wasted += buf.size;
      Set<PeerAddress> contributors = new HashSet<>();
      for (PeerAddress a : buf.from) {
        if (a != null) {
          contributors.add(a);
        }
      }
      pieces.pieceFailed(piece);
      Set<PeerAddress> liars = smartBan.onPieceFailed(piece, block -> buf.view(
          block * Metainfo.BLOCK_SIZE, pieces.blockLength(piece, block)));
      post(l -> l.onHashFailed(handle, piece, Set.copyOf(contributors)));
      for (PeerAddress liar : liars) {
        ban(liar, "sent every block of failed piece " + piece);
      }
      for (Connection c : new ArrayList<>(connections)) {
        requestMore(c, now);
      }
    }
  }

  private void ban(PeerAddress peer, String reason) {
    WebSeed ws = webSeedAt(peer);
    if (ws != null) {
      webSeedLied(ws, reason);
      return;
    }
    peers.ban(peer, reason);
  }

  private void checkComplete() {
    if (state == TorrentState.DOWNLOADING && pieces.isComplete()) {
      setState(TorrentState.SEEDING);
      freeChunks.clear();
      peers.completed();
      for (Connection c : connections) {
        if (c.weAreInterested && c.session != null) {
          c.weAreInterested = false;
          c.session.interested(false);
        }
      }
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

  // ---------------------------------------------------------------- web seeds (BEP 19)

  /** The most web seeds of one torrent that are used (a url-list may be long). */
  static final int MAX_WEB_SEEDS = 16;

  /**
   * Set by the client before the torrent can start (see {@link
   * io.btlib.client.Client.Builder#webSeeds}).
   */
  private final WebSeedConfig webSeedConfig;
  private List<WebSeed> webSeeds = List.of();
  private WebSeedFetcher webSeedFetcher;
  /** Bytes fetched from web seeds beyond what the rate limit had granted: paid back first. */
  private long webSeedDebt;

  /** The torrent's web seeds for this run: its url-list and its magnet link's ws= URLs. */
  private void openWebSeeds() {
    cancelWebSeeds("restarted");
    WebSeedConfig cfg = webSeedConfig;
    List<WebSeed> list = new ArrayList<>();
    if (cfg.enabled() && metainfo != null) {
      Set<String> urls = new java.util.LinkedHashSet<>(metainfo.webSeeds());
      if (magnet != null) {
        urls.addAll(magnet.webSeeds());
      }
      int i = 0;
      for (String u : urls) {
        if (list.size() >= MAX_WEB_SEEDS) {
          log.info("{}: web seeds past the first {} ignored", infoHashes, MAX_WEB_SEEDS);
          break;
        }
        try {
          list.add(new WebSeed(u, WebSeedLayout.of(metainfo, u), i));
        } catch (IllegalArgumentException e) {
          log.info("web seed ignored: {}", e.getMessage());
        }
        i++;
      }
    }
    webSeeds = list;
  }

  /** Stops every web seed fetch in flight; their blocks are given back as the fetches end. */
  private void cancelWebSeeds(String why) {
    for (WebSeed ws : webSeeds) {
      for (WebSeed.Request r : new ArrayList<>(ws.inFlight)) {
        if (r.fetch != null) {
          r.fetch.cancel(why);
        }
      }
    }
  }

  private WebSeed webSeedAt(PeerAddress a) {
    for (WebSeed ws : webSeeds) {
      if (ws.address.equals(a)) {
        return ws;
      }
    }
    return null;
  }

  /** Times out slow fetches and gives every usable web seed work, up to its request limit. */
  private void webSeedTick(long now) {
    if (webSeeds.isEmpty()) {
      return;
    }
    WebSeedConfig cfg = webSeedConfig;
    for (WebSeed ws : webSeeds) {
      for (WebSeed.Request r : new ArrayList<>(ws.inFlight)) {
        if (now - r.deadlineNanos >= 0 && r.fetch != null) {
          r.fetch.cancel("timed out: no complete answer within "
              + cfg.requestTimeout().toMillis() + " ms");
        }
      }
    }
    if (state != TorrentState.DOWNLOADING || pieces == null) {
      return;
    }
    for (WebSeed ws : webSeeds) {
      if (ws.dropped || ws.retryAtNanos != Long.MIN_VALUE && now - ws.retryAtNanos < 0) {
        continue;
      }
      while (ws.inFlight.size() < cfg.maxRequestsPerSeed()) {
        if (webSeedDebt > 0) {
          webSeedDebt -= downLimit.take(webSeedDebt, now);
          if (webSeedDebt > 0) {
            return; // over the download limit: the next tick goes on
          }
        }
        WebSeed.Request r = pickForWebSeed(ws, cfg, now);
        if (r == null) {
          break;
        }
        startWebSeedRequest(ws, r, cfg);
        webSeedDebt += r.payload - downLimit.take(r.payload, now);
      }
    }
  }

  /**
   * A run of blocks for a web seed: first whole pieces (a run of consecutive ones, up to the
   * request limit) that no peer or web seed has started, searching from this web seed's cursor,
   * so that it does not fetch what peers are fetching, and among those first the ones no
   * connected peer has; then a run of blocks nobody has asked for in a started piece (the rest of
   * a long piece, or what a peer that left had not sent). Blocks peers have asked for are never
   * duplicated. Null when there is nothing.
   */
  private WebSeed.Request pickForWebSeed(WebSeed ws, WebSeedConfig cfg, long now) {
    int maxBlocks = cfg.maxRequestBytes() / Metainfo.BLOCK_SIZE;
    boolean budget = engine.bufferedBytes < Engine.MAX_BUFFERED_BYTES;
    if (budget) {
      int count = pieces.pieceCount();
      int from = ws.cursor < count ? ws.cursor : 0;
      // with peers around, what none of them has comes first (BEP 19: the web seed fills gaps)
      for (int tier = connections.isEmpty() ? 1 : 0; tier < 2; tier++) {
        for (int pass = 0; pass < 2; pass++) {
          int start = pass == 0 ? from : 0;
          for (int p = pieces.nextWanted(start); p >= 0 && (pass == 0 || p < from);
              p = pieces.nextWanted(p + 1)) {
            if (freshForWebSeed(p, tier)) {
              if (pieces.blockCount(p) > maxBlocks) {
                ws.cursor = p + 1;
                return newWebSeedRequest(p, 0, p, maxBlocks, cfg, now);
              }
              long first = (long) p * metainfo.pieceLength();
              int q = p;
              while (q + 1 < count && (long) (q + 1) * metainfo.pieceLength()
                  + pieces.pieceSize(q + 1) - first <= cfg.maxRequestBytes()
                  && pieces.isWanted(q + 1) && freshForWebSeed(q + 1, tier)) {
                q++;
              }
              ws.cursor = q + 1;
              return newWebSeedRequest(p, 0, q, pieces.blockCount(q), cfg, now);
            }
          }
        }
      }
    }
    for (int p = pieces.nextStarted(0); p >= 0; p = pieces.nextStarted(p + 1)) {
      if (!pieces.isWanted(p) || hashing.get(p) || !verifier.canVerify(p)
          || !budget && !assembling.containsKey(p)) {
        continue;
      }
      int blocks = pieces.blockCount(p);
      for (int b = 0; b < blocks; b++) {
        if (!pieces.isBlockReceived(p, b) && pieces.blockRequests(p, b) == 0) {
          int e = b + 1;
          while (e < blocks && e - b < maxBlocks && !pieces.isBlockReceived(p, e)
              && pieces.blockRequests(p, e) == 0) {
            e++;
          }
          return newWebSeedRequest(p, b, p, e, cfg, now);
        }
      }
    }
    return null;
  }

  /** Whether a web seed may take all of piece {@code p}: untouched, and (tier 0) no peer has it. */
  private boolean freshForWebSeed(int p, int tier) {
    return !pieces.isStarted(p) && !hashing.get(p) && verifier.canVerify(p)
        && (tier == 1 || pieces.availability(p) == 0);
  }

  private WebSeed.Request newWebSeedRequest(int firstPiece, int firstBlock, int lastPiece,
      int endBlock, WebSeedConfig cfg, long now) {
    long pl = metainfo.pieceLength();
    long start = firstPiece * pl + (long) firstBlock * Metainfo.BLOCK_SIZE;
    long end = lastPiece * pl + Math.min(pieces.pieceSize(lastPiece),
        endBlock * Metainfo.BLOCK_SIZE);
    int payload = 0;
    for (int p = firstPiece; p <= lastPiece; p++) {
      int e = p == lastPiece ? endBlock : pieces.blockCount(p);
      for (int b = p == firstPiece ? firstBlock : 0; b < e; b++) {
        payload += pieces.blockLength(p, b);
      }
    }
    return new WebSeed.Request(firstPiece, firstBlock, lastPiece, endBlock, start,
        (int) (end - start), payload, now + cfg.requestTimeout().toNanos());
  }

  /** Calls {@code f(piece, block)} for every block of {@code r}. */
  private void forEachBlock(WebSeed.Request r, java.util.function.BiConsumer<Integer, Integer> f) {
    for (int p = r.firstPiece; p <= r.lastPiece; p++) {
      int e = p == r.lastPiece ? r.endBlock : pieces.blockCount(p);
      for (int b = p == r.firstPiece ? r.firstBlock : 0; b < e; b++) {
        f.accept(p, b);
      }
    }
  }

  private void startWebSeedRequest(WebSeed ws, WebSeed.Request r, WebSeedConfig cfg) {
    forEachBlock(r, pieces::blockRequested);
    ws.inFlight.add(r);
    if (webSeedFetcher == null) {
      webSeedFetcher = new WebSeedFetcher(cfg,
          "bt-webseed-" + infoHashes.shortHashes().get(0).toString().substring(0, 8));
    }
    try {
      r.fetch = webSeedFetcher.fetch(ws.layout.range(r.start, r.length), r.length);
    } catch (RuntimeException e) {
      engine.post(() -> webSeedDone(ws, r, null, e));
      return;
    }
    r.fetch.result().whenComplete((data, err) -> engine.post(() -> webSeedDone(ws, r, data, err)));
  }

  /** A web seed fetch ended (on the engine thread): its blocks are kept, or it failed. */
  private void webSeedDone(WebSeed ws, WebSeed.Request r, byte[] data, Throwable err) {
    if (!ws.inFlight.remove(r)) {
      return;
    }
    forEachBlock(r, pieces::requestEnded);
    if (removed) {
      return;
    }
    long now = engine.ticker.getAsLong();
    if (err != null) {
      if (!ws.dropped && state == TorrentState.DOWNLOADING) {
        webSeedFailed(ws, err, now);
      }
    } else {
      downloaded += r.payload;
      downMeter.add(r.payload, now);
      ws.errors = 0;
      if (ws.dropped || state != TorrentState.DOWNLOADING) {
        wasted += r.payload;
      } else {
        long pl = metainfo.pieceLength();
        forEachBlock(r, (p, b) -> {
          int off = (int) (p * pl + (long) b * Metainfo.BLOCK_SIZE - r.start);
          acceptBlock(null, ws.address, p, b, ByteBuffer.wrap(data, off, pieces.blockLength(p, b)),
              now);
        });
      }
    }
    webSeedTick(now);
  }

  /**
   * A fetch failed: the web seed backs off, doubling from the configured delay (or the server's
   * Retry-After, if longer); failures while it is backing off already (its other fetches in
   * flight) do not count again. Too many in a row drop it.
   */
  private void webSeedFailed(WebSeed ws, Throwable err, long now) {
    if (ws.retryAtNanos != Long.MIN_VALUE && now - ws.retryAtNanos < 0) {
      return;
    }
    WebSeedConfig cfg = webSeedConfig;
    String why = err.getMessage() != null ? err.getMessage() : err.toString();
    ws.errors++;
    if (ws.errors >= cfg.maxConsecutiveErrors()) {
      dropWebSeed(ws, "failed " + ws.errors + " times in a row, last: " + why);
      return;
    }
    long max = cfg.maxRetryDelay().toNanos();
    long delay = cfg.retryDelay().toNanos();
    for (int i = 1; i < ws.errors && delay < max; i++) {
      delay *= 2;
    }
    if (err instanceof WebSeedException && ((WebSeedException) err).retryAfterSeconds() > 0) {
      delay = Math.max(delay, Math.min(max / SECOND, ((WebSeedException) err).retryAfterSeconds())
          * SECOND);
    }
    delay = Math.min(delay, max);
    ws.retryAtNanos = now + delay;
    log.debug("{} failed ({} in a row), retried in {} ms: {}", ws, ws.errors, delay / 1_000_000,
        why);
  }

  /** A web seed sent bad data (a piece it alone sent failed, or smart ban proved a block bad). */
  private void webSeedLied(WebSeed ws, String reason) {
    ws.hashFailures++;
    log.info("{} sent bad data ({} of {}): {}", ws, ws.hashFailures,
        webSeedConfig.maxHashFailures(), reason);
    if (ws.hashFailures >= webSeedConfig.maxHashFailures() && !ws.dropped) {
      dropWebSeed(ws, "sent bad data " + ws.hashFailures + " times, last: " + reason);
    }
  }

  private void dropWebSeed(WebSeed ws, String reason) {
    ws.dropped = true;
    for (WebSeed.Request r : new ArrayList<>(ws.inFlight)) {
      if (r.fetch != null) {
        r.fetch.cancel("dropped");
      }
    }
    log.info("{} dropped: {}", ws, reason);
    String url = ws.url;
    post(l -> l.onWebSeedDropped(handle, url, reason));
  }

  // ---------------------------------------------------------------- seeding (see UploadPump)

  /**
   * After the engine has handled a batch of events from {@code c} (one read's worth): hands on a
   * free upload slot, answers the requests they brought and refills the request pipe the blocks
   * they brought emptied.
   */
  void afterEvents(Connection c, long now) {
    choking.afterEvents(c, now);
    if (c.pumpNeeded) {
      uploads.pump(c, now);
    }
    if (c.requestNeeded) {
      c.requestNeeded = false;
      requestMore(c, now);
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
    uploaded += n;
    c.uploaded += n;
    c.upMeter.add(n, now);
    upMeter.add(n, now);
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
        fail(e.getMessage());
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
    } catch (IOException | RuntimeException e) {
      fail("cannot open storage: " + e);
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
    beginCheck();
    for (Connection k : connections) {
      updateInterest(k);
    }
  }

  // ---------------------------------------------------------------- timers

  void tick(long now) {
    if (state == TorrentState.STOPPED || state == TorrentState.PAUSED
        || state == TorrentState.FAILED || state == TorrentState.CHECKING) {
      status = snapshot(now);
      return;
    }
    peers.dial(now);
    layers.pump(now); // re-asks chunks whose requests timed out
    choking.tick(now);
    for (Connection c : new ArrayList<>(connections)) {
      c.nowNanos = now;
      requestMore(c, now);
      peers.pexTick(c, now);
      engine.flush(c, now);
    }
    webSeedTick(now);
    status = snapshot(now);
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
      if (c.handshakeDone) {
        connected++;
        if (c.seed) {
          seeds++;
        }
      }
    }
    return new TorrentStatus(state, have, count, wanted, left, downloaded, uploaded, wasted,
        downMeter.rate(now), upMeter.rate(now), connected, seeds, peers.idleCount(),
        hashFailures, peers.bannedCount(), Optional.ofNullable(error));
  }
}
