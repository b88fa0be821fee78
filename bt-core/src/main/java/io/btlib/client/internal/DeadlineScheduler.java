package io.btlib.client.internal;

import io.btlib.client.TorrentState;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Requests for the pieces readers need soon, as libtorrent requests its deadline pieces: the
 * time-critical pieces (the first of each window, and any whose deadline is less than {@link
 * #HORIZON_NANOS} away) are asked block by block, nearest deadline first, of the peer expected to
 * deliver soonest (the fewest bytes queued for its rate), whatever the normal pipe target; a block
 * still missing well after it was expected, once its piece is late, is asked of a second peer (the
 * first to arrive withdraws the other). When the windows move, the requests made for pieces no
 * window holds any more are cancelled, so that the peers' pipes serve the new window. Everything
 * else is left to the torrent's picker.
 *
 * <p>Owned by the engine thread. Internal, not API.
 */
final class DeadlineScheduler {
  /** Pieces whose deadline is nearer than this are time-critical. */
  static final long HORIZON_NANOS = 3_000_000_000L;
  /** How many pieces of the windows are time-critical whatever their deadline. */
  static final int MIN_CRITICAL = 2;
  /** A request is late once outstanding this long at least (and twice as long as expected). */
  static final long MIN_LATE_NANOS = 500_000_000L;
  /** A peer that sent no block for this long while asked gets no time-critical request. */
  static final long STALL_NANOS = 2_000_000_000L;
  /** The rate assumed for a peer that has sent nothing yet, in bytes per second. */
  static final long RATE_FLOOR = 64 * 1024;
  /** How many time-critical requests a peer may have beyond its normal pipe target. */
  static final int EXTRA_REQUESTS = 16;
  /** How much later a seed is expected than it is, for a piece leechers have too. */
  static final int SEED_PENALTY = 3;
  /** At most this many peers are asked for one block. */
  static final int MAX_REQUESTS_PER_BLOCK = 2;
  /** The request pipe depth, in time, while any reader has a window (see {@link #queueNanos}). */
  static final long STREAMING_QUEUE_NANOS = 500_000_000L;

  /** One request made for a piece with a deadline: to whom, when, and when it was expected. */
  private static final class Sent {
    final Connection c;
    final long sentNanos;
    final long expectedNanos;
    Sent next;

    Sent(Connection c, long sentNanos, long expectedNanos) {
      this.c = c;
      this.sentNanos = sentNanos;
      this.expectedNanos = expectedNanos;
    }
  }

  private final TorrentRuntime t;
  private final Engine engine;
  /** The requests for pieces with deadlines, by {@link Connection#key}; pruned lazily. */
  private final Map<Long, Sent> sent = new HashMap<>();
  private final List<Connection> candidates = new ArrayList<>();
  private final List<Connection> touched = new ArrayList<>();
  private long requested;
  private long duplicated;
  private long cancelled;
  private long trimmed;
  /** Peers with a time-critical request overdue: asked for no more until they deliver. */
  private final java.util.Set<Connection> overdue = new java.util.HashSet<>();

  DeadlineScheduler(TorrentRuntime t) {
    this.t = t;
    this.engine = t.engine;
  }

  /**
   * How deep the normal request pipes are, in time: the client's setting, but at most {@link
   * #STREAMING_QUEUE_NANOS} while a reader has a window, since a time-critical request waits
   * behind what the peer was asked before it.
   */
  long queueNanos(long configured) {
    return t.windows.isEmpty() ? configured : Math.min(configured, STREAMING_QUEUE_NANOS);
  }

  /** The picker's request went to {@code c}: tracked if its piece has a deadline. */
  void onRequested(Connection c, int piece, int block, long now) {
    if (t.windows.deadline(piece) != Long.MAX_VALUE) {
      // expected as if asked before the rest of this batch: an under-estimate, so late sooner
      track(c, piece, block, now, expectedNanos(c.peer(), now));
    }
  }

  private void track(Connection c, int piece, int block, long now, long expectedNanos) {
    Long key = Connection.key(piece, block);
    Sent s = new Sent(c, now, expectedNanos);
    s.next = sent.get(key);
    sent.put(key, s);
  }

  /** The windows moved: requests for pieces no window holds are cancelled, then a pump. */
  void windowsChanged(long now) {
    PieceState<PeerAddress> pieces = t.pieces();
    if (pieces == null) {
      return;
    }
    for (Iterator<Map.Entry<Long, Sent>> it = sent.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Sent> e = it.next();
      long key = e.getKey();
      int piece = (int) (key >>> 32);
      int block = (int) key;
      if (t.windows.deadline(piece) != Long.MAX_VALUE) {
        continue;
      }
      it.remove();
      for (Sent s = e.getValue(); s != null; s = s.next) {
        Connection c = s.c;
        if (!c.closed && c.session != null && c.peer().requestEnded(piece, block)) {
          c.session.cancel(piece, block * Metainfo.BLOCK_SIZE, pieces.blockLength(piece, block));
          pieces.requestEnded(piece, block);
          cancelled++;
          touch(c);
        }
      }
    }
    trimPipes(now);
    pump(now);
  }

  /**
   * Cuts each peer's pipe of requests for pieces without deadlines down to its streaming depth
   * ({@link #queueNanos}): a peer serves requests in order, so a time-critical request sent behind
   * seconds of others would wait that long. The cancelled blocks are picked again later.
   */
  private void trimPipes(long now) {
    if (t.windows.isEmpty()) {
      return;
    }
    PieceState<PeerAddress> pieces = t.pieces();
    int cap = engine.config.maxOutstandingRequests();
    long queue = queueNanos(engine.config.requestQueueNanos());
    for (Connection c : t.connections) {
      PeerState p = c.peer();
      if (c.closed || c.session == null || !p.handshakeDone()) {
        continue;
      }
      int excess = p.requestsInFlight()
          - RequestScheduler.desiredQueue(p.downloadRate(now), queue, cap, p.requestQueue());
      if (excess <= 0) {
        continue;
      }
      for (long key : p.requestKeys()) {
        int piece = (int) (key >>> 32);
        int block = (int) key;
        if (t.windows.deadline(piece) != Long.MAX_VALUE || !p.requestEnded(piece, block)) {
          continue;
        }
        c.session.cancel(piece, block * Metainfo.BLOCK_SIZE, pieces.blockLength(piece, block));
        pieces.requestEnded(piece, block);
        trimmed++;
        touch(c);
        if (--excess <= 0) {
          break;
        }
      }
    }
  }

  /**
   * Asks for the blocks of the time-critical pieces that nobody is asked for, and again for the
   * late ones, of the peers expected to deliver them soonest.
   */
  void pump(long now) {
    PieceState<PeerAddress> pieces = t.pieces();
    ReaderWindows w = t.windows;
    if (pieces == null || w.isEmpty() || t.state() != TorrentState.DOWNLOADING) {
      flushTouched(now);
      return;
    }
    collectCandidates(now);
    if (!candidates.isEmpty()) {
      int critical = 0;
      for (int rank = 0; rank < w.count(); rank++) {
        int piece = w.piece(rank);
        if (!pieces.isWanted(piece) || t.assembler.isHashing(piece)) {
          continue; // verified or complete: not counted
        }
        if (critical >= MIN_CRITICAL && w.deadline(piece) - now > HORIZON_NANOS) {
          break; // sorted: the rest are further away
        }
        critical++;
        if (!t.verifier().canVerify(piece) || !t.assembler.mayBuffer(piece)) {
          continue;
        }
        boolean late = now - w.deadline(piece) > 0;
        int blocks = pieces.blockCount(piece);
        for (int b = 0; b < blocks; b++) {
          if (pieces.isBlockReceived(piece, b)) {
            continue;
          }
          int asked = pieces.blockRequests(piece, b);
          if (asked == 0) {
            askBest(piece, b, now);
          } else if (late && asked < MAX_REQUESTS_PER_BLOCK) {
            if (!sent.containsKey(Connection.key(piece, b))) {
              adopt(piece, b, now); // asked before its piece had a deadline: timed from now
            } else if (isLate(piece, b, now)) {
              askBest(piece, b, now);
            }
          }
        }
      }
    }
    flushTouched(now);
  }

  /** Tracks the requests for a block made before its piece had a deadline, as if made now. */
  private void adopt(int piece, int block, long now) {
    for (Connection c : t.connections) {
      if (c.isRequested(piece, block)) {
        track(c, piece, block, now, expectedNanos(c.peer(), now));
      }
    }
  }

  /** Whether every request for the block is overdue: outstanding longer than expected. */
  private boolean isLate(int piece, int block, long now) {
    for (Sent s = sent.get(Connection.key(piece, block)); s != null; s = s.next) {
      long age = now - s.sentNanos;
      if (!s.c.closed && s.c.peer().isRequested(piece, block)
          && age < Math.max(MIN_LATE_NANOS, 2 * s.expectedNanos)
          && s.c.peer().waitingNanos(now) < STALL_NANOS) {
        return false; // on time, from a peer that delivers
      }
    }
    return true;
  }

  private void collectCandidates(long now) {
    candidates.clear();
    overdue.clear();
    for (Map.Entry<Long, Sent> e : sent.entrySet()) {
      long key = e.getKey();
      for (Sent s = e.getValue(); s != null; s = s.next) {
        if (now - s.sentNanos >= Math.max(MIN_LATE_NANOS, 2 * s.expectedNanos)
            && s.c.peer().isRequested((int) (key >>> 32), (int) key)) {
          overdue.add(s.c);
        }
      }
    }
    for (Connection c : t.connections) {
      if (!c.closed && c.session != null && c.peer().handshakeDone() && !overdue.contains(c)
          && c.peer().waitingNanos(now) < STALL_NANOS
          && c.peer().weAreInterested() && !c.peer().isSnubbed()
          && (!c.peer().isChokingUs() || c.peer().hasAllowedFast())) {
        c.peer().tick(now);
        candidates.add(c);
      }
    }
  }

  /** Asks the candidate expected to deliver the block soonest, and not asked for it yet. */
  private void askBest(int piece, int block, long now) {
    Connection best = null;
    long bestNanos = Long.MAX_VALUE;
    int cap = engine.config.maxOutstandingRequests();
    for (Connection c : candidates) {
      PeerState p = c.peer();
      if (!c.has(piece) || c.isRequested(piece, block)
          || (p.isChokingUs() && !p.isAllowedFast(piece))) {
        continue;
      }
      int inFlight = p.requestsInFlight();
      int target = RequestScheduler.desiredQueue(p.downloadRate(now),
          queueNanos(engine.config.requestQueueNanos()), cap, p.requestQueue());
      if (inFlight >= Math.min(target + EXTRA_REQUESTS, p.requestQueue())) {
        continue;
      }
      long nanos = expectedNanos(p, now);
      if (p.isSeed() && t.pieces().availability(piece) > t.pieces().seedCount()) {
        // a seed's upload is what the swarm's rarest pieces come from: it serves a piece other
        // leechers have only if it is much the soonest
        nanos *= SEED_PENALTY;
      }
      if (nanos < bestNanos) {
        best = c;
        bestNanos = nanos;
      }
    }
    if (best == null) {
      return;
    }
    PieceState<PeerAddress> pieces = t.pieces();
    int length = pieces.blockLength(piece, block);
    if (!best.session.request(piece, block * Metainfo.BLOCK_SIZE, length)) {
      return;
    }
    if (pieces.blockRequests(piece, block) > 0) {
      duplicated++;
    }
    best.peer().requestSent(piece, block, now);
    pieces.blockRequested(piece, block);
    track(best, piece, block, now, bestNanos);
    requested++;
    touch(best);
  }

  /** How long until a block asked of {@code p} now arrives: its queue at its rate. */
  static long expectedNanos(PeerState p, long now) {
    long rate = Math.max(RATE_FLOOR, p.downloadRate(now));
    return (long) ((p.requestsInFlight() + 1.0) * Metainfo.BLOCK_SIZE * 1e9 / rate);
  }

  private void touch(Connection c) {
    if (!touched.contains(c)) {
      touched.add(c);
    }
  }

  private void flushTouched(long now) {
    for (Connection c : touched) {
      engine.flush(c, now);
    }
    touched.clear();
  }

  /** A tracked request ended (block arrived, rejected, cancelled, peer gone): forget it. */
  void onRequestEnded(Connection c, int piece, int block) {
    if (sent.isEmpty()) {
      return;
    }
    Long key = Connection.key(piece, block);
    Sent s = sent.get(key);
    Sent prev = null;
    for (; s != null; prev = s, s = s.next) {
      if (s.c == c) {
        if (prev == null) {
          if (s.next == null) {
            sent.remove(key);
          } else {
            sent.put(key, s.next);
          }
        } else {
          prev.next = s.next;
        }
        return;
      }
    }
  }

  /** {@code c} closed: its tracked requests go. */
  void onClosed(Connection c) {
    if (sent.isEmpty()) {
      return;
    }
    for (Iterator<Map.Entry<Long, Sent>> it = sent.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Long, Sent> e = it.next();
      Sent head = e.getValue();
      while (head != null && head.c == c) {
        head = head.next;
      }
      for (Sent s = head; s != null && s.next != null; ) {
        if (s.next.c == c) {
          s.next = s.next.next;
        } else {
          s = s.next;
        }
      }
      if (head == null) {
        it.remove();
      } else {
        e.setValue(head);
      }
    }
  }

  /** The blocks asked for deadlines so far (duplicates included). */
  long requested() {
    return requested;
  }

  /** The blocks asked of a second peer because the first was late. */
  long duplicated() {
    return duplicated;
  }

  /** The requests for pieces without deadlines cancelled to shorten the pipes. */
  long trimmed() {
    return trimmed;
  }

  /** The requests cancelled because no window held their piece any more. */
  long cancelled() {
    return cancelled;
  }
}
