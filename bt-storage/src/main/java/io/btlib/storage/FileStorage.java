package io.btlib.storage;

import io.btlib.client.Storage;
import io.btlib.client.StorageFactory;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.internal.ChannelCache;
import io.btlib.storage.internal.FileIo;
import io.btlib.storage.internal.MappedWindow;
import io.btlib.storage.internal.PartFile;
import io.btlib.storage.internal.SafePaths;
import java.io.EOFException;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a torrent's pieces in its files under a download directory: the default {@link Storage}.
 *
 * <pre>{@code
 * try (Storage s = FileStorage.open(metainfo, Path.of("downloads"))) { ... }
 *
 * StorageFactory files = FileStorage.builder(Path.of("downloads"))
 *     .maxOpenFiles(128)        // default 64, for all the storages it opens together
 *     .preallocate(true)        // default false: sparse files
 *     .build();                 // share it; it opens one FileStorage per torrent
 * }</pre>
 *
 * <p>For more than a few torrents, open their storages from one factory (or give them one {@link
 * FilePool}): their open files then share one bound, where each storage from {@link #open(Metainfo,
 * Path)} keeps up to 64 files of its own open, and at least one per torrent once it was read.
 *
 * <p><b>Layout.</b> File {@code i} of the torrent lives at {@code root/}{@link
 * FileEntry#path()}; the piece-to-file mapping is {@link PieceMap}'s. BEP 47 pad files are never
 * created: their bytes read as zeros and writes to them are dropped. BEP 47 symlink entries are
 * not created either.
 *
 * <p><b>Lazy creation.</b> Opening creates nothing. A file and its directories appear on the first
 * write into it; the first write into the torrent also creates its zero-length files (a failure
 * there is logged, and reported by the next {@link #flush()}, which retries). Without
 * preallocation files are sparse and grow as pieces arrive; with it, a file is filled with zeros to
 * its full length when first opened for writing, which reserves the space (a full disk shows at
 * once) at the cost of writing the file twice.
 *
 * <p><b>Reads never invent data.</b> Reading from a file that does not exist fails with {@link
 * NoSuchFileException}, and past a file's end with {@link EOFException}. Inside a file, bytes never
 * written are whatever the disk holds: zeros in a preallocated file or a hole of a sparse one; the
 * hash check rejects them. A file longer than the torrent says is not truncated (it may hold
 * someone's data): reads and writes address only their ranges and the recheck decides.
 *
 * <p><b>Paths stay inside the root.</b> Before a file is opened every existing component of its
 * path is examined: a directory that is a symbolic link must lead (by real path) inside the root's
 * real path; a file that is a link, or a directory where a file belongs, is refused. Files are
 * opened with {@code NOFOLLOW_LINKS}. Each refusal is an {@link IOException} naming the path.
 * (Check and open are two system calls, so this stops links planted beforehand, not a local
 * attacker racing the download.)
 *
 * <p><b>Skipped files and the part file.</b> After {@link #setWantedFiles} skips a file that does
 * not exist yet, it is never created: every byte written for it (the share of a boundary piece
 * that also holds wanted files, or a whole piece) goes to the part file {@code root/.<hash>.parts},
 * where {@code <hash>} is the hex v1 info hash (or the v2 one truncated to 20 bytes), and reads of
 * those bytes come from there. A skipped file that already exists keeps using that file (as in
 * libtorrent). When a file becomes wanted again its bytes move from the part file into the file;
 * when no file's bytes are kept there any more, the part file is deleted. The part file survives a
 * restart: a file whose bytes it keeps reads them from it until the file is wanted and the first
 * write (or {@code setWantedFiles}) moves them out. Format (integers big-endian):
 *
 * <pre>
 * 0            8                 magic "BTPARTS1"
 * 8            4                 piece length
 * 12           4                 piece count
 * 16           4                 file count
 * 20           ceil(files / 8)   kept files: bit i = byte i/8, bit i%8 (least significant first)
 * 20 + bitmap  4 * piece count   index: 1 + the slot holding piece p, or 0 for none
 * D = the header rounded up to a multiple of 4096
 * D + s * piece length           slot s: piece length bytes, each byte at its offset in the piece;
 *                                only kept files' ranges matter, unwritten ones read as zeros
 * </pre>
 *
 * A slot is taken the first time a piece's kept bytes are written and freed (for reuse) when no
 * kept file shares that piece any more.
 *
 * <p><b>Open files.</b> Files are opened on demand and kept in a {@link FilePool}: the factory's
 * (of {@link Builder#maxOpenFiles(int)} files, shared by every storage it opens), one given with
 * {@link Builder#filePool}, or one of 64 files for a storage from {@link #open(Metainfo, Path)}.
 * Idle channels are closed least recently used first, whichever storage they belong to; a channel
 * in use by one thread is never closed under it (the pool may briefly exceed its bound by the
 * number of concurrent calls). {@link #flush()} forces every
 * file written since the last flush, reopening those that were closed in between, and the part
 * file.
 *
 * <p><b>Threads.</b> As {@link Storage} requires: concurrent calls for different pieces run in
 * parallel; {@link #setWantedFiles} waits for calls in flight and holds the others back while it
 * moves bytes. A thread interrupted during I/O closes the shared channel (a {@link FileChannel}
 * rule); other calls on that file then fail once and the next call reopens it. {@link #close()}
 * is idempotent, does not force (call {@link #flush()} first) and closes channels even under calls
 * in flight, which then fail; later calls throw {@link IllegalStateException}.
 */
public final class FileStorage implements Storage {
  private static final Logger log = LoggerFactory.getLogger(FileStorage.class);
  private static final Set<OpenOption> READ =
      Set.of(StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS);
  private static final Set<OpenOption> WRITE = Set.of(StandardOpenOption.READ,
      StandardOpenOption.WRITE, StandardOpenOption.CREATE, LinkOption.NOFOLLOW_LINKS);

  private final Metainfo metainfo;
  private final PieceMap map;
  private final Path root;
  private final boolean preallocate;
  private final ChannelOpener opener;
  private final List<FileEntry> files;
  private final Path[] paths;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private final boolean[] wanted; // written under the write lock
  private final boolean[] parted; // bytes kept in the part file; written under the write lock
  private final ChannelCache cache;
  private final PartFile partFile;
  private final FileIo io;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile boolean started; // a write has happened: files may be created
  private volatile boolean unsettled; // the first write's settling failed; flush retries it
  private volatile Path rootReal;

  private FileStorage(Metainfo metainfo, Config config) throws IOException {
    this.metainfo = metainfo;
    this.map = PieceMap.of(metainfo);
    this.root = config.root;
    this.preallocate = config.preallocate;
    this.opener = config.opener;
    this.files = metainfo.files();
    int n = files.size();
    this.paths = new Path[n];
    for (int i = 0; i < n; i++) {
      paths[i] = SafePaths.resolve(root, files.get(i).path());
    }
    this.wanted = new boolean[n];
    Arrays.fill(wanted, true);
    this.parted = new boolean[n];
    this.cache = new ChannelCache(config.pool.channels(), this::openFile);
    Path part = root.resolve(ResumeData.partfileName(metainfo));
    this.partFile = new PartFile(part, opener::open, metainfo.pieceLength(),
        metainfo.pieceCount(), n);
    this.io = new FileIo(map, cache, false, i -> paths[i].toString(), partFile, i -> parted[i]);
    if (partFile.load()) {
      BitSet kept = partFile.kept();
      for (int i = 0; i < n; i++) {
        parted[i] = kept.get(i) && canPart(i);
      }
    }
  }

  /**
   * A builder of {@link StorageFactory factories} of file storages under {@code root}, the
   * download directory (created on the first write if missing).
   */
  public static Builder builder(Path root) {
    return new Builder(root);
  }

  /**
   * Opens the storage of {@code metainfo} under {@code root}, with the default options and a
   * {@link FilePool} of its own (64 files); for many torrents, see {@link #open(Metainfo, Path,
   * FilePool)}.
   */
  public static FileStorage open(Metainfo metainfo, Path root) throws IOException {
    return new FileStorage(metainfo, new Builder(root).config());
  }

  /**
   * Opens the storage of {@code metainfo} under {@code root}, with the default options, its files
   * kept open in {@code pool} (shared with the other storages given it). The pool must outlive
   * the storage: closing it fails the storage's later calls.
   */
  public static FileStorage open(Metainfo metainfo, Path root, FilePool pool)
      throws IOException {
    return new FileStorage(metainfo,
        new Builder(root).filePool(Objects.requireNonNull(pool, "pool")).config());
  }

  /** The download directory. */
  public Path root() {
    return root;
  }

  /** Where this torrent's part file is (or would be) kept. */
  public Path partFile() {
    return partFile.path();
  }

  @Override
  public void read(int piece, int offset, ByteBuffer dst) throws IOException {
    checkOpen();
    Lock l = lock.readLock();
    l.lock();
    try {
      io.read(piece, offset, dst);
    } finally {
      l.unlock();
    }
  }

  @Override
  public void write(int piece, int offset, ByteBuffer src) throws IOException {
    checkOpen();
    if (!started) {
      map.slices(piece, offset, src.remaining()); // a range outside the piece creates nothing
      settleOnFirstWrite();
    }
    Lock l = lock.readLock();
    l.lock();
    try {
      io.write(piece, offset, src);
    } finally {
      l.unlock();
    }
  }

  /**
   * Sends the bytes with {@link FileChannel#transferTo} from the files, zeros for pad files, and
   * through a buffer for bytes kept in the part file. Every file of the range is opened and its
   * length checked before the first byte is sent, so a missing byte fails the call with nothing
   * sent.
   */
  @Override
  public long transferTo(int piece, int offset, int length, WritableByteChannel target)
      throws IOException {
    checkOpen();
    Lock l = lock.readLock();
    l.lock();
    try {
      return io.transferTo(piece, offset, length, target);
    } finally {
      l.unlock();
    }
  }

  /**
   * Declares which files are wanted (bit {@code i} for {@code files().get(i)}; pad files are
   * ignored). A newly skipped file that does not exist is never created and its bytes go to the
   * part file; a file wanted again gets its bytes back from the part file now; the part file is
   * deleted when it keeps no file's bytes.
   *
   * @throws IOException if moving bytes out of the part file fails; the files that could not be
   *     moved keep their bytes in the part file, and a later call retries
   */
  @Override
  public void setWantedFiles(BitSet wantedFiles) throws IOException {
    checkOpen();
    BitSet w = (BitSet) wantedFiles.clone();
    Lock l = lock.writeLock();
    l.lock();
    try {
      checkOpen();
      boolean changed = false;
      for (int i = 0; i < files.size(); i++) {
        boolean want = w.get(i);
        if (!want && !parted[i] && canPart(i)
            && !Files.exists(paths[i], LinkOption.NOFOLLOW_LINKS)) {
          parted[i] = true;
          changed = true;
        }
        wanted[i] = want;
      }
      if (changed) {
        partFile.setKept(partedFiles());
      }
      settle(started);
      unsettled = false;
    } finally {
      l.unlock();
    }
  }

  @Override
  public void flush() throws IOException {
    checkOpen();
    if (unsettled) {
      Lock l = lock.writeLock();
      l.lock();
      try {
        if (unsettled) {
          settle(true);
          unsettled = false;
        }
      } finally {
        l.unlock();
      }
    }
    cache.forceAll();
    Lock l = lock.readLock();
    l.lock();
    try {
      partFile.force();
    } finally {
      l.unlock();
    }
  }

  @Override
  public void close() throws IOException {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    cache.close();
    partFile.close();
  }

  @Override
  public String toString() {
    return "FileStorage[" + metainfo.name() + " in " + root + "]";
  }

  /** The number of channels open now; for tests. */
  int openFileCount() {
    return cache.size();
  }

  // ---- internals

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("closed");
    }
  }

  /** Whether file {@code i} can have bytes in the part file: a real, non-empty file. */
  private boolean canPart(int i) {
    FileEntry f = files.get(i);
    return !f.isPad() && !f.isSymlink() && f.length() > 0;
  }

  private BitSet partedFiles() {
    BitSet b = new BitSet(parted.length);
    for (int i = 0; i < parted.length; i++) {
      if (parted[i]) {
        b.set(i);
      }
    }
    return b;
  }

  private void settleOnFirstWrite() {
    Lock l = lock.writeLock();
    l.lock();
    try {
      if (started) {
        return;
      }
      started = true;
      try {
        settle(true);
      } catch (IOException e) {
        unsettled = true;
        log.warn("{}: could not create empty files or move bytes out of the part file; "
            + "flush() retries: {}", this, e.toString());
      }
    } finally {
      l.unlock();
    }
  }

  /**
   * Makes the disk match the wanted files: moves wanted files' bytes out of the part file, creates
   * wanted empty files (if {@code createEmpty}), deletes the part file when it keeps nothing. The
   * write lock is held.
   */
  private void settle(boolean createEmpty) throws IOException {
    IOException failure = null;
    boolean anyParted = false;
    for (int i = 0; i < files.size(); i++) {
      FileEntry f = files.get(i);
      try {
        if (wanted[i] && parted[i]) {
          export(i);
        } else if (wanted[i] && createEmpty && f.length() == 0 && !f.isPad() && !f.isSymlink()) {
          io.touch(i);
        }
      } catch (IOException e) {
        failure = merge(failure, e);
      }
      anyParted |= parted[i];
    }
    if (!anyParted) {
      try {
        partFile.delete();
      } catch (IOException e) {
        failure = merge(failure, e);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** Moves file {@code i}'s bytes from the part file into the file. The write lock is held. */
  private void export(int i) throws IOException {
    int[] range = map.pieceRange(i);
    boolean moved = false;
    if (range[0] >= 0) {
      for (int p = range[0]; p <= range[1]; p++) {
        if (!partFile.hasSlot(p)) {
          continue;
        }
        for (FileSlice s : map.slices(p, 0, map.pieceSize(p))) {
          if (s.fileIndex() == i) {
            ByteBuffer b = ByteBuffer.allocate(s.length());
            partFile.read(p, s.pieceOffset(), b);
            ((Buffer) b).flip();
            io.writeFile(s, b);
            moved = true;
          }
        }
      }
    }
    if (moved) { // the moved bytes are durable before the part file forgets them
      io.force(i);
    }
    parted[i] = false;
    partFile.setKept(partedFiles());
    if (range[0] >= 0) {
      for (int p = range[0]; p <= range[1]; p++) {
        if (partFile.hasSlot(p) && !sharedWithPartedFile(p)) {
          partFile.free(p);
        }
      }
    }
  }

  private boolean sharedWithPartedFile(int piece) {
    for (FileSlice s : map.slices(piece, 0, map.pieceSize(piece))) {
      if (!s.pad() && parted[s.fileIndex()]) {
        return true;
      }
    }
    return false;
  }

  /**
   * Feeds {@code length} bytes of a piece from {@code offset} to {@code sink} in chunks of at most
   * {@code chunk} bytes, reading plain files through {@code window}'s mappings; for {@link
   * Recheck}. See {@link FileIo#readMapped}.
   */
  void readMapped(int piece, int offset, int length, int chunk, MappedWindow window,
      Consumer<ByteBuffer> sink) throws IOException {
    checkOpen();
    Lock l = lock.readLock();
    l.lock();
    try {
      io.readMapped(piece, offset, length, chunk, window, sink);
    } finally {
      l.unlock();
    }
  }

  /** Opens file {@code i}'s channel for the cache, after the path checks. */
  private FileChannel openFile(int i, boolean write) throws IOException {
    Path file = paths[i];
    List<String> components = files.get(i).path();
    if (!write) {
      Path real = rootReal(file);
      SafePaths.check(root, real, components);
      return opener.open(file, READ);
    }
    Files.createDirectories(root);
    SafePaths.check(root, rootReal(file), components);
    Files.createDirectories(file.getParent());
    FileChannel ch = opener.open(file, WRITE);
    return preallocate ? FileIo.preallocate(ch, files.get(i).length()) : ch;
  }

  private Path rootReal(Path file) throws IOException {
    Path r = rootReal;
    if (r == null) {
      try {
        r = root.toRealPath();
      } catch (NoSuchFileException e) {
        throw new NoSuchFileException(file.toString(), null,
            "the download directory " + root + " does not exist");
      }
      rootReal = r;
    }
    return r;
  }

  private static IOException merge(IOException a, IOException b) {
    if (a == null) {
      return b;
    }
    a.addSuppressed(b);
    return a;
  }

  /**
   * Opens the {@link FileChannel}s a {@link FileStorage} reads and writes through: an advanced
   * hook, for tests that inject failures (a full disk, a denied file) and for embedders that
   * count or wrap file handles. The default is {@link #SYSTEM}.
   *
   * <p>Called concurrently from the storage's calling threads, so implementations must be
   * thread-safe. The returned channel must honour {@code options} (which always include {@link
   * LinkOption#NOFOLLOW_LINKS}); the storage owns it and closes it. Errors propagate to the
   * storage call that needed the file.
   */
  @FunctionalInterface
  public interface ChannelOpener {
    /** {@link FileChannel#open(Path, Set, java.nio.file.attribute.FileAttribute[])}. */
    ChannelOpener SYSTEM = FileChannel::open;

    /** Opens {@code file} with {@code options}. */
    FileChannel open(Path file, Set<OpenOption> options) throws IOException;
  }

  /**
   * Options of the file storages a {@link StorageFactory} opens; from {@link
   * FileStorage#builder(Path)}. Setters check their value at once; {@link #build()} snapshots them,
   * so a builder can go on to make another factory.
   */
  public static final class Builder {
    private final Path root;
    private boolean preallocate;
    private int maxOpenFiles = FilePool.DEFAULT_MAX_OPEN_FILES;
    private boolean maxOpenFilesSet;
    private FilePool pool;
    private ChannelOpener channelOpener = ChannelOpener.SYSTEM;

    private Builder(Path root) {
      this.root = Objects.requireNonNull(root, "root").toAbsolutePath().normalize();
    }

    /**
     * Whether to fill each file with zeros to its full length when it is first opened for writing
     * (reserving the space) instead of letting it grow sparsely. Default false.
     */
    public Builder preallocate(boolean preallocate) {
      this.preallocate = preallocate;
      return this;
    }

    /**
     * How many files the storages of the factory keep open together when idle, at least 1: each
     * {@link #build()} makes a {@link FilePool} of this size for the storages its factory opens.
     * Default 64; raise it for torrents of many files read at random, keeping well under the
     * process's file descriptor limit (less the sockets). Not with {@link #filePool}, which has
     * its own bound.
     */
    public Builder maxOpenFiles(int maxOpenFiles) {
      if (maxOpenFiles < 1) {
        throw new IllegalArgumentException("maxOpenFiles must be >= 1: " + maxOpenFiles);
      }
      if (pool != null) {
        throw new IllegalStateException("maxOpenFiles with a filePool: the pool bounds the files");
      }
      this.maxOpenFiles = maxOpenFiles;
      this.maxOpenFilesSet = true;
      return this;
    }

    /**
     * The pool the storages keep their open files in, shared with whatever else uses it (other
     * factories, {@link FileStorage#open(Metainfo, Path, FilePool)}); the caller owns it and
     * closes it after the storages. Default: a pool of {@link #maxOpenFiles} per factory.
     *
     * @throws IllegalStateException if {@link #maxOpenFiles} was set
     */
    public Builder filePool(FilePool pool) {
      Objects.requireNonNull(pool, "pool");
      if (maxOpenFilesSet) {
        throw new IllegalStateException("filePool with maxOpenFiles: the pool bounds the files");
      }
      this.pool = pool;
      return this;
    }

    /** How file channels are opened (an advanced hook, see {@link ChannelOpener}). */
    public Builder channelOpener(ChannelOpener channelOpener) {
      this.channelOpener = Objects.requireNonNull(channelOpener, "channelOpener");
      return this;
    }

    /**
     * A thread-safe factory that opens a {@link FileStorage} per torrent with these options, all
     * keeping their open files in one {@link FilePool} (see {@link #filePool}).
     */
    public StorageFactory build() {
      return new Factory(config());
    }

    /** The options, with the given pool or a new one (each factory, each storage of open(..)). */
    private Config config() {
      FilePool p = pool != null ? pool : FilePool.create(maxOpenFiles);
      return new Config(root, preallocate, p, channelOpener);
    }
  }

  private record Config(Path root, boolean preallocate, FilePool pool, ChannelOpener opener) {}

  private static final class Factory implements StorageFactory {
    private final Config config;

    Factory(Config config) {
      this.config = config;
    }

    @Override
    public Storage open(Metainfo metainfo) throws IOException {
      return new FileStorage(metainfo, config);
    }

    @Override
    public String toString() {
      return "FileStorage.factory[root=" + config.root + ", preallocate=" + config.preallocate
          + ", " + config.pool + "]";
    }
  }
}
