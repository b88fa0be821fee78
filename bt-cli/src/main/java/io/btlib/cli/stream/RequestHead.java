package io.btlib.cli.stream;

import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A parsed request line and header section.
 *
 * @param method the method, case-sensitive as RFC 9110 says ({@code GET}, {@code HEAD})
 * @param target the request target as sent (origin form: {@code /path?query})
 * @param minorVersion 0 for HTTP/1.0, 1 for HTTP/1.1
 * @param headers field values by lower-case name, in the order received
 */
record RequestHead(String method, String target, int minorVersion, Map<String, List<String>> headers) {
  RequestHead {
    headers = Map.copyOf(headers);
  }

  /** The values of {@code name} joined with {@code ", "}, or null when absent. */
  String header(String name) {
    List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
    return v == null ? null : String.join(", ", v);
  }

  /** How many times the field {@code name} was sent. */
  int count(String name) {
    List<String> v = headers.get(name.toLowerCase(Locale.ROOT));
    return v == null ? 0 : v.size();
  }

  /** Whether the {@code Connection} field lists {@code token} (case-insensitive). */
  boolean connectionHas(String token) {
    String c = header("connection");
    if (c == null) {
      return false;
    }
    for (String t : c.split(",")) {
      if (t.strip().equalsIgnoreCase(token)) {
        return true;
      }
    }
    return false;
  }

  /** Whether the client wants the connection kept after this exchange (RFC 9112, 9.3). */
  boolean keepAlive() {
    if (connectionHas("close")) {
      return false;
    }
    return minorVersion >= 1 || connectionHas("keep-alive");
  }

  /** Whether a body follows the head ({@code Content-Length} above 0 or any transfer coding). */
  boolean hasBody() {
    if (header("transfer-encoding") != null) {
      return true;
    }
    String cl = header("content-length");
    return cl != null && !cl.strip().equals("0");
  }
}
