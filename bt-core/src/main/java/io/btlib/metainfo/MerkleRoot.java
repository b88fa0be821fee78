package io.btlib.metainfo;

import io.btlib.bencode.internal.Bytes;
import java.util.Arrays;

/**
 * A 32-byte SHA-256 merkle root: the {@code pieces root} of one file in a v2 torrent (BEP 52), the
 * root of the tree over the file's 16 KiB blocks.
 *
 * <p>An immutable value wrapping a private array; equality is by content, order is unsigned.
 */
public final class MerkleRoot implements Comparable<MerkleRoot> {
  /** The length of a root in bytes. */
  public static final int LENGTH = 32;

  private final byte[] bytes;

  private MerkleRoot(byte[] bytes) {
    this.bytes = bytes;
  }

  /** A root from 32 bytes, copied. */
  public static MerkleRoot of(byte[] bytes) {
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("a merkle root is 32 bytes, not " + bytes.length);
    }
    return new MerkleRoot(bytes.clone());
  }

  /** A root from 64 hex characters. */
  public static MerkleRoot fromHex(String hex) {
    if (hex.length() != 2 * LENGTH) {
      throw new IllegalArgumentException(
          "a merkle root is 64 hex characters, not " + hex.length());
    }
    return new MerkleRoot(Bytes.parseHex(hex));
  }

  /** A copy of the 32 bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** Whether {@code digest} holds exactly these 32 bytes. */
  public boolean matches(byte[] digest) {
    return Arrays.equals(bytes, digest);
  }

  /** Lowercase hex. */
  public String hex() {
    return Bytes.toHex(bytes);
  }

  @Override
  public int compareTo(MerkleRoot o) {
    return Bytes.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof MerkleRoot && Arrays.equals(bytes, ((MerkleRoot) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  @Override
  public String toString() {
    return hex();
  }
}
