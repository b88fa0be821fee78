package io.btlib.webseed.internal;

import java.io.IOException;

/**
 * A web seed's answer could not be used: an HTTP error status, a malformed or mismatched range, a
 * body longer or shorter than asked, a timeout. Costs that web seed a back-off, never the torrent.
 */
public final class WebSeedException extends IOException {
  private static final long serialVersionUID = 1L;
  private final int status;
  private final long retryAfterSeconds;

  /** A failure with the HTTP status (0 if none) and the server's Retry-After (-1 if none). */
  public WebSeedException(String message, int status, long retryAfterSeconds) {
    super(message);
    this.status = status;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** A failure without a status. */
  public WebSeedException(String message) {
    this(message, 0, -1);
  }

  /** The HTTP status that failed the request, or 0. */
  public int status() {
    return status;
  }

  /** The server's Retry-After in seconds, or -1. */
  public long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
