package io.btlib.storage;

import io.btlib.hash.HashFunction;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.MetainfoParser;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.storage.internal.CreatorInfo;
import io.btlib.storage.internal.CreatorJob;
import io.btlib.storage.internal.CreatorScan;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.FileSystemException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a new torrent from a file or a directory: v1 (BEP 3), v2 (BEP 52) or hybrid, hashed on
 * several threads.
 *
 * <pre>{@code
 * Metainfo m = TorrentCreator.builder(Path.of("photos"))
 *     .format(TorrentVersion.HYBRID)
 *     .tracker("udp://tracker.example:6969/announce")
 *     .build()
 *     .create();                      // blocks; or start() for a handle to watch and cancel
 * m.writeTo(Path.of("photos.torrent"));
 * }</pre>
 *
 * <p>A creator is immutable and can be run any number of times; each run scans the source again.
 * For the same files and options (a fixed or no creation date) the output is the same bytes every
 * time, and for the options libtorrent 2.0 has, it has the same info hashes as libtorrent's {@code
 * create_torrent} (checked against its fixtures).
 *
 * <p><b>Which files.</b> A regular-file source makes a single-file torrent named after the file. A
 * directory source makes a multi-file torrent named after the directory, holding every regular file
 * below it:
 * <ul>
 *   <li>in BEP 52 order: path components compared as unsigned UTF-8 bytes, component by component
 *       (a directory's files before a sibling whose name extends the directory's name), which is
 *       also the order of libtorrent's v2 and hybrid torrents, used here for v1 too;
 *   <li>hidden files (names starting with {@code .}) are included, without an attribute (as
 *       libtorrent does on POSIX systems);
 *   <li>symbolic links are not followed and are skipped, and so are sockets, FIFOs and devices
 *       (libtorrent's default instead follows links; a link given as the source itself is followed);
 *   <li>empty files are included (a v2 leaf {@code {"": {"length": 0}}}, no {@code pieces root});
 *       empty directories cannot be represented and are skipped;
 *   <li>a file whose owner-execute permission bit is set gets the BEP 47 attribute {@code x}, as
 *       libtorrent sets it (so the info hash depends on it);
 *   <li>a name a torrent cannot safely carry (a Windows device name such as {@code CON}, a control
 *       character, a backslash) fails the creation, naming the file.
 * </ul>
 * A source with no files, or only empty ones, fails: clients reject a torrent without pieces.
 *
 * <p><b>Layout.</b> v1: a single file has {@code length}, several a {@code files} list; pieces run
 * across file boundaries. v2: {@code meta version} 2, a {@code file tree} with a {@code pieces root}
 * for every non-empty file, and the root's {@code piece layers} for files larger than one piece.
 * Hybrid: both, and in the {@code files} list a BEP 47 pad file {@code {attr: "p", length: N, path:
 * [".pad", "N"]}} after every non-empty file that does not end on a piece boundary, the last one
 * included; a single file keeps the single-file form with no pad.
 *
 * <p><b>Piece length.</b> When not set, it comes from the total size ({@link
 * #autoPieceLength(long)}), with the table mktorrent and Transmission use, doubled on past 2 GiB:
 * <pre>
 *   total size      piece length
 *   up to  50 MiB   32 KiB
 *   up to 150 MiB   64 KiB
 *   up to 350 MiB  128 KiB
 *   up to 512 MiB  256 KiB
 *   up to   1 GiB  512 KiB
 *   up to   2 GiB    1 MiB
 *   up to   4 GiB    2 MiB
 *   up to   8 GiB    4 MiB
 *   up to  16 GiB    8 MiB
 *   larger          16 MiB
 * </pre>
 * A piece length set explicitly must, for every format, be a power of two from 16 KiB to 1 GiB (v2
 * requires it; every common v1 client assumes it), and so is every entry of the table.
 *
 * <p><b>Threads and cancellation.</b> A run hashes on {@link Builder#threads(int)} threads of its
 * own, each reading with positional {@code FileChannel} reads into its own buffer of at most 256
 * KiB; v1 splits the work by piece ranges of the concatenated files, v2 and hybrid by piece ranges
 * of each file. {@link Handle#cancel()}, cancelling {@link Handle#result()}, or interrupting the
 * thread blocked in {@link #create()} stops the workers within one buffer's worth of reading; the
 * run then ends in {@link CancellationException}. A run writes nothing anywhere: its only output is
 * the {@link Metainfo}, so a cancelled or failed run leaves nothing half-written. Progress counts
 * file bytes; a hybrid's pad files are hashed as zeros on top of that (they cost time, not reads).
 *
 * <p><b>Errors.</b> {@link #create()} and {@link #start()} throw {@link IOException} for what the
 * file system says: {@link java.nio.file.NoSuchFileException} for a missing source, {@link
 * FileSystemException} (with the file and the reason) for a source holding no files or no data, a
 * name a torrent cannot carry, or a hybrid of a directory holding just one file (BEP 52 would read
 * its file tree as a single-file torrent while the v1 part keeps the directory); an I/O error or a
 * file that changes size while it is hashed fails the run the same way.
 */
public final class TorrentCreator {
  /** The smallest piece length a creator accepts: one 16 KiB block. */
  public static final int MIN_PIECE_LENGTH = Metainfo.BLOCK_SIZE;
  /** The largest piece length a creator accepts (the parser's limit). */
  public static final int MAX_PIECE_LENGTH = MetainfoParser.MAX_PIECE_LENGTH;
  /** The default {@code created by}: {@code bt/VERSION}, or {@code bt} when the version is unknown. */
  public static final String DEFAULT_CREATED_BY = defaultCreatedBy();

  private static final long MIB = 1L << 20;

  private final Path source;
  private final TorrentVersion format;
  private final int pieceLength; // 0: automatic
  private final List<List<String>> trackerTiers;
  private final List<String> webSeeds;
  private final boolean isPrivate;
  private final String comment;
  private final String createdBy;
  private final DateMode dateMode;
  private final Instant fixedDate;
  private final Supplier<Instant> clock;
  private final int threads;
  private final CreateListener listener;
  private final HashFunction sha1;
  private final HashFunction sha256;

  private enum DateMode { CLOCK, FIXED, NONE }

  private TorrentCreator(Builder b) {
    this.source = b.source;
    this.format = b.format;
    this.pieceLength = b.pieceLength;
    this.trackerTiers = Collections.unmodifiableList(
        b.trackerTiers.stream().map(List::copyOf).collect(Collectors.toList()));
    this.webSeeds = List.copyOf(b.webSeeds);
    this.isPrivate = b.isPrivate;
    this.comment = b.comment;
    this.createdBy = b.createdBy;
    this.dateMode = b.dateMode;
    this.fixedDate = b.fixedDate;
    this.clock = b.clock;
    this.threads = b.threads;
    this.listener = b.listener;
    this.sha1 = b.sha1;
    this.sha256 = b.sha256;
  }

  /** A builder for a torrent of {@code source}, a file or a directory. */
  public static Builder builder(Path source) {
    return new Builder(source);
  }

  /** A builder holding this creator's settings. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /**
   * The piece length chosen for {@code totalBytes} of data when none is set: the table in the
   * class documentation.
   */
  public static int autoPieceLength(long totalBytes) {
    if (totalBytes < 0) {
      throw new IllegalArgumentException("totalBytes must be >= 0: " + totalBytes);
    }
    if (totalBytes <= 50 * MIB) {
      return 32 * 1024;
    }
    if (totalBytes <= 150 * MIB) {
      return 64 * 1024;
    }
    if (totalBytes <= 350 * MIB) {
      return 128 * 1024;
    }
    if (totalBytes <= 512 * MIB) {
      return 256 * 1024;
    }
    int pl = 512 * 1024;
    for (long limit = 1024 * MIB; totalBytes > limit && pl < 16 * MIB; limit <<= 1) {
      pl <<= 1;
    }
    return pl;
  }

  /** The file or directory the torrent is made of. */
  public Path source() {
    return source;
  }

  /** The protocol versions of the torrent. */
  public TorrentVersion format() {
    return format;
  }

  /** The piece length, or empty when it is chosen from the total size. */
  public OptionalInt pieceLength() {
    return pieceLength == 0 ? OptionalInt.empty() : OptionalInt.of(pieceLength);
  }

  /** The tracker tiers. */
  public List<List<String>> trackerTiers() {
    return trackerTiers;
  }

  /** The web seeds. */
  public List<String> webSeeds() {
    return webSeeds;
  }

  /** Whether the torrent is private (BEP 27). */
  public boolean isPrivate() {
    return isPrivate;
  }

  /** The comment. */
  public Optional<String> comment() {
    return Optional.ofNullable(comment);
  }

  /** The {@code created by} text. */
  public Optional<String> createdBy() {
    return Optional.ofNullable(createdBy);
  }

  /** The number of hashing threads. */
  public int threads() {
    return threads;
  }

  /**
   * Makes the torrent, blocking until it is done.
   *
   * @throws IOException if the source cannot be read, holds no data, names a file a torrent cannot
   *     carry, or a file changes size while it is hashed
   * @throws CancellationException if the calling thread is interrupted (its interrupt flag is set
   *     again) or the run is cancelled
   * @throws IllegalArgumentException if the piece length does not suit the format or the size
   */
  public Metainfo create() throws IOException {
    Handle h = start();
    try {
      return h.result().get();
    } catch (InterruptedException e) {
      h.cancel();
      h.awaitThreadsUninterruptibly();
      Thread.currentThread().interrupt();
      CancellationException c = new CancellationException("torrent creation interrupted");
      c.initCause(e);
      throw c;
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException) {
        throw (IOException) c;
      }
      if (c instanceof UncheckedIOException) {
        throw ((UncheckedIOException) c).getCause();
      }
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      if (c instanceof Error) {
        throw (Error) c;
      }
      throw new IllegalStateException(c);
    }
  }

  /**
   * Scans the source on the calling thread, then starts hashing on the creator's own threads.
   *
   * @throws IOException if the source cannot be scanned or holds no data
   * @throws IllegalArgumentException if the piece length does not suit the format or the size
   */
  public Handle start() throws IOException {
    CreatorScan.Result scan = CreatorScan.scan(source, () -> Thread.currentThread().isInterrupted());
    int pl = pieceLength != 0 ? pieceLength : autoPieceLength(scan.totalBytes());
    if (format.hasV2() && scan.multiFile() && scan.files().size() == 1
        && scan.files().get(0).path().size() == 1 && format == TorrentVersion.HYBRID) {
      // BEP 52 reads a file tree with one top-level file as a single-file torrent, while the v1
      // part would put the file in the directory: the two halves would disagree.
      throw new FileSystemException(source.toString(), null,
          "a hybrid torrent of a directory holding a single file is ambiguous; make it of the file"
              + " itself, or as v1 or v2");
    }
    boolean padV1 = format == TorrentVersion.HYBRID && scan.multiFile();
    CreatorJob job = new CreatorJob(scan, format, pl, padV1, threads, sha1, sha256);
    Instant date;
    switch (dateMode) {
      case FIXED:
        date = fixedDate;
        break;
      case NONE:
        date = null;
        break;
      default:
        date = clock.get();
    }
    CreatorInfo.Options options = new CreatorInfo.Options(trackerTiers, webSeeds, isPrivate,
        comment, createdBy, date);
    Handle h = new Handle(job, pl, padV1, options);
    h.begin();
    return h;
  }

  private static String defaultCreatedBy() {
    String v = TorrentCreator.class.getPackage() == null ? null
        : TorrentCreator.class.getPackage().getImplementationVersion();
    return v == null || v.trim().isEmpty() ? "bt" : "bt/" + v;
  }

  /**
   * A running creation: its result, its progress, and a way to stop it. The creation owns its
   * threads and ends them all before {@link #result()} completes, whether it succeeds, fails or is
   * cancelled through {@link #cancel()} (cancelling the future itself completes it at once; the
   * threads then stop within one buffer). {@link #close()} cancels a creation still running and
   * waits for its threads, so {@code try (Handle h = creator.start()) { ... }} never leaves one
   * behind.
   */
  public final class Handle implements AutoCloseable {
    private final CreatorJob job;
    private final int pieceLength;
    private final boolean padV1;
    private final CreatorInfo.Options options;
    private final CompletableFuture<Metainfo> future = new CompletableFuture<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();
    private final AtomicLong hashed = new AtomicLong();
    private final AtomicInteger running = new AtomicInteger();
    private final ReentrantLock reportLock = new ReentrantLock();
    private final List<Thread> workers = new ArrayList<>();
    private long reported = -1; // guarded by reportLock

    private Handle(CreatorJob job, int pieceLength, boolean padV1, CreatorInfo.Options options) {
      this.job = job;
      this.pieceLength = pieceLength;
      this.padV1 = padV1;
      this.options = options;
      // cancelling the future itself stops the workers too
      future.whenComplete((m, e) -> {
        if (future.isCancelled()) {
          cancelled.set(true);
        }
      });
    }

    private void begin() {
      int n = Math.max(1, Math.min(threads, job.taskCount()));
      running.set(n);
      for (int i = 0; i < n; i++) {
        Thread t = new Thread(this::work, "bt-create-" + i);
        t.setDaemon(true);
        workers.add(t);
      }
      for (Thread t : workers) {
        t.start();
      }
    }

    /** Completes with the torrent, or exceptionally: {@link CancellationException}, an I/O error. */
    public CompletableFuture<Metainfo> result() {
      return future;
    }

    /** Stops the creation: workers stop after the buffer they are on; the result is cancelled. */
    public void cancel() {
      cancelled.set(true);
    }

    /** Whether the creation was cancelled. */
    public boolean isCancelled() {
      return cancelled.get();
    }

    /** The bytes of file data to hash. */
    public long totalBytes() {
      return job.totalBytes();
    }

    /** The bytes of file data hashed so far. */
    public long bytesHashed() {
      return hashed.get();
    }

    /** The piece length in use (the chosen one, when it was automatic). */
    public int pieceLength() {
      return pieceLength;
    }

    /** The number of files (pad files not counted). */
    public int fileCount() {
      return job.scan().files().size();
    }

    /** Waits until every worker thread has ended. */
    public void awaitThreads() throws InterruptedException {
      for (Thread t : workers) {
        t.join();
      }
    }

    /**
     * Cancels the creation if it has not finished, and waits until its threads have ended (they stop
     * within one buffer's worth of reading). Idempotent; keeps the calling thread's interrupt flag.
     */
    @Override
    public void close() {
      if (!future.isDone()) {
        cancel();
      }
      awaitThreadsUninterruptibly();
    }

    private void awaitThreadsUninterruptibly() {
      boolean interrupted = false;
      for (Thread t : workers) {
        while (true) {
          try {
            t.join();
            break;
          } catch (InterruptedException e) {
            interrupted = true;
          }
        }
      }
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }

    private void work() {
      try {
        job.work(() -> cancelled.get() || failure.get() != null, this::onChunk);
      } catch (CancellationException e) {
        // cancelled, or stopped because another worker failed
      } catch (Throwable t) {
        failure.compareAndSet(null, t);
      } finally {
        if (running.decrementAndGet() == 0) {
          finishUp();
        }
      }
    }

    private void onChunk(long n) {
      long done = hashed.addAndGet(n);
      if (listener != CreateListener.NONE && reportLock.tryLock()) {
        try {
          if (done > reported) {
            reported = done;
            tell(done);
          }
        } finally {
          reportLock.unlock();
        }
      }
    }

    private void tell(long done) {
      try {
        listener.onProgress(done, job.totalBytes());
      } catch (RuntimeException e) {
        // looked up only now: initialising logging costs tens of milliseconds at start-up
        Logger log = LoggerFactory.getLogger(TorrentCreator.class);
        log.warn("create listener threw; ignored", e);
      }
    }

    private void finishUp() {
      try {
        Throwable f = failure.get();
        if (f != null) {
          future.completeExceptionally(f);
          return;
        }
        if (cancelled.get()) {
          future.completeExceptionally(new CancellationException("torrent creation cancelled"));
          return;
        }
        job.finish();
        Metainfo m = Metainfo.of(CreatorInfo.build(job, format, pieceLength, padV1, options));
        if (listener != CreateListener.NONE) {
          reportLock.lock();
          try {
            if (reported < job.totalBytes()) {
              reported = job.totalBytes();
              tell(reported);
            }
          } finally {
            reportLock.unlock();
          }
        }
        future.complete(m);
      } catch (Throwable t) {
        future.completeExceptionally(t);
      }
    }
  }

  /**
   * Settings for a {@link TorrentCreator}. Every setter checks its value at once; {@link #build()}
   * checks the piece length against the format. Not thread-safe.
   */
  public static final class Builder {
    private final Path source;
    private TorrentVersion format = TorrentVersion.V1;
    private int pieceLength;
    private final List<List<String>> trackerTiers = new ArrayList<>();
    private final List<String> webSeeds = new ArrayList<>();
    private boolean isPrivate;
    private String comment;
    private String createdBy = DEFAULT_CREATED_BY;
    private DateMode dateMode = DateMode.CLOCK;
    private Instant fixedDate;
    private Supplier<Instant> clock = Instant::now;
    private int threads = Runtime.getRuntime().availableProcessors();
    private CreateListener listener = CreateListener.NONE;
    private HashFunction sha1 = HashFunction.sha1();
    private HashFunction sha256 = HashFunction.sha256();

    private Builder(Path source) {
      this.source = Objects.requireNonNull(source, "source");
    }

    private Builder(TorrentCreator c) {
      this.source = c.source;
      this.format = c.format;
      this.pieceLength = c.pieceLength;
      c.trackerTiers.forEach(t -> trackerTiers.add(new ArrayList<>(t)));
      this.webSeeds.addAll(c.webSeeds);
      this.isPrivate = c.isPrivate;
      this.comment = c.comment;
      this.createdBy = c.createdBy;
      this.dateMode = c.dateMode;
      this.fixedDate = c.fixedDate;
      this.clock = c.clock;
      this.threads = c.threads;
      this.listener = c.listener;
      this.sha1 = c.sha1;
      this.sha256 = c.sha256;
    }

    /** The protocol versions: {@code V1} (the default), {@code V2} or {@code HYBRID}. */
    public Builder format(TorrentVersion format) {
      this.format = Objects.requireNonNull(format, "format");
      return this;
    }

    /**
     * The piece length in bytes: a power of two from 16 KiB to 1 GiB (default: chosen from the total
     * size, see {@link TorrentCreator#autoPieceLength(long)}). Smaller pieces mean a larger torrent
     * file and more hashes to exchange; 1 to 4 MiB suits most multi-GiB torrents.
     */
    public Builder pieceLength(int pieceLength) {
      if (pieceLength < MIN_PIECE_LENGTH || pieceLength > MAX_PIECE_LENGTH
          || Integer.bitCount(pieceLength) != 1) {
        throw new IllegalArgumentException("piece length must be a power of two from "
            + MIN_PIECE_LENGTH + " to " + MAX_PIECE_LENGTH + ": " + pieceLength);
      }
      this.pieceLength = pieceLength;
      return this;
    }

    /** Chooses the piece length from the total size (the default). */
    public Builder autoPieceLength() {
      this.pieceLength = 0;
      return this;
    }

    /**
     * Adds a tier holding one tracker. The first tracker becomes {@code announce}; with more than
     * one tracker in all, every tier goes into {@code announce-list} (BEP 12). Default: none.
     */
    public Builder tracker(String url) {
      return trackerTier(List.of(url));
    }

    /** Adds a tier of trackers, tried in order (BEP 12). */
    public Builder trackerTier(List<String> urls) {
      List<String> tier = List.copyOf(urls);
      if (tier.isEmpty()) {
        throw new IllegalArgumentException("a tracker tier needs at least one URL");
      }
      for (String u : tier) {
        checkUrl("tracker", u);
      }
      trackerTiers.add(tier);
      return this;
    }

    /** Removes every tracker. */
    public Builder clearTrackers() {
      trackerTiers.clear();
      return this;
    }

    /** Adds a web seed ({@code url-list}, BEP 19). Default: none. */
    public Builder webSeed(String url) {
      checkUrl("web seed", url);
      webSeeds.add(url);
      return this;
    }

    /** Removes every web seed. */
    public Builder clearWebSeeds() {
      webSeeds.clear();
      return this;
    }

    /** Marks the torrent private (BEP 27; default false). Part of the info hash. */
    public Builder privateTorrent(boolean isPrivate) {
      this.isPrivate = isPrivate;
      return this;
    }

    /** The {@code comment}, or null for none (the default). */
    public Builder comment(String comment) {
      this.comment = comment;
      return this;
    }

    /** The {@code created by}, or null for none (default {@link #DEFAULT_CREATED_BY}). */
    public Builder createdBy(String createdBy) {
      this.createdBy = createdBy;
      return this;
    }

    /** A fixed {@code creation date} (whole seconds are kept), or null for none. */
    public Builder creationDate(Instant date) {
      if (date == null) {
        return noCreationDate();
      }
      if (date.getEpochSecond() < 0) {
        throw new IllegalArgumentException("creation date before 1970: " + date);
      }
      this.dateMode = DateMode.FIXED;
      this.fixedDate = date;
      return this;
    }

    /** Writes no {@code creation date} (for reproducible files). */
    public Builder noCreationDate() {
      this.dateMode = DateMode.NONE;
      this.fixedDate = null;
      return this;
    }

    /**
     * Writes the time of each run, read from {@code clock}, as the {@code creation date}: the
     * default, with {@link Instant#now()}.
     */
    public Builder clock(Supplier<Instant> clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      this.dateMode = DateMode.CLOCK;
      this.fixedDate = null;
      return this;
    }

    /** Hashing threads, 1 to 256 (default: the number of processors). */
    public Builder threads(int threads) {
      if (threads < 1 || threads > 256) {
        throw new IllegalArgumentException("threads must be in [1, 256]: " + threads);
      }
      this.threads = threads;
      return this;
    }

    /** Hears the hashing progress (default: nothing). */
    public Builder listener(CreateListener listener) {
      this.listener = listener == null ? CreateListener.NONE : listener;
      return this;
    }

    /** The hash functions (default: the JDK's). */
    public Builder hashFunctions(HashFunction sha1, HashFunction sha256) {
      if (!"SHA-1".equals(sha1.algorithm()) || !"SHA-256".equals(sha256.algorithm())) {
        throw new IllegalArgumentException("expected SHA-1 and SHA-256, got " + sha1.algorithm()
            + " and " + sha256.algorithm());
      }
      this.sha1 = sha1;
      this.sha256 = sha256;
      return this;
    }

    /** The creator. */
    public TorrentCreator build() {
      return new TorrentCreator(this);
    }

    private static void checkUrl(String what, String url) {
      Objects.requireNonNull(url, what + " URL");
      try {
        URI u = new URI(url);
        if (u.getScheme() == null) {
          throw new IllegalArgumentException(what + " URL has no scheme: " + url);
        }
      } catch (URISyntaxException e) {
        throw new IllegalArgumentException("bad " + what + " URL: " + e.getMessage(), e);
      }
    }
  }
}
