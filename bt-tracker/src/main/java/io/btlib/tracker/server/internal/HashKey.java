package io.btlib.tracker.server.internal;

import java.nio.ByteBuffer;

/**
 * A 20-byte info hash as a map key: three primitive fields, so lookups hash and compare without
 * touching an array. Immutable.
 */
public final class HashKey implements Comparable<HashKey> {
  /** The length of a key in bytes. */
  public static final int LENGTH = 20;

  private final long a;
  private final long b;
  private final int c;

  private HashKey(long a, long b, int c) {
    this.a = a;
    this.b = b;
    this.c = c;
  }

  /** The key for {@code src[offset..offset+20)}. */
  public static HashKey of(byte[] src, int offset) {
    if (offset < 0 || src.length - offset < LENGTH) {
      throw new IllegalArgumentException("need 20 bytes at offset " + offset + " of " + src.length);
    }
    return new HashKey(getLong(src, offset), getLong(src, offset + 8), getInt(src, offset + 16));
  }

  /** The key whose three big-endian parts are {@code a}, {@code b} and {@code c}. */
  static HashKey of(long a, long b, int c) {
    return new HashKey(a, b, c);
  }

  /** The key for the 20 bytes at the buffer's absolute index {@code index}. */
  public static HashKey of(ByteBuffer src, int index) {
    return new HashKey(src.getLong(index), src.getLong(index + 8), src.getInt(index + 16));
  }

  long a() {
    return a;
  }

  long b() {
    return b;
  }

  int c() {
    return c;
  }

  /** Writes the 20 bytes at {@code dst[offset]}. */
  public void copyTo(byte[] dst, int offset) {
    putLong(dst, offset, a);
    putLong(dst, offset + 8, b);
    putInt(dst, offset + 16, c);
  }

  /** The 20 bytes, a fresh copy. */
  public byte[] bytes() {
    byte[] out = new byte[LENGTH];
    copyTo(out, 0);
    return out;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof HashKey)) {
      return false;
    }
    HashKey k = (HashKey) o;
    return a == k.a && b == k.b && c == k.c;
  }

  @Override
  public int hashCode() {
    // info hashes are SHA-1 output, but a hostile client picks them: mix all bits anyway
    long h = a * 0x9E3779B97F4A7C15L ^ b * 0xC2B2AE3D27D4EB4FL ^ c;
    return (int) (h ^ (h >>> 32));
  }

  /** Unsigned byte order, as bencode sorts dictionary keys. */
  @Override
  public int compareTo(HashKey o) {
    int r = Long.compareUnsigned(a, o.a);
    if (r == 0) {
      r = Long.compareUnsigned(b, o.b);
    }
    return r != 0 ? r : Integer.compareUnsigned(c, o.c);
  }

  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(40);
    for (byte x : bytes()) {
      sb.append(Character.forDigit((x >> 4) & 15, 16)).append(Character.forDigit(x & 15, 16));
    }
    return sb.toString();
  }

  static long getLong(byte[] s, int o) {
    return ((long) getInt(s, o) << 32) | (getInt(s, o + 4) & 0xFFFFFFFFL);
  }

  static int getInt(byte[] s, int o) {
    return (s[o] & 255) << 24 | (s[o + 1] & 255) << 16 | (s[o + 2] & 255) << 8 | (s[o + 3] & 255);
  }

  static void putLong(byte[] d, int o, long v) {
    putInt(d, o, (int) (v >>> 32));
    putInt(d, o + 4, (int) v);
  }

  static void putInt(byte[] d, int o, int v) {
    d[o] = (byte) (v >>> 24);
    d[o + 1] = (byte) (v >>> 16);
    d[o + 2] = (byte) (v >>> 8);
    d[o + 3] = (byte) v;
  }
}
