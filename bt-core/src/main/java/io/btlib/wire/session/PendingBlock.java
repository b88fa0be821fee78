package io.btlib.wire.session;

/**
 * The body of a piece message that the engine must write to the connection next: {@link
 * PeerSession#pollTransmit} has just written the message's 13-byte header, and the {@code length}
 * bytes of piece {@code piece} from {@code offset} must follow on the wire before any other byte,
 * typically straight from storage with {@code FileChannel.transferTo}.
 *
 * @param piece the piece index
 * @param offset the block's offset in the piece
 * @param length the block's length in bytes
 */
public record PendingBlock(int piece, int offset, int length) {
  /** Checks the values. */
  public PendingBlock {
    if (piece < 0 || offset < 0 || length < 1) {
      throw new IllegalArgumentException("piece and offset must be >= 0 and length >= 1: "
          + piece + ", " + offset + ", " + length);
    }
  }
}
