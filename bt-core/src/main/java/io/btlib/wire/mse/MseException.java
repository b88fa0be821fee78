package io.btlib.wire.mse;

/**
 * A peer broke the MSE handshake: names the rule, the offset in the bytes received from the peer
 * where it was found, and the offending value and limit where there is one. The connection is to
 * be closed; the handshake that threw is dead.
 */
public final class MseException extends Exception {
  private static final long serialVersionUID = 1L;

  /** The rules a peer's handshake can break. */
  public enum Rule {
    /** The peer's Diffie-Hellman public key is not in [2, P-2]. */
    BAD_PUBLIC_KEY,
    /**
     * The synchronisation point was not found in time: HASH('req1', S) within 628 bytes of the
     * start (receiver), or ENCRYPT(VC) within 616 bytes (initiator).
     */
    SYNC_NOT_FOUND,
    /** HASH('req2', SKEY) names no torrent we have (the lookup found none). */
    UNKNOWN_SKEY,
    /** The verification constant did not decrypt to eight zero bytes. */
    BAD_VC,
    /** The initiator offered no method the receiver accepts (or none at all). */
    NO_COMMON_METHOD,
    /** The receiver selected no method, several, or one the initiator did not offer. */
    BAD_SELECT,
    /** PadC or PadD is longer than 512 bytes. */
    PAD_TOO_LONG,
    /** The connection ended before the handshake did. */
    TRUNCATED,
    /** A plain BitTorrent handshake arrived where only an encrypted one is accepted. */
    PLAINTEXT_REFUSED
  }

  /** The rule broken. */
  private final Rule rule;
  /** How many bytes the peer had sent before the offending field. */
  private final long offset;
  /** The offending value, or -1. */
  private final long value;
  /** The limit broken, or -1. */
  private final long limit;

  /**
   * Creates an exception.
   *
   * @param rule the rule broken
   * @param offset bytes received from the peer before the offending field
   * @param value the offending value, or -1
   * @param limit the limit it broke, or -1
   * @param detail a description
   */
  public MseException(Rule rule, long offset, long value, long limit, String detail) {
    super(rule + ": " + detail + " at offset " + offset
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

  /** How many bytes the peer had sent before the offending field. */
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
