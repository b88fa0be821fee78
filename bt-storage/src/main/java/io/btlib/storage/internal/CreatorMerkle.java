package io.btlib.storage.internal;

import io.btlib.hash.Hasher;

/**
 * BEP 52 merkle reductions for torrent creation, done in place in a caller-owned buffer so that
 * hashing a piece allocates nothing. Internal, not API.
 *
 * <p>A tree over {@code count} hashes is widened to {@code width} (a power of two) with the roots
 * of all-zero subtrees: at level {@code k} above the 16 KiB leaves the filler is the root of
 * 2<sup>k</sup> zero leaves, where a zero leaf is 32 zero bytes (BEP 52: "the remaining leaf hashes
 * beyond the end of the file ... are set to zero").
 */
final class CreatorMerkle {
  /** The size of a hash. */
  public static final int HASH = 32;
  /** The size of a leaf block. */

  private static final int LEVELS = 64;

  private final byte[][] zeros = new byte[LEVELS][];

  /** Precomputes the zero-subtree roots with {@code sha256}. */
  public CreatorMerkle(Hasher sha256) {
    zeros[0] = new byte[HASH];
    for (int k = 1; k < LEVELS; k++) {
      sha256.update(zeros[k - 1], 0, HASH);
      sha256.update(zeros[k - 1], 0, HASH);
      zeros[k] = sha256.digest();
    }
  }

  /** The root of 2<sup>level</sup> zero leaves (not to be modified). */
  public byte[] zero(int level) {
    return zeros[level];
  }

  /**
   * Reduces the {@code count} hashes at the start of {@code buf} to their root, which ends up in
   * {@code buf[0..32)}; the rest of the buffer is overwritten.
   *
   * @param width the number of leaves of the whole tree: a power of two, at least {@code count}
   * @param level the level of the hashes in {@code buf} above the 16 KiB leaves (0 for leaf hashes,
   *     log2(piece length / 16 KiB) for a piece layer), which picks the zero filler
   */
  public void reduce(Hasher sha256, byte[] buf, int count, long width, int level) {
    if (count < 1 || count > width || Long.bitCount(width) != 1) {
      throw new IllegalArgumentException("bad tree: " + count + " hashes, width " + width);
    }
    int n = count;
    int lv = level;
    for (long w = width; w > 1; w >>= 1) {
      int next = (n + 1) >>> 1;
      for (int i = 0; i < next; i++) {
        sha256.update(buf, 2 * i * HASH, HASH);
        if (2 * i + 1 < n) {
          sha256.update(buf, (2 * i + 1) * HASH, HASH);
        } else {
          sha256.update(zeros[lv], 0, HASH);
        }
        // MessageDigest has consumed both inputs, so writing over hash 2i (i <= 2i) is safe
        sha256.digest(buf, i * HASH);
      }
      n = next;
      lv++;
    }
  }

  /** The smallest power of two at least {@code n} ({@code n >= 1}). */
  public static long ceilPow2(long n) {
    return n <= 1 ? 1 : Long.highestOneBit(n - 1) << 1;
  }
}
