package io.btlib.cli.stream;

/**
 * A request the server refuses with {@link #status()}; the message is the reason sent in the body.
 * After one that the head reader raised the connection is closed: the stream cannot be trusted.
 */
final class HttpError extends Exception {
  private static final long serialVersionUID = 1L;

  private final int status;

  HttpError(int status, String reason) {
    super(reason, null, false, false);
    this.status = status;
  }

  /** The status code to answer with. */
  int status() {
    return status;
  }
}
