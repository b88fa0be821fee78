package io.btlib.tracker;

/**
 * Thrown when a tracker's response is malformed: says what was wrong and at which key path, e.g.
 * {@code peers[3].port} or {@code files.<hex>.complete}.
 *
 * <p>A body that is not bencode at all is reported with the key path {@code ""} and the {@link
 * io.btlib.bencode.BencodeException} (with its byte offset) as the cause. A tracker that answered well
 * but refused the request is a {@link TrackerFailureException}.
 */
public class TrackerException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Where the problem is; {@code ""} for the whole input. */
  private final String keyPath;
  /** What is wrong, without the key path. */
  private final String reason;

  /**
   * Creates an exception.
   *
   * @param keyPath where the problem is, as dotted keys with list indices in brackets ({@code ""}
   *     for the whole body)
   * @param reason what is wrong
   */
  public TrackerException(String keyPath, String reason) {
    this(keyPath, reason, null);
  }

  /** Like {@link #TrackerException(String, String)}, with the cause. */
  public TrackerException(String keyPath, String reason, Throwable cause) {
    super(keyPath.isEmpty() ? reason : keyPath + ": " + reason, cause);
    this.keyPath = keyPath;
    this.reason = reason;
  }

  /** Where the problem is, e.g. {@code peers[3].port}; {@code ""} for the whole body. */
  public String keyPath() {
    return keyPath;
  }

  /** What is wrong, without the key path. */
  public String reason() {
    return reason;
  }
}
