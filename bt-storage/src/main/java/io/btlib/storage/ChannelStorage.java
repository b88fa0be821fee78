package io.btlib.storage;

import io.btlib.client.Storage;
import io.btlib.client.StorageFactory;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.internal.ChannelCache;
import io.btlib.storage.internal.FileIo;
import io.btlib.storage.internal.MappedWindow;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.NonReadableChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.WritableByteChannel;
import java.nio.file.AccessDeniedException;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a torrent's pieces in files that the application opens: a {@link Storage} over the
 * {@link FileChannel}s a {@link FileChannelProvider} hands out, for platforms where the app has
 * open files rather than paths. On Android, the storage access framework gives a {@code
 * ParcelFileDescriptor} per document:
 *
 * <pre>{@code
 * FileChannelProvider saf = (file, index, mode) -> {
 *   Uri doc = documents.find(file.path(), mode == Mode.WRITE); // the app's own mapping; creates
 *   ContentResolver r = context.getContentResolver();          // the document for WRITE
 *   if (mode == Mode.READ) {
 *     return new ParcelFileDescriptor.AutoCloseInputStream(r.openFileDescriptor(doc, "r"))
 *         .getChannel();                                      // closing it closes the descriptor
 *   }
 *   return new ParcelFileDescriptor.AutoCloseOutputStream(r.openFileDescriptor(doc, "rw"))
 *       .getChannel();                                        // "rw": never truncate
 * };
 * Torrent t = client.add(metainfo, ChannelStorage.open(metainfo, saf));
 *
 * StorageFactory channels = ChannelStorage.builder(saf)
 *     .maxOpenChannels(16)      // default 32
 *     .build();                 // share it; it opens one ChannelStorage per torrent
 * }</pre>
 *
 * <p><b>Layout.</b> File {@code i} of the torrent is whatever the provider opens for {@code
 * (files().get(i), i)}; the piece-to-file mapping is {@link PieceMap}'s, as in {@link
 * FileStorage}, and multi-file, v1, v2 and hybrid torrents all work. BEP 47 pad files are never
 * opened: their bytes read as zeros and writes to them are dropped. BEP 47 symlink entries are not
 * opened either. The storage asks for a file for {@link FileChannelProvider.Mode#WRITE WRITE} on
 * the first write into it, and the first write into the torrent also asks for its zero-length
 * files (a failure there is logged, and reported by the next {@link #flush()}, which retries).
 * Reads ask for {@link FileChannelProvider.Mode#READ READ}. With {@link Builder#preallocate} a
 * file is filled with zeros to its full length when first opened for writing.
 *
 * <p><b>Reads never invent data</b>, as with {@code FileStorage}: a file the provider cannot open
 * for reading fails the read with the provider's exception, and a read past a file's end fails
 * with {@link EOFException}. A file longer than the torrent says is not truncated.
 *
 * <p><b>Skipped files.</b> There is no part file (it would need a place the provider does not
 * name), so {@link #setWantedFiles} changes nothing: every file the engine writes to is
 * stored. The engine downloads only pieces of wanted files, but a piece it shares with a
 * skipped file writes that file's share through the provider. The provider decides where each
 * file's bytes live, so an app may keep a skipped file's elsewhere (a cache directory), as long
 * as {@code READ} later finds them where {@code WRITE} put them.
 *
 * <p><b>Recheck and resume.</b> {@link Recheck} works on it as on any storage (with {@link
 * Recheck.Builder#memoryMapped} through mappings of the channels for reading). Resume data needs
 * each file's size and modification time, which a channel does not tell: take it with {@link
 * ResumeData#capture(Metainfo, ResumeData.FileStates, BitSet)}, the app reporting what its
 * documents provider says, and check it with {@link ResumeData#resolve(Metainfo,
 * ResumeData.FileStates)}.
 *
 * <p><b>Open channels.</b> The storage owns every channel the provider returns and closes it.
 * Reads and writes use separate channels (a file being read and written holds two); at most
 * {@link Builder#maxOpenChannels(int)} are kept open, least recently used closed first, and the
 * provider is asked again for a file whose channel was closed, including a channel the app
 * closed underneath (a call using it at that moment fails with the channel's exception). A
 * channel in use by one thread is never closed under it. {@link #flush()} forces every file
 * written since the last flush, asking the provider for those whose channels were closed in
 * between.
 *
 * <p><b>Refusals.</b> A null from the provider, a closed channel, and a channel that cannot do
 * what its mode asks (a read-only channel for {@code WRITE}, a write-only one for {@code READ};
 * {@link AccessDeniedException}) fail the call that needed the file; the channel is closed and
 * the next call asks again. Other files go on working.
 *
 * <p><b>Threads.</b> As {@link Storage} requires: concurrent calls for different pieces run in
 * parallel. A thread interrupted during I/O closes the shared channel (a {@link FileChannel}
 * rule); other calls on that file then fail once and the next call asks for it again. {@link
 * #close()} is idempotent, does not force (call {@link #flush()} first) and closes channels even
 * under calls in flight, which then fail; later calls throw {@link IllegalStateException}.
 */
public final class ChannelStorage implements Storage {
  private static final Logger log = LoggerFactory.getLogger(ChannelStorage.class);
  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0).asReadOnlyBuffer();

  private final Metainfo metainfo;
  private final PieceMap map;
  private final List<FileEntry> files;
  private final FileChannelProvider provider;
  private final boolean preallocate;
  private final ChannelCache cache;
  private final FileIo io;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean started; // a write has happened
  private volatile boolean emptyFilesPending = true; // guarded by this for writes

  private ChannelStorage(Metainfo metainfo, Config config) {
    this.metainfo = metainfo;
    this.map = PieceMap.of(metainfo);
    this.files = metainfo.files();
    this.provider = config.provider;
    this.preallocate = config.preallocate;
    this.cache = new ChannelCache(config.maxOpenChannels, this::openChannel);
    this.io = new FileIo(map, cache, true, this::name, null, i -> false);
  }

  /** A builder of {@link StorageFactory factories} of storages over {@code provider}'s files. */
  public static Builder builder(FileChannelProvider provider) {
    return new Builder(provider);
  }

  /** Opens the storage of {@code metainfo} over {@code provider}'s files, with the defaults. */
  public static ChannelStorage open(Metainfo metainfo, FileChannelProvider provider) {
    return new ChannelStorage(metainfo, new Builder(provider).config());
  }

  @Override
  public void read(int piece, int offset, ByteBuffer dst) throws IOException {
    checkOpen();
    io.read(piece, offset, dst);
  }

  @Override
  public void write(int piece, int offset, ByteBuffer src) throws IOException {
    checkOpen();
    if (!started) {
      map.slices(piece, offset, src.remaining()); // a range outside the piece opens nothing
      started = true;
      try {
        createEmptyFiles();
      } catch (IOException e) {
        log.warn("{}: could not create the empty files; flush() retries: {}", this, e.toString());
      }
    }
    io.write(piece, offset, src);
  }

  /**
   * Sends the bytes with {@link FileChannel#transferTo} from the files' channels for reading and
   * zeros for pad files. Every file of the range is opened and its length checked before the
   * first byte is sent, so a missing byte fails the call with nothing sent.
   */
  @Override
  public long transferTo(int piece, int offset, int length, WritableByteChannel target)
      throws IOException {
    checkOpen();
    return io.transferTo(piece, offset, length, target);
  }

  /**
   * Does nothing but check that the storage is open: every file is stored (there is no part file;
   * see the class comment).
   */
  @Override
  public void setWantedFiles(BitSet wanted) {
    checkOpen();
  }

  /**
   * Forces every file written since the last flush (asking the provider again for those whose
   * channels were closed meanwhile), after retrying the empty files if creating them failed.
   */
  @Override
  public void flush() throws IOException {
    checkOpen();
    if (started) {
      createEmptyFiles();
    }
    cache.forceAll();
  }

  /** Closes every channel the storage holds, in use or not; idempotent. */
  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      cache.close();
    }
  }

  @Override
  public String toString() {
    return "ChannelStorage[" + metainfo.name() + " from " + provider + "]";
  }

  /** Feeds a piece range to {@code sink} through read-only mappings; for {@link Recheck}. */
  void readMapped(int piece, int offset, int length, int chunk, MappedWindow window,
      Consumer<ByteBuffer> sink) throws IOException {
    checkOpen();
    io.readMapped(piece, offset, length, chunk, window, sink);
  }

  /** The number of channels open now; for tests. */
  int openChannelCount() {
    return cache.size();
  }

  // ---- internals

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("closed");
    }
  }

  private String name(int i) {
    return "file " + i + " (" + files.get(i).pathString() + ")";
  }

  private synchronized void createEmptyFiles() throws IOException {
    if (!emptyFilesPending) {
      return;
    }
    IOException failure = null;
    for (int i = 0; i < files.size(); i++) {
      FileEntry f = files.get(i);
      if (f.length() == 0 && !f.isPad() && !f.isSymlink()) {
        try {
          io.touch(i);
        } catch (IOException e) {
          if (failure == null) {
            failure = e;
          } else {
            failure.addSuppressed(e);
          }
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
    emptyFilesPending = false;
  }

  /**
   * Opens the channel of cache key {@code key} ({@link FileIo#key}: the file and the mode)
   * through the provider; the cache's write flag is ignored, as the key says it.
   */
  private FileChannel openChannel(int key, boolean ignored) throws IOException {
    int i = key >>> 1;
    boolean write = (key & 1) == 1;
    FileChannelProvider.Mode mode =
        write ? FileChannelProvider.Mode.WRITE : FileChannelProvider.Mode.READ;
    FileChannel ch = provider.open(files.get(i), i, mode);
    if (ch == null) {
      throw new IOException(name(i) + ": the FileChannelProvider returned null for " + mode);
    }
    try {
      if (!ch.isOpen()) {
        throw new IOException(name(i) + ": the FileChannelProvider returned a closed channel for "
            + mode);
      }
      if (write) {
        ch.write(EMPTY.duplicate(), 0);
        return preallocate ? FileIo.preallocate(ch, files.get(i).length()) : ch;
      }
      ch.read(ByteBuffer.allocate(0), 0);
      return ch;
    } catch (NonWritableChannelException | NonReadableChannelException e) {
      closeQuietly(ch);
      AccessDeniedException denied = new AccessDeniedException(name(i), null,
          "the FileChannelProvider's channel for " + mode + " cannot "
              + (write ? "write (read-only?)" : "read (write-only?)"));
      denied.initCause(e);
      throw denied;
    } catch (IOException | RuntimeException e) {
      closeQuietly(ch);
      throw e;
    }
  }

  private static void closeQuietly(FileChannel ch) {
    try {
      ch.close();
    } catch (IOException ignored) {
      // already failing with a better exception
    }
  }

  /**
   * Options of the channel storages a {@link StorageFactory} opens; from {@link
   * ChannelStorage#builder(FileChannelProvider)}. Setters check their value at once; {@link
   * #build()} snapshots them, so a builder can go on to make another factory.
   */
  public static final class Builder {
    private final FileChannelProvider provider;
    private boolean preallocate;
    private int maxOpenChannels = 32;

    private Builder(FileChannelProvider provider) {
      this.provider = Objects.requireNonNull(provider, "provider");
    }

    /**
     * Whether to fill each file with zeros to its full length when it is first opened for writing
     * (reserving the space, so a full disk shows at once) instead of letting it grow. Default
     * false.
     */
    public Builder preallocate(boolean preallocate) {
      this.preallocate = preallocate;
      return this;
    }

    /**
     * How many channels each storage keeps open when idle, at least 1. Default 32; a file being
     * read and written holds two. Keep it well under the process's file descriptor limit divided
     * by the number of torrents.
     */
    public Builder maxOpenChannels(int maxOpenChannels) {
      if (maxOpenChannels < 1) {
        throw new IllegalArgumentException("maxOpenChannels must be >= 1: " + maxOpenChannels);
      }
      this.maxOpenChannels = maxOpenChannels;
      return this;
    }

    /**
     * A thread-safe factory that opens a {@link ChannelStorage} per torrent with these options,
     * all over the same provider (which tells torrents apart by the files' paths, whose first
     * component is a multi-file torrent's name).
     */
    public StorageFactory build() {
      return new Factory(config());
    }

    private Config config() {
      return new Config(provider, preallocate, maxOpenChannels);
    }
  }

  private record Config(FileChannelProvider provider, boolean preallocate,
      int maxOpenChannels) {}

  private static final class Factory implements StorageFactory {
    private final Config config;

    Factory(Config config) {
      this.config = config;
    }

    @Override
    public Storage open(Metainfo metainfo) {
      return new ChannelStorage(metainfo, config);
    }

    @Override
    public String toString() {
      return "ChannelStorage.factory[provider=" + config.provider + ", preallocate="
          + config.preallocate + ", maxOpenChannels=" + config.maxOpenChannels + "]";
    }
  }
}
