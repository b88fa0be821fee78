package io.btlib.policy;

import java.util.Arrays;

/**
 * The built-in {@link PiecePicker}s.
 *
 * <ul>
 *   <li>{@link #rarestFirst()} (the default): finish started pieces first, then the highest
 *       priority, then the piece fewest peers have, ties broken at random; suggested pieces (BEP 6)
 *       win ties. In the end game, blocks already requested elsewhere are requested again, least
 *       requested first, at most twice each.
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
      // 1. started pieces: finishing them frees memory and makes them shareable sooner
      for (int p = swarm.nextWanted(0); p >= 0 && left[0] > 0; p = swarm.nextWanted(p + 1)) {
        if (swarm.isStarted(p) && allowed(peer, p) && (deadlines == 0
            || !contains(picked, pickedCount, p)) && !takeFresh(peer, swarm, p, left, out)) {
          return;
        }
      }
      // 2. the best untouched pieces, one at a time
      while (left[0] > 0) {
        int best = best(peer, swarm, pickedCount);
        if (best < 0) {
          break;
        }
        if (pickedCount == picked.length) {
          picked = Arrays.copyOf(picked, pickedCount * 2);
        }
        picked[pickedCount++] = best;
        if (!takeFresh(peer, swarm, best, left, out)) {
          return;
        }
      }
      // 3. end game: ask a second peer for blocks still in flight
      if (left[0] > 0 && swarm.isEndGame()) {
        for (int round = 1; round < MAX_END_GAME_REQUESTS && left[0] > 0; round++) {
          for (int p = swarm.nextWanted(0); p >= 0 && left[0] > 0; p = swarm.nextWanted(p + 1)) {
            if (!allowed(peer, p)) {
              continue;
            }
            for (int b = 0; b < swarm.blockCount(p) && left[0] > 0; b++) {
              if (!swarm.isBlockReceived(p, b) && swarm.blockRequests(p, b) == round
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

    /** The best wanted, untouched piece the peer may give us, or -1. */
    private int best(PeerView peer, SwarmView swarm, int pickedCount) {
      int best = -1;
      int bestPriority = -1;
      int bestAvailability = Integer.MAX_VALUE;
      boolean bestSuggested = false;
      int ties = 0;
      for (int p = swarm.nextWanted(0); p >= 0; p = swarm.nextWanted(p + 1)) {
        if (swarm.isStarted(p) || !allowed(peer, p) || contains(picked, pickedCount, p)) {
          continue;
        }
        int priority = swarm.priority(p);
        if (priority <= 0) {
          continue;
        }
        int availability = sequential ? 0 : swarm.availability(p);
        boolean suggested = peer.isSuggested(p);
        int cmp = best < 0 ? 1 : compare(priority, availability, suggested, bestPriority,
            bestAvailability, bestSuggested);
        if (cmp > 0) {
          best = p;
          bestPriority = priority;
          bestAvailability = availability;
          bestSuggested = suggested;
          ties = 1;
          if (sequential && priority == 7) {
            break; // nothing can beat the first piece of the top priority in index order
          }
        } else if (cmp == 0 && !sequential) {
          ties++;
          if (swarm.random().nextInt(ties) == 0) {
            best = p; // reservoir sampling: each tied piece equally likely
          }
        }
      }
      return best;
    }

    /** Positive if the first piece is better. */
    private static int compare(int pr, int av, boolean sug, int bestPr, int bestAv,
        boolean bestSug) {
      if (pr != bestPr) {
        return Integer.compare(pr, bestPr);
      }
      if (av != bestAv) {
        return Integer.compare(bestAv, av);
      }
      if (sug != bestSug) {
        return sug ? 1 : -1;
      }
      return 0;
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
