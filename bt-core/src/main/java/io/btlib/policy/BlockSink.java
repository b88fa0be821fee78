package io.btlib.policy;

/** Where a {@link PiecePicker} puts the blocks it picks. */
public interface BlockSink {

  /**
   * Adds block {@code block} of piece {@code piece} to the requests to send to the peer.
   *
   * @return whether there is room for more; once false, further calls are ignored
   */
  boolean add(int piece, int block);
}
