package io.btlib.bencode;

/**
 * Thrown when input is not valid bencode, or breaks a limit of the {@link Bdecoder}: says what was
 * wrong and at which byte offset of the input.
 *
 * <p>Offsets count from the first byte handed to the decoder (not from the start of a backing array).
 * An error that is not tied to one position (for example an input stream that is larger than the
 * allowed size) reports the offset at which the limit was crossed.
 */
public class BencodeException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  /** What was wrong, without the offset. */
  private final String reason;
  /** The byte offset in the input where the problem was found. */
  private final long offset;

  /**
   * Creates an exception.
   *
   * @param reason what was wrong, e.g. {@code "leading zero in integer"}
   * @param offset the byte offset in the input where the problem was found
   */
  public BencodeException(String reason, long offset) {
    super(reason + " at offset " + offset);
    this.reason = reason;
    this.offset = offset;
  }

  /** What was wrong, without the offset. */
  public String reason() {
    return reason;
  }

  /** The byte offset in the input where the problem was found. */
  public long offset() {
    return offset;
  }
}
