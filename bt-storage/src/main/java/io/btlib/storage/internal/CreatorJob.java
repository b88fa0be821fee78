package io.btlib.storage.internal;

import io.btlib.hash.HashFunction;
import io.btlib.hash.Hasher;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import java.io.Closeable;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.LinkOption;
import java.nio.file.OpenOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.LongConsumer;

/**
 * The hashing of a new torrent, split into tasks that worker threads pull until none are left.
 * Internal, not API.
 *
 * <p><b>v1</b>: the pieces run through the concatenated files, so a task is a range of pieces of
 * that stream and may cross file boundaries. <b>v2 and hybrid</b>: every file starts on a piece
 * boundary, so a task is a range of one file's pieces; each 16 KiB block is hashed with SHA-256 (a
 * leaf), each piece's leaves are reduced to its piece-layer hash, and (hybrid) the same bytes feed
 * the piece's SHA-1, padded with zeros to the piece length where a pad file follows the file.
 *
 * <p>Each worker reads with positional {@link FileChannel} reads into its own direct buffer of at
 * most {@link #CHUNK} bytes, then copies 16 KiB at a time into a heap block that stays in the L1
 * cache and feeds the hashers from it: one copy for one or two hashes. Results land in disjoint
 * parts of shared arrays, and are read only after every worker has returned from {@link #work} (the
 * caller orders that, for example by joining the threads or counting them down on an atomic).
 */
public final class CreatorJob {
  /** The most bytes read at once per thread: larger reads fall out of the L2 cache. */
  public static final int CHUNK = 256 * 1024;

  private static final int BLOCK = Metainfo.BLOCK_SIZE;
  private static final int TASK_BYTES = 16 << 20;
  private static final byte[] ZEROS = new byte[BLOCK];

  private final CreatorScan.Result scan;
  private final TorrentVersion format;
  private final int pieceLength;
  private final HashFunction sha1;
  private final HashFunction sha256;
  private final List<CreatorFile> files;
  private final long[] lengths;
  private final long[] starts; // v1: offset in the stream; v2: unused
  private final int[] firstPiece; // v2: global index of each file's first piece
  private final int[] filePieces; // v2: pieces of each file
  private final int pieceCount;
  private final boolean padV1;
  private final int leavesPerPiece;
  private final int pieceLevel;
  private final long totalBytes;

  // results
  private final byte[] piecesV1;
  private final byte[][] roots;
  private final byte[][] layers;

  // tasks
  private final int[] taskFile;
  private final int[] taskFirst;
  private final int[] taskCount;
  private final AtomicInteger nextTask = new AtomicInteger();

  /**
   * Plans the work.
   *
   * @param padV1 whether (hybrid) a pad file follows every file that does not end on a piece
   *     boundary, so its last piece's SHA-1 covers zeros up to the piece length
   */
  public CreatorJob(CreatorScan.Result scan, TorrentVersion format, int pieceLength,
      boolean padV1, int threads, HashFunction sha1, HashFunction sha256) {
    this.scan = scan;
    this.format = format;
    this.pieceLength = pieceLength;
    this.sha1 = sha1;
    this.sha256 = sha256;
    this.files = scan.files();
    this.padV1 = padV1;
    this.leavesPerPiece = Math.max(1, pieceLength / BLOCK);
    this.pieceLevel = Integer.numberOfTrailingZeros(leavesPerPiece);
    int n = files.size();
    lengths = new long[n];
    starts = new long[n];
    long total = 0;
    for (int i = 0; i < n; i++) {
      lengths[i] = files.get(i).length();
      starts[i] = total;
      total += lengths[i];
    }
    totalBytes = total;
    firstPiece = new int[n];
    filePieces = new int[n];
    long pieces;
    if (format == TorrentVersion.V1) {
      pieces = (total + pieceLength - 1) / pieceLength;
    } else {
      pieces = 0;
      for (int i = 0; i < n; i++) {
        pieces += (lengths[i] + pieceLength - 1) / pieceLength;
      }
    }
    if (pieces > Integer.MAX_VALUE / 32) {
      throw new IllegalArgumentException("too many pieces (" + pieces + "): " + total
          + " bytes in pieces of " + pieceLength + "; choose a larger piece length");
    }
    if (format.hasV2()) {
      int p = 0;
      for (int i = 0; i < n; i++) {
        firstPiece[i] = p;
        filePieces[i] = (int) ((lengths[i] + pieceLength - 1) / pieceLength);
        p += filePieces[i];
      }
    }
    pieceCount = (int) pieces;
    piecesV1 = format.hasV1() ? new byte[pieceCount * 20] : null;
    roots = format.hasV2() ? new byte[n][] : null;
    layers = format.hasV2() ? new byte[n][] : null;

    // tasks: about eight per thread for balance, at most ~16 MiB each, whole pieces
    long perTask = Math.max(1, Math.min((pieceCount + 8L * threads - 1) / (8L * threads),
        Math.max(1, TASK_BYTES / pieceLength)));
    List<int[]> tasks = new ArrayList<>();
    if (format == TorrentVersion.V1) {
      for (long p = 0; p < pieceCount; p += perTask) {
        tasks.add(new int[] {-1, (int) p, (int) Math.min(perTask, pieceCount - p)});
      }
    } else {
      for (int i = 0; i < n; i++) {
        if (filePieces[i] > 1) {
          layers[i] = new byte[filePieces[i] * CreatorMerkle.HASH];
        }
        for (long k = 0; k < filePieces[i]; k += perTask) {
          tasks.add(new int[] {i, (int) k, (int) Math.min(perTask, filePieces[i] - k)});
        }
      }
    }
    taskFile = new int[tasks.size()];
    taskFirst = new int[tasks.size()];
    taskCount = new int[tasks.size()];
    for (int t = 0; t < tasks.size(); t++) {
      taskFile[t] = tasks.get(t)[0];
      taskFirst[t] = tasks.get(t)[1];
      taskCount[t] = tasks.get(t)[2];
    }
  }

  /** The bytes of file data to hash (pad bytes not counted). */
  public long totalBytes() {
    return totalBytes;
  }

  /** The number of pieces of the torrent. */
  public int pieceCount() {
    return pieceCount;
  }

  /** The number of tasks, the most threads that can be busy. */
  public int taskCount() {
    return taskFile.length;
  }

  /** What was scanned. */
  public CreatorScan.Result scan() {
    return scan;
  }

  /** The v1 {@code pieces} string, once every task has run. */
  public byte[] piecesV1() {
    return piecesV1;
  }

  /** File {@code i}'s {@code pieces root}, or null for an empty file (after {@link #finish}). */
  public byte[] root(int i) {
    return roots[i];
  }

  /** File {@code i}'s piece layer, or null for a file of at most one piece. */
  public byte[] layer(int i) {
    return layers[i];
  }

  /**
   * Runs tasks on the calling thread until none are left or {@code stop} says so.
   *
   * @param progress receives the number of bytes of each chunk hashed
   * @throws CancellationException if {@code stop} turned true
   * @throws IOException if a file cannot be read or changed size
   */
  public void work(BooleanSupplier stop, LongConsumer progress) throws IOException {
    try (Worker w = new Worker(stop, progress)) {
      int t;
      while ((t = nextTask.getAndIncrement()) < taskFile.length) {
        if (format == TorrentVersion.V1) {
          w.streamTask(taskFirst[t], taskCount[t]);
        } else {
          w.fileTask(taskFile[t], taskFirst[t], taskCount[t]);
        }
      }
    }
  }

  /** Computes the {@code pieces root} of every file larger than a piece from its layer. */
  public void finish() {
    if (roots == null) {
      return;
    }
    Hasher h = sha256.newHasher();
    CreatorMerkle merkle = new CreatorMerkle(h);
    for (int i = 0; i < files.size(); i++) {
      if (layers[i] != null) {
        byte[] copy = layers[i].clone();
        merkle.reduce(h, copy, filePieces[i], CreatorMerkle.ceilPow2(filePieces[i]), pieceLevel);
        roots[i] = Arrays.copyOf(copy, CreatorMerkle.HASH);
      }
    }
  }

  /** One thread's buffers, hashers and open file. */
  private final class Worker implements Closeable {
    private final BooleanSupplier stop;
    private final LongConsumer progress;
    private final ByteBuffer buf;
    private final byte[] block = new byte[BLOCK];
    private final Hasher h1 = format.hasV1() ? sha1.newHasher() : null;
    private final Hasher h2 = format.hasV2() ? sha256.newHasher() : null;
    private final CreatorMerkle merkle = h2 == null ? null : new CreatorMerkle(h2);
    private final byte[] leaves = h2 == null ? null : new byte[leavesPerPiece * CreatorMerkle.HASH];
    private FileChannel channel;
    private int channelFile = -1;

    Worker(BooleanSupplier stop, LongConsumer progress) {
      this.stop = stop;
      this.progress = progress;
      // a multiple of 16 KiB, so v2 blocks never straddle two reads
      long want = Math.min(CHUNK, (totalBytes + BLOCK - 1) / BLOCK * BLOCK);
      this.buf = ByteBuffer.allocateDirect((int) want);
    }

    /** v1: pieces {@code [first, first + count)} of the concatenated files. */
    void streamTask(int first, int count) throws IOException {
      long pos = (long) first * pieceLength;
      long end = Math.min(pos + (long) count * pieceLength, totalBytes);
      int piece = first;
      long pieceEnd = Math.min(pos + pieceLength, totalBytes);
      int f = fileAt(pos);
      while (pos < end) {
        long fileEnd = starts[f] + lengths[f];
        if (pos >= fileEnd) {
          f++;
          continue;
        }
        checkStop();
        FileChannel ch = open(f);
        int n = (int) Math.min(buf.capacity(), Math.min(fileEnd, end) - pos);
        read(ch, f, pos - starts[f], n);
        while (buf.hasRemaining()) {
          int k = (int) Math.min(Math.min(buf.remaining(), BLOCK), pieceEnd - pos);
          buf.get(block, 0, k);
          h1.update(block, 0, k);
          pos += k;
          if (pos == pieceEnd) {
            h1.digest(piecesV1, piece * 20);
            piece++;
            pieceEnd = Math.min(pieceEnd + pieceLength, totalBytes);
          }
        }
        progress.accept(n);
      }
    }

    /** v2/hybrid: pieces {@code [first, first + count)} of file {@code f}. */
    void fileTask(int f, int first, int count) throws IOException {
      long len = lengths[f];
      long pos = (long) first * pieceLength;
      long end = Math.min(pos + (long) count * pieceLength, len);
      int k = first;
      long pieceStart = pos;
      long pieceEnd = Math.min(pos + pieceLength, len);
      int leafCount = 0;
      FileChannel ch = open(f);
      while (pos < end) {
        checkStop();
        int n = (int) Math.min(buf.capacity(), end - pos);
        read(ch, f, pos, n);
        while (buf.hasRemaining()) {
          int b = Math.min(buf.remaining(), BLOCK);
          buf.get(block, 0, b);
          h2.update(block, 0, b);
          h2.digest(leaves, leafCount * CreatorMerkle.HASH);
          leafCount++;
          if (h1 != null) {
            h1.update(block, 0, b);
          }
          pos += b;
          if (pos == pieceEnd) {
            finishPiece(f, k, leafCount, (int) (pieceEnd - pieceStart));
            k++;
            leafCount = 0;
            pieceStart = pieceEnd;
            pieceEnd = Math.min(pieceEnd + pieceLength, len);
          }
        }
        progress.accept(n);
      }
    }

    private void finishPiece(int f, int k, int leafCount, int bytes) {
      if (filePieces[f] == 1) {
        // a file of one piece: its root is the tree over just its blocks
        merkle.reduce(h2, leaves, leafCount, CreatorMerkle.ceilPow2(leafCount), 0);
        roots[f] = Arrays.copyOf(leaves, CreatorMerkle.HASH);
      } else {
        merkle.reduce(h2, leaves, leafCount, leavesPerPiece, 0);
        System.arraycopy(leaves, 0, layers[f], k * CreatorMerkle.HASH, CreatorMerkle.HASH);
      }
      if (h1 != null) {
        if (padV1) {
          for (int z = pieceLength - bytes; z > 0; z -= BLOCK) {
            h1.update(ZEROS, 0, Math.min(z, BLOCK));
          }
        }
        h1.digest(piecesV1, (firstPiece[f] + k) * 20);
      }
    }

    private void checkStop() {
      if (stop.getAsBoolean()) {
        throw new CancellationException("torrent creation cancelled");
      }
    }

    private FileChannel open(int f) throws IOException {
      if (channelFile == f) {
        return channel;
      }
      close();
      CreatorFile file = files.get(f);
      OpenOption[] opts = scan.multiFile()
          ? new OpenOption[] {StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS}
          : new OpenOption[] {StandardOpenOption.READ};
      FileChannel ch = FileChannel.open(file.source(), opts);
      long size = ch.size();
      if (size != file.length()) {
        ch.close();
        throw changed(f, size);
      }
      channel = ch;
      channelFile = f;
      return ch;
    }

    /** Reads {@code n} bytes at {@code position} of file {@code f} into the buffer, flipped. */
    private void read(FileChannel ch, int f, long position, int n) throws IOException {
      ((Buffer) buf).clear().limit(n);
      while (buf.hasRemaining()) {
        int r = ch.read(buf, position + buf.position());
        if (r < 0) {
          throw changed(f, position + buf.position());
        }
      }
      ((Buffer) buf).flip();
    }

    private IOException changed(int f, long size) {
      CreatorFile file = files.get(f);
      return new IOException(file.source() + ": changed size while hashing (was "
          + file.length() + " bytes, now " + size + ")");
    }

    @Override
    public void close() throws IOException {
      if (channel != null) {
        FileChannel ch = channel;
        channel = null;
        channelFile = -1;
        ch.close();
      }
    }
  }

  /** The index of the file holding stream offset {@code pos} (the last one starting at or before). */
  private int fileAt(long pos) {
    int lo = 0;
    int hi = starts.length - 1;
    int found = 0;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (starts[mid] <= pos) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }
}
