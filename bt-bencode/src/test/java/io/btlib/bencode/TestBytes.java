package io.btlib.bencode;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;

/** Small byte helpers shared by the bencode tests. */
final class TestBytes {
  private TestBytes() {}

  /** The chars of {@code s} as bytes, one each (ISO-8859-1), so "\u00ff" is the byte 0xff. */
  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The inverse of {@link #bytes(String)}. */
  static String latin1(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /** The remaining bytes of {@code b}, without moving its position. */
  static byte[] remaining(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  static byte[] repeat(char c, int n) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) c);
    return b;
  }

  /** Printable form of arbitrary bytes for failure messages: ASCII as is, the rest as \xNN. */
  static String show(byte[] b) {
    StringBuilder sb = new StringBuilder(b.length + 16);
    int shown = Math.min(b.length, 400);
    for (int i = 0; i < shown; i++) {
      int c = b[i] & 0xFF;
      if (c >= 0x20 && c < 0x7F && c != '\\') {
        sb.append((char) c);
      } else {
        sb.append(String.format("\\x%02x", c));
      }
    }
    if (shown < b.length) {
      sb.append("...(").append(b.length).append(" bytes)");
    }
    return sb.toString();
  }

  static byte[] sha1(ByteBuffer b) {
    try {
      MessageDigest md = MessageDigest.getInstance("SHA-1");
      md.update(b.duplicate());
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  static byte[] sha1(byte[] b, int off, int len) {
    return sha1(ByteBuffer.wrap(b, off, len));
  }
}
