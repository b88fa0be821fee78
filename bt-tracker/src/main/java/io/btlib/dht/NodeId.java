package io.btlib.dht;

import io.btlib.bencode.internal.Bytes;
import java.util.Arrays;
import java.util.Objects;
import java.util.Random;

/**
 * A 160-bit DHT key (BEP 5): a node's id, or an info hash used as a lookup target.
 *
 * <p>Distance between keys is their XOR, compared as an unsigned 160-bit integer. Instances are
 * immutable and thread-safe; {@link #bytes()} returns a copy. Equality is by content.
 */
public final class NodeId implements Comparable<NodeId> {
  /** Length of a key in bytes. */
  public static final int LENGTH = 20;

  /** Length of a key in bits. */
  public static final int BITS = 160;


  private final byte[] bytes;
  private final int hash;

  private NodeId(byte[] owned) {
    this.bytes = owned;
    this.hash = Arrays.hashCode(owned);
  }

  /**
   * The key with these 20 bytes, copied.
   *
   * @throws IllegalArgumentException naming the length if it is not 20
   */
  public static NodeId of(byte[] bytes) {
    Objects.requireNonNull(bytes, "bytes");
    if (bytes.length != LENGTH) {
      throw new IllegalArgumentException("node id is " + bytes.length + " bytes, expected 20");
    }
    return new NodeId(bytes.clone());
  }

  /**
   * Parses 40 hexadecimal characters.
   *
   * @throws IllegalArgumentException if the text is not 40 hex characters
   */
  public static NodeId fromHex(String hex) {
    Objects.requireNonNull(hex, "hex");
    if (hex.length() != 2 * LENGTH) {
      throw new IllegalArgumentException("node id hex is " + hex.length() + " chars, expected 40");
    }
    return new NodeId(Bytes.parseHex(hex));
  }

  /** A uniformly random key drawn from {@code random}. */
  public static NodeId random(Random random) {
    byte[] b = new byte[LENGTH];
    random.nextBytes(b);
    return new NodeId(b);
  }

  /** A copy of the 20 bytes. */
  public byte[] bytes() {
    return bytes.clone();
  }

  /** The byte at {@code index} (0 to 19). */
  public byte byteAt(int index) {
    return bytes[index];
  }

  /** Bit {@code index} counted from the most significant bit of byte 0 (0 to 159). */
  public boolean bit(int index) {
    return (bytes[index >>> 3] & (0x80 >>> (index & 7))) != 0;
  }

  /** The XOR distance between this key and {@code other}, as a key. */
  public NodeId distance(NodeId other) {
    byte[] d = new byte[LENGTH];
    for (int i = 0; i < LENGTH; i++) {
      d[i] = (byte) (bytes[i] ^ other.bytes[i]);
    }
    return new NodeId(d);
  }

  /** The number of leading bits this key shares with {@code other} (160 if equal). */
  public int commonPrefixLength(NodeId other) {
    for (int i = 0; i < LENGTH; i++) {
      int x = (bytes[i] ^ other.bytes[i]) & 0xFF;
      if (x != 0) {
        return i * 8 + Integer.numberOfLeadingZeros(x) - 24;
      }
    }
    return BITS;
  }

  /**
   * Compares the distances of {@code a} and {@code b} to this key: negative if {@code a} is closer,
   * positive if {@code b} is, zero if they are the same key.
   */
  public int compareDistance(NodeId a, NodeId b) {
    for (int i = 0; i < LENGTH; i++) {
      int da = (a.bytes[i] ^ bytes[i]) & 0xFF;
      int db = (b.bytes[i] ^ bytes[i]) & 0xFF;
      if (da != db) {
        return da < db ? -1 : 1;
      }
    }
    return 0;
  }

  /** 40 lower-case hex characters. */
  public String hex() {
    return Bytes.toHex(bytes);
  }

  /** Unsigned lexicographic order of the bytes. */
  @Override
  public int compareTo(NodeId o) {
    return Bytes.compareUnsigned(bytes, o.bytes);
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof NodeId n && Arrays.equals(bytes, n.bytes);
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public String toString() {
    return hex();
  }
}
