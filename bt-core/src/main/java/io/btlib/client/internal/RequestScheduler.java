package io.btlib.client.internal;

import io.btlib.client.TorrentState;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.BlockSink;
import io.btlib.policy.PiecePicker;
import io.btlib.policy.SwarmView;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A torrent's requests to peers: whether we are interested in a peer, and how many blocks we keep
 * asked of it, which the {@link PiecePicker} chooses from its view of the swarm. Owned by the
 * engine thread. Internal, not API.
 */
final class RequestScheduler {
  private static final Logger log = LoggerFactory.getLogger(RequestScheduler.class);
  private static final long SECOND = 1_000_000_000L;
  /** The fewest requests we keep outstanding with a peer that unchokes us, whatever its rate. */
  static final int MIN_QUEUE = 4;

  private final TorrentRuntime t;
  private final Engine engine;
  private final PiecePicker.Factory pickerFactory;
  private PiecePicker picker;
  /** The piece state as the picker sees it: without the pieces being hashed. */
  private final SwarmView pickerView = new PickerView();
  private final RequestSink requestSink = new RequestSink();
  /** The readers' time-critical requests. */
  final DeadlineScheduler deadlines;

  RequestScheduler(TorrentRuntime t) {
    this.t = t;
    this.engine = t.engine;
    this.pickerFactory = engine.config.piecePicker();
    this.deadlines = new DeadlineScheduler(t);
  }

  /** The torrent's metainfo is known: a picker for it. */
  void setMetainfo(Metainfo m) {
    this.picker = pickerFactory.create(m);
  }

  /** Tells {@code c} whether we want any piece it has, and asks it for blocks if we do. */
  void updateInterest(Connection c, long now) {
    if (refreshInterest(c)) {
      requestMore(c, now);
    }
  }

  /**
   * Tells {@code c} whether we want any piece it has; true if we do. Without asking for blocks:
   * after a piece is verified, when interest can only fall and no pipe gained room (the tick
   * refills them), asking a thousand peers would cost a picker call each.
   */
  boolean refreshInterest(Connection c) {
    PieceState<PeerAddress> pieces = t.pieces();
    if (pieces == null || c.session == null || !c.peer().handshakeDone()) {
      return false;
    }
    boolean want = c.peer().isSeed() && pieces.wantedCount() > 0; // a seed has them all
    for (int p = want ? -1 : pieces.nextWanted(0); p >= 0; p = pieces.nextWanted(p + 1)) {
      if (c.has(p)) {
        want = true;
        break;
      }
    }
    if (want != c.peer().weAreInterested()) {
      c.peer().interestedIn(want);
      c.session.interested(want);
    }
    return want;
  }

  /** Complete: we want nothing from anyone. */
  void notInterested() {
    for (Connection c : t.connections) {
      if (c.peer().weAreInterested() && c.session != null) {
        c.peer().interestedIn(false);
        c.session.interested(false);
      }
    }
  }

  /** {@link #requestMore} for every connection. */
  void requestMoreAll(long now) {
    deadlines.pump(now);
    for (Connection c : t.connections.toArray(new Connection[0])) {
      requestMore(c, now);
    }
  }

  /** Refills the request pipe to {@code c}, if it is low enough, with what the picker picks. */
  void requestMore(Connection c, long now) {
    PieceState<PeerAddress> pieces = t.pieces();
    if (pieces == null || c.closed || c.session == null || !c.peer().handshakeDone()
        || t.state() != TorrentState.DOWNLOADING || !c.peer().weAreInterested()) {
      return;
    }
    if (c.peer().isChokingUs() && !c.peer().hasAllowedFast()) {
      return;
    }
    int inFlight = c.peer().requestsInFlight();
    if (inFlight >= Math.min(engine.config.maxOutstandingRequests(), c.peer().requestQueue())) {
      return; // full whatever the rate: the rate meter need not be read
    }
    int target = desiredQueue(c.peer().downloadRate(now),
        deadlines.queueNanos(engine.config.requestQueueNanos()),
        engine.config.maxOutstandingRequests(), c.peer().requestQueue());
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
    c.peer().tick(now);
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
    boolean tracking = !t.windows.isEmpty();
    for (int i = 0; i < sink.count; i++) {
      int piece = picks[2 * i];
      int block = picks[2 * i + 1];
      int length = pieces.blockLength(piece, block);
      if (!c.session.request(piece, block * Metainfo.BLOCK_SIZE, length)) {
        continue; // the session refused it (choked, or already asked)
      }
      c.peer().requestSent(piece, block, now);
      pieces.blockRequested(piece, block);
      if (tracking) {
        deadlines.onRequested(c, piece, block, now);
      }
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

  /**
   * A block asked of {@code c} arrived: true if it was asked (and the request is over), false
   * if it was not (a late or unasked block).
   */
  boolean onBlock(Connection c, int piece, int block) {
    deadlines.onRequestEnded(c, piece, block);
    return c.peer().requestEnded(piece, block);
  }

  /** {@code c} rejected a request: the block may be asked of others. */
  void onRejected(Connection c, int piece, int offset) {
    int block = offset / Metainfo.BLOCK_SIZE;
    deadlines.onRequestEnded(c, piece, block);
    if (c.peer().requestEnded(piece, block) && t.pieces() != null) {
      t.pieces().requestEnded(piece, block);
    }
  }

  /**
   * A block arrived (end game): every other peer asked for it ({@code others} of them) is told to
   * drop it; the scan stops once they all are.
   */
  void withdraw(Connection from, int piece, int block, int length, int others, long now) {
    int left = others;
    for (Connection o : t.connections) {
      if (left <= 0) {
        break;
      }
      if (o != from && o.peer().requestEnded(piece, block)) {
        left--;
        deadlines.onRequestEnded(o, piece, block);
        o.session.cancel(piece, block * Metainfo.BLOCK_SIZE, length);
        t.pieces().requestEnded(piece, block);
        engine.flush(o, now);
      }
    }
  }

  /**
   * Readers' windows changed: the pieces with deadlines are asked for now, not when the pipes
   * next run low.
   */
  void windowsChanged(long now) {
    deadlines.windowsChanged(now);
    for (Connection c : t.connections.toArray(new Connection[0])) {
      requestMore(c, now);
    }
  }

  /** {@code c} closed: what it was asked may be asked of others. */
  void onClosed(Connection c) {
    deadlines.onClosed(c);
    long[] keys = c.peer().endAllRequests();
    if (t.pieces() != null) {
      for (long key : keys) {
        t.pieces().requestEnded((int) (key >>> 32), (int) key);
      }
    }
  }

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
    PieceState<PeerAddress> pieces = t.pieces();
    return piece >= 0 && piece < pieces.pieceCount() && block >= 0
        && block < pieces.blockCount(piece) && pieces.isWanted(piece) && c.has(piece)
        && !pieces.isBlockReceived(piece, block) && !c.isRequested(piece, block)
        && !(c.peer().isChokingUs() && !c.peer().isAllowedFast(piece))
        && t.verifier().canVerify(piece)
        && t.assembler.mayBuffer(piece);
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
      return t.pieces().pieceCount();
    }

    @Override
    public boolean isWanted(int piece) {
      return t.pieces().isWanted(piece) && !t.assembler.isHashing(piece);
    }

    @Override
    public int nextWanted(int from) {
      PieceState<PeerAddress> pieces = t.pieces();
      int p = pieces.nextWanted(from);
      while (p >= 0 && t.assembler.isHashing(p)) {
        p = pieces.nextWanted(p + 1);
      }
      return p;
    }

    @Override
    public int wantedCount() {
      PieceState<PeerAddress> pieces = t.pieces();
      int n = pieces.wantedCount();
      for (int p = t.assembler.nextHashing(0); p >= 0; p = t.assembler.nextHashing(p + 1)) {
        if (pieces.isWanted(p)) {
          n--;
        }
      }
      return n;
    }

    @Override
    public int availability(int piece) {
      return t.pieces().availability(piece);
    }

    @Override
    public int priority(int piece) {
      return t.pieces().priority(piece);
    }

    @Override
    public int blockCount(int piece) {
      return t.pieces().blockCount(piece);
    }

    @Override
    public boolean isBlockReceived(int piece, int block) {
      return t.pieces().isBlockReceived(piece, block);
    }

    @Override
    public int blockRequests(int piece, int block) {
      return t.pieces().blockRequests(piece, block);
    }

    @Override
    public boolean isStarted(int piece) {
      return t.pieces().isStarted(piece) && !t.assembler.isHashing(piece);
    }

    @Override
    public boolean isEndGame() {
      return t.pieces().isEndGame();
    }

    // A piece being hashed has every block received: it is neither untouched nor partial, so
    // these need no filtering.
    @Override
    public int nextUntouched(int from) {
      return t.pieces().nextUntouched(from);
    }

    @Override
    public int nextPartial(int from) {
      return t.pieces().nextPartial(from);
    }

    @Override
    public int nextBusy(int from) {
      return t.pieces().nextBusy(from);
    }

    @Override
    public void visitRarestFirst(java.util.function.IntPredicate visitor) {
      t.pieces().visitRarestFirst(visitor);
    }

    @Override
    public long nowNanos() {
      return t.pieces().nowNanos();
    }

    @Override
    public long deadlineNanos(int piece) {
      return t.windows.deadline(piece);
    }

    @Override
    public int deadlineCount() {
      return t.windows.count();
    }

    @Override
    public int deadlinePiece(int rank) {
      return t.windows.piece(rank);
    }

    @Override
    public java.util.Random random() {
      return t.pieces().random();
    }
  }
}
