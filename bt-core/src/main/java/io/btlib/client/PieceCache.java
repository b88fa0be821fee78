package io.btlib.client;

import java.io.IOException;

/**
 * A {@link Storage} that holds at most {@link #capacity()} bytes of pieces, for streaming a
 * torrent larger than the room a device has (a 50 GiB file watched with 1 GiB free). Give one to
 * {@link Client#add} and the engine runs the torrent in cache mode:
 *
 * <ul>
 *   <li>it fetches only the pieces its readers' windows cover ({@link Torrent#newReader}), each
 *       window cut to half the capacity; without a reader it fetches nothing;
 *   <li>before a piece is stored it makes room by evicting pieces no window holds, the oldest
 *       stored first, and only then the window pieces needed last ({@link #evict});
 *   <li>an evicted piece is no longer verified: a reader that needs it again waits while it is
 *       fetched and checked again; peers that ask for it are refused (a BEP 6 reject, or no answer
 *       without the fast extension: a HAVE cannot be taken back); a later {@code stop()} and
 *       {@code start()} does not count it as held;
 *   <li>the torrent never completes (it stays downloading), since what it holds changes.
 * </ul>
 *
 * <p>The bound covers stored pieces plus those being checked before their write; it can be
 * exceeded only while more pieces are being checked at once than fit in it.
 */
public interface PieceCache extends Storage {

  /** The most bytes of pieces held at once; at least one piece. */
  long capacity();

  /**
   * Drops piece {@code piece}'s bytes: later reads of it fail until it is written again. Called by
   * the engine only, after it stopped counting the piece as verified.
   */
  void evict(int piece) throws IOException;
}
