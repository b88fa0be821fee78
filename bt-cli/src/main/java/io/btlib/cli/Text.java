package io.btlib.cli;

/**
 * Makes untrusted text (from torrents, magnet links, file names, exception messages) safe to show
 * on a terminal: no control characters, no bidirectional overrides, no unpaired surrogates, and one
 * line.
 */
final class Text {
  /** The longest message {@link #oneLine} keeps, in chars. */
  static final int MAX_LINE = 2000;

  private Text() {}

  /**
   * Returns {@code s} with every character that could change the terminal's state or the text's
   * layout written as {@code \}{@code uXXXX}: C0 and C1 controls (so newlines too), DEL, the
   * bidirectional formatting characters, line and paragraph separators and unpaired surrogates.
   */
  static String printable(String s) {
    StringBuilder sb = null;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      boolean escape;
      if (Character.isHighSurrogate(c)) {
        if (i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
          if (sb != null) {
            sb.append(c).append(s.charAt(i + 1));
          }
          i++;
          continue;
        }
        escape = true;
      } else {
        escape = Character.isLowSurrogate(c) || isUnsafe(c);
      }
      if (escape && sb == null) {
        sb = new StringBuilder(s.length() + 16).append(s, 0, i);
      }
      if (sb != null) {
        if (escape) {
          sb.append(String.format("\\u%04x", (int) c));
        } else {
          sb.append(c);
        }
      }
    }
    return sb == null ? s : sb.toString();
  }

  private static boolean isUnsafe(char c) {
    return c < 0x20
        || (c >= 0x7f && c <= 0x9f)
        || (c >= 0x200e && c <= 0x200f)
        || (c >= 0x2028 && c <= 0x202e)
        || (c >= 0x2066 && c <= 0x2069);
  }

  /** {@link #printable} and cut to {@link #MAX_LINE} chars: fit for a one-line message. */
  static String oneLine(String s) {
    String p = printable(s == null ? "" : s);
    if (p.length() <= MAX_LINE) {
      return p;
    }
    int end = MAX_LINE;
    if (Character.isHighSurrogate(p.charAt(end - 1))) {
      end--;
    }
    return p.substring(0, end) + "...";
  }

  /** {@code 'value'}, made printable and cut to 200 chars. */
  static String quote(String value) {
    String p = printable(value);
    if (p.length() > 200) {
      int end = Character.isHighSurrogate(p.charAt(199)) ? 199 : 200;
      p = p.substring(0, end) + "...";
    }
    return "'" + p + "'";
  }
}
