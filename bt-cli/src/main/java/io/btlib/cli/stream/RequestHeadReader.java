package io.btlib.cli.stream;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads one request head (RFC 9112, sections 2 to 5) from a stream, within budgets, so that a
 * hostile client costs at most {@link #MAX_HEAD_BYTES} of reading and never a crash.
 *
 * <pre>
 *   request-line   = method SP request-target SP HTTP-version CRLF   (at most MAX_LINE_BYTES)
 *   *( field-name ":" OWS field-value OWS CRLF )                     (at most MAX_FIELDS)
 *   CRLF
 * </pre>
 *
 * <p>A bare LF ends a line too (RFC 9112, 2.2 allows it). Up to {@value #MAX_LEADING_EMPTY_LINES}
 * empty lines before the request line are skipped (some clients send CRLF after a body). Refusals:
 * 414 for a request line over its budget, 431 for a head over its budget or with too many fields,
 * 505 for an HTTP version other than 1.x, 400 for anything malformed (a control character, a
 * field without a colon or with space before it, obsolete line folding, a missing {@code Host}
 * in HTTP/1.1 or several {@code Host}s).
 */
final class RequestHeadReader {
  /** The longest request line, CRLF included. */
  static final int MAX_LINE_BYTES = 8192;
  /** The most bytes of one whole head. */
  static final int MAX_HEAD_BYTES = 16384;
  /** The most header fields. */
  static final int MAX_FIELDS = 100;
  static final int MAX_LEADING_EMPTY_LINES = 4;

  private RequestHeadReader() {}

  /**
   * Reads the next head from {@code in}.
   *
   * @return the head, or null if the stream ended cleanly before its first byte
   * @throws HttpError for a request to refuse (the connection should then be closed)
   * @throws EOFException if the stream ended inside the head
   */
  static RequestHead read(InputStream in) throws IOException, HttpError {
    int[] budget = {MAX_HEAD_BYTES};
    String line = null;
    for (int empty = 0; empty <= MAX_LEADING_EMPTY_LINES; empty++) {
      line = line(in, budget, MAX_LINE_BYTES, empty == 0, 414, "request line too long");
      if (line == null) {
        return null;
      }
      if (!line.isEmpty()) {
        break;
      }
    }
    if (line.isEmpty()) {
      throw new HttpError(400, "no request line");
    }
    String[] parts = line.split(" ", -1);
    if (parts.length != 3 || !isToken(parts[0]) || parts[1].isEmpty()) {
      throw new HttpError(400, "bad request line");
    }
    int minor = version(parts[2]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    int fields = 0;
    while (true) {
      String f = line(in, budget, budget[0], false, 431, "request head too large");
      if (f.isEmpty()) {
        break;
      }
      if (++fields > MAX_FIELDS) {
        throw new HttpError(431, "more than " + MAX_FIELDS + " header fields");
      }
      if (f.charAt(0) == ' ' || f.charAt(0) == '\t') {
        throw new HttpError(400, "obsolete line folding");
      }
      int colon = f.indexOf(':');
      if (colon <= 0 || !isToken(f.substring(0, colon))) {
        throw new HttpError(400, "bad header field");
      }
      String name = f.substring(0, colon).toLowerCase(Locale.ROOT);
      String value = f.substring(colon + 1).strip();
      headers.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
    RequestHead head = new RequestHead(parts[0], parts[1], minor, headers);
    if (head.count("host") > 1 || (minor >= 1 && head.count("host") == 0)) {
      throw new HttpError(400, "HTTP/1.1 needs exactly one Host field");
    }
    return head;
  }

  /** {@code HTTP/1.x} → x; 505 for another major version, 400 for no version. */
  private static int version(String v) throws HttpError {
    if (v.length() == 8 && v.startsWith("HTTP/") && v.charAt(6) == '.'
        && Character.isDigit(v.charAt(5)) && Character.isDigit(v.charAt(7))) {
      if (v.charAt(5) != '1') {
        throw new HttpError(505, "HTTP version not supported: " + v);
      }
      return v.charAt(7) - '0';
    }
    throw new HttpError(400, "bad HTTP version");
  }

  /**
   * One line without its CRLF or LF, charged to {@code budget}; null at a clean end of stream if
   * {@code eofOk}.
   */
  private static String line(InputStream in, int[] budget, int max, boolean eofOk, int status,
      String tooLong) throws IOException, HttpError {
    byte[] buf = new byte[Math.min(max, 256)];
    int n = 0;
    while (true) {
      int b = in.read();
      if (b < 0) {
        if (eofOk && n == 0) {
          return null;
        }
        throw new EOFException("end of stream inside a request head");
      }
      if (--budget[0] < 0) {
        throw new HttpError(status == 414 ? 431 : status, tooLong);
      }
      if (b == '\n') {
        if (n > 0 && buf[n - 1] == '\r') {
          n--;
        }
        return new String(buf, 0, n, StandardCharsets.ISO_8859_1);
      }
      if (n + 1 >= max) {
        throw new HttpError(status, tooLong);
      }
      if ((b < 0x20 && b != '\t' && b != '\r') || b == 0x7f) {
        throw new HttpError(400, "control character in request head");
      }
      if (n > 0 && buf[n - 1] == '\r') {
        throw new HttpError(400, "CR without LF in request head");
      }
      if (n == buf.length) {
        buf = java.util.Arrays.copyOf(buf, Math.min(max, buf.length * 2));
      }
      buf[n++] = (byte) b;
    }
  }

  /** An RFC 9110 token: visible ASCII except delimiters, at least one. */
  private static boolean isToken(String s) {
    if (s.isEmpty()) {
      return false;
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c <= 0x20 || c >= 0x7f || "\"(),/:;<=>?@[\\]{}".indexOf(c) >= 0) {
        return false;
      }
    }
    return true;
  }
}
