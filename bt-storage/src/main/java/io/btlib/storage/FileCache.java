package io.btlib.storage;

import io.btlib.client.PieceCache;
import io.btlib.client.StorageFactory;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.internal.ByteRanges;
import io.btlib.storage.internal.Slices;
import io.btlib.storage.internal.Zeros;
import java.io.EOFException;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link PieceCache} in one file: at most {@code maxBytes} of pieces on disk, for streaming a
 * torrent larger than the room a device has (see {@link PieceCache} for what the engine does with
 * it). The file is divided into slots of one piece length each ({@code maxBytes / pieceLength} of
 * them, no more than the torrent has pieces); a piece takes a free slot at its first write and
 * gives it back when evicted. The file grows a slot at a time, the first time that slot is used,
 * and the slot is filled with zeros then, so that a full disk shows up as a {@link
 * NoSpaceException} on the write that needed the room, never later.
 *
 * <pre>{@code
 * Torrent t = client.add(metainfo, FileCache.of(metainfo, dir.resolve("cache"), 1L << 30));
 * Torrent m = client.add(magnet, FileCache.factory(dir, 1L << 30)); // a temporary file each
 * }</pre>
 *
 * <p>Reads, writes and misses behave as {@link MemoryStorage}'s: a read of bytes not written
 * since the piece took its slot fails ({@link NoSuchFileException} naming the torrent's file if
 * nothing of that file was ever written, else {@link EOFException}); it never returns another
 * piece's bytes, even for a slot reused meanwhile. A write that fails (a full disk, an I/O error)
 * gives the slot back: nothing of the piece reads until it is written again, and the engine does
 * not count it as verified. Pad-file bytes read as zeros and writes to them are dropped.
 *
 * <p>The file is the cache's own: created by it (never an existing file), and deleted by {@link
 * #close()}. A process that dies without closing leaves it behind; its bytes mean nothing without
 * the slot table, which is kept in memory only.
 *
 * <p>Thread-safe: calls for different pieces run in parallel; a read and an eviction of the same
 * piece exclude each other. {@link #close()} is idempotent; later calls throw {@link
 * IllegalStateException}.
 */
public final class FileCache implements PieceCache {
  private final Metainfo metainfo;
  private final PieceMap map;
  private final Path file;
  private final FileChannel channel;
  private final int slotSize;
  private final long capacity;
  /** Guards the tables: {@link #slotOf}, {@link #free}, {@link #freeCount}, {@link #grown}. */
  private final Object lock = new Object();
  /** Per piece: its slot, or null. */
  private final Slot[] slotOf;
  /** Slots given back, reused before the file grows. */
  private final Slot[] free;
  private int freeCount;
  /** Slots made so far (the file's room, in slots, once each is preallocated). */
  private int grown;
  private final int slots;
  private final AtomicIntegerArray fileWritten;
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong maxHeld = new AtomicLong();

  /** One piece-sized stretch of the file. */
  private static final class Slot {
    final int index;
    /** The piece it holds, or -1; guarded by this. */
    int piece = -1;
    /** The bytes of that piece written since it took the slot; guarded by this. */
    ByteRanges written = new ByteRanges();
    /** Whether the file has room for it (filled with zeros once); guarded by this. */
    boolean allocated;

    Slot(int index) {
      this.index = index;
    }
  }

  /**
   * The file could not make room for a slot: the disk (or a quota) is full. The piece being
   * written is not stored; the slots already in the file go on working.
   */
  public static final class NoSpaceException extends IOException {
    private static final long serialVersionUID = 1L;

    NoSpaceException(String message, Throwable cause) {
      super(message, cause);
    }
  }

  private FileCache(Metainfo metainfo, Path file, long maxBytes,
      FileStorage.ChannelOpener opener) throws IOException {
    this.metainfo = Objects.requireNonNull(metainfo, "metainfo");
    this.file = Objects.requireNonNull(file, "file");
    this.slotSize = metainfo.pieceLength();
    if (maxBytes < slotSize) {
      throw new IllegalArgumentException("a cache of " + maxBytes + " bytes cannot hold one "
          + slotSize + "-byte piece");
    }
    this.slots = (int) Math.min(metainfo.pieceCount(), maxBytes / slotSize);
    this.capacity = (long) slots * slotSize;
    this.map = PieceMap.of(metainfo);
    this.slotOf = new Slot[metainfo.pieceCount()];
    this.free = new Slot[slots];
    this.fileWritten = new AtomicIntegerArray(metainfo.files().size());
    // CREATE_NEW: never someone's file, and never an old cache's bytes
    this.channel = opener.open(file, Set.of(StandardOpenOption.CREATE_NEW,
        StandardOpenOption.READ, StandardOpenOption.WRITE));
  }

  /**
   * A cache for {@code metainfo} of at most {@code maxBytes} (rounded down to whole pieces) in a
   * new file {@code file}, deleted on {@link #close()}.
   *
   * @throws IllegalArgumentException if it cannot hold one piece
   * @throws java.nio.file.FileAlreadyExistsException if {@code file} exists
   * @throws IOException if the file cannot be created
   */
  public static FileCache of(Metainfo metainfo, Path file, long maxBytes) throws IOException {
    return of(metainfo, file, maxBytes, FileStorage.ChannelOpener.SYSTEM);
  }

  /** {@link #of(Metainfo, Path, long)} with the file opened by {@code opener} (for tests). */
  static FileCache of(Metainfo metainfo, Path file, long maxBytes,
      FileStorage.ChannelOpener opener) throws IOException {
    return new FileCache(metainfo, file, maxBytes, opener);
  }

  /**
   * A factory that opens a cache of at most {@code maxBytes} per torrent (for magnet links) in a
   * new temporary file under {@code dir} ({@code bt-cache-*.tmp}), deleted when the cache is
   * closed; its {@code open} fails with {@link IllegalArgumentException} if the torrent's pieces
   * are larger than that.
   */
  public static StorageFactory factory(Path dir, long maxBytes) {
    Objects.requireNonNull(dir, "dir");
    if (maxBytes <= 0) {
      throw new IllegalArgumentException("maxBytes must be > 0: " + maxBytes);
    }
    return m -> {
      if (maxBytes < m.pieceLength()) { // before making a file
        throw new IllegalArgumentException("a cache of " + maxBytes + " bytes cannot hold one "
            + m.pieceLength() + "-byte piece");
      }
      Path f = Files.createTempFile(dir, "bt-cache-", ".tmp");
      Files.delete(f); // of() creates it anew, so that it is the cache's own
      return of(m, f, maxBytes);
    };
  }

  /** The most bytes of pieces held at once: whole slots, at most the {@code maxBytes} given. */
  @Override
  public long capacity() {
    return capacity;
  }

  /** The cache's file. */
  public Path file() {
    return file;
  }

  /** Bytes of pieces held now (a piece counts from its first write until evicted). */
  public long heldBytes() {
    return held.get();
  }

  /** The most bytes of pieces held at any one time so far. */
  public long maxHeldBytes() {
    return maxHeld.get();
  }

  @Override
  public void read(int piece, int offset, ByteBuffer dst) throws IOException {
    checkOpen();
    List<FileSlice> slices = map.slices(piece, offset, dst.remaining());
    Slot s;
    synchronized (lock) {
      s = slotOf[piece];
    }
    if (s != null) {
      synchronized (s) {
        if (s.piece == piece) {
          readSlot(s, slices, offset, dst);
          return;
        }
      }
    }
    // nothing stored (or evicted since the look-up): only pad bytes read
    for (FileSlice f : slices) {
      if (!f.pad()) {
        throw missing(piece, f, f.pieceOffset());
      }
    }
    Zeros.fill(dst);
  }

  private void readSlot(Slot s, List<FileSlice> slices, int offset, ByteBuffer dst)
      throws IOException {
    for (FileSlice f : slices) {
      int end = f.pieceOffset() + f.length();
      if (!f.pad() && !s.written.covers(f.pieceOffset(), end)) {
        throw missing(s.piece, f, s.written.firstGap(f.pieceOffset(), end));
      }
    }
    long base = (long) s.index * slotSize;
    for (FileSlice f : slices) {
      ByteBuffer part = Slices.slice(dst, dst.position() + f.pieceOffset() - offset, f.length());
      if (f.pad()) {
        Zeros.fill(part);
        continue;
      }
      long pos = base + f.pieceOffset();
      while (part.hasRemaining()) {
        int n = channel.read(part, pos);
        if (n < 0) {
          throw new EOFException(file + ": slot " + s.index + " ends early");
        }
        pos += n;
      }
    }
    ((Buffer) dst).position(dst.limit());
  }

  @Override
  public void write(int piece, int offset, ByteBuffer src) throws IOException {
    checkOpen();
    List<FileSlice> slices = map.slices(piece, offset, src.remaining());
    Slot s = slotFor(piece);
    boolean ok = false;
    try {
      synchronized (s) {
        if (s.piece != piece) {
          throw new IOException("piece " + piece + " was evicted while written");
        }
        if (!s.allocated) {
          allocate(s);
        }
        long base = (long) s.index * slotSize;
        for (FileSlice f : slices) {
          if (f.pad()) {
            continue;
          }
          ByteBuffer part = Slices.slice(src, src.position() + f.pieceOffset() - offset,
              f.length());
          long pos = base + f.pieceOffset();
          while (part.hasRemaining()) {
            pos += channel.write(part, pos);
          }
          s.written.add(f.pieceOffset(), f.pieceOffset() + f.length());
          fileWritten.set(f.fileIndex(), 1);
        }
      }
      ok = true;
    } finally {
      if (!ok) {
        release(piece, s); // what it held of the piece is not to be trusted
      }
    }
    ((Buffer) src).position(src.limit());
  }

  /** Fills the slot's stretch of the file with zeros, growing the file if it ends before it. */
  private void allocate(Slot s) throws IOException {
    long from = (long) s.index * slotSize;
    try {
      Zeros.fill(channel, from, from + slotSize);
    } catch (IOException e) {
      throw new NoSpaceException(file + ": no room for slot " + s.index + " (" + slotSize
          + " bytes at " + from + "): " + e.getMessage(), e);
    }
    s.allocated = true;
  }

  /** The piece's slot, taking a free one (or a new one) if it has none. */
  private Slot slotFor(int piece) throws IOException {
    synchronized (lock) {
      Slot s = slotOf[piece];
      if (s != null) {
        return s;
      }
      if (freeCount > 0) {
        s = free[--freeCount];
      } else if (grown < slots) {
        s = new Slot(grown++);
      } else {
        throw new IOException(file + ": all " + slots + " slots hold pieces; piece " + piece
            + " has no room (the engine evicts before it writes)");
      }
      synchronized (s) {
        s.piece = piece;
        s.written = new ByteRanges();
      }
      slotOf[piece] = s;
      long now = held.addAndGet(metainfo.pieceSize(piece));
      maxHeld.accumulateAndGet(now, Math::max);
      return s;
    }
  }

  /** Gives the piece's slot back, if {@code s} still holds it. */
  private void release(int piece, Slot s) {
    synchronized (lock) {
      if (slotOf[piece] != s) {
        return;
      }
      slotOf[piece] = null;
      synchronized (s) { // after a read of it in progress
        s.piece = -1;
        s.written = new ByteRanges();
      }
      free[freeCount++] = s;
      held.addAndGet(-metainfo.pieceSize(piece));
    }
  }

  @Override
  public void evict(int piece) {
    checkOpen();
    Objects.checkIndex(piece, slotOf.length);
    Slot s;
    synchronized (lock) {
      s = slotOf[piece];
    }
    if (s != null) {
      release(piece, s);
    }
  }

  /** Ignored, but for the closed check: a cache keeps what the engine writes. */
  @Override
  public void setWantedFiles(BitSet wanted) {
    checkOpen();
  }

  @Override
  public void flush() throws IOException {
    checkOpen();
    channel.force(false);
  }

  /** Closes and deletes the file; idempotent. */
  @Override
  public void close() throws IOException {
    if (closed.compareAndSet(false, true)) {
      try {
        channel.close();
      } finally {
        Files.deleteIfExists(file);
      }
    }
  }

  @Override
  public String toString() {
    return "FileCache[" + file + ", " + capacity + " bytes, " + held.get() + " held]";
  }

  private IOException missing(int piece, FileSlice s, int pieceOffset) {
    return MemoryStorage.missing(metainfo, fileWritten, piece, s, pieceOffset);
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("closed");
    }
  }
}
