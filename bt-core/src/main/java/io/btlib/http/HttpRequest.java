package io.btlib.http;

import java.net.URI;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One HTTP GET to send: an immutable value, checked when made.
 *
 * <pre>{@code
 * URI uri = URI.create("http://127.0.0.1:8080/f.bin");
 * HttpRequest r = HttpRequest.get(uri, Duration.ofSeconds(30)).withHeader("Range", "bytes=0-99");
 * }</pre>
 *
 * @param uri an absolute {@code http} or {@code https} URI with a host
 * @param headers header names (RFC 9110 tokens) to values (printable ASCII, no CR or LF), in the
 *     order sent; the map is copied and cannot be modified
 * @param timeout the bound on the whole exchange, from sending to the body handler's return;
 *     positive
 */
public record HttpRequest(URI uri, Map<String, String> headers, Duration timeout) {

  /** Checks and copies the values. */
  public HttpRequest {
    Objects.requireNonNull(uri, "uri");
    Objects.requireNonNull(headers, "headers");
    Objects.requireNonNull(timeout, "timeout");
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || uri.getHost() == null) {
      throw new IllegalArgumentException("not an absolute http(s) URI with a host: " + uri);
    }
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive, got " + timeout);
    }
    LinkedHashMap<String, String> copy = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : headers.entrySet()) {
      copy.put(checkName(e.getKey()), checkValue(e.getKey(), e.getValue()));
    }
    headers = Collections.unmodifiableMap(copy);
  }

  /** A GET of {@code uri} with no headers of its own, bounded by {@code timeout}. */
  public static HttpRequest get(URI uri, Duration timeout) {
    return new HttpRequest(uri, Map.of(), timeout);
  }

  /** A copy with header {@code name} set to {@code value} (replacing a value it had). */
  public HttpRequest withHeader(String name, String value) {
    LinkedHashMap<String, String> h = new LinkedHashMap<>(headers);
    h.put(checkName(name), checkValue(name, value));
    return new HttpRequest(uri, h, timeout);
  }

  private static String checkName(String name) {
    Objects.requireNonNull(name, "header name");
    if (name.isEmpty()) {
      throw new IllegalArgumentException("empty header name");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      boolean token = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || "!#$%&'*+-.^_`|~".indexOf(c) >= 0;
      if (!token) {
        throw new IllegalArgumentException("header name is not a token: " + name);
      }
    }
    return name;
  }

  private static String checkValue(String name, String value) {
    Objects.requireNonNull(value, name);
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if ((c < 0x20 && c != '\t') || c > 0x7E) {
        throw new IllegalArgumentException("header " + name + " has a character " + (int) c
            + " that is not printable ASCII");
      }
    }
    return value;
  }
}
