package io.btlib.tracker.server.internal;

/**
 * A sans-I/O parser for the head of an HTTP/1.x request, GET only, under hard limits. One instance
 * per connection, reused for every request on it; not thread-safe.
 *
 * <p>{@link #parse(byte[], int)} looks at the bytes received so far and answers {@link #NEED_MORE},
 * the length of a complete head (the request line, the header lines and the empty line), or an
 * HTTP error status, negated:
 *
 * <ul>
 *   <li>-414 when the request line is longer than {@code maxRequestLine} bytes;
 *   <li>-431 when the head is longer than {@code maxHead} bytes (the caller's buffer holds no
 *       more, so a full buffer without an end of head is this error);
 *   <li>-405 for any method but GET; -505 for a version other than HTTP/1.0 and HTTP/1.1;
 *   <li>-400 for anything else that is not a plain GET: a target not starting with '/', control
 *       bytes, a header line without ':', folded header lines, a body announced by {@code
 *       Content-Length} (other than 0) or {@code Transfer-Encoding}.
 * </ul>
 *
 * <p>Lines may end in CRLF or a bare LF. The search for the end of the head resumes where the last
 * call stopped, so a client that sends one byte at a time costs O(n), not O(n^2).
 */
final class HttpRequestHead {
  /** {@link #parse} needs more bytes. */
  public static final int NEED_MORE = 0;

  private final int maxRequestLine;
  private final int maxHead;
  private int scanned;
  private int targetStart;
  private int targetEnd;
  private boolean keepAlive;

  /** A parser enforcing the two limits, in bytes. */
  public HttpRequestHead(int maxRequestLine, int maxHead) {
    this.maxRequestLine = maxRequestLine;
    this.maxHead = maxHead;
  }

  /** Forgets the search position; call after a request was consumed from the buffer. */
  public void reset() {
    scanned = 0;
  }

  /** Where the request target starts in the buffer (valid after a successful parse). */
  public int targetStart() {
    return targetStart;
  }

  /** Where the request target ends, exclusive. */
  public int targetEnd() {
    return targetEnd;
  }

  /** Whether the connection stays open after the reply (HTTP/1.1 default, or keep-alive). */
  public boolean keepAlive() {
    return keepAlive;
  }

  /**
   * Parses {@code buf[0..len)}.
   *
   * @return the head length (> 0), {@link #NEED_MORE}, or a negated HTTP status
   */
  public int parse(byte[] buf, int len) {
    int early = checkMethod(buf, len);
    if (early != 0) {
      return early;
    }
    int end = findEndOfHead(buf, len);
    if (end < 0) {
      int firstLf = indexOf(buf, 0, Math.min(len, maxRequestLine + 1), (byte) '\n');
      if (firstLf < 0 && len > maxRequestLine) {
        return -414;
      }
      return len >= maxHead ? -431 : NEED_MORE;
    }
    if (end > maxHead) {
      return -431;
    }
    int lineEnd = indexOf(buf, 0, end, (byte) '\n');
    if (lineEnd > maxRequestLine) {
      return -414;
    }
    int status = requestLine(buf, trimCr(buf, 0, lineEnd));
    if (status != 0) {
      return status;
    }
    int pos = lineEnd + 1;
    while (true) {
      int lf = indexOf(buf, pos, end, (byte) '\n');
      int stop = trimCr(buf, pos, lf);
      if (stop == pos) {
        break; // the empty line
      }
      status = header(buf, pos, stop);
      if (status != 0) {
        return status;
      }
      pos = lf + 1;
    }
    return end;
  }

  /** Rejects garbage at once: the request must open with a short token and a space. */
  private static int checkMethod(byte[] buf, int len) {
    int n = Math.min(len, 16);
    for (int i = 0; i < n; i++) {
      if (buf[i] == ' ') {
        return i == 0 ? -400 : 0;
      }
      if (!isToken(buf, i, i + 1)) {
        return -400;
      }
    }
    return len >= 16 ? -400 : 0;
  }

  /** Index just past the empty line ending the head, or -1. */
  private int findEndOfHead(byte[] buf, int len) {
    int i = Math.max(0, scanned - 3);
    int limit = Math.min(len, maxHead + 2);
    for (; i < limit; i++) {
      if (buf[i] == '\n') {
        if (i >= 1 && buf[i - 1] == '\n') {
          return i + 1;
        }
        if (i >= 2 && buf[i - 1] == '\r' && buf[i - 2] == '\n') {
          return i + 1;
        }
      }
    }
    scanned = limit;
    return -1;
  }

  private int requestLine(byte[] b, int end) {
    if (end < 3 || b[0] != 'G' || b[1] != 'E' || b[2] != 'T' || end < 4 || b[3] != ' ') {
      for (int i = 0; i < end; i++) {
        if (b[i] == ' ') {
          return i > 0 && isToken(b, 0, i) ? -405 : -400;
        }
      }
      return -400;
    }
    int sp = indexOf(b, 4, end, (byte) ' ');
    if (sp < 0 || sp == 4 || b[4] != '/') {
      return -400;
    }
    for (int i = 4; i < sp; i++) {
      if (b[i] <= ' ' || b[i] == 127) {
        return -400;
      }
    }
    targetStart = 4;
    targetEnd = sp;
    int v = sp + 1;
    if (indexOf(b, v, end, (byte) ' ') >= 0) {
      return -400;
    }
    if (end - v != 8 || !startsWith(b, v, "HTTP/1.")) {
      return end - v >= 5 && startsWith(b, v, "HTTP/") ? -505 : -400;
    }
    byte minor = b[v + 7];
    if (minor == '1') {
      keepAlive = true;
    } else if (minor == '0') {
      keepAlive = false;
    } else {
      return -505;
    }
    return 0;
  }

  private int header(byte[] b, int start, int end) {
    if (b[start] == ' ' || b[start] == '\t') {
      return -400; // obsolete line folding (RFC 9112 5.2)
    }
    int colon = indexOf(b, start, end, (byte) ':');
    if (colon <= start || !isToken(b, start, colon)) {
      return -400;
    }
    int vs = colon + 1;
    while (vs < end && (b[vs] == ' ' || b[vs] == '\t')) {
      vs++;
    }
    int ve = end;
    while (ve > vs && (b[ve - 1] == ' ' || b[ve - 1] == '\t')) {
      ve--;
    }
    for (int i = vs; i < ve; i++) {
      if ((b[i] < ' ' && b[i] != '\t') || b[i] == 127) {
        return -400;
      }
    }
    if (nameIs(b, start, colon, "connection")) {
      if (containsIgnoreCase(b, vs, ve, "close")) {
        keepAlive = false;
      } else if (containsIgnoreCase(b, vs, ve, "keep-alive")) {
        keepAlive = true;
      }
    } else if (nameIs(b, start, colon, "content-length")) {
      for (int i = vs; i < ve; i++) {
        if (b[i] != '0') {
          return -400; // a GET with a body: not ours to read
        }
      }
      if (ve == vs) {
        return -400;
      }
    } else if (nameIs(b, start, colon, "transfer-encoding")) {
      return -400;
    }
    return 0;
  }

  private static boolean isToken(byte[] b, int s, int e) {
    for (int i = s; i < e; i++) {
      int c = b[i];
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!ok) {
        return false;
      }
    }
    return true;
  }

  private static boolean nameIs(byte[] b, int s, int e, String lower) {
    if (e - s != lower.length()) {
      return false;
    }
    for (int i = 0; i < lower.length(); i++) {
      if ((b[s + i] | 0x20) != lower.charAt(i) && b[s + i] != lower.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean containsIgnoreCase(byte[] b, int s, int e, String lower) {
    outer:
    for (int i = s; i + lower.length() <= e; i++) {
      for (int j = 0; j < lower.length(); j++) {
        int c = b[i + j];
        if (c >= 'A' && c <= 'Z') {
          c |= 0x20;
        }
        if (c != lower.charAt(j)) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  private static boolean startsWith(byte[] b, int at, String s) {
    for (int i = 0; i < s.length(); i++) {
      if (b[at + i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static int trimCr(byte[] b, int start, int lf) {
    return lf > start && b[lf - 1] == '\r' ? lf - 1 : lf;
  }

  private static int indexOf(byte[] b, int from, int to, byte v) {
    for (int i = from; i < to; i++) {
      if (b[i] == v) {
        return i;
      }
    }
    return -1;
  }
}
