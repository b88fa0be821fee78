package io.btlib.utp;

/**
 * A datagram is not a valid uTP packet: names the rule it broke and the offending value. The
 * datagram is dropped; a connection it claims to belong to is not affected by it.
 */
public class UtpException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The rules a datagram can break. */
  public enum Rule {
    /** Shorter than the 20-byte header, or than its extensions say. */
    TOO_SHORT,
    /** The version nibble is not 1. */
    BAD_VERSION,
    /** The type nibble is not one of ST_DATA, ST_FIN, ST_STATE, ST_RESET, ST_SYN. */
    BAD_TYPE,
    /** An extension is malformed: a selective ACK of a bad length, or given twice. */
    BAD_EXTENSION
  }

  private final Rule rule;
  private final long value;

  /**
   * Creates an exception.
   *
   * @param rule the rule broken
   * @param value the offending value, or -1
   * @param message what was wrong, for people
   */
  public UtpException(Rule rule, long value, String message) {
    super(message);
    this.rule = rule;
    this.value = value;
  }

  /** The rule broken. */
  public Rule rule() {
    return rule;
  }

  /** The offending value (a length, a version, a type), or -1. */
  public long value() {
    return value;
  }
}
