package io.btlib.cli;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** Encodes test torrents: String/byte[] as strings, Integer/Long, List, Map (keys sorted). */
final class TestBencode {
  private TestBencode() {}

  static byte[] encode(Object v) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    write(v, out);
    return out.toByteArray();
  }

  private static void write(Object v, ByteArrayOutputStream out) {
    if (v instanceof String s) {
      write(s.getBytes(StandardCharsets.UTF_8), out);
    } else if (v instanceof byte[] b) {
      out.writeBytes((b.length + ":").getBytes(StandardCharsets.US_ASCII));
      out.writeBytes(b);
    } else if (v instanceof Integer || v instanceof Long) {
      out.writeBytes(("i" + v + "e").getBytes(StandardCharsets.US_ASCII));
    } else if (v instanceof List<?> l) {
      out.write('l');
      l.forEach(x -> write(x, out));
      out.write('e');
    } else if (v instanceof Map<?, ?> m) {
      out.write('d');
      new TreeMap<>(m).forEach((k, x) -> {
        write(k, out);
        write(x, out);
      });
      out.write('e');
    } else {
      throw new IllegalArgumentException(String.valueOf(v));
    }
  }
}
