package io.btlib.metainfo;

/**
 * Thrown when a metainfo file (a {@code .torrent}) is malformed or unsafe: says what was wrong and
 * at which key path, e.g. {@code info.files[3].path[1]}.
 *
 * <p>An input that is not valid bencode at all is reported with the key path {@code ""} and the
 * {@link io.btlib.bencode.BencodeException} (with its byte offset) as the cause.
 */
public class MetainfoException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** Where the problem is; {@code ""} for the whole input. */
  private final String keyPath;
  /** What is wrong, without the key path. */
  private final String reason;

  /**
   * Creates an exception.
   *
   * @param keyPath where the problem is, as dotted keys with list indices in brackets ({@code ""}
   *     for the whole document)
   * @param reason what is wrong
   */
  public MetainfoException(String keyPath, String reason) {
    this(keyPath, reason, null);
  }

  /** Like {@link #MetainfoException(String, String)}, with the cause. */
  public MetainfoException(String keyPath, String reason, Throwable cause) {
    super(keyPath.isEmpty() ? reason : keyPath + ": " + reason, cause);
    this.keyPath = keyPath;
    this.reason = reason;
  }

  /** Where the problem is, e.g. {@code info.files[3].path[1]}; {@code ""} for the document. */
  public String keyPath() {
    return keyPath;
  }

  /** What is wrong, without the key path. */
  public String reason() {
    return reason;
  }
}
