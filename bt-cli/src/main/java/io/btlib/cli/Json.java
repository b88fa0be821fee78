package io.btlib.cli;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * Writes JSON (RFC 8259) from plain Java values, on one line: {@code null}, {@link Boolean}, {@link
 * String}, integral numbers ({@link Byte}, {@link Short}, {@link Integer}, {@link Long}, {@link
 * BigInteger}), finite {@link Float}/{@link Double}, {@link BigDecimal}, {@link List} (an array) and
 * {@link Map} with {@link String} keys (an object, in the map's iteration order, so pass a {@code
 * LinkedHashMap} for a stable order).
 *
 * <pre>{@code
 * Map<String, Object> o = new LinkedHashMap<>();
 * o.put("name", "a\"b");
 * o.put("files", List.of(1, 2));
 * Json.write(o);   // {"name":"a\"b","files":[1,2]}
 * }</pre>
 *
 * <p>Strings: {@code "} and {@code \} are escaped, every control character (U+0000 to U+001F), DEL
 * and U+2028/U+2029 are written as {@code \}{@code u00XX}-style escapes, a well-formed surrogate
 * pair (a character outside the BMP) is written as is, and an unpaired surrogate as its {@code
 * \}{@code uXXXX} escape, so the output is always valid UTF-16 text and encodes to valid UTF-8.
 *
 * <p>Every method throws {@link IllegalArgumentException} for an unsupported type, a non-string
 * key, a NaN or infinite number, or nesting deeper than {@link #MAX_DEPTH} (such as a list that
 * contains itself).
 */
final class Json {
  /** The deepest nesting of lists and maps written. */
  static final int MAX_DEPTH = 256;

  private static final char[] HEX = "0123456789abcdef".toCharArray();

  private Json() {}

  /** Returns {@code value} as JSON text. */
  static String write(Object value) {
    StringBuilder sb = new StringBuilder();
    write(value, sb);
    return sb.toString();
  }

  /** Appends {@code value} as JSON text to {@code sb}. */
  static void write(Object value, StringBuilder sb) {
    write(value, sb, 0);
  }

  private static void write(Object value, StringBuilder sb, int depth) {
    if (value == null) {
      sb.append("null");
    } else if (value instanceof String s) {
      writeString(s, sb);
    } else if (value instanceof Boolean b) {
      sb.append(b.booleanValue());
    } else if (value instanceof Integer || value instanceof Long || value instanceof Short
        || value instanceof Byte || value instanceof BigInteger) {
      sb.append(value);
    } else if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      if (!Double.isFinite(d)) {
        throw new IllegalArgumentException("JSON has no " + d);
      }
      sb.append(value instanceof Float ? Float.toString((Float) value) : Double.toString(d));
    } else if (value instanceof BigDecimal bd) {
      sb.append(bd.toString());
    } else if (value instanceof List<?> list) {
      checkDepth(depth);
      sb.append('[');
      boolean first = true;
      for (Object item : list) {
        if (!first) {
          sb.append(',');
        }
        first = false;
        write(item, sb, depth + 1);
      }
      sb.append(']');
    } else if (value instanceof Map<?, ?> map) {
      checkDepth(depth);
      sb.append('{');
      Iterator<? extends Map.Entry<?, ?>> it = map.entrySet().iterator();
      boolean first = true;
      while (it.hasNext()) {
        Map.Entry<?, ?> e = it.next();
        if (!(e.getKey() instanceof String key)) {
          throw new IllegalArgumentException("JSON object keys are strings, not " + e.getKey());
        }
        if (!first) {
          sb.append(',');
        }
        first = false;
        writeString(key, sb);
        sb.append(':');
        write(e.getValue(), sb, depth + 1);
      }
      sb.append('}');
    } else {
      throw new IllegalArgumentException("cannot write " + value.getClass().getName() + " as JSON");
    }
  }

  private static void checkDepth(int depth) {
    if (depth >= MAX_DEPTH) {
      throw new IllegalArgumentException("JSON nested deeper than " + MAX_DEPTH);
    }
  }

  /** Appends {@code s} as a JSON string literal, quotes included. */
  static void writeString(String s, StringBuilder sb) {
    sb.append('"');
    int n = s.length();
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c == '"') {
        sb.append("\\\"");
      } else if (c == '\\') {
        sb.append("\\\\");
      } else if (c < 0x20 || c == 0x7f || c == 0x2028 || c == 0x2029) {
        escape(c, sb);
      } else if (Character.isHighSurrogate(c)) {
        if (i + 1 < n && Character.isLowSurrogate(s.charAt(i + 1))) {
          sb.append(c).append(s.charAt(++i));
        } else {
          escape(c, sb);
        }
      } else if (Character.isLowSurrogate(c)) {
        escape(c, sb);
      } else {
        sb.append(c);
      }
    }
    sb.append('"');
  }

  private static void escape(char c, StringBuilder sb) {
    sb.append("\\u")
        .append(HEX[(c >> 12) & 0xf])
        .append(HEX[(c >> 8) & 0xf])
        .append(HEX[(c >> 4) & 0xf])
        .append(HEX[c & 0xf]);
  }
}
