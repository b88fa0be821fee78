package io.btlib.metainfo;

/**
 * Reports a {@code magnet:} URI that {@link MagnetLink#parse(String)} cannot accept (BEP 9,
 * BEP 53), naming what is wrong, the offending value and the query parameter at fault.
 *
 * <p>This is the only exception {@code parse} throws for any non-null input, however hostile.
 */
public class MagnetLinkException extends RuntimeException {

  /** The query parameter at fault, or null. */
  private final String parameter;

  /**
   * Creates an exception.
   *
   * @param message what is wrong, with the offending value
   * @param parameter the query parameter at fault (such as {@code "xt"}), or null when the fault
   *     is not in one parameter (wrong scheme, too long)
   */
  public MagnetLinkException(String message, String parameter) {
    super(message);
    this.parameter = parameter;
  }

  /**
   * Returns the name of the query parameter at fault, such as {@code "xt"} or {@code "x.pe"}, or
   * null when the fault is not in one parameter. For a parameter whose name cannot be decoded or
   * that has no {@code '='}, this is the raw text, truncated.
   */
  public String parameter() {
    return parameter;
  }
}
