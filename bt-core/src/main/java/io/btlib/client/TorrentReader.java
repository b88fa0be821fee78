package io.btlib.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.time.Duration;

/**
 * Reads one file of a torrent while it downloads, for streaming: a read returns bytes as soon as
 * the pieces holding them have passed their hash check, and blocks until then. It never returns
 * bytes that were not verified.
 *
 * <pre>{@code
 * try (TorrentReader r = torrent.newReader(0).readahead(8 << 20)) {
 *   r.position(r.size() / 2);                  // seek: the window moves, old requests are cancelled
 *   InputStream in = r.inputStream();          // shares the reader's position
 *   in.transferTo(out);                        // blocks while the next piece is missing
 * }
 * }</pre>
 *
 * <p><b>The window.</b> A reader owns the bytes from its position up to its {@link
 * #readahead(long) readahead}: their pieces get deadlines, nearest first, and are requested ahead
 * of everything else from the fastest peers that have them; a late block is requested from a
 * second peer. Moving the position (by reading or by {@link #position(long)}) moves the window,
 * and requests for pieces no longer in any window are cancelled. While any reader has a window,
 * the torrent keeps its request pipes to half a second, since a peer serves requests in order and
 * a time-critical one would wait behind the rest. Pieces outside every window are downloaded by
 * the torrent's {@link io.btlib.policy.PiecePicker} as before (rarest first by default), so a reader
 * does not starve the swarm; a seed, whose upload the swarm's rarest pieces come from, is asked
 * for window pieces that leechers also have only when they are due within a few seconds. Pieces in a file with priority 0 are not downloaded for a reader: raise the
 * file's priority ({@link Torrent#setFilePriority}) to stream it.
 *
 * <p><b>Blocking.</b> {@link #read(ByteBuffer)} and {@link #size()} wait for what they need: the
 * metadata (a torrent added by magnet link), then the verified piece at the position. The wait
 * has no limit unless a {@link #timeout(Duration) timeout} is set; when it expires the call throws
 * {@link ReadTimeoutException} and the reader stays open. A thread interrupted while it waits gets
 * {@link java.nio.channels.ClosedByInterruptException}, keeps its interrupt status, and the reader
 * is closed, as for the JDK's interruptible channels. {@link #close()} from another thread wakes a
 * waiting read with {@link java.nio.channels.AsynchronousCloseException}. Once the torrent is
 * removed or its client closed, reads fail with an {@link IOException}; while it is paused or
 * stopped they wait.
 *
 * <p><b>Threads.</b> A reader is thread-safe; reads and position changes are serialized, as in
 * {@link java.nio.channels.FileChannel}. Any number of readers may be open on one torrent, on one
 * file or on several. Bytes are read from the torrent's {@link Storage} on the calling thread.
 *
 * <p>A reader is read-only: {@link #write(ByteBuffer)} and {@link #truncate(long)} throw {@link
 * java.nio.channels.NonWritableChannelException}. {@link #close()} releases the reader's window;
 * it is idempotent.
 */
public interface TorrentReader extends SeekableByteChannel {

  /**
   * Reads bytes of the file from the current position into {@code dst} and advances the position:
   * at least one byte, waiting until the piece holding the position is verified, and more while
   * the following bytes are verified too; -1 at the end of the file.
   *
   * @throws ReadTimeoutException if the {@link #timeout(Duration) timeout} expired first
   * @throws java.nio.channels.ClosedChannelException if the reader is closed (an {@link
   *     java.nio.channels.AsynchronousCloseException} if closed while this read waited, a {@link
   *     java.nio.channels.ClosedByInterruptException} if the waiting thread was interrupted)
   * @throws IOException if the torrent is removed or failed, or the storage cannot be read
   */
  @Override
  int read(ByteBuffer dst) throws IOException;

  /**
   * The length of the file in bytes; for a torrent added by magnet link it waits for the metadata,
   * as {@link #read(ByteBuffer)} does.
   *
   * @throws ReadTimeoutException if the timeout expired before the metadata arrived
   */
  @Override
  long size() throws IOException;

  /**
   * Moves the position (a seek); past the end is allowed, and reads there return -1. The window
   * follows at once: the pieces around the new position are requested first.
   *
   * @throws IllegalArgumentException if {@code newPosition} is negative
   * @throws java.nio.channels.ClosedChannelException if the reader is closed
   */
  @Override
  TorrentReader position(long newPosition) throws IOException;

  /**
   * Sets how many bytes ahead of the position the reader wants downloaded first (its window).
   * By default it follows the reader's own consumption: {@link #DEFAULT_READAHEAD} until the
   * reader has read for 2 s, then ten seconds' worth at the rate it has read since its first read
   * (a player reads at the media's bit rate), between 2 and 64 MiB. A player that knows its bit
   * rate may set about ten seconds' worth instead. Returns this reader.
   *
   * @throws IllegalArgumentException if {@code bytes} is not positive
   */
  TorrentReader readahead(long bytes);

  /**
   * Sets how long a read (or {@link #size()}) waits for missing bytes before it throws {@link
   * ReadTimeoutException}; {@link Duration#ZERO} (the default) waits without limit. Returns this
   * reader.
   *
   * @throws IllegalArgumentException if {@code timeout} is negative
   */
  TorrentReader timeout(Duration timeout);

  /**
   * A stream view of this reader: it shares the reader's position, waits and throws as {@link
   * #read(ByteBuffer)} does, its {@code skip} moves the position (never past the end of the file),
   * its {@code available()} counts the verified bytes from the position that can be read without
   * waiting, and closing it closes the reader. Every call returns the same view.
   */
  InputStream inputStream();

  /** The index of the file in {@code Metainfo.files()} this reader reads. */
  int fileIndex();

  /** The {@link #readahead(long)} of a reader that has not read for 2 s yet: 8 MiB. */
  long DEFAULT_READAHEAD = 8L << 20;
}
