package io.btlib.tracker;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

/** Builds response bodies for tests from text (ISO-8859-1, one byte per char) and raw bytes. */
final class Bodies {
  private Bodies() {}

  /** Concatenates the parts: a String as one byte per char, a byte[] as is, an int[] as bytes. */
  static byte[] body(Object... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (Object p : parts) {
      if (p instanceof String) {
        out.writeBytes(((String) p).getBytes(StandardCharsets.ISO_8859_1));
      } else if (p instanceof byte[]) {
        out.writeBytes((byte[]) p);
      } else if (p instanceof int[]) {
        for (int b : (int[]) p) {
          out.write(b);
        }
      } else {
        throw new IllegalArgumentException("unsupported part " + p);
      }
    }
    return out.toByteArray();
  }

  /** Bytes from hex, spaces allowed. */
  static byte[] hex(String hex) {
    return HexFormat.of().parseHex(hex.replace(" ", ""));
  }

  /** Bytes as written. */
  static int[] bytes(int... b) {
    return b;
  }
}
