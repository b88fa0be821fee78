package io.btlib.client.internal;

import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import java.util.function.IntPredicate;

/**
 * Pieces filed by priority and availability, so that a rarest-first picker finds the best piece
 * without scanning the torrent: {@link #visit} walks them highest priority first, then fewest
 * peers having them, in a random order within one (priority, availability) bucket, and costs what
 * it visits. A piece is filed, moved and removed in O(1) (amortised: a bucket grows by doubling).
 *
 * <p>Like libtorrent's piece picker, ties are broken by the order in a bucket, which is shuffled
 * as pieces arrive: each piece goes to a uniformly random place in its new bucket (the one there
 * moves to the end), so no two clients, and no two pieces, follow index order. The picker used
 * reservoir sampling over a scan of every wanted piece before: equally random, but O(pieces) per
 * pick.
 *
 * <p>Memory: 9 bytes a piece and 4 a filed piece, plus a bucket array per (priority,
 * availability) in use. Owned by the engine thread; not thread-safe.
 */
final class RarityIndex {
  private static final int LEVELS = PieceState.MAX_PRIORITY + 1;

  private final Random random;
  /** Per piece: its place in its bucket, or -1 when not filed. */
  private final int[] pos;
  /** Per piece: the availability it is filed under. */
  private final int[] filedAvailability;
  /** Per piece: the priority it is filed under. */
  private final byte[] filedPriority;
  /** [priority][availability]: the bucket's pieces; null until used. */
  private final int[][][] buckets = new int[LEVELS][][];
  /** [priority][availability]: the bucket's size. */
  private final int[][] sizes = new int[LEVELS][];
  /** [priority]: the availabilities whose bucket holds a piece. */
  private final BitSet[] nonEmpty = new BitSet[LEVELS];
  private int filed;

  RarityIndex(int pieceCount, Random random) {
    this.random = random;
    this.pos = new int[pieceCount];
    Arrays.fill(pos, -1);
    this.filedAvailability = new int[pieceCount];
    this.filedPriority = new byte[pieceCount];
    for (int p = 0; p < LEVELS; p++) {
      buckets[p] = new int[0][];
      sizes[p] = new int[0];
      nonEmpty[p] = new BitSet();
    }
  }

  /** The number of pieces filed. */
  int size() {
    return filed;
  }

  /** Whether {@code piece} is filed. */
  boolean contains(int piece) {
    return pos[piece] >= 0;
  }

  /**
   * Files {@code piece} under {@code priority} (1 to {@link PieceState#MAX_PRIORITY}) and {@code
   * availability} (at least 0), moving it if it is filed elsewhere; nothing if it is filed there.
   */
  void put(int piece, int priority, int availability) {
    if (pos[piece] >= 0) {
      if (filedPriority[piece] == priority && filedAvailability[piece] == availability) {
        return;
      }
      remove(piece);
    }
    if (priority < 1 || priority >= LEVELS || availability < 0) {
      throw new IllegalArgumentException("priority " + priority + ", availability " + availability);
    }
    int[] sz = sizes[priority];
    if (availability >= sz.length) {
      int n = Math.max(availability + 1, sz.length * 2);
      sizes[priority] = sz = Arrays.copyOf(sz, n);
      buckets[priority] = Arrays.copyOf(buckets[priority], n);
    }
    int[] b = buckets[priority][availability];
    int size = sz[availability];
    if (b == null || b.length == size) {
      b = buckets[priority][availability] = b == null ? new int[4] : Arrays.copyOf(b, size * 2);
    }
    // a uniformly random place: the piece there moves to the end
    int at = random.nextInt(size + 1);
    if (at != size) {
      int moved = b[at];
      b[size] = moved;
      pos[moved] = size;
    }
    b[at] = piece;
    pos[piece] = at;
    sz[availability] = size + 1;
    if (size == 0) {
      nonEmpty[priority].set(availability);
    }
    filedPriority[piece] = (byte) priority;
    filedAvailability[piece] = availability;
    filed++;
  }

  /** Takes {@code piece} out of the index; nothing if it is not filed. */
  void remove(int piece) {
    int at = pos[piece];
    if (at < 0) {
      return;
    }
    int priority = filedPriority[piece];
    int availability = filedAvailability[piece];
    int[] b = buckets[priority][availability];
    int last = --sizes[priority][availability];
    if (at != last) {
      int moved = b[last];
      b[at] = moved;
      pos[moved] = at;
    }
    pos[piece] = -1;
    if (last == 0) {
      nonEmpty[priority].clear(availability);
    }
    filed--;
  }

  /**
   * Hands {@code visitor} the filed pieces, highest priority first, then lowest availability, in
   * each bucket's (random) order, until it returns false. The index must not change meanwhile.
   */
  void visit(IntPredicate visitor) {
    for (int priority = LEVELS - 1; priority >= 1; priority--) {
      BitSet levels = nonEmpty[priority];
      int[][] bs = buckets[priority];
      int[] sz = sizes[priority];
      for (int a = levels.nextSetBit(0); a >= 0; a = levels.nextSetBit(a + 1)) {
        int[] b = bs[a];
        for (int i = 0, n = sz[a]; i < n; i++) {
          if (!visitor.test(b[i])) {
            return;
          }
        }
      }
    }
  }
}
