package io.btlib.http;

import java.io.InputStream;
import java.net.URI;
import java.util.Optional;

/**
 * The answer to an {@link HttpRequest} as a {@link HttpTransport.BodyHandler} sees it: the status
 * and headers are in, the body is a stream not yet read. Valid only while the handler runs; the
 * transport closes the body after it returns (reusing the connection if the body was read to its
 * end and the transport pools connections).
 */
public interface HttpResponse {
  /** The URI that answered: the request's, or the last redirect's. */
  URI uri();

  /** The status code, e.g. 200 or 206 (redirects that were followed are not seen). */
  int status();

  /** The first value of header {@code name} (any case), or empty. */
  Optional<String> header(String name);

  /**
   * The {@code Content-Length} header as a number, or -1 if it is absent or not a non-negative
   * decimal number.
   */
  default long contentLength() {
    String v = header("Content-Length").orElse("").trim();
    if (v.isEmpty() || v.length() > 18) {
      return -1;
    }
    for (int i = 0; i < v.length(); i++) {
      if (v.charAt(i) < '0' || v.charAt(i) > '9') {
        return -1;
      }
    }
    return Long.parseLong(v);
  }

  /**
   * The body, as sent (no decoding of {@code Content-Encoding}); reads block. A read fails with an
   * {@link java.io.IOException} once the exchange is aborted (timeout, cancel, close).
   */
  InputStream body();
}
