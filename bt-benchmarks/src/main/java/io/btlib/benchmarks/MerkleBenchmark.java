package io.btlib.benchmarks;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BString;
import io.btlib.hash.PieceVerifier;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.storage.BouncyCastleHashes;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
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
import org.openjdk.jmh.annotations.Warmup;

/**
 * Checking BEP 52 (v2) pieces: {@link PieceVerifier} builds each piece's SHA-256 merkle tree over
 * 16 KiB blocks and compares its root with the file's piece layer. The torrent is a v2 single file
 * of 16 MiB (plus a 5,000-byte tail, so the last piece's tree is padded) built in memory with its
 * {@code file tree} and {@code piece layers} hashed here independently of bt.
 *
 * <p>One operation checks every piece of the file (held in a heap array). {@link #flatSha256}
 * hashes the same bytes with one plain SHA-256 per piece, the floor the merkle tree adds to; {@link
 * #verifyBouncyCastle} uses {@link BouncyCastleHashes} for the leaves. The {@code bytes} secondary
 * score is bytes per second (MiB/s = bytes / 2^20).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class MerkleBenchmark {
  static final int BLOCK = io.btlib.metainfo.Metainfo.BLOCK_SIZE;
  static final int FILE_SIZE = (16 << 20) + 5000;

  /** The piece length in bytes. */
  @Param({"262144", "1048576"})
  public int pieceLength;

  private byte[] data;
  private Metainfo metainfo;
  private PieceVerifier jdk;
  private PieceVerifier bc;
  private PieceVerifier.Check jdkCheck;
  private MessageDigest flat;
  private final byte[] out = new byte[32];

  /** Bytes checked, reported per second as the {@code bytes} secondary result. */
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

  /** Makes the data and its v2 torrent, and checks that every piece verifies. */
  @Setup(Level.Trial)
  public void setUp() throws NoSuchAlgorithmException {
    data = new byte[FILE_SIZE];
    new Random(pieceLength).nextBytes(data);
    metainfo = v2Torrent(data, pieceLength);
    if (metainfo.version() != TorrentVersion.V2 || !metainfo.hasPieceLayers()) {
      throw new AssertionError("not a v2 torrent with piece layers");
    }
    jdk = PieceVerifier.of(metainfo);
    bc = PieceVerifier.of(metainfo, BouncyCastleHashes.sha1(), BouncyCastleHashes.sha256());
    jdkCheck = jdk.newCheck();
    flat = MessageDigest.getInstance("SHA-256");
    if (verify(jdk) != FILE_SIZE || verify(bc) != FILE_SIZE) {
      throw new AssertionError("pieces failed to verify");
    }
    byte[] bad = data.clone();
    bad[FILE_SIZE - 1] ^= 1;
    int last = metainfo.pieceCount() - 1;
    if (jdk.verify(last, ByteBuffer.wrap(bad, last * pieceLength, FILE_SIZE - last * pieceLength))) {
      throw new AssertionError("a corrupt piece verified");
    }
  }

  private long verify(PieceVerifier v) {
    long total = 0;
    for (int p = 0; p < metainfo.pieceCount(); p++) {
      int size = metainfo.pieceSize(p);
      if (!v.verify(p, ByteBuffer.wrap(data, p * pieceLength, size))) {
        throw new AssertionError("piece " + p + " failed");
      }
      total += size;
    }
    return total;
  }

  /** {@code PieceVerifier.verify} with the JDK's SHA-256, a whole piece at a time. */
  @Benchmark
  public long verifyJdk(Bytes b) {
    long n = verify(jdk);
    b.bytes += n;
    return n;
  }

  /** A reused {@code PieceVerifier.Check} fed 16 KiB at a time (how a download feeds blocks). */
  @Benchmark
  public long checkInBlocks(Bytes b) {
    long total = 0;
    for (int p = 0; p < metainfo.pieceCount(); p++) {
      int size = metainfo.pieceSize(p);
      jdkCheck.start(p);
      for (int off = 0; off < size; off += BLOCK) {
        jdkCheck.update(data, p * pieceLength + off, Math.min(BLOCK, size - off));
      }
      if (!jdkCheck.finish()) {
        throw new AssertionError("piece " + p + " failed");
      }
      total += size;
    }
    b.bytes += total;
    return total;
  }

  /** {@code PieceVerifier.verify} with BouncyCastle's SHA-256 for the leaves. */
  @Benchmark
  public long verifyBouncyCastle(Bytes b) {
    long n = verify(bc);
    b.bytes += n;
    return n;
  }

  /** One plain SHA-256 per piece: no tree, no comparison. */
  @Benchmark
  public byte[] flatSha256(Bytes b) throws Exception {
    for (int p = 0; p < metainfo.pieceCount(); p++) {
      flat.update(data, p * pieceLength, metainfo.pieceSize(p));
      flat.digest(out, 0, 32);
    }
    b.bytes += FILE_SIZE;
    return out;
  }

  /** A v2 single-file torrent for {@code data}, its merkle hashes computed here (BEP 52). */
  static Metainfo v2Torrent(byte[] data, int pieceLength) throws NoSuchAlgorithmException {
    MessageDigest sha = MessageDigest.getInstance("SHA-256");
    int leavesPerPiece = pieceLength / BLOCK;
    int pieces = (data.length + pieceLength - 1) / pieceLength;
    byte[][] layer = new byte[pieces][];
    for (int p = 0; p < pieces; p++) {
      byte[][] leaves = new byte[leavesPerPiece][];
      for (int i = 0; i < leavesPerPiece; i++) {
        long off = (long) p * pieceLength + (long) i * BLOCK;
        if (off < data.length) {
          sha.update(data, (int) off, (int) Math.min(BLOCK, data.length - off));
          leaves[i] = sha.digest();
        } else {
          leaves[i] = new byte[32];
        }
      }
      layer[p] = root(sha, leaves);
    }
    // the piece layer is padded to a power of two with roots of all-zero pieces
    byte[] zeroPiece = new byte[32];
    for (int w = leavesPerPiece; w > 1; w >>= 1) {
      zeroPiece = pair(sha, zeroPiece, zeroPiece);
    }
    int width = Integer.highestOneBit(pieces) == pieces ? pieces : Integer.highestOneBit(pieces) * 2;
    byte[][] padded = new byte[width][];
    for (int i = 0; i < width; i++) {
      padded[i] = i < pieces ? layer[i] : zeroPiece;
    }
    byte[] fileRoot = root(sha, padded);
    byte[] layerBytes = new byte[pieces * 32];
    for (int p = 0; p < pieces; p++) {
      System.arraycopy(layer[p], 0, layerBytes, p * 32, 32);
    }
    BDict leaf = BDict.builder().put("length", data.length).put("pieces root", BString.of(fileRoot))
        .build();
    BDict tree = BDict.builder().put("data.bin", BDict.builder().put("", leaf).build()).build();
    BDict info = BDict.builder().put("name", "data.bin").put("piece length", pieceLength)
        .put("meta version", 2).put("file tree", tree).build();
    BDict layers = BDict.builder().put(BString.of(fileRoot), BString.of(layerBytes)).build();
    return Metainfo.of(BDict.builder().put("info", info).put("piece layers", layers).build());
  }

  private static byte[] root(MessageDigest sha, byte[][] level) {
    byte[][] cur = level;
    while (cur.length > 1) {
      byte[][] up = new byte[cur.length / 2][];
      for (int i = 0; i < up.length; i++) {
        up[i] = pair(sha, cur[2 * i], cur[2 * i + 1]);
      }
      cur = up;
    }
    return cur[0];
  }

  private static byte[] pair(MessageDigest sha, byte[] a, byte[] b) {
    sha.update(a);
    sha.update(b);
    return sha.digest();
  }
}
