package io.btlib.storage;

import io.btlib.client.Storage;
import io.btlib.client.StorageFactory;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.internal.ByteRanges;
import io.btlib.storage.internal.Slices;
import io.btlib.storage.internal.Zeros;
import java.io.EOFException;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * Keeps a torrent's pieces in memory: a {@link Storage} for tests, and for embedders that stream
 * a torrent and never want it on disk.
 *
 * <pre>{@code
 * StorageFactory memory = MemoryStorage.factory();  // a fresh, empty storage per open(metainfo)
 * try (MemoryStorage s = MemoryStorage.of(metainfo)) { ... }
 * }</pre>
 *
 * <p>Sparse: a piece takes memory (its size, on the heap) only once a byte of it is written, and
 * the storage remembers exactly which bytes were. A read of bytes never written fails as {@link
 * FileStorage}'s would: {@link NoSuchFileException} naming the file if nothing of that file was
 * ever written, {@link EOFException} otherwise; it never invents zeros. Pad-file bytes read as
 * zeros and writes to them are dropped. File priorities ({@link #setWantedFiles}) are ignored:
 * every write is kept. Nothing is ever evicted; {@link #close()} drops everything.
 *
 * <p>Thread-safe: calls for different pieces run in parallel (each piece has its own lock).
 * {@link #close()} is idempotent; later calls throw {@link IllegalStateException}.
 */
public final class MemoryStorage implements Storage {
  private final Metainfo metainfo;
  private final PieceMap map;
  private final AtomicReferenceArray<Piece> pieces;
  private final AtomicIntegerArray fileWritten;
  private final AtomicBoolean closed = new AtomicBoolean();

  private static final class Piece {
    final byte[] bytes;
    final ByteRanges written = new ByteRanges(); // guarded by this

    Piece(int size) {
      bytes = new byte[size];
    }
  }

  private MemoryStorage(Metainfo metainfo) {
    this.metainfo = metainfo;
    this.map = PieceMap.of(metainfo);
    this.pieces = new AtomicReferenceArray<>(metainfo.pieceCount());
    this.fileWritten = new AtomicIntegerArray(metainfo.files().size());
  }

  /** An empty storage for {@code metainfo}. */
  public static MemoryStorage of(Metainfo metainfo) {
    return new MemoryStorage(metainfo);
  }

  /** A factory that opens a new, empty memory storage for each torrent; thread-safe. */
  public static StorageFactory factory() {
    return MemoryStorage::of;
  }

  @Override
  public void read(int piece, int offset, ByteBuffer dst) throws IOException {
    checkOpen();
    int length = dst.remaining();
    List<FileSlice> slices = map.slices(piece, offset, length);
    Piece p = pieces.get(piece);
    if (p == null) {
      for (FileSlice s : slices) {
        if (!s.pad()) {
          throw missing(piece, s, s.pieceOffset());
        }
      }
      Zeros.fill(dst); // only pad bytes
      return;
    }
    synchronized (p) {
      for (FileSlice s : slices) {
        int end = s.pieceOffset() + s.length();
        if (!s.pad() && !p.written.covers(s.pieceOffset(), end)) {
          throw missing(piece, s, p.written.firstGap(s.pieceOffset(), end));
        }
      }
      for (FileSlice s : slices) {
        if (s.pad()) {
          Zeros.fill(Slices.slice(dst, dst.position() + s.pieceOffset() - offset, s.length()));
        } else {
          Slices.slice(dst, dst.position() + s.pieceOffset() - offset, s.length())
              .put(p.bytes, s.pieceOffset(), s.length());
        }
      }
    }
    ((Buffer) dst).position(dst.limit());
  }

  @Override
  public void write(int piece, int offset, ByteBuffer src) throws IOException {
    checkOpen();
    List<FileSlice> slices = map.slices(piece, offset, src.remaining());
    Piece p = pieces.get(piece);
    if (p == null) {
      pieces.compareAndSet(piece, null, new Piece(map.pieceSize(piece)));
      p = pieces.get(piece);
    }
    synchronized (p) {
      for (FileSlice s : slices) {
        if (!s.pad()) {
          Slices.slice(src, src.position() + s.pieceOffset() - offset, s.length())
              .get(p.bytes, s.pieceOffset(), s.length());
          p.written.add(s.pieceOffset(), s.pieceOffset() + s.length());
          fileWritten.set(s.fileIndex(), 1);
        }
      }
    }
    ((Buffer) src).position(src.limit());
  }

  /**
   * Drops piece {@code piece}'s bytes (for {@link MemoryCache}); a read of it then fails as for
   * bytes never written. A read already copying keeps the bytes it found.
   *
   * @return the bytes the piece took, 0 if it held none
   */
  int forget(int piece) {
    checkOpen();
    Piece p = pieces.getAndSet(piece, null);
    return p == null ? 0 : p.bytes.length;
  }

  /** Ignored, but for the closed check: a memory storage keeps every write. */
  @Override
  public void setWantedFiles(BitSet wanted) {
    checkOpen();
  }

  @Override
  public void flush() {
    checkOpen();
  }

  /** Drops every piece; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      for (int i = 0; i < pieces.length(); i++) {
        pieces.set(i, null);
      }
    }
  }

  @Override
  public String toString() {
    return "MemoryStorage[" + metainfo.name() + "]";
  }

  private IOException missing(int piece, FileSlice s, int pieceOffset) {
    return missing(metainfo, fileWritten, piece, s, pieceOffset);
  }

  /**
   * The error for a read of bytes never stored (shared with {@link FileCache}): {@link
   * NoSuchFileException} naming the file if nothing of it was ever written ({@code fileWritten}
   * 0), else {@link EOFException} naming the first missing byte, {@code pieceOffset}.
   */
  static IOException missing(Metainfo metainfo, AtomicIntegerArray fileWritten, int piece,
      FileSlice s, int pieceOffset) {
    FileEntry f = metainfo.files().get(s.fileIndex());
    if (fileWritten.get(s.fileIndex()) == 0) {
      return new NoSuchFileException(f.pathString(), null, "nothing of it is stored");
    }
    long at = s.fileOffset() + (pieceOffset - s.pieceOffset());
    return new EOFException(f.pathString() + ": byte " + at + " (piece " + piece + ", offset "
        + pieceOffset + ") is not stored");
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("closed");
    }
  }
}
