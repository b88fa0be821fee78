package io.btlib.policy;

import java.util.Random;

/**
 * A read-only view of one torrent's download state, for a {@link PiecePicker}. Pieces the picker
 * must never pick (verified, or in skipped files only) are already removed: {@link
 * #isWanted(int)} is false for them. Valid only during the call that receives it.
 *
 * <p>Blocks are the 16 KiB units requests are made in; block {@code b} of a piece starts at byte
 * {@code b * 16384}.
 */
public interface SwarmView {

  /** The number of pieces in the torrent. */
  int pieceCount();

  /** Whether piece {@code piece} is still to be downloaded (not verified, in a wanted file). */
  boolean isWanted(int piece);

  /** The next wanted piece at or after {@code from}, or -1: iterates wanted pieces cheaply. */
  int nextWanted(int from);

  /** The number of wanted pieces. */
  int wantedCount();

  /** How many connected peers have piece {@code piece}. */
  int availability(int piece);

  /** The piece's priority: 0 skipped (never wanted), 1 normal (default) up to 7 highest. */
  int priority(int piece);

  /** The number of blocks in piece {@code piece}. */
  int blockCount(int piece);

  /** Whether block {@code block} of piece {@code piece} has arrived (and awaits the hash check). */
  boolean isBlockReceived(int piece, int block);

  /** How many peers block {@code block} of piece {@code piece} is requested from right now. */
  int blockRequests(int piece, int block);

  /** Whether any block of piece {@code piece} is received or requested: a started piece. */
  boolean isStarted(int piece);

  /**
   * Whether every block of every wanted piece is received or requested: the end game, in which a
   * picker may request a block from a second peer.
   */
  boolean isEndGame();

  /** The engine's monotonic time. */
  long nowNanos();

  /**
   * The time, on the {@link #nowNanos()} clock, by which a reader of the torrent (a {@link
   * io.btlib.client.TorrentReader}) needs piece {@code piece}, or {@link Long#MAX_VALUE} if no
   * reader's window holds it. A deadline may be in the past: the reader is waiting. A picker that
   * honours deadlines picks the pieces with the nearest first. The default: no deadlines.
   */
  default long deadlineNanos(int piece) {
    return Long.MAX_VALUE;
  }

  /**
   * The number of pieces with a deadline (see {@link #deadlineNanos(int)}); with {@link
   * #deadlinePiece(int)} a picker walks them nearest first without scanning every piece. The
   * default: 0.
   */
  default int deadlineCount() {
    return 0;
  }

  /**
   * The piece with the {@code rank}-th nearest deadline, 0 the nearest. It may be one that is no
   * longer wanted (verified meanwhile, or being hashed): check {@link #isWanted(int)}.
   *
   * @throws IndexOutOfBoundsException unless {@code 0 <= rank < deadlineCount()}
   */
  default int deadlinePiece(int rank) {
    throw new IndexOutOfBoundsException("rank " + rank + " of 0");
  }

  /** The torrent's random source, for tie-breaks (seeded by the client's builder). */
  Random random();
}
