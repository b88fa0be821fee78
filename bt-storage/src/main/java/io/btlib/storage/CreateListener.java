package io.btlib.storage;

/**
 * Hears how the hashing of a {@link TorrentCreator} goes.
 *
 * <p>Called from the creator's worker threads, but never concurrently: one call at a time, with
 * {@code bytesHashed} never decreasing. On success the last call has {@code bytesHashed ==
 * totalBytes} and comes before the result completes; a cancelled or failed creation may stop
 * anywhere short of it. Implementations must be fast, must not block or throw (a throw is logged
 * and ignored), and must not call back into the creator.
 */
public interface CreateListener {

  /** A listener that ignores everything. */
  CreateListener NONE = new CreateListener() {};

  /**
   * More file data has been hashed.
   *
   * @param bytesHashed the bytes of file data hashed so far (pad files not counted)
   * @param totalBytes the bytes of file data in the torrent
   */
  default void onProgress(long bytesHashed, long totalBytes) {}
}
