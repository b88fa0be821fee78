package io.btlib.client;

import java.io.Closeable;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.BitSet;

/**
 * Where one torrent's pieces are kept: the service interface between the engine (or a recheck)
 * and the bytes, addressed by piece, never by file. bt-storage ships {@code FileStorage} (files
 * under a directory), {@code ChannelStorage} (file channels the application opens, e.g. from
 * Android's storage access framework) and {@code MemoryStorage}; an application may supply its
 * own.
 *
 * <p><b>Contract.</b> A piece's bytes are the {@code Metainfo.pieceSize(piece)} bytes of the
 * torrent's piece-aligned stream; bytes of BEP 47 pad files are never stored and read as zeros. A
 * read of a range of which any byte has never been stored (missing file, short file) fails with an
 * {@link IOException} ({@link java.nio.file.NoSuchFileException} or {@link java.io.EOFException}
 * where it fits) rather than inventing data; a caller checking hashes treats that as a bad piece.
 * Storage never checks hashes: a write is stored as given.
 *
 * <p><b>Threads.</b> Implementations must allow concurrent calls for different pieces (hashing and
 * disk I/O run on several threads); calls for the same piece are not concurrent. {@link #close()}
 * is idempotent; after it, every other call fails with {@link IllegalStateException}.
 */
public interface Storage extends Closeable {

  /**
   * Fills the remaining bytes of {@code dst} with piece {@code piece}'s bytes from {@code offset};
   * the position moves to the limit.
   *
   * @throws IOException if any byte of the range is not stored, or reading fails
   * @throws IndexOutOfBoundsException if the range is outside the piece
   */
  void read(int piece, int offset, ByteBuffer dst) throws IOException;

  /**
   * Stores the remaining bytes of {@code src} as piece {@code piece}'s bytes from {@code offset};
   * the position moves to the limit. Bytes that fall in pad files are dropped.
   *
   * @throws IOException if writing fails (for example, the disk is full); what was stored of the
   *     range is then unspecified, and the caller must treat the piece as absent
   * @throws IndexOutOfBoundsException if the range is outside the piece
   */
  void write(int piece, int offset, ByteBuffer src) throws IOException;

  /**
   * Sends {@code length} bytes of piece {@code piece} from {@code offset} to {@code target}, for
   * seeding; an implementation over files may use {@code FileChannel.transferTo}. The default reads
   * through a buffer.
   *
   * @return the number of bytes sent, which is {@code length} unless {@code target} is a
   *     non-blocking channel that took fewer
   */
  default long transferTo(int piece, int offset, int length, WritableByteChannel target)
      throws IOException {
    ByteBuffer b = ByteBuffer.allocate(length);
    read(piece, offset, b);
    ((Buffer) b).flip();
    long sent = 0;
    while (b.hasRemaining()) {
      int n = target.write(b);
      if (n == 0) {
        break;
      }
      sent += n;
    }
    return sent;
  }

  /**
   * Declares which files are wanted (bit {@code i} for {@code Metainfo.files().get(i)}); by default
   * all are. A skipped file is not created; the bytes of pieces it shares with wanted files are
   * kept aside, and move into the file if it becomes wanted later. The default ignores the call and
   * stores every file.
   */
  default void setWantedFiles(BitSet wanted) throws IOException {}

  /** Forces everything written so far to durable storage. */
  void flush() throws IOException;

  /** Releases every file and handle; idempotent. */
  @Override
  void close() throws IOException;
}
