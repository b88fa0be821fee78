package io.btlib.storage;

import io.btlib.client.Storage;
import io.btlib.hash.HashFunction;
import io.btlib.hash.PieceVerifier;
import io.btlib.storage.internal.MappedWindow;
import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Consumer;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Checks a torrent's stored data piece by piece against its hashes, on several threads: the full
 * recheck that finds what a download directory already holds.
 *
 * <pre>{@code
 * try (Storage s = FileStorage.open(metainfo, dir)) {
 *   RecheckResult r = Recheck.builder(metainfo, s).threads(2).build().run();
 *   r.good();  // the verified pieces
 * }
 * }</pre>
 *
 * <p>Each worker thread takes the next unchecked piece, reads it through {@link Storage#read} in
 * chunks of at most 256 KiB into its own direct buffer (a chunk that stays in cache hashes at full speed;
 * a whole multi-MiB piece would not) and feeds a {@link PieceVerifier.Check}. A piece whose bytes
 * cannot all be read is bad and also reported as unreadable; no exception escapes for bad data.
 * With {@link Builder#memoryMapped} a {@link FileStorage} (or {@link ChannelStorage}) is instead
 * hashed straight from read-only mappings of its files, one 64 MiB window per thread unmapped as
 * it moves on: no copy out of the page cache, the same 256 KiB chunks; a file truncated while
 * mapped makes its pieces unreadable, as a short read would.
 *
 * <p>{@link #start()} runs in the background and returns a handle to wait on or cancel; {@link
 * #run()} waits. The recheck owns its threads and ends them all before its future completes,
 * whether it finishes, fails or is cancelled. It never closes the storage.
 */
public final class Recheck {
  private static final Logger log = LoggerFactory.getLogger(Recheck.class);
  private static final int CHUNK = 256 * 1024;

  private final Metainfo metainfo;
  private final Storage storage;
  private final PieceVerifier verifier;
  private final int threads;
  private final BitSet pieces;
  private final RecheckListener listener;
  private final LongSupplier nanoClock;
  private final boolean mapped;

  private Recheck(Builder b) {
    this.metainfo = b.metainfo;
    this.storage = b.storage;
    this.verifier = PieceVerifier.of(b.metainfo, b.sha1, b.sha256);
    this.threads = b.threads;
    this.pieces = b.pieces == null ? allPieces(b.metainfo.pieceCount()) : (BitSet) b.pieces.clone();
    this.listener = b.listener;
    this.nanoClock = b.nanoClock;
    this.mapped = b.mapped;
  }

  /** A builder for a recheck of {@code metainfo}'s data in {@code storage}. */
  public static Builder builder(Metainfo metainfo, Storage storage) {
    return new Builder(metainfo, storage);
  }

  /** Runs the recheck on its threads and waits for it. */
  public RecheckResult run() throws InterruptedException {
    Handle h = start();
    try {
      return h.result().get();
    } catch (InterruptedException e) {
      h.cancel();
      h.awaitThreads();
      throw e;
    } catch (java.util.concurrent.ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      if (c instanceof Error) {
        throw (Error) c;
      }
      throw new IllegalStateException(c);
    }
  }

  /** Starts the recheck on its own threads. */
  public Handle start() {
    Handle h = new Handle();
    h.begin();
    return h;
  }

  private static BitSet allPieces(int n) {
    BitSet b = new BitSet(n);
    b.set(0, n);
    return b;
  }

  /** A running recheck: its result, and a way to stop it early. */
  public final class Handle {
    private final CompletableFuture<RecheckResult> future = new CompletableFuture<>();
    private final AtomicBoolean cancelled = new AtomicBoolean();
    private final AtomicInteger next = new AtomicInteger(-1);
    private final AtomicInteger done = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();
    private final BitSet good = new BitSet();
    private final BitSet unreadable = new BitSet();
    private final List<Thread> workers = new ArrayList<>();
    private final AtomicInteger running = new AtomicInteger();
    private long startNanos;
    private volatile Throwable failure;

    private Handle() {}

    private void begin() {
      startNanos = nanoClock.getAsLong();
      int n = Math.max(1, Math.min(threads, Math.max(1, pieces.cardinality())));
      running.set(n);
      for (int i = 0; i < n; i++) {
        Thread t = new Thread(this::work, "bt-recheck-" + i);
        t.setDaemon(true);
        workers.add(t);
      }
      for (Thread t : workers) {
        t.start();
      }
    }

    /** Completes with the result, or exceptionally with {@link CancellationException}. */
    public CompletableFuture<RecheckResult> result() {
      return future;
    }

    /** Stops the recheck: workers finish the piece they are on and end; the result is cancelled. */
    public void cancel() {
      cancelled.set(true);
    }

    /** Whether {@link #cancel()} was called. */
    public boolean isCancelled() {
      return cancelled.get();
    }

    /** Waits until every worker thread has ended. */
    public void awaitThreads() throws InterruptedException {
      for (Thread t : workers) {
        t.join();
      }
    }

    private int claim() {
      for (;;) {
        int cur = next.get();
        int p = pieces.nextSetBit(cur + 1);
        if (p < 0) {
          return -1;
        }
        if (next.compareAndSet(cur, p)) {
          return p;
        }
      }
    }

    private void work() {
      MappedReader mappable = !mapped ? null
          : storage instanceof FileStorage fs ? fs::readMapped
          : storage instanceof ChannelStorage cs ? cs::readMapped
          : null;
      try (MappedWindow window = new MappedWindow()) {
        PieceVerifier.Check check = verifier.newCheck();
        ByteBuffer buf = ByteBuffer.allocateDirect(Math.min(CHUNK, metainfo.pieceLength()));
        int p;
        while (!cancelled.get() && failure == null && (p = claim()) >= 0) {
          boolean ok;
          boolean readable = true;
          int size = metainfo.pieceSize(p);
          check.start(p);
          try {
            if (mappable != null) {
              readMapped(mappable, p, size, window, check);
            } else {
              for (int off = 0; off < size; ) {
                int n = Math.min(buf.capacity(), size - off);
                ((Buffer) buf).clear().limit(n);
                storage.read(p, off, buf);
                ((Buffer) buf).flip();
                check.update(buf);
                off += n;
                bytes.addAndGet(n);
              }
            }
          } catch (IOException e) {
            readable = false;
            log.debug("piece {} unreadable: {}", p, e.toString());
          }
          ok = readable && verifier.canVerify(p) && check.finish();
          synchronized (good) {
            if (ok) {
              good.set(p);
            }
            if (!readable) {
              unreadable.set(p);
            }
          }
          int d = done.incrementAndGet();
          try {
            listener.onPiece(p, ok, d, bytes.get());
          } catch (RuntimeException e) {
            log.warn("recheck listener threw; ignored", e);
          }
        }
      } catch (Throwable t) {
        failure = t;
      } finally {
        if (running.decrementAndGet() == 0) {
          finishUp();
        }
      }
    }

    /**
     * Hashes piece {@code p} from mappings of its files. A file that shrinks under the mapping
     * makes the JVM raise an {@link InternalError} (its SIGBUS handler) instead of crashing: that
     * piece is then unreadable, like a short read.
     */
    private void readMapped(MappedReader reader, int p, int size, MappedWindow window,
        PieceVerifier.Check check) throws IOException {
      try {
        reader.read(p, 0, size, CHUNK, window, b -> {
          int n = b.remaining();
          check.update(b);
          bytes.addAndGet(n);
        });
      } catch (InternalError e) {
        window.release();
        throw new IOException("piece " + p + ": the file changed while it was mapped", e);
      }
    }

    private void finishUp() {
      if (failure != null) {
        future.completeExceptionally(failure);
      } else if (cancelled.get()) {
        future.completeExceptionally(new CancellationException("recheck cancelled"));
      } else {
        Duration elapsed = Duration.ofNanos(nanoClock.getAsLong() - startNanos);
        synchronized (good) {
          future.complete(new RecheckResult(metainfo.pieceCount(), pieces, good, unreadable,
              bytes.get(), elapsed));
        }
      }
    }
  }

  /** Settings for a {@link Recheck}. Not thread-safe. */
  public static final class Builder {
    private final Metainfo metainfo;
    private boolean mapped;
    private final Storage storage;
    private int threads = Runtime.getRuntime().availableProcessors();
    private HashFunction sha1 = HashFunction.sha1();
    private HashFunction sha256 = HashFunction.sha256();
    private BitSet pieces;
    private RecheckListener listener = RecheckListener.NONE;
    private LongSupplier nanoClock = System::nanoTime;

    private Builder(Metainfo metainfo, Storage storage) {
      if (metainfo == null || storage == null) {
        throw new NullPointerException(metainfo == null ? "metainfo" : "storage");
      }
      this.metainfo = metainfo;
      this.storage = storage;
    }

    /** Worker threads, 1 to 256 (default: the number of processors). */
    public Builder threads(int threads) {
      if (threads < 1 || threads > 256) {
        throw new IllegalArgumentException("threads must be in [1, 256]: " + threads);
      }
      this.threads = threads;
      return this;
    }

    /**
     * Whether a {@link FileStorage} or {@link ChannelStorage} is hashed straight from read-only
     * mappings of its files instead of through {@link Storage#read} (default: false). Mapping
     * skips the kernel's copy out of the page cache, but on Linux with a warm cache it measured
     * the same as reading (ReadAndHashBenchmark, 2 threads: 3.83–3.90 GB/s mapped against
     * 3.85–3.92 read, same run), and a file truncated under a mapping costs a JVM fault-handling
     * path: so it is opt-in.
     */
    public Builder memoryMapped(boolean mapped) {
      this.mapped = mapped;
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

    /** Checks only these pieces (default: all). */
    public Builder pieces(BitSet pieces) {
      if (pieces.length() > metainfo.pieceCount()) {
        throw new IllegalArgumentException("piece " + (pieces.length() - 1) + " outside [0, "
            + metainfo.pieceCount() + ")");
      }
      this.pieces = (BitSet) pieces.clone();
      return this;
    }

    /** Hears each piece as it is checked (default: nothing). */
    public Builder listener(RecheckListener listener) {
      this.listener = listener == null ? RecheckListener.NONE : listener;
      return this;
    }

    /** The monotonic clock timing the recheck (default {@code System::nanoTime}). */
    public Builder nanoClock(LongSupplier nanoClock) {
      this.nanoClock = nanoClock;
      return this;
    }

    /** The recheck. */
    public Recheck build() {
      return new Recheck(this);
    }
  }

  /** A storage's read of a piece range through mappings ({@code FileIo#readMapped}). */
  @FunctionalInterface
  private interface MappedReader {
    void read(int piece, int offset, int length, int chunk, MappedWindow window,
        Consumer<ByteBuffer> sink) throws IOException;
  }
}
