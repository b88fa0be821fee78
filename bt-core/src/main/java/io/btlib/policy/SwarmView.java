package io.btlib.policy;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.IntPredicate;

/**
 * A read-only view of one torrent's download state, for a {@link PiecePicker}. Pieces the picker
 * must never pick (verified, or in skipped files only) are already removed: {@link
 * #isWanted(int)} is false for them. Valid only during the call that receives it.
 *
 * <p>Blocks are the 16 KiB units requests are made in; block {@code b} of a piece starts at byte
 * {@code b * 16384}.
 */
public interface SwarmView {

  /** The number of pieces in the torrent. */
  int pieceCount();

  /** Whether piece {@code piece} is still to be downloaded (not verified, in a wanted file). */
  boolean isWanted(int piece);

  /** The next wanted piece at or after {@code from}, or -1: iterates wanted pieces cheaply. */
  int nextWanted(int from);

  /** The number of wanted pieces. */
  int wantedCount();

  /** How many connected peers have piece {@code piece}. */
  int availability(int piece);

  /** The piece's priority: 0 skipped (never wanted), 1 normal (default) up to 7 highest. */
  int priority(int piece);

  /** The number of blocks in piece {@code piece}. */
  int blockCount(int piece);

  /** Whether block {@code block} of piece {@code piece} has arrived (and awaits the hash check). */
  boolean isBlockReceived(int piece, int block);

  /** How many peers block {@code block} of piece {@code piece} is requested from right now. */
  int blockRequests(int piece, int block);

  /** Whether any block of piece {@code piece} is received or requested: a started piece. */
  boolean isStarted(int piece);

  /**
   * The next wanted piece at or after {@code from} that is not started (no block of it received or
   * requested), or -1. The default scans {@link #nextWanted(int)} and {@link #isStarted(int)}; the
   * engine's view keeps the set, so that a picker skips the pieces in progress for free.
   */
  default int nextUntouched(int from) {
    int p = nextWanted(from);
    while (p >= 0 && isStarted(p)) {
      p = nextWanted(p + 1);
    }
    return p;
  }

  /**
   * The next wanted, started piece at or after {@code from} that still has a block neither
   * received nor requested, or -1: the pieces a picker finishes first. The default scans the
   * started pieces' blocks; the engine's view keeps the set, so that with a thousand pieces in
   * progress (a thousand peers) a picker visits only those with something left to ask for.
   */
  default int nextPartial(int from) {
    for (int p = nextWanted(from); p >= 0; p = nextWanted(p + 1)) {
      if (isStarted(p)) {
        for (int b = 0, n = blockCount(p); b < n; b++) {
          if (!isBlockReceived(p, b) && blockRequests(p, b) == 0) {
            return p;
          }
        }
      }
    }
    return -1;
  }

  /**
   * The next wanted piece at or after {@code from} with a block that is not received and is
   * requested from exactly one peer, or -1: what an end-game picker asks a second peer for. The
   * default scans the started pieces' blocks; the engine's view keeps the set.
   */
  default int nextBusy(int from) {
    for (int p = nextWanted(from); p >= 0; p = nextWanted(p + 1)) {
      if (isStarted(p)) {
        for (int b = 0, n = blockCount(p); b < n; b++) {
          if (!isBlockReceived(p, b) && blockRequests(p, b) == 1) {
            return p;
          }
        }
      }
    }
    return -1;
  }

  /**
   * Hands {@code visitor} the untouched pieces (see {@link #nextUntouched(int)}) in rarest-first
   * order, until it returns false: highest {@link #priority(int)} first, then lowest {@link
   * #availability(int)}, then in an order that breaks ties. The engine's view keeps the pieces
   * filed by priority and availability, ties in a random order, so a visit costs what it visits
   * however large the torrent; the default collects and sorts them (O(n log n)), ties in an
   * order drawn from {@link #random()}. Pieces at priority 0 are not visited. The view must not
   * be changed during the visit.
   */
  default void visitRarestFirst(IntPredicate visitor) {
    List<int[]> pieces = new ArrayList<>();
    Random random = random();
    for (int p = nextUntouched(0); p >= 0; p = nextUntouched(p + 1)) {
      int priority = priority(p);
      if (priority > 0) {
        pieces.add(new int[] {p, priority, availability(p), random.nextInt()});
      }
    }
    pieces.sort((a, b) -> a[1] != b[1] ? Integer.compare(b[1], a[1])
        : a[2] != b[2] ? Integer.compare(a[2], b[2]) : Integer.compare(a[3], b[3]));
    for (int[] e : pieces) {
      if (!visitor.test(e[0])) {
        return;
      }
    }
  }

  /**
   * Whether every block of every wanted piece is received or requested: the end game, in which a
   * picker may request a block from a second peer.
   */
  boolean isEndGame();

  /** The engine's monotonic time. */
  long nowNanos();

  /**
   * The time, on the {@link #nowNanos()} clock, by which a reader of the torrent (a {@link
   * io.btlib.client.TorrentReader}) needs piece {@code piece}, or {@link Long#MAX_VALUE} if no
   * reader's window holds it. A deadline may be in the past: the reader is waiting. A picker that
   * honours deadlines picks the pieces with the nearest first. The default: no deadlines.
   */
  default long deadlineNanos(int piece) {
    return Long.MAX_VALUE;
  }

  /**
   * The number of pieces with a deadline (see {@link #deadlineNanos(int)}); with {@link
   * #deadlinePiece(int)} a picker walks them nearest first without scanning every piece. The
   * default: 0.
   */
  default int deadlineCount() {
    return 0;
  }

  /**
   * The piece with the {@code rank}-th nearest deadline, 0 the nearest. It may be one that is no
   * longer wanted (verified meanwhile, or being hashed): check {@link #isWanted(int)}.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= rank < deadlineCount()}
   */
  default int deadlinePiece(int rank) {
    throw new IndexOutOfBoundsException("rank " + rank + " of 0");
  }

  /** The torrent's random source, for tie-breaks (seeded by the client's builder). */
  Random random();
}
