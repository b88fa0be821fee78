package io.btlib.storage.internal;

import java.io.EOFException;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Set;

/**
 * The side file that keeps the bytes of skipped files, one slot per piece. Internal, not API; the
 * format is documented on {@code FileStorage}.
 *
 * <pre>
 * offset             size                 field
 * 0                  8                    magic "BTPARTS1"
 * 8                  4                    piece length      (big-endian, like all integers here)
 * 12                 4                    piece count
 * 16                 4                    file count
 * 20                 ceil(files / 8)      kept files: bit i (byte i/8, bit i%8 from the least
 *                                         significant) set = file i's bytes are kept here
 * 20 + bitmap        4 * piece count      index: slot + 1 holding piece p, 0 = none
 * dataStart          ...                  slots; dataStart = the header rounded up to 4096
 * dataStart + s * pieceLength             slot s: its piece's bytes at their offsets in the piece
 * </pre>
 *
 * <p>Only the ranges of kept files are meaningful in a slot; a part of a slot never written reads
 * as zeros (the file is sparse). Slots are reused once freed.
 *
 * <p>Thread-safe: slot bookkeeping is synchronized; reads and writes of different slots run in
 * parallel. The caller excludes {@link #delete()} and {@link #close()} from concurrent I/O.
 */
public final class PartFile {
  private static final byte[] MAGIC = "BTPARTS1".getBytes(StandardCharsets.US_ASCII);
  private static final int FIXED = 20;
  private static final int ALIGN = 4096;

  /** Opens the part file's channel; {@code FileStorage}'s channel opener. */
  @FunctionalInterface
  public interface Opener {
    /** Opens {@code file} with {@code options}. */
    FileChannel open(Path file, Set<OpenOption> options) throws IOException;
  }

  private final Path path;
  private final Opener opener;
  private final int pieceLength;
  private final int pieceCount;
  private final int fileCount;
  private final int bitmapBytes;
  private final long dataStart;

  // guarded by this
  private FileChannel channel;
  private final int[] slotOf;
  private final BitSet usedSlots = new BitSet();
  private BitSet kept = new BitSet();
  private boolean closed;

  /** A part file at {@code path} for a torrent of this shape; nothing is read or created yet. */
  public PartFile(Path path, Opener opener, int pieceLength, int pieceCount, int fileCount) {
    this.path = path;
    this.opener = opener;
    this.pieceLength = pieceLength;
    this.pieceCount = pieceCount;
    this.fileCount = fileCount;
    this.bitmapBytes = (fileCount + 7) / 8;
    long header = FIXED + bitmapBytes + 4L * pieceCount;
    this.dataStart = (header + ALIGN - 1) / ALIGN * ALIGN;
    this.slotOf = new int[pieceCount];
  }

  /** Where the part file lives. */
  public Path path() {
    return path;
  }

  /**
   * Reads the part file's header and index if the file exists.
   *
   * @return whether it existed
   * @throws IOException if it cannot be read or belongs to another torrent shape
   */
  public synchronized boolean load() throws IOException {
    if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
      return false;
    }
    FileChannel ch = opener.open(path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
        LinkOption.NOFOLLOW_LINKS));
    try {
      ByteBuffer h = ByteBuffer.allocate((int) (FIXED + bitmapBytes + 4L * pieceCount));
      readFully(ch, h, 0);
      ((Buffer) h).flip();
      byte[] magic = new byte[MAGIC.length];
      h.get(magic);
      if (!Arrays.equals(magic, MAGIC)) {
        throw new IOException(path + ": not a bt part file (no BTPARTS1 magic)");
      }
      int pl = h.getInt();
      int pc = h.getInt();
      int fc = h.getInt();
      if (pl != pieceLength || pc != pieceCount || fc != fileCount) {
        throw new IOException(path + ": part file of another torrent shape (piece length " + pl
            + ", " + pc + " pieces, " + fc + " files; expected " + pieceLength + ", " + pieceCount
            + ", " + fileCount + ")");
      }
      byte[] bitmap = new byte[bitmapBytes];
      h.get(bitmap);
      BitSet k = BitSet.valueOf(bitmap);
      if (k.length() > fileCount) {
        throw new IOException(path + ": corrupt kept-files bitmap: file " + (k.length() - 1)
            + " of " + fileCount);
      }
      BitSet used = new BitSet();
      int[] index = new int[pieceCount];
      for (int p = 0; p < pieceCount; p++) {
        int v = h.getInt();
        if (v < 0 || v > pieceCount || (v > 0 && used.get(v - 1))) {
          throw new IOException(path + ": corrupt index entry " + v + " for piece " + p);
        }
        if (v > 0) {
          used.set(v - 1);
        }
        index[p] = v;
      }
      System.arraycopy(index, 0, slotOf, 0, pieceCount);
      usedSlots.clear();
      usedSlots.or(used);
      kept = k;
      channel = ch;
      return true;
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  /** The files whose bytes this part file keeps (a copy). */
  public synchronized BitSet kept() {
    return (BitSet) kept.clone();
  }

  /** Records which files' bytes are kept here; written to the header if the file exists. */
  public synchronized void setKept(BitSet files) throws IOException {
    kept = (BitSet) files.clone();
    if (channel != null) {
      writeFully(channel, ByteBuffer.wrap(bitmap()), FIXED);
    }
  }

  /** Whether piece {@code piece} has a slot. */
  public synchronized boolean hasSlot(int piece) {
    return slotOf[piece] != 0;
  }

  /** Whether the part file exists (was loaded or created, and not deleted since). */
  public synchronized boolean exists() {
    return channel != null;
  }

  /**
   * Fills {@code dst} from piece {@code piece}'s slot at {@code pieceOffset}; a never-written tail
   * reads as zeros.
   *
   * @return false, reading nothing, if the piece has no slot
   */
  public boolean read(int piece, int pieceOffset, ByteBuffer dst) throws IOException {
    FileChannel ch;
    long pos;
    synchronized (this) {
      int s = slotOf[piece] - 1;
      if (s < 0) {
        return false;
      }
      ch = openChannel();
      pos = slotStart(s) + pieceOffset;
    }
    while (dst.hasRemaining()) {
      int n = ch.read(dst, pos);
      if (n < 0) {
        Zeros.fill(dst);
        break;
      }
      pos += n;
    }
    return true;
  }

  /** Stores {@code src} in piece {@code piece}'s slot at {@code pieceOffset}, creating both. */
  public void write(int piece, int pieceOffset, ByteBuffer src) throws IOException {
    FileChannel ch;
    long pos;
    synchronized (this) {
      create();
      int s = slotOf[piece] - 1;
      if (s < 0) {
        s = usedSlots.nextClearBit(0);
        writeIndex(piece, s + 1);
        usedSlots.set(s);
        slotOf[piece] = s + 1;
      }
      ch = openChannel();
      pos = slotStart(s) + pieceOffset;
    }
    writeFully(ch, src, pos);
  }

  /** Frees piece {@code piece}'s slot, if it has one, for reuse. */
  public synchronized void free(int piece) throws IOException {
    int s = slotOf[piece] - 1;
    if (s < 0) {
      return;
    }
    writeIndex(piece, 0);
    slotOf[piece] = 0;
    usedSlots.clear(s);
  }

  /** Forces the part file to disk, if it exists. */
  public synchronized void force() throws IOException {
    if (channel != null) {
      channel.force(false);
    }
  }

  /** Closes and deletes the part file; the index is emptied. */
  public synchronized void delete() throws IOException {
    closeChannel();
    Files.deleteIfExists(path);
    Arrays.fill(slotOf, 0);
    usedSlots.clear();
    kept = new BitSet();
  }

  /** Closes the part file for good (it stays on disk); later I/O fails. Idempotent. */
  public synchronized void close() throws IOException {
    closed = true;
    closeChannel();
  }

  private FileChannel openChannel() throws ClosedChannelException {
    if (channel == null) {
      throw new ClosedChannelException();
    }
    return channel;
  }

  private void closeChannel() throws IOException {
    FileChannel ch = channel;
    channel = null;
    if (ch != null) {
      ch.close();
    }
  }

  private void create() throws IOException {
    if (closed) {
      throw new ClosedChannelException();
    }
    if (channel != null) {
      return;
    }
    Files.createDirectories(path.getParent());
    FileChannel ch = opener.open(path, Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE,
        StandardOpenOption.CREATE, LinkOption.NOFOLLOW_LINKS));
    try {
      ByteBuffer h = ByteBuffer.allocate((int) (FIXED + bitmapBytes + 4L * pieceCount));
      h.put(MAGIC).putInt(pieceLength).putInt(pieceCount).putInt(fileCount).put(bitmap());
      for (int p = 0; p < pieceCount; p++) {
        h.putInt(slotOf[p]);
      }
      ((Buffer) h).flip();
      writeFully(ch, h, 0);
      if (ch.size() > dataStart) {
        ch.truncate(dataStart); // a stale file that load() did not see
      }
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
    channel = ch;
  }

  private byte[] bitmap() {
    return Arrays.copyOf(kept.toByteArray(), bitmapBytes);
  }

  private void writeIndex(int piece, int value) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(4).putInt(0, value);
    writeFully(channel, b, FIXED + bitmapBytes + 4L * piece);
  }

  private long slotStart(int slot) {
    return dataStart + (long) slot * pieceLength;
  }

  private void readFully(FileChannel ch, ByteBuffer dst, long pos) throws IOException {
    long at = pos;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, at);
      if (n < 0) {
        throw new EOFException(path + ": part file header ends at " + at);
      }
      at += n;
    }
  }

  private static void writeFully(FileChannel ch, ByteBuffer src, long pos) throws IOException {
    long at = pos;
    while (src.hasRemaining()) {
      at += ch.write(src, at);
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // already failing
    }
  }
}
