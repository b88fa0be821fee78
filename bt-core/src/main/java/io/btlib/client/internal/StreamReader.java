package io.btlib.client.internal;

import io.btlib.client.Storage;
import io.btlib.client.TorrentReader;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The {@link TorrentReader}: runs on its callers' threads, waits on the torrent's {@link
 * ReadGate} for verified pieces, reads them from the torrent's storage, and posts its window to
 * the engine thread ({@link ReaderWindows}) whenever the piece at its position changes. Internal,
 * not API.
 */
final class StreamReader implements TorrentReader, ReadGate.Waiter {
  private static final AtomicInteger IDS = new AtomicInteger();

  private final TorrentRuntime t;
  private final ReadGate gate;
  private final int file;
  private final int id = IDS.incrementAndGet();
  /** Serializes reads and seeks; never held by the engine thread. */
  private final ReentrantLock lock = new ReentrantLock();
  private final Stream stream = new Stream();
  private volatile boolean closed;
  /** Written under {@link #lock}. */
  private volatile long position;
  private volatile long readahead = DEFAULT_READAHEAD;
  /** Whether {@link #readahead(long)} was called: else it follows {@link #rate}. */
  private volatile boolean readaheadSet;
  /** The consumption rate the default readahead follows; under {@link #lock}. */
  private final ReadRate rate = new ReadRate();
  private volatile long timeoutNanos;
  /** The stream offset of the window last posted, or -1; under {@link #lock}. */
  private long postedPiece = -1;

  StreamReader(TorrentRuntime t, int file) {
    this.t = t;
    this.gate = t.readGate;
    this.file = file;
    postWindow();
  }

  @Override
  public int fileIndex() {
    return file;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    lock.lock();
    try {
      ensureOpen();
      if (!dst.hasRemaining()) {
        return 0;
      }
      Metainfo m = gate.awaitMetainfo(this, timeoutNanos);
      FileEntry f = file(m);
      long pos = position;
      if (pos >= f.length()) {
        return -1;
      }
      movedTo(m, f, pos);
      int pieceLength = m.pieceLength();
      int first = (int) ((f.offset() + pos) / pieceLength);
      int total = 0;
      while (total == 0) { // again only if a bounded cache evicted the first piece meanwhile
        gate.awaitPiece(this, first, timeoutNanos);
        Storage s = gate.storage();
        while (dst.hasRemaining() && pos < f.length()) {
          long at = f.offset() + pos;
          int piece = (int) (at / pieceLength);
          if (piece != first && !gate.isVerified(piece)) {
            break; // what is verified now; the next read waits for the rest
          }
          int offset = (int) (at - (long) piece * pieceLength);
          int n = (int) Math.min(dst.remaining(),
              Math.min(m.pieceSize(piece) - offset, f.length() - pos));
          if (!readStorage(s, piece, offset, dst, n)) {
            break; // evicted: what was read is returned, or the first piece awaited again
          }
          pos += n;
          total += n;
        }
      }
      position = pos;
      rate.read(total, t.engine.ticker.getAsLong());
      movedTo(m, f, pos);
      return total;
    } finally {
      lock.unlock();
    }
  }

  /**
   * Reads {@code n} bytes of a verified piece into {@code dst}; false, with nothing read, if a
   * bounded cache evicted the piece since it was found verified.
   */
  private boolean readStorage(Storage s, int piece, int offset, ByteBuffer dst, int n)
      throws IOException {
    ByteBuffer slice = dst.duplicate();
    ((Buffer) slice).limit(slice.position() + n);
    try {
      s.read(piece, offset, slice);
    } catch (IllegalStateException e) {
      throw new IOException("torrent storage closed", e); // removed while we read
    } catch (IOException e) {
      if (!gate.isVerified(piece)) {
        return false; // the engine un-verifies a piece before its cache drops it
      }
      throw e;
    }
    ((Buffer) dst).position(dst.position() + n);
    return true;
  }

  private FileEntry file(Metainfo m) throws IOException {
    if (file >= m.files().size()) {
      throw new IOException("no file " + file + ": the torrent has " + m.files().size());
    }
    return m.files().get(file);
  }

  /** Posts the window if the piece at {@code pos} is not the one last posted. */
  private void movedTo(Metainfo m, FileEntry f, long pos) {
    long piece = (f.offset() + Math.min(pos, f.length())) / m.pieceLength();
    if (piece != postedPiece) {
      postedPiece = piece;
      postWindow();
    }
  }

  private void postWindow() {
    long pos = position;
    long ahead = readaheadSet ? readahead : defaultReadahead();
    TorrentRuntime rt = t;
    int fileIndex = file;
    int readerId = id;
    rt.engine.post(() -> rt.readerWindowMoved(readerId, fileIndex, pos, ahead));
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() throws IOException {
    ensureOpen();
    return position;
  }

  @Override
  public TorrentReader position(long newPosition) throws IOException {
    if (newPosition < 0) {
      throw new IllegalArgumentException("position must be >= 0: " + newPosition);
    }
    ensureOpen();
    lock.lock();
    try {
      ensureOpen();
      position = newPosition;
      Metainfo m = gate.metainfo();
      if (m != null && file < m.files().size()) {
        postedPiece = -1;
        movedTo(m, m.files().get(file), newPosition);
      } else {
        postWindow();
      }
    } finally {
      lock.unlock();
    }
    return this;
  }

  @Override
  public long size() throws IOException {
    ensureOpen();
    return file(gate.awaitMetainfo(this, timeoutNanos)).length();
  }

  @Override
  public TorrentReader truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public TorrentReader readahead(long bytes) {
    if (bytes <= 0) {
      throw new IllegalArgumentException("readahead must be > 0: " + bytes);
    }
    readahead = bytes;
    readaheadSet = true;
    if (!closed) {
      postWindow();
    }
    return this;
  }

  /** The readahead from the reading rate, as of now; the rate is read under {@link #lock}. */
  private long defaultReadahead() {
    if (!lock.isHeldByCurrentThread()) {
      return DEFAULT_READAHEAD; // the constructor's first window: nothing read yet
    }
    return rate.readahead(t.engine.ticker.getAsLong());
  }

  @Override
  public TorrentReader timeout(Duration timeout) {
    if (timeout.isNegative()) {
      throw new IllegalArgumentException("timeout must be >= 0: " + timeout);
    }
    timeoutNanos = timeout.toNanos();
    return this;
  }

  @Override
  public InputStream inputStream() {
    return stream;
  }

  @Override
  public boolean isOpen() {
    return !closed;
  }

  @Override
  public boolean isClosed() {
    return closed;
  }

  @Override
  public void closeOnInterrupt() {
    close();
  }

  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    gate.wakeAll();
    TorrentRuntime rt = t;
    int readerId = id;
    rt.engine.post(() -> rt.readerClosed(readerId));
  }

  private void ensureOpen() throws ClosedChannelException {
    if (closed) {
      throw new ClosedChannelException();
    }
  }

  /** The bytes from the position that are verified, up to the end of the file. */
  long available() throws IOException {
    ensureOpen();
    Metainfo m = gate.metainfo();
    if (m == null || file >= m.files().size()) {
      return 0;
    }
    FileEntry f = m.files().get(file);
    long pos = position;
    if (pos >= f.length()) {
      return 0;
    }
    long at = f.offset() + pos;
    int pieceLength = m.pieceLength();
    int missing = gate.nextMissing((int) (at / pieceLength));
    long end = Math.min(f.offset() + f.length(), (long) missing * pieceLength);
    return Math.max(0, end - at);
  }

  @Override
  public String toString() {
    return "TorrentReader[file " + file + " at " + position + (closed ? ", closed]" : "]");
  }

  /** The {@link InputStream} view: the reader's position, waits and errors. */
  private final class Stream extends InputStream {
    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      java.util.Objects.checkFromIndexSize(off, len, b.length);
      if (len == 0) {
        return 0;
      }
      return StreamReader.this.read(ByteBuffer.wrap(b, off, len));
    }

    @Override
    public long skip(long n) throws IOException {
      if (n <= 0) {
        return 0;
      }
      lock.lock();
      try {
        long size = size();
        long pos = position;
        long to = Math.min(size, pos + Math.min(n, Long.MAX_VALUE - pos));
        if (to <= pos) {
          return 0;
        }
        position(to);
        return to - pos;
      } finally {
        lock.unlock();
      }
    }

    @Override
    public int available() throws IOException {
      return (int) Math.min(Integer.MAX_VALUE, StreamReader.this.available());
    }

    @Override
    public void close() {
      StreamReader.this.close();
    }
  }
}
