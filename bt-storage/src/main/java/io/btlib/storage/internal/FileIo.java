package io.btlib.storage.internal;

import io.btlib.storage.FileSlice;
import io.btlib.storage.PieceMap;
import java.io.EOFException;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.NoSuchFileException;
import java.util.List;
import java.util.function.Consumer;
import java.util.function.IntFunction;
import java.util.function.IntPredicate;

/**
 * The byte-moving core of the file-backed storages ({@code FileStorage}, {@code ChannelStorage}):
 * reads, writes, sends and maps a piece range by its {@link FileSlice}s, through a {@link
 * ChannelCache}. Pad slices read as zeros and drop writes; slices of files whose bytes a {@link
 * PartFile} keeps go there. Internal, not API.
 *
 * <p>The owner checks that it is open and holds whatever lock keeps the part-file bookkeeping
 * still; this class adds no locking of its own. Channels come from the cache under a key per file
 * and mode: with {@code splitChannels} false, key {@code i} and one read-write channel per file
 * (which also serves reads); with it true, key {@code 2i} for a channel only read from and {@code
 * 2i + 1} for one only written to and forced (the cache's opener decodes the key), for channels
 * that can do only one of the two, as those of {@code FileInputStream} and {@code
 * FileOutputStream}.
 */
public final class FileIo {
  private final PieceMap map;
  private final ChannelCache cache;
  private final boolean splitChannels;
  private final IntFunction<String> names;
  private final PartFile partFile;
  private final IntPredicate parted;

  /**
   * A core over {@code cache}.
   *
   * @param names how an error message names file {@code i}
   * @param partFile where skipped files' bytes go, or null if there is none
   * @param parted whether file {@code i}'s bytes are in the part file (never, without one)
   */
  public FileIo(PieceMap map, ChannelCache cache, boolean splitChannels,
      IntFunction<String> names, PartFile partFile, IntPredicate parted) {
    this.map = map;
    this.cache = cache;
    this.splitChannels = splitChannels;
    this.names = names;
    this.partFile = partFile;
    this.parted = parted;
  }

  /** The cache key of file {@code i}'s channel for writing if {@code write}, else for reading. */
  public static int key(int i, boolean write) {
    return 2 * i + (write ? 1 : 0);
  }

  /** Fills {@code dst} with the piece's bytes from {@code offset}; see {@code Storage.read}. */
  public void read(int piece, int offset, ByteBuffer dst) throws IOException {
    List<FileSlice> slices = map.slices(piece, offset, dst.remaining());
    int base = dst.position();
    for (FileSlice s : slices) {
      ByteBuffer part = Slices.slice(dst, base + s.pieceOffset() - offset, s.length());
      if (s.pad()) {
        Zeros.fill(part);
      } else if (parted.test(s.fileIndex())) {
        readParted(piece, s, part);
      } else {
        readFile(piece, s, part);
      }
    }
    ((Buffer) dst).position(dst.limit());
  }

  /** Stores {@code src} as the piece's bytes from {@code offset}; see {@code Storage.write}. */
  public void write(int piece, int offset, ByteBuffer src) throws IOException {
    List<FileSlice> slices = map.slices(piece, offset, src.remaining());
    int base = src.position();
    for (FileSlice s : slices) {
      if (s.pad()) {
        continue;
      }
      ByteBuffer part = Slices.slice(src, base + s.pieceOffset() - offset, s.length());
      if (parted.test(s.fileIndex())) {
        partFile.write(piece, s.pieceOffset(), part);
      } else {
        writeFile(s, part);
      }
    }
    ((Buffer) src).position(src.limit());
  }

  /**
   * Sends the bytes with {@link FileChannel#transferTo} from the files, zeros for pad files, and
   * through a buffer for bytes kept in the part file. Every file of the range is opened and its
   * length checked before the first byte is sent, so a missing byte fails the call with nothing
   * sent.
   */
  public long transferTo(int piece, int offset, int length, WritableByteChannel target)
      throws IOException {
    List<FileSlice> slices = map.slices(piece, offset, length);
    ChannelCache.Entry[] lent = new ChannelCache.Entry[slices.size()];
    try {
      for (int k = 0; k < lent.length; k++) {
        FileSlice s = slices.get(k);
        if (s.pad()) {
          continue;
        }
        if (parted.test(s.fileIndex())) {
          if (!partFile.hasSlot(piece)) {
            throw notInPartFile(piece, s);
          }
          continue;
        }
        lent[k] = acquire(s.fileIndex(), false);
        long size = lent[k].channel().size();
        if (s.fileOffset() + s.length() > size) {
          throw eof(piece, s, size);
        }
      }
      long sent = 0;
      for (int k = 0; k < lent.length; k++) {
        FileSlice s = slices.get(k);
        long n;
        if (s.pad()) {
          n = Zeros.write(target, s.length());
        } else if (lent[k] == null) {
          ByteBuffer b = ByteBuffer.allocate(s.length());
          readParted(piece, s, b);
          ((Buffer) b).flip();
          n = 0;
          while (b.hasRemaining()) {
            int w = target.write(b);
            if (w <= 0) {
              break;
            }
            n += w;
          }
        } else {
          n = transfer(piece, s, lent[k].channel(), target);
        }
        sent += n;
        if (n < s.length()) {
          break; // a non-blocking target is full
        }
      }
      return sent;
    } finally {
      for (ChannelCache.Entry e : lent) {
        if (e != null) {
          cache.release(e);
        }
      }
    }
  }

  /**
   * Feeds {@code length} bytes of a piece from {@code offset} to {@code sink} in chunks of at most
   * {@code chunk} bytes, reading plain files through {@code window}'s mappings (no copy out of the
   * page cache), pad files as zeros and part-file bytes through a buffer. Each chunk given to the
   * sink is valid only during the call.
   *
   * @throws IOException if a byte cannot be read (a missing or short file, a skipped file's bytes
   *     absent from the part file)
   */
  public void readMapped(int piece, int offset, int length, int chunk, MappedWindow window,
      Consumer<ByteBuffer> sink) throws IOException {
    for (FileSlice s : map.slices(piece, offset, length)) {
      if (s.pad()) {
        ByteBuffer zeros = ByteBuffer.allocate(Math.min(chunk, s.length()));
        for (int done = 0; done < s.length(); ) {
          int n = Math.min(zeros.capacity(), s.length() - done);
          ((Buffer) zeros).clear().limit(n);
          sink.accept(zeros);
          done += n;
        }
      } else if (parted.test(s.fileIndex())) {
        ByteBuffer b = ByteBuffer.allocate(s.length());
        readParted(piece, s, b);
        ((Buffer) b).flip();
        sink.accept(b);
      } else {
        ChannelCache.Entry e = acquire(s.fileIndex(), false);
        try {
          FileChannel ch = e.channel();
          long size = ch.size();
          if (s.fileOffset() + s.length() > size) {
            throw eof(piece, s, size);
          }
          ByteBuffer v = window.view(s.fileIndex(), ch, s.fileOffset(), s.length(), size);
          for (int done = 0; done < s.length(); ) {
            int n = Math.min(chunk, s.length() - done);
            sink.accept(Slices.slice(v, done, n));
            done += n;
          }
        } finally {
          cache.release(e);
        }
      }
    }
  }

  /** Writes {@code part} into the file of slice {@code s}, at its offset. */
  public void writeFile(FileSlice s, ByteBuffer part) throws IOException {
    ChannelCache.Entry e = acquire(s.fileIndex(), true);
    try {
      FileChannel ch = e.channel();
      long pos = s.fileOffset();
      while (part.hasRemaining()) {
        pos += ch.write(part, pos);
      }
    } finally {
      // marked after the bytes (even some): a flush running meanwhile clears the mark before it
      // forces, so marking first could let it clear the mark of bytes it did not force
      e.markDirty();
      cache.release(e);
    }
  }

  /** Forces file {@code i}'s bytes to disk through its channel for writing (opening it). */
  public void force(int i) throws IOException {
    ChannelCache.Entry e = acquire(i, true);
    try {
      e.channel().force(false);
    } finally {
      cache.release(e);
    }
  }

  /** Opens file {@code i} for writing (creating it) and lets the channel go back to the cache. */
  public void touch(int i) throws IOException {
    cache.release(acquire(i, true));
  }

  /**
   * Fills {@code ch} with zeros from its end up to {@code length} bytes (preallocation); closes
   * it if that fails.
   *
   * @return {@code ch}
   */
  public static FileChannel preallocate(FileChannel ch, long length) throws IOException {
    try {
      long size = ch.size();
      if (size < length) {
        Zeros.fill(ch, size, length);
      }
      return ch;
    } catch (IOException | RuntimeException e) {
      try {
        ch.close();
      } catch (IOException suppressed) {
        e.addSuppressed(suppressed);
      }
      throw e;
    }
  }

  private ChannelCache.Entry acquire(int i, boolean write) throws IOException {
    return cache.acquire(splitChannels ? key(i, write) : i, write);
  }

  private void readParted(int piece, FileSlice s, ByteBuffer part) throws IOException {
    if (!partFile.read(piece, s.pieceOffset(), part)) {
      throw notInPartFile(piece, s);
    }
  }

  private void readFile(int piece, FileSlice s, ByteBuffer part) throws IOException {
    ChannelCache.Entry e = acquire(s.fileIndex(), false);
    try {
      FileChannel ch = e.channel();
      long pos = s.fileOffset();
      while (part.hasRemaining()) {
        int n = ch.read(part, pos);
        if (n < 0) {
          throw eof(piece, s, ch.size());
        }
        pos += n;
      }
    } finally {
      cache.release(e);
    }
  }

  private long transfer(int piece, FileSlice s, FileChannel ch, WritableByteChannel target)
      throws IOException {
    long pos = s.fileOffset();
    long left = s.length();
    while (left > 0) {
      long n = ch.transferTo(pos, left, target);
      if (n <= 0) {
        long size = ch.size();
        if (pos >= size) {
          throw eof(piece, s, size); // the file shrank under us
        }
        break;
      }
      pos += n;
      left -= n;
    }
    return s.length() - left;
  }

  private EOFException eof(int piece, FileSlice s, long size) {
    return new EOFException(names.apply(s.fileIndex()) + ": " + size + " bytes long, piece "
        + piece + " needs bytes " + s.fileOffset() + ".." + (s.fileOffset() + s.length()));
  }

  private NoSuchFileException notInPartFile(int piece, FileSlice s) {
    return new NoSuchFileException(names.apply(s.fileIndex()), null,
        "skipped file; piece " + piece + " has no bytes in the part file " + partFile.path());
  }
}
