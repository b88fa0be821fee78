package io.btlib.webseed.internal;

/**
 * A parsed {@code Content-Range} header of a 206 answer (RFC 9110 section 14.4): {@code bytes
 * first-last/total}, with {@code *} for an unknown total. Pure.
 *
 * @param first the first byte
 * @param last the last byte, inclusive
 * @param total the whole resource's length, or -1 if the server said {@code *}
 */
record ContentRange(long first, long last, long total) {

  /**
   * Parses the header's value.
   *
   * @throws WebSeedException naming what is wrong and the value
   */
  public static ContentRange parse(String value) throws WebSeedException {
    if (value == null) {
      throw new WebSeedException("206 answer without Content-Range");
    }
    String v = value.trim();
    if (v.length() > 100 || !v.regionMatches(true, 0, "bytes ", 0, 6)) {
      throw new WebSeedException("Content-Range is not a byte range: " + quote(v));
    }
    int dash = v.indexOf('-', 6);
    int slash = v.indexOf('/', 6);
    if (dash < 0 || slash < dash) {
      throw new WebSeedException("Content-Range is malformed: " + quote(v));
    }
    long first = number(v.substring(6, dash).trim(), v);
    long last = number(v.substring(dash + 1, slash).trim(), v);
    String t = v.substring(slash + 1).trim();
    long total = t.equals("*") ? -1 : number(t, v);
    if (last < first || total >= 0 && last >= total) {
      throw new WebSeedException("Content-Range is out of order: " + quote(v));
    }
    return new ContentRange(first, last, total);
  }

  private static long number(String s, String whole) throws WebSeedException {
    if (s.isEmpty() || s.length() > 18) {
      throw new WebSeedException("Content-Range has a bad number: " + quote(whole));
    }
    long n = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        throw new WebSeedException("Content-Range has a bad number: " + quote(whole));
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  private static String quote(String s) {
    StringBuilder sb = new StringBuilder("\"");
    for (int i = 0; i < s.length() && i < 100; i++) {
      char c = s.charAt(i);
      sb.append(c >= 0x20 && c < 0x7f ? String.valueOf(c) : String.format("\\u%04x", (int) c));
    }
    return sb.append('"').toString();
  }
}
