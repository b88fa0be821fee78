package io.btlib.benchmarks;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BString;
import io.btlib.client.Storage;
import io.btlib.hash.HashFunction;
import io.btlib.hash.Hasher;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.FileStorage;
import io.btlib.storage.Recheck;
import io.btlib.storage.RecheckResult;
import io.btlib.storage.TorrentCreator;
import io.btlib.storage.internal.MappedWindow;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.ThreadParams;

/**
 * Reading a single-file torrent's data ({@code fileMiB}, 1 GiB) from the page cache and checking
 * every piece's SHA-1: the work of a full recheck, through different read paths.
 *
 * <ul>
 *   <li>{@link #channelHeap}: {@code FileChannel.read(ByteBuffer, long)} into one reused heap
 *       buffer of {@code chunk} bytes (256 KiB), hashed with bt's {@link Hasher};
 *   <li>{@link #channelDirect}: the same into a direct buffer;
 *   <li>{@link #mapped}: each piece hashed straight from a mapping of the file (made anew for
 *       each pass and unmapped after it);
 *   <li>{@link #recheck1} and {@link #recheck2}: bt's {@link Recheck} on one and two threads over
 *       {@link ChannelStorage}, a minimal {@link Storage} of positional {@code FileChannel}
 *       reads (the shape of a file-backed storage for a one-file torrent);
 *   <li>{@link #recheckFileStorage1} and {@link #recheckFileStorage2}: the same over bt's {@link
 *       FileStorage};
 *   <li>{@link #create1} and {@link #create2}: bt's {@link TorrentCreator} making a v1 torrent of
 *       the file on one and two threads (what {@code bt create} does, in a warm JVM), checked
 *       against the expected piece hashes.
 * </ul>
 *
 * <p>{@link #recheckFileStorage1} and {@link #recheckFileStorage2} read through FileStorage with
 * {@code pread} ({@code -p mapped=true} hashes from mappings instead); {@link #recheck1} and
 * {@link #recheck2} read through a minimal channel storage.
 *
 * <p>The file is written once per trial in a temporary directory (which leaves it in the page
 * cache) and deleted after. Every operation checks every piece against the expected hashes, so a
 * wrong read fails the run. The {@code bytes} secondary score is bytes per second (MiB/s = bytes /
 * 2^20); the primary score counts passes, over the whole file for the recheck methods and over a
 * thread's share for the others. The channel and mapped paths run on as many threads as JMH's
 * {@code -t}, thread i of n taking pieces i, i + n, i + 2n, … as a recheck's workers do (so two
 * threads never read the same bytes at once, which would let one feed the other's cache); the
 * recheck and create methods are meant for {@code -t 1}, as they start their own threads.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 3)
@Fork(1)
public class ReadAndHashBenchmark {

  /** The file, its torrent and its piece hashes, shared by all threads. */
  @State(Scope.Benchmark)
  public static class Data {
    /** The piece length in bytes. */
    @Param({"1048576"})
    public int pieceLength;

    /**
     * The file's size in MiB (at most 2047, the limit of one mapping). 1 GiB by default: a
     * recheck's fixed costs (its threads, the last piece) weigh ~4% on 256 MiB, ~1% here.
     */
    @Param({"1024"})
    public int fileMiB;

    /** Whether the FileStorage rechecks hash from mappings ({@code Recheck.Builder.memoryMapped}). */
    @Param({"false"})
    public boolean mapped;

    long fileSize;

    Path dir;
    Path file;
    FileChannel channel;
    Storage fileStorage;
    Metainfo metainfo;
    byte[] pieces;
    int pieceCount;

    /** Writes the file, hashes it, and maps it. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
      fileSize = (long) fileMiB << 20;
      dir = Files.createTempDirectory("bt-read-and-hash");
      file = dir.resolve("data.bin");
      pieceCount = (int) ((fileSize + pieceLength - 1) / pieceLength);
      pieces = new byte[pieceCount * 20];
      Random rnd = new Random(42);
      Hasher h = HashFunction.sha1().newHasher();
      byte[] block = new byte[pieceLength];
      try (FileChannel out = FileChannel.open(file, StandardOpenOption.CREATE_NEW,
          StandardOpenOption.WRITE)) {
        for (int p = 0; p < pieceCount; p++) {
          int n = (int) Math.min(pieceLength, fileSize - (long) p * pieceLength);
          rnd.nextBytes(block);
          h.update(block, 0, n);
          h.digest(pieces, p * 20);
          ByteBuffer b = ByteBuffer.wrap(block, 0, n);
          while (b.hasRemaining()) {
            out.write(b);
          }
        }
      }
      BDict info = BDict.builder().put("name", "data.bin").put("length", fileSize)
          .put("piece length", pieceLength).put("pieces", BString.of(pieces)).build();
      metainfo = Metainfo.of(BDict.builder().put("info", info).build());
      channel = FileChannel.open(file, StandardOpenOption.READ);
      fileStorage = FileStorage.open(metainfo, dir);
      System.out.printf("%n[ReadAndHash] %d MiB file, %d pieces of %d KiB%n", fileMiB,
          pieceCount, pieceLength >> 10);
    }

    /** Closes and deletes the file. */
    @TearDown(Level.Trial)
    public void tearDown() throws IOException {
      channel.close();
      fileStorage.close();
      Files.deleteIfExists(file);
      Files.deleteIfExists(dir);
    }

    int pieceSize(int p) {
      return (int) Math.min(pieceLength, fileSize - (long) p * pieceLength);
    }

    void check(int p, byte[] digest) {
      if (!Arrays.equals(pieces, p * 20, p * 20 + 20, digest, 0, 20)) {
        throw new AssertionError("piece " + p + " hashed wrong");
      }
    }
  }

  /** One thread's buffers and hasher. */
  @State(Scope.Thread)
  public static class Worker {
    /** The read size of {@link #channelHeap} and {@link #channelDirect} (Recheck's is 256 KiB). */
    @Param({"262144"})
    public int chunk;

    ByteBuffer heap;
    ByteBuffer direct;
    final Hasher hasher = HashFunction.sha1().newHasher();
    final byte[] digest = new byte[20];

    int first;
    int step;

    /** Allocates the buffers and takes this thread's share of the pieces. */
    @Setup(Level.Trial)
    public void setUp(ThreadParams t) {
      heap = ByteBuffer.allocate(chunk);
      direct = ByteBuffer.allocateDirect(chunk);
      first = t.getThreadIndex();
      step = t.getThreadCount();
    }
  }

  /** Bytes hashed, reported per second as the {@code bytes} secondary result. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Bytes {
    /** The count; JMH reports it as a rate. */
    public long bytes;

    /** Starts each iteration from zero. */
    @Setup(Level.Iteration)
    public void clear() {
      bytes = 0;
    }
  }

  /** A read-only {@link Storage} over one file, by positional reads. */
  static final class ChannelStorage implements Storage {
    private final FileChannel channel;
    private final long pieceLength;

    ChannelStorage(FileChannel channel, long pieceLength) {
      this.channel = channel;
      this.pieceLength = pieceLength;
    }

    @Override
    public void read(int piece, int offset, ByteBuffer dst) throws IOException {
      readFully(channel, dst, piece * pieceLength + offset);
    }

    @Override
    public void write(int piece, int offset, ByteBuffer src) {
      throw new UnsupportedOperationException("read-only");
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}
  }

  static void readFully(FileChannel ch, ByteBuffer dst, long position) throws IOException {
    long pos = position;
    while (dst.hasRemaining()) {
      int n = ch.read(dst, pos);
      if (n < 0) {
        throw new EOFException("end of file at " + pos);
      }
      pos += n;
    }
  }

  private static long readAndHash(Data d, Worker w, ByteBuffer buf) throws IOException {
    long total = 0;
    for (int p = w.first; p < d.pieceCount; p += w.step) {
      int size = d.pieceSize(p);
      long base = (long) p * d.pieceLength;
      for (int off = 0; off < size; ) {
        int n = Math.min(buf.capacity(), size - off);
        buf.clear().limit(n);
        readFully(d.channel, buf, base + off);
        buf.flip();
        w.hasher.update(buf);
        off += n;
      }
      w.hasher.digest(w.digest, 0);
      d.check(p, w.digest);
      total += size;
    }
    return total;
  }

  /** Positional reads into a reused 256 KiB heap buffer. */
  @Benchmark
  public long channelHeap(Data d, Worker w, Bytes b) throws IOException {
    long n = readAndHash(d, w, w.heap);
    b.bytes += n;
    return n;
  }

  /** Positional reads into a reused 256 KiB direct buffer. */
  @Benchmark
  public long channelDirect(Data d, Worker w, Bytes b) throws IOException {
    long n = readAndHash(d, w, w.direct);
    b.bytes += n;
    return n;
  }

  /**
   * Each piece hashed from a read-only mapping of the file, made for this pass and unmapped after
   * it, so that every page is faulted in once as in a real recheck (a mapping kept from pass to
   * pass would measure hashing from memory whose page tables are already filled).
   */
  @Benchmark
  public long mapped(Data d, Worker w, Bytes b) throws IOException {
    MappedByteBuffer all = d.channel.map(FileChannel.MapMode.READ_ONLY, 0, d.fileSize);
    long total = 0;
    try {
      for (int p = w.first; p < d.pieceCount; p += w.step) {
        int size = d.pieceSize(p);
        int base = p * d.pieceLength;
        all.limit(base + size).position(base);
        w.hasher.update(all);
        w.hasher.digest(w.digest, 0);
        d.check(p, w.digest);
        total += size;
      }
    } finally {
      unmap(all);
    }
    b.bytes += total;
    return total;
  }

  /** bt's {@link Recheck} on one thread. */
  @Benchmark
  public RecheckResult recheck1(Data d, Bytes b) throws InterruptedException {
    return recheck(d, b, 1);
  }

  /** bt's {@link Recheck} on two threads. */
  @Benchmark
  public RecheckResult recheck2(Data d, Bytes b) throws InterruptedException {
    return recheck(d, b, 2);
  }

  /** bt's {@link Recheck} on one thread over bt's {@link FileStorage}. */
  @Benchmark
  public RecheckResult recheckFileStorage1(Data d, Bytes b) throws InterruptedException {
    return recheck(d.fileStorage, d, b, 1, d.mapped);
  }

  /** bt's {@link Recheck} on two threads over bt's {@link FileStorage}. */
  @Benchmark
  public RecheckResult recheckFileStorage2(Data d, Bytes b) throws InterruptedException {
    return recheck(d.fileStorage, d, b, 2, d.mapped);
  }

  /** bt's {@link TorrentCreator} (v1) on one thread. */
  @Benchmark
  public Metainfo create1(Data d, Bytes b) throws IOException {
    return create(d, b, 1);
  }

  /** bt's {@link TorrentCreator} (v1) on two threads. */
  @Benchmark
  public Metainfo create2(Data d, Bytes b) throws IOException {
    return create(d, b, 2);
  }

  static Metainfo create(Data d, Bytes b, int threads) throws IOException {
    Metainfo m = TorrentCreator.builder(d.file).pieceLength(d.pieceLength).noCreationDate()
        .threads(threads).build().create();
    if (!m.piecesV1().equals(ByteBuffer.wrap(d.pieces))) {
      throw new AssertionError("TorrentCreator hashed the pieces wrong");
    }
    b.bytes += d.fileSize;
    return m;
  }

  static RecheckResult recheck(Data d, Bytes b, int threads) throws InterruptedException {
    return recheck(new ChannelStorage(d.channel, d.pieceLength), d, b, threads, false);
  }

  static RecheckResult recheck(Storage s, Data d, Bytes b, int threads, boolean mapped)
      throws InterruptedException {
    RecheckResult r = Recheck.builder(d.metainfo, s).threads(threads).memoryMapped(mapped).build()
        .run();
    if (!r.allGood()) {
      throw new AssertionError("recheck found bad pieces: " + r.bad());
    }
    b.bytes += r.bytesHashed();
    return r;
  }

  private static void unmap(MappedByteBuffer buffer) {
    MappedWindow.unmap(buffer);
  }
}
