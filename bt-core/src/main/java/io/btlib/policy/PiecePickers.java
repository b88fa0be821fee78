package io.btlib.policy;

import java.util.Arrays;

/**
 * The built-in {@link PiecePicker}s.
 *
 * <ul>
 *   <li>{@link #rarestFirst()} (the default): finish started pieces first (but from a seed,
 *       started pieces other peers have only after rarer ones), then the highest priority, then
 *       the piece fewest peers have, ties broken at random; suggested pieces (BEP 6) win ties. In the end game, a peer with no request in flight is asked for blocks already
 *       requested elsewhere, least requested first, at most twice each.
 *   <li>{@link #sequential()}: pieces in index order within each priority, for streaming.
 * </ul>
 *
 * <p>Both respect choking: while the peer chokes us they pick only its allowed-fast pieces. Both
 * honour readers' deadlines ({@link SwarmView#deadlineNanos(int)}): pieces with a deadline come
 * before all others, nearest first; except that a seed, whose upload is what the swarm's rarest
 * pieces come from, is asked first only for those due within three seconds or that no other peer
 * has.
 */
public final class PiecePickers {
  /** In the end game, how many peers one block may be requested from at once. */
  static final int MAX_END_GAME_REQUESTS = 2;
  /** How soon a piece a leecher also has must be due for a seed to be asked for it first. */
  static final long SEED_DEADLINE_NANOS = 3_000_000_000L;

  private PiecePickers() {}

  /** Rarest first with random tie-break, priorities, and end game. */
  public static PiecePicker.Factory rarestFirst() {
    return torrent -> new RarestFirst(false);
  }

  /** In index order within each priority, and end game. */
  public static PiecePicker.Factory sequential() {
    return torrent -> new RarestFirst(true);
  }

  /** One picker; {@code sequential} replaces the rarity order by index order. */
  private static final class RarestFirst implements PiecePicker {
    private final boolean sequential;
    private int[] picked = new int[8];

    RarestFirst(boolean sequential) {
      this.sequential = sequential;
    }

    @Override
    public void pickBlocks(PeerView peer, SwarmView swarm, int maxBlocks, BlockSink out) {
      if (maxBlocks <= 0) {
        return;
      }
      int[] left = {maxBlocks};
      int pickedCount = 0;
      // 0. pieces a reader waits for, nearest deadline first
      int deadlines = swarm.deadlineCount();
      for (int rank = 0; rank < deadlines && left[0] > 0; rank++) {
        int p = swarm.deadlinePiece(rank);
        if (!swarm.isWanted(p) || !allowed(peer, p) || swarm.priority(p) <= 0
            || contains(picked, pickedCount, p)) {
          continue;
        }
        if (peer.isSeed() && swarm.availability(p) > 1
            && swarm.deadlineNanos(p) - swarm.nowNanos() > SEED_DEADLINE_NANOS) {
          continue; // a seed's upload is for the rarest pieces, unless the reader needs it soon
        }
        if (pickedCount == picked.length) {
          picked = Arrays.copyOf(picked, pickedCount * 2);
        }
        picked[pickedCount++] = p;
        if (!takeFresh(peer, swarm, p, left, out)) {
          return;
        }
      }
      // 1. started pieces: finishing them frees memory and makes them shareable sooner; but a
      // seed is asked first for pieces rarer than a started one that others have, which those
      // others can finish (in a flash crowd a sixth of a seed's upload went to such pieces)
      int rarest = !sequential && peer.isSeed() ? rarestUntouched(swarm) : Integer.MAX_VALUE;
      boolean deferred = false;
      for (int p = swarm.nextPartial(0); p >= 0 && left[0] > 0; p = swarm.nextPartial(p + 1)) {
        if (allowed(peer, p) && (deadlines == 0 || !contains(picked, pickedCount, p))) {
          if (swarm.availability(p) > rarest) {
            deferred = true;
          } else if (!takeFresh(peer, swarm, p, left, out)) {
            return;
          }
        }
      }
      // 2. the best untouched pieces
      if (left[0] > 0 && !(sequential ? takeInOrder(peer, swarm, left, out, pickedCount)
          : takeRarest(peer, swarm, left, out, pickedCount))) {
        return;
      }
      // 2b. a seed's deferred started pieces, if it has room still
      for (int p = deferred ? swarm.nextPartial(0) : -1; p >= 0 && left[0] > 0;
          p = swarm.nextPartial(p + 1)) {
        if (allowed(peer, p) && swarm.availability(p) > rarest
            && (deadlines == 0 || !contains(picked, pickedCount, p))
            && !takeFresh(peer, swarm, p, left, out)) {
          return;
        }
      }
      // 3. end game: a peer with nothing else to do is asked for blocks still in flight
      // elsewhere. Only when its pipe is empty, as libtorrent's strict end game does: with a
      // thousand peers a small torrent is all end game (4 requests each are 4,000 blocks), and
      // every busy peer asking again would double the traffic and scan every block per call.
      if (left[0] > 0 && swarm.isEndGame() && peer.requestsInFlight() == 0) {
        // (MAX_END_GAME_REQUESTS is 2: the blocks to ask again are those asked of one peer)
        for (int p = swarm.nextBusy(0); p >= 0 && left[0] > 0; p = swarm.nextBusy(p + 1)) {
          if (!allowed(peer, p)) {
            continue;
          }
          for (int b = 0; b < swarm.blockCount(p) && left[0] > 0; b++) {
            if (!swarm.isBlockReceived(p, b) && swarm.blockRequests(p, b) == 1
                && !peer.isRequested(p, b)) {
              left[0]--;
              if (!out.add(p, b)) {
                return;
              }
            }
          }
        }
      }
    }

    /** The availability of the rarest untouched piece at the top priority; or MAX_VALUE. */
    private static int rarestUntouched(SwarmView swarm) {
      int[] rarest = {Integer.MAX_VALUE};
      swarm.visitRarestFirst(p -> {
        rarest[0] = swarm.availability(p);
        return false;
      });
      return rarest[0];
    }

    private static boolean allowed(PeerView peer, int p) {
      return peer.has(p) && (!peer.isChokingUs() || peer.isAllowedFast(p));
    }

    /** Adds the piece's unrequested blocks; false once the sink is full. */
    private static boolean takeFresh(PeerView peer, SwarmView swarm, int p, int[] left,
        BlockSink out) {
      int n = swarm.blockCount(p);
      for (int b = 0; b < n && left[0] > 0; b++) {
        if (!swarm.isBlockReceived(p, b) && swarm.blockRequests(p, b) == 0) {
          left[0]--;
          if (!out.add(p, b)) {
            return false;
          }
        }
      }
      return true;
    }

    /**
     * Takes untouched pieces rarest first (the view's order: priority, then availability, ties at
     * random) until {@code left} is used up; a piece the peer suggested wins a tie. False once the
     * sink is full.
     */
    private boolean takeRarest(PeerView peer, SwarmView swarm, int[] left, BlockSink out,
        int pickedBefore) {
      boolean[] full = {false};
      int[] count = {pickedBefore};
      swarm.visitRarestFirst(p -> {
        if (!allowed(peer, p) || contains(picked, count[0], p)) {
          return true;
        }
        int tie = suggestedTie(peer, swarm, p, count[0]);
        if (tie >= 0) {
          // the suggested piece instead of p, which the next visits may still take: a seed
          // suggests pieces nobody is fetching from it, where p may be one another peer is
          count[0] = add(count[0], tie);
          if (!takeFresh(peer, swarm, tie, left, out)) {
            full[0] = true;
            return false;
          }
          return left[0] > 0;
        }
        count[0] = add(count[0], p);
        if (!takeFresh(peer, swarm, p, left, out)) {
          full[0] = true;
          return false;
        }
        return left[0] > 0;
      });
      return !full[0];
    }

    /** An untouched piece the peer suggested, as good as {@code p}, not yet picked; or -1. */
    private int suggestedTie(PeerView peer, SwarmView swarm, int p, int pickedCount) {
      for (int s = peer.nextSuggested(0); s >= 0; s = peer.nextSuggested(s + 1)) {
        if (s != p && s < swarm.pieceCount() && swarm.isWanted(s) && !swarm.isStarted(s)
            && allowed(peer, s) && swarm.priority(s) == swarm.priority(p)
            && swarm.availability(s) == swarm.availability(p)
            && !contains(picked, pickedCount, s)) {
          return s;
        }
      }
      return -1;
    }

    /**
     * Takes untouched pieces in index order, highest priority first, until {@code left} is used
     * up: one scan finds the highest priority left, a second takes its pieces from the first.
     * False once the sink is full.
     */
    private boolean takeInOrder(PeerView peer, SwarmView swarm, int[] left, BlockSink out,
        int pickedBefore) {
      int pickedCount = pickedBefore;
      int below = 8; // priorities at or above it are exhausted
      while (left[0] > 0) {
        int first = -1;
        int top = 0;
        for (int p = swarm.nextUntouched(0); p >= 0; p = swarm.nextUntouched(p + 1)) {
          int priority = swarm.priority(p);
          if (priority > top && priority < below && allowed(peer, p)
              && !contains(picked, pickedCount, p)) {
            first = p;
            top = priority;
            if (priority == below - 1) {
              break; // nothing left beats the first piece of this priority in index order
            }
          }
        }
        if (first < 0) {
          return true;
        }
        for (int p = first; p >= 0 && left[0] > 0; p = swarm.nextUntouched(p + 1)) {
          if (swarm.priority(p) == top && allowed(peer, p) && !contains(picked, pickedCount, p)) {
            pickedCount = add(pickedCount, p);
            if (!takeFresh(peer, swarm, p, left, out)) {
              return false;
            }
          }
        }
        below = top;
      }
      return true;
    }

    /** Appends {@code p} to {@link #picked}; the new count. */
    private int add(int pickedCount, int p) {
      if (pickedCount == picked.length) {
        picked = Arrays.copyOf(picked, pickedCount * 2);
      }
      picked[pickedCount] = p;
      return pickedCount + 1;
    }

    private static boolean contains(int[] a, int n, int v) {
      for (int i = 0; i < n; i++) {
        if (a[i] == v) {
          return true;
        }
      }
      return false;
    }
  }
}
