package io.btlib.metainfo.internal;

/**
 * Unpadded RFC 4648 base32 (alphabet {@code A-Z2-7}) for info hashes in magnet links (BEP 9).
 *
 * <p>Internal, not API: it may change or disappear without notice. Decoding accepts either case;
 * encoding produces upper case.
 */
public final class Base32 {

  private static final char[] ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".toCharArray();

  private Base32() {
  }

  /**
   * Encodes {@code bytes} without padding.
   *
   * @param bytes the bytes to encode
   * @return {@code ceil(bytes.length * 8 / 5)} characters from the RFC 4648 alphabet
   */
  public static String encode(byte[] bytes) {
    StringBuilder out = new StringBuilder((bytes.length * 8 + 4) / 5);
    int buffer = 0;
    int bits = 0;
    for (byte b : bytes) {
      buffer = (buffer << 8) | (b & 0xFF);
      bits += 8;
      while (bits >= 5) {
        out.append(ALPHABET[(buffer >>> (bits - 5)) & 0x1F]);
        bits -= 5;
      }
    }
    if (bits > 0) {
      out.append(ALPHABET[(buffer << (5 - bits)) & 0x1F]);
    }
    return out.toString();
  }

  /**
   * Decodes unpadded base32 in either case.
   *
   * @param text base32 characters, no padding
   * @return the decoded bytes
   * @throws IllegalArgumentException if a character is outside the alphabet, the length is not
   *     one an unpadded encoding can have, or the unused trailing bits are not zero
   */
  public static byte[] decode(CharSequence text) {
    int length = text.length();
    int byteCount = length * 5 / 8;
    int rest = length * 5 % 8;
    // An unpadded encoding leaves fewer than 5 spare bits; 1, 3 and 6 characters per block are impossible.
    if (rest >= 5) {
      throw new IllegalArgumentException("base32 length " + length + " is not a valid unpadded length");
    }
    byte[] out = new byte[byteCount];
    int buffer = 0;
    int bits = 0;
    int index = 0;
    for (int i = 0; i < length; i++) {
      int value = valueOf(text.charAt(i));
      if (value < 0) {
        throw new IllegalArgumentException(
            "invalid base32 character '" + text.charAt(i) + "' at index " + i);
      }
      buffer = (buffer << 5) | value;
      bits += 5;
      if (bits >= 8) {
        out[index++] = (byte) (buffer >>> (bits - 8));
        bits -= 8;
      }
    }
    if ((buffer & ((1 << bits) - 1)) != 0) {
      throw new IllegalArgumentException("base32 has non-zero trailing bits in its last character");
    }
    return out;
  }

  private static int valueOf(char c) {
    if (c >= 'A' && c <= 'Z') {
      return c - 'A';
    }
    if (c >= 'a' && c <= 'z') {
      return c - 'a';
    }
    if (c >= '2' && c <= '7') {
      return c - '2' + 26;
    }
    return -1;
  }
}
