package io.btlib.storage;

/**
 * Hears how a {@link Recheck} goes. Called from the recheck's worker threads, possibly at the same
 * time: implementations must be thread-safe, fast, must not throw, and must not block.
 */
@FunctionalInterface
public interface RecheckListener {

  /** A listener that ignores everything. */
  RecheckListener NONE = (piece, good, piecesDone, bytesDone) -> {};

  /**
   * Piece {@code piece} was checked.
   *
   * @param good whether it matched its hashes
   * @param piecesDone how many pieces have been checked so far, this one included
   * @param bytesDone how many bytes have been hashed so far
   */
  void onPiece(int piece, boolean good, int piecesDone, long bytesDone);
}
