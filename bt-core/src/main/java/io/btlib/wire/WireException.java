package io.btlib.wire;

/**
 * A peer broke the wire protocol: names the rule, where in the stream, the offending value and the
 * limit. The connection that produced it is closed; nothing else is affected.
 */
public class WireException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The rules a peer's bytes can break. */
  public enum Rule {
    /** The handshake does not start with the 19-byte "BitTorrent protocol" string. */
    BAD_PROTOCOL,
    /** A message's length prefix exceeds the limit. */
    MESSAGE_TOO_LONG,
    /** A message's length does not fit its type. */
    BAD_LENGTH,
    /** A block (piece message or request) is longer than the limit, or empty. */
    BLOCK_TOO_LONG,
    /** A value is outside its allowed range (negative index, offset, length). */
    OUT_OF_RANGE,
    /** A message that is not allowed now (before the handshake, or not negotiated). */
    UNEXPECTED,
    /** An extension message is malformed. */
    BAD_EXTENSION
  }

  /** The rule broken. */
  private final Rule rule;
  /** The stream offset of the offending message's first byte. */
  private final long offset;
  /** The offending value, or -1. */
  private final long value;
  /** The limit broken, or -1. */
  private final long limit;

  /**
   * Creates an exception.
   *
   * @param rule the rule broken
   * @param offset the stream offset of the offending message's first byte
   * @param value the offending value (or -1)
   * @param limit the limit it broke (or -1)
   * @param detail a description
   */
  public WireException(Rule rule, long offset, long value, long limit, String detail) {
    super(rule + ": " + detail + " at stream offset " + offset
        + (value >= 0 ? " (value " + value + (limit >= 0 ? ", limit " + limit : "") + ")" : ""));
    this.rule = rule;
    this.offset = offset;
    this.value = value;
    this.limit = limit;
  }

  /** The rule broken. */
  public Rule rule() {
    return rule;
  }

  /** The stream offset of the offending message's first byte. */
  public long offset() {
    return offset;
  }

  /** The offending value, or -1. */
  public long value() {
    return value;
  }

  /** The limit broken, or -1. */
  public long limit() {
    return limit;
  }
}
