package io.btlib.client.internal;

import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.wire.ExtendedHandshake;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;

/**
 * What the torrent knows about a connected peer, apart from the socket (which {@link Connection}
 * and the engine own): what it has and says (pieces, choke, interest, allowed fast, extended
 * handshake), what we do to it (choke, interest, its upload slot), our requests to it, its
 * requests to us, and its meters. The torrent and its parts change it through these methods, which
 * say what happened; nothing else writes it. Reads are plain accessors. Engine thread only; not
 * thread-safe. Internal, not API.
 */
final class PeerState {
  /** The longest a peer with strikes waits for its next trial, in choke rounds (80 s). */
  static final long MAX_TRIAL_WAIT_ROUNDS = 8;

  // what the peer has and does
  private BitSet has = new BitSet();
  /** {@code has.cardinality()}, kept: HAVEs and choke rounds ask for it all the time. */
  private int hasCount;
  private boolean seed;
  private boolean chokingUs = true;
  private boolean interestedInUs;
  private final BitSet allowedFast = new BitSet();
  private final BitSet suggested = new BitSet();
  private ExtendedHandshake extended;
  private int requestQueue = 250;
  private boolean handshakeDone;
  private PeerId peerId;

  // what we do to the peer
  private boolean chokedByUs = true;
  private boolean weAreInterested;
  private long lastUnchokedNanos = Long.MIN_VALUE;
  /** When the peer last requested a block of us. */
  private long peerRequestNanos = Long.MIN_VALUE;
  /**
   * Unchoked for a while, interested, yet it asked nothing of us: it counts as not interested for
   * the choker (so an idle peer cannot hold an upload slot) until it requests, says interested
   * again or we have a piece it lacks.
   */
  private boolean idle;
  /**
   * Turns (or trials) in a row the peer was unchoked and used none of; a request we accept clears
   * them. While turns are being wasted, a peer with strikes must pass a trial before the choker
   * sees it again, and each strike doubles the rounds until its next trial (see ChokeRound).
   */
  private int idleStrikes;
  /** The choke round from which the peer may have another trial. */
  private long nextTrialRound;
  /** Unchoked on trial (see ChokeRound): since when; {@link Long#MIN_VALUE} when not on trial. */
  private long trialSinceNanos = Long.MIN_VALUE;
  /** Unchoked at least once on this connection, for a turn or on trial. */
  private boolean tried;
  /** Passed a trial, and the choker has not decided on it since. */
  private boolean trialPassed;
  private final BitSet allowedFastGiven = new BitSet();
  /** Super-seeding: the pieces we showed this peer; null when we announced ours in full. */
  private BitSet superShown;

  // our requests to the peer: piece << 32 | block
  private final Connection.LongSet requests = new Connection.LongSet();
  private long lastBlockNanos;
  private long lastRequestNanos;
  /** Since when we wait for a block: the last block's arrival, or the first request after it. */
  private long waitingSinceNanos;

  // the peer's requests to us waiting for disk reads, and blocks read and ready to send (in the
  // order the session queued them, which is the order it will ask for their bodies); the
  // UploadPump works them
  private final ArrayDeque<long[]> uploadQueue = new ArrayDeque<>();
  private final ArrayDeque<Connection.ReadyBlock> ready = new ArrayDeque<>();
  private int readsInFlight;
  /** Requests arrived: the upload queue needs pumping once the events of a read are handled. */
  private boolean pumpNeeded;
  /** Blocks arrived: the request pipe needs refilling once the events of a read are handled. */
  private boolean requestNeeded;

  // figures
  private RateMeter downMeter;
  private RateMeter upMeter;
  private long downloaded;
  private long uploaded;
  private long connectedNanos;
  private long lastPexNanos = Long.MIN_VALUE;
  private final Set<PeerAddress> pexSent = new HashSet<>();
  /** The engine's clock when this round of its loop began (for the rates a policy reads). */
  private long nowNanos;

  PeerState(long now) {
    this.downMeter = new RateMeter(now);
    this.upMeter = new RateMeter(now);
  }

  // ---------------------------------------------------------------- the clock

  /** The engine's loop (or a torrent's tick) reached {@code now}. */
  void tick(long now) {
    nowNanos = now;
  }

  /** The time of the last {@link #tick}. */
  long now() {
    return nowNanos;
  }

  // ---------------------------------------------------------------- handshakes

  /** The peer's session began at {@code now} (before its handshake). */
  void connectedAt(long now) {
    connectedNanos = now;
  }

  long connectedNanos() {
    return connectedNanos;
  }

  /** The peer's handshake arrived, carrying {@code id}: its meters start at {@code now}. */
  void handshake(PeerId id, long now) {
    peerId = id;
    handshakeDone = true;
    downMeter = new RateMeter(now);
    upMeter = new RateMeter(now);
  }

  boolean handshakeDone() {
    return handshakeDone;
  }

  /** The peer's id from its handshake, or null before it. */
  PeerId peerId() {
    return peerId;
  }

  /** The peer's extended handshake (BEP 10) arrived; it may say how many requests it queues. */
  void extendedHandshake(ExtendedHandshake h) {
    extended = h;
    h.requestQueue().ifPresent(q -> requestQueue = Math.max(1, q));
  }

  /** The peer's extended handshake, or null before (or without) one. */
  ExtendedHandshake extended() {
    return extended;
  }

  /** How many requests the peer queues (its {@code reqq}, 250 when it did not say). */
  int requestQueue() {
    return requestQueue;
  }

  // ---------------------------------------------------------------- what the peer has

  boolean has(int piece) {
    return seed || has.get(piece);
  }

  boolean isSeed() {
    return seed;
  }

  /** The pieces the peer announced (empty for a seed that sent "have all"); do not change it. */
  BitSet pieces() {
    return has;
  }

  /** The peer has every piece ("have all", or it announced the last one it lacked). */
  void hasAll() {
    seed = true;
  }

  /** The peer's bitfield arrived: a copy of {@code pieces} is what it has. */
  void bitfield(BitSet pieces) {
    has = (BitSet) pieces.clone();
    hasCount = has.cardinality();
  }

  /** How many pieces the peer announced (not counting "have all"). */
  int pieceCount() {
    return hasCount;
  }

  /** The peer announced {@code piece}: true if that is news (it was not known to have it). */
  boolean peerHas(int piece) {
    if (seed || has.get(piece)) {
      return false;
    }
    has.set(piece);
    hasCount++;
    return true;
  }

  // ---------------------------------------------------------------- what the peer does to us

  boolean isChokingUs() {
    return chokingUs;
  }

  /** The peer choked us. */
  void chokedUs() {
    chokingUs = true;
  }

  /** The peer unchoked us. */
  void unchokedUs() {
    chokingUs = false;
  }

  boolean isInterestedInUs() {
    return interestedInUs;
  }

  /**
   * The peer said (not) interested: a fresh "interested" (after "not interested") earns an idle
   * peer another turn; a repeated one earns nothing, or a peer could clear its mark by repeating
   * itself.
   */
  void interested(boolean interested) {
    if (interested && !interestedInUs) {
      idle = false;
    }
    interestedInUs = interested;
  }

  /**
   * We accepted a request of the peer's (as of the last {@link #tick}): it uses its slot, so it is
   * not idle and its strikes are forgiven. Requests we reject (while we choke it, for a piece we
   * lack) do not count: they cost a peer nothing to send.
   */
  void requested() {
    peerRequestNanos = nowNanos;
    idle = false;
    idleStrikes = 0;
  }

  boolean isAllowedFast(int piece) {
    return allowedFast.get(piece);
  }

  /** Whether the peer allowed us any piece while choked. */
  boolean hasAllowedFast() {
    return !allowedFast.isEmpty();
  }

  /** The peer lets us request {@code piece} even while it chokes us. */
  void allowedFast(int piece) {
    allowedFast.set(piece);
  }

  boolean isSuggested(int piece) {
    return suggested.get(piece);
  }

  int nextSuggested(int from) {
    return suggested.nextSetBit(from);
  }

  /** The peer suggested we request {@code piece}. */
  void suggested(int piece) {
    suggested.set(piece);
  }

  // ---------------------------------------------------------------- what we do to the peer

  boolean isChokedByUs() {
    return chokedByUs;
  }

  /** We unchoked the peer at {@code now}: it gets a fresh chance to request. */
  void unchokedAt(long now) {
    chokedByUs = false;
    lastUnchokedNanos = now;
    tried = true;
  }

  /**
   * We unchoked the peer on trial at {@code now}: not a turn (its place in the choker's line,
   * {@link #lastUnchokedNanos}, stays), only a chance to show within a moment that it will use one.
   */
  void trialAt(long now) {
    chokedByUs = false;
    trialSinceNanos = now;
    tried = true;
  }

  /** Whether the peer is unchoked on trial. */
  boolean onTrial() {
    return trialSinceNanos != Long.MIN_VALUE;
  }

  /** Since when the peer is on trial. */
  long trialSinceNanos() {
    return trialSinceNanos;
  }

  /** The trial ended: it failed, or the connection closed. */
  void trialEnded() {
    trialSinceNanos = Long.MIN_VALUE;
  }

  /** The trial ended with a request: the peer stays unchoked until the choker decides. */
  void trialPassed() {
    trialSinceNanos = Long.MIN_VALUE;
    trialPassed = true;
  }

  /**
   * Whether the peer passed a trial the choker has not decided on yet; clears it. If the choker
   * keeps the peer unchoked, that is the start of its turn.
   */
  boolean takeTrialPassed() {
    boolean passed = trialPassed;
    trialPassed = false;
    return passed;
  }

  /** Whether we ever unchoked the peer on this connection, for a turn or on trial. */
  boolean tried() {
    return tried;
  }

  /** We choked the peer. */
  void choked() {
    chokedByUs = true;
    trialSinceNanos = Long.MIN_VALUE;
    trialPassed = false;
  }

  long lastUnchokedNanos() {
    return lastUnchokedNanos;
  }

  /** When the peer last requested a block of us, or {@link Long#MIN_VALUE}. */
  long peerRequestNanos() {
    return peerRequestNanos;
  }

  boolean isIdle() {
    return idle;
  }

  /**
   * Unchoked, interested and yet silent for a while, in choke round {@code round}: it counts as
   * not interested for the rest of the round, and has a strike; its next trial, should it need
   * one, waits 1, 2, 4 … up to {@link #MAX_TRIAL_WAIT_ROUNDS} rounds, doubling with each turn it
   * wastes in a row, so that a crowd that never asks costs ever fewer trials.
   */
  void idled(long round) {
    idle = true;
    idleStrikes = Math.min(idleStrikes + 1, 31);
    nextTrialRound = round + Math.min(1L << (idleStrikes - 1), MAX_TRIAL_WAIT_ROUNDS);
  }

  /**
   * A trial at {@code now}, in choke round {@code round}, ended without a request: choked, with a
   * strike, and the trial counts as its turn (it waits behind those who waited longer).
   */
  void trialFailed(long now, long round) {
    choked();
    lastUnchokedNanos = now;
    idled(round);
  }

  /** Turns in a row the peer wasted (see {@link #idled}). */
  int idleStrikes() {
    return idleStrikes;
  }

  /** Whether the peer may have another trial in choke round {@code round}. */
  boolean trialDue(long round) {
    return round >= nextTrialRound;
  }

  /** Whether we ever accepted a request of the peer's on this connection. */
  boolean everRequested() {
    return peerRequestNanos != Long.MIN_VALUE;
  }

  /** We have a piece the idle peer lacks, or a new round began: it counts as interested again. */
  void idleEnded() {
    idle = false;
  }

  /** Whether we let the peer request {@code piece} while we choke it. */
  boolean isAllowedFastGiven(int piece) {
    return allowedFastGiven.get(piece);
  }

  boolean weAreInterested() {
    return weAreInterested;
  }

  /** We told the peer we are (not) interested. */
  void interestedIn(boolean interested) {
    weAreInterested = interested;
  }

  // ---------------------------------------------------------------- super-seeding

  /** Super-seeding with this peer: it was shown none of our pieces yet. */
  void superSeeding() {
    superShown = new BitSet();
  }

  /** Whether we super-seed to this peer. */
  boolean isSuperSeeded() {
    return superShown != null;
  }

  /** Whether we showed the peer {@code piece} (super-seeding). */
  boolean wasShown(int piece) {
    return superShown.get(piece);
  }

  /** We showed the peer {@code piece} (super-seeding). */
  void shown(int piece) {
    superShown.set(piece);
  }

  /** The pieces shown that the peer does not announce having yet (super-seeding). */
  int shownOutstanding() {
    int outstanding = 0;
    for (int p = superShown.nextSetBit(0); p >= 0; p = superShown.nextSetBit(p + 1)) {
      if (!has.get(p)) {
        outstanding++;
      }
    }
    return outstanding;
  }

  // ---------------------------------------------------------------- our requests to the peer

  boolean isRequested(int piece, int block) {
    return requests.contains(Connection.key(piece, block));
  }

  int requestsInFlight() {
    return requests.size();
  }

  /** We requested block {@code block} of {@code piece} at {@code now}. */
  void requestSent(int piece, int block, long now) {
    if (requests.isEmpty()) {
      waitingSinceNanos = now;
    }
    requests.add(Connection.key(piece, block));
    lastRequestNanos = now;
  }

  /** The request for the block ended (it arrived, was rejected or cancelled): true if it was one. */
  boolean requestEnded(int piece, int block) {
    return requests.remove(Connection.key(piece, block));
  }

  /** The keys ({@link Connection#key}) of the requests outstanding, in no order. */
  long[] requestKeys() {
    return requests.toArray();
  }

  /** Ends every request; returns their keys ({@link Connection#key}). */
  long[] endAllRequests() {
    long[] keys = requests.toArray();
    requests.clear();
    return keys;
  }

  /** {@code len} bytes of a block arrived at {@code now}. */
  void received(int len, long now) {
    downloaded += len;
    downMeter.add(len, now);
    lastBlockNanos = now;
    waitingSinceNanos = now;
  }

  /** Blocks arrived: the request pipe needs refilling once the events of this read are handled. */
  void needRequests() {
    requestNeeded = true;
  }

  /** Whether the request pipe needs refilling; clears the flag. */
  boolean takeRequestNeeded() {
    boolean needed = requestNeeded;
    requestNeeded = false;
    return needed;
  }

  /**
   * How long requests have waited without any block arriving, as of {@code now}: 0 when none is
   * outstanding.
   */
  long waitingNanos(long now) {
    return requests.isEmpty() ? 0 : now - waitingSinceNanos;
  }

  /** No block for a minute while requests wait (as of the last {@link #tick}). */
  boolean isSnubbed() {
    return !requests.isEmpty() && nowNanos - Math.max(lastBlockNanos, lastRequestNanos)
        > 60_000_000_000L;
  }

  // ---------------------------------------------------------------- the peer's requests to us

  /** The peer's requests not read yet: {piece, offset, length}, in order; the UploadPump's. */
  ArrayDeque<long[]> uploadQueue() {
    return uploadQueue;
  }

  /** Blocks read and ready to send, in the order the session queued them; the UploadPump's. */
  ArrayDeque<Connection.ReadyBlock> ready() {
    return ready;
  }

  int readsInFlight() {
    return readsInFlight;
  }

  /** A disk read of a block for the peer started. */
  void readStarted() {
    readsInFlight++;
  }

  /** A disk read of a block for the peer ended. */
  void readEnded() {
    readsInFlight--;
  }

  /** Requests arrived: the engine pumps once the events of this read are handled. */
  void needPump() {
    pumpNeeded = true;
  }

  boolean pumpNeeded() {
    return pumpNeeded;
  }

  /** The upload queue is being pumped. */
  void pumped() {
    pumpNeeded = false;
  }

  /** {@code n} bytes went to the peer at {@code now}. */
  void sent(int n, long now) {
    uploaded += n;
    upMeter.add(n, now);
  }

  // ---------------------------------------------------------------- figures

  long downloadRate(long now) {
    return downMeter.rate(now);
  }

  long uploadRate(long now) {
    return upMeter.rate(now);
  }

  long downloaded() {
    return downloaded;
  }

  long uploaded() {
    return uploaded;
  }

  // ---------------------------------------------------------------- PEX (BEP 11)

  long lastPexNanos() {
    return lastPexNanos;
  }

  /** Whether our PEX messages told the peer of {@code a} (and not of its leaving). */
  boolean pexSent(PeerAddress a) {
    return pexSent.contains(a);
  }

  /** The peers our PEX messages told the peer of; do not change it. */
  Set<PeerAddress> pexSentPeers() {
    return pexSent;
  }

  /** A PEX message told the peer of {@code added} and of {@code dropped} leaving, at {@code now}. */
  void pexSent(Collection<PeerAddress> added, Collection<PeerAddress> dropped, long now) {
    pexSent.addAll(added);
    pexSent.removeAll(dropped);
    lastPexNanos = now;
  }
}
