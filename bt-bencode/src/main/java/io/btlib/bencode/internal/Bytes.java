package io.btlib.bencode.internal;

/**
 * Byte-array comparisons and hex for Android API 26: the same results as {@code
 * Arrays.equals(byte[], int, int, byte[], int, int)}, {@code Arrays.compareUnsigned} and {@code
 * HexFormat.of()} (lower case), which Android 8 lacks. Used on short values (hashes, ids, keys).
 */
public final class Bytes {
  private static final char[] DIGITS = "0123456789abcdef".toCharArray();

  private Bytes() {}

  /** Whether {@code a[aFrom..aTo)} and {@code b[bFrom..bTo)} hold the same bytes. */
  public static boolean equals(byte[] a, int aFrom, int aTo, byte[] b, int bFrom, int bTo) {
    checkRange(a.length, aFrom, aTo);
    checkRange(b.length, bFrom, bTo);
    int n = aTo - aFrom;
    if (n != bTo - bFrom) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      if (a[aFrom + i] != b[bFrom + i]) {
        return false;
      }
    }
    return true;
  }

  /** {@code a} and {@code b} compared as unsigned bytes, then by length. */
  public static int compareUnsigned(byte[] a, byte[] b) {
    return compareUnsigned(a, 0, a.length, b, 0, b.length);
  }

  /** The ranges compared as unsigned bytes, then by length. */
  public static int compareUnsigned(byte[] a, int aFrom, int aTo, byte[] b, int bFrom, int bTo) {
    checkRange(a.length, aFrom, aTo);
    checkRange(b.length, bFrom, bTo);
    int an = aTo - aFrom;
    int bn = bTo - bFrom;
    int n = Math.min(an, bn);
    for (int i = 0; i < n; i++) {
      int c = Integer.compare(a[aFrom + i] & 0xFF, b[bFrom + i] & 0xFF);
      if (c != 0) {
        return c;
      }
    }
    return an - bn;
  }

  private static void checkRange(int length, int from, int to) {
    if (from > to) {
      throw new IllegalArgumentException("from " + from + " > to " + to);
    }
    if (from < 0 || to > length) {
      throw new ArrayIndexOutOfBoundsException("range " + from + ".." + to + " of " + length);
    }
  }

  /** The bytes as lower-case hex digits, two per byte. */
  public static String toHex(byte[] b) {
    char[] out = new char[b.length * 2];
    for (int i = 0; i < b.length; i++) {
      out[2 * i] = DIGITS[(b[i] >> 4) & 0xF];
      out[2 * i + 1] = DIGITS[b[i] & 0xF];
    }
    return new String(out);
  }

  /** Whether {@code c} is a hex digit (either case). */
  public static boolean isHexDigit(int c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }

  /**
   * The value of hex digit {@code c}.
   *
   * @throws NumberFormatException if {@code c} is not a hex digit
   */
  public static int fromHexDigit(int c) {
    if (c >= '0' && c <= '9') {
      return c - '0';
    }
    if (c >= 'a' && c <= 'f') {
      return c - 'a' + 10;
    }
    if (c >= 'A' && c <= 'F') {
      return c - 'A' + 10;
    }
    throw new NumberFormatException("not a hexadecimal digit: \"" + (char) c + "\" = " + c);
  }

  /**
   * The bytes of an even number of hex digits (either case), as {@code HexFormat.parseHex}.
   *
   * @throws IllegalArgumentException if the length is odd or a character is not a hex digit
   */
  public static byte[] parseHex(CharSequence s) {
    if (s.length() % 2 != 0) {
      throw new IllegalArgumentException("string length not even: " + s.length());
    }
    byte[] out = new byte[s.length() / 2];
    for (int i = 0; i < out.length; i++) {
      out[i] = (byte) (fromHexDigit(s.charAt(2 * i)) << 4 | fromHexDigit(s.charAt(2 * i + 1)));
    }
    return out;
  }
}
