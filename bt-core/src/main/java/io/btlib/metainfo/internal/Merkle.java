package io.btlib.metainfo.internal;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * SHA-256 merkle trees as BEP 52 builds them: binary, over 16 KiB blocks, leaves beyond the end of
 * a file set to 32 zero bytes. Internal, not API.
 */
public final class Merkle {
  /** The size of a leaf block. */
  /** The size of a hash. */
  public static final int HASH_SIZE = 32;

  private Merkle() {}

  /** A new SHA-256 digest. */
  public static MessageDigest sha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is required of every Java platform", e);
    }
  }

  /**
   * The root of a perfect tree of {@code leafCount} (a power of two) leaves that are all zero hashes:
   * the hash that pads a layer where a whole subtree lies past the end of a file.
   */
  public static byte[] zeroSubtreeRoot(MessageDigest sha256, long leafCount) {
    if (leafCount < 1 || Long.bitCount(leafCount) != 1) {
      throw new IllegalArgumentException("leaf count must be a power of two: " + leafCount);
    }
    byte[] h = new byte[HASH_SIZE];
    for (long n = leafCount; n > 1; n >>= 1) {
      sha256.update(h);
      sha256.update(h);
      h = sha256.digest();
    }
    return h;
  }

  /**
   * The root over {@code count} hashes stored back to back in {@code layer} from {@code offset},
   * padded up to the next power of two (at least {@code minLeaves}, itself a power of two) with
   * {@code padHash}.
   */
  public static byte[] root(
      MessageDigest sha256, byte[] layer, int offset, int count, long minLeaves, byte[] padHash) {
    if (count < 1) {
      throw new IllegalArgumentException("a tree needs at least one hash: " + count);
    }
    long width = Math.max(Long.highestOneBit(count) << (Long.bitCount(count) == 1 ? 0 : 1),
        minLeaves);
    byte[] cur = new byte[count * HASH_SIZE];
    System.arraycopy(layer, offset, cur, 0, cur.length);
    int n = count;
    byte[] pad = padHash;
    while (width > 1) {
      int next = (n + 1) / 2;
      byte[] up = new byte[next * HASH_SIZE];
      for (int i = 0; i < next; i++) {
        sha256.update(cur, 2 * i * HASH_SIZE, HASH_SIZE);
        if (2 * i + 1 < n) {
          sha256.update(cur, (2 * i + 1) * HASH_SIZE, HASH_SIZE);
        } else {
          sha256.update(pad);
        }
        byte[] d = sha256.digest();
        System.arraycopy(d, 0, up, i * HASH_SIZE, HASH_SIZE);
      }
      sha256.update(pad);
      sha256.update(pad);
      pad = sha256.digest();
      cur = up;
      n = next;
      width >>= 1;
    }
    byte[] r = new byte[HASH_SIZE];
    System.arraycopy(cur, 0, r, 0, HASH_SIZE);
    return r;
  }
}
