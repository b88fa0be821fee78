package io.btlib.cli.stream;

import java.util.Locale;

/**
 * Reads a {@code Range} header (RFC 9110, section 14) against a file's length.
 *
 * <p>What each form gets:
 *
 * <ul>
 *   <li>no header, or a unit other than {@code bytes}: the whole file ({@link Kind#FULL}, 200);
 *   <li>one range, {@code a-b}, {@code a-} or {@code -n}, that overlaps the file: that part
 *       ({@link Kind#PARTIAL}, 206), {@code b} and {@code n} cut to the file's end;
 *   <li>several ranges, each well formed, at least one satisfiable: the whole file as 200. A
 *       server may ignore {@code Range}, and players ask for one range at a time; this keeps the
 *       server free of {@code multipart/byteranges};
 *   <li>a range set that is malformed ({@code bytes=5-3}, {@code bytes=x}, signs, spaces inside
 *       a range), has more than {@value #MAX_RANGES} ranges, or has no satisfiable range (a start
 *       at or past the end, {@code -0}, any range of an empty file): {@link Kind#UNSATISFIABLE}
 *       (416 with {@code Content-Range: bytes *}{@code /LENGTH}).
 * </ul>
 */
final class ByteRanges {
  /** The most ranges read in one header; more is refused (a cheap way to make a server work). */
  static final int MAX_RANGES = 16;

  private ByteRanges() {}

  /** What a {@code Range} header asks of a file. */
  enum Kind {
    /** Serve the whole file (200). */
    FULL,
    /** Serve {@link Answer#first()} to {@link Answer#last()} (206). */
    PARTIAL,
    /** Refuse (416). */
    UNSATISFIABLE
  }

  /**
   * The answer to a {@code Range} header.
   *
   * @param kind what to send
   * @param first the first byte sent (0 unless partial)
   * @param last the last byte sent, inclusive (length - 1 unless partial)
   */
  record Answer(Kind kind, long first, long last) {
    /** The number of bytes sent. */
    long count() {
      return kind == Kind.UNSATISFIABLE ? 0 : last - first + 1;
    }
  }

  /** The answer to {@code header} (null when absent) for a file of {@code length} bytes. */
  static Answer parse(String header, long length) {
    Answer full = new Answer(Kind.FULL, 0, length - 1);
    Answer refused = new Answer(Kind.UNSATISFIABLE, 0, -1);
    if (header == null) {
      return full;
    }
    String h = header.strip();
    int eq = h.indexOf('=');
    if (eq < 0) {
      return refused;
    }
    if (!h.substring(0, eq).strip().toLowerCase(Locale.ROOT).equals("bytes")) {
      return full; // RFC 9110 14.2: a range unit we do not know is ignored
    }
    String[] specs = h.substring(eq + 1).split(",", -1);
    Answer only = null;
    int ranges = 0;
    boolean satisfiable = false;
    for (String raw : specs) {
      String spec = raw.strip();
      if (spec.isEmpty()) {
        continue; // list syntax allows empty elements
      }
      if (++ranges > MAX_RANGES) {
        return refused;
      }
      Answer a = one(spec, length);
      if (a == null) {
        return refused; // malformed
      }
      if (a.kind() == Kind.PARTIAL) {
        satisfiable = true;
        only = a;
      }
    }
    if (!satisfiable) {
      return refused;
    }
    return ranges == 1 ? only : full;
  }

  /** One range spec: PARTIAL, UNSATISFIABLE, or null when malformed. */
  private static Answer one(String spec, long length) {
    Answer unsatisfiable = new Answer(Kind.UNSATISFIABLE, 0, -1);
    int dash = spec.indexOf('-');
    if (dash < 0 || dash != spec.lastIndexOf('-')) {
      return null;
    }
    String a = spec.substring(0, dash);
    String b = spec.substring(dash + 1);
    if (a.isEmpty()) {
      long n = digits(b);
      if (n < 0) {
        return null;
      }
      if (n == 0 || length == 0) {
        return unsatisfiable;
      }
      return new Answer(Kind.PARTIAL, Math.max(0, length - n), length - 1);
    }
    long first = digits(a);
    if (first < 0) {
      return null;
    }
    long last = b.isEmpty() ? Long.MAX_VALUE : digits(b);
    if (last < 0 || last < first) {
      return null;
    }
    if (first >= length) {
      return unsatisfiable;
    }
    return new Answer(Kind.PARTIAL, first, Math.min(last, length - 1));
  }

  /** A non-empty run of ASCII digits as a number (Long.MAX_VALUE if larger); -1 if not digits. */
  private static long digits(String s) {
    if (s.isEmpty()) {
      return -1;
    }
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      n = n > (Long.MAX_VALUE - 9) / 10 ? Long.MAX_VALUE : n * 10 + (c - '0');
    }
    return n;
  }
}
