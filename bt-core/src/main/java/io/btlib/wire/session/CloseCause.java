package io.btlib.wire.session;

/**
 * Why a {@link PeerSession} closed. The causes marked as protocol violations are the peer's fault:
 * the engine may ban the address; the others are not (a timeout, an end of stream, our own
 * decision).
 */
public enum CloseCause {
  /** The engine called {@link PeerSession#close(String)}. */
  LOCAL(false),
  /** The peer closed the connection ({@link PeerSession#handleEof(long)}). */
  EOF(false),
  /** The peer's handshake did not arrive within the handshake timeout. */
  HANDSHAKE_TIMEOUT(false),
  /** Nothing arrived from the peer within the inactivity timeout. */
  INACTIVITY_TIMEOUT(false),
  /** A bug in bt: an unexpected exception while handling input; the reason carries it. */
  INTERNAL_ERROR(false),

  /**
   * The first bytes are not a BitTorrent handshake: another protocol, or messages before the
   * handshake.
   */
  MALFORMED_HANDSHAKE(true),
  /** The handshake names a torrent other than the session's (BEP 3). */
  WRONG_INFO_HASH(true),
  /** The handshake carries our own peer id: we connected to ourselves. */
  SELF_CONNECTION(true),
  /**
   * The message framing is broken: a length prefix over the limit, a length wrong for the message
   * type, a block over {@code maxBlockLength}, an index over 31 bits ({@link
   * io.btlib.wire.WireException}).
   */
  MALFORMED_MESSAGE(true),
  /**
   * A bitfield, have-all or have-none that is not the first message after the handshake, or a
   * second one (BEP 3, BEP 6).
   */
  BITFIELD_NOT_FIRST(true),
  /** A bitfield whose length does not fit the piece count, or with spare bits set (BEP 3). */
  BAD_BITFIELD(true),
  /** A have, request, cancel, piece, reject, suggest or allowed-fast for a piece past the last. */
  PIECE_INDEX_OUT_OF_RANGE(true),
  /** A request, cancel, reject or piece whose block runs past the end of its piece. */
  BLOCK_OUT_OF_RANGE(true),
  /** Too many piece messages for blocks we never requested. */
  UNREQUESTED_BLOCKS(true),
  /** A have-all, have-none, reject, suggest or allowed-fast without the fast extension (BEP 6). */
  FAST_NOT_NEGOTIATED(true),
  /** An extension message without the extension protocol on both sides (BEP 10). */
  EXTENSION_NOT_NEGOTIATED(true),
  /** An extension message under an id we never assigned in our extended handshake (BEP 10). */
  UNKNOWN_EXTENSION_ID(true),
  /** An extended handshake, {@code ut_metadata} or {@code ut_pex} message that does not parse. */
  MALFORMED_EXTENSION(true),
  /**
   * A metadata size over the cap, or one that disagrees with another (BEP 9): {@code
   * metadata_size} against ours or a {@code total_size} against the announced {@code
   * metadata_size}.
   */
  METADATA_SIZE(true);

  private final boolean protocolViolation;

  CloseCause(boolean protocolViolation) {
    this.protocolViolation = protocolViolation;
  }

  /** Whether this cause is the peer breaking the protocol. */
  public boolean isProtocolViolation() {
    return protocolViolation;
  }
}
