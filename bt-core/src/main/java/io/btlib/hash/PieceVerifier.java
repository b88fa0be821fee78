package io.btlib.hash;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.metainfo.internal.Merkle;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Checks a piece's bytes against a torrent's hashes: SHA-1 for v1 (BEP 3), the SHA-256 merkle tree
 * over 16 KiB blocks for v2 (BEP 52), both for a hybrid.
 *
 * <pre>{@code
 * PieceVerifier v = PieceVerifier.of(metainfo);
 * boolean good = v.verify(piece, bytes);          // a whole piece in memory
 *
 * PieceVerifier.Check c = v.newCheck();           // or streamed, chunk by chunk
 * c.start(piece);
 * while (...) c.update(chunk);
 * boolean good = c.finish();
 * }</pre>
 *
 * <p>A piece's bytes are the {@link Metainfo#pieceSize(int)} bytes of the torrent's piece-aligned
 * stream: for v1 and hybrid torrents pad-file bytes are part of them (as zeros) and the SHA-1 covers
 * them, while a hybrid's SHA-256 covers only the file data before the pad. A v2 piece is checked
 * against its file's piece layer, or against the file's {@code pieces root} when the file has only
 * one piece; a v2 piece whose layer is unknown (a torrent from a magnet link, before the layers are
 * fetched) cannot be checked: {@link #canVerify(int)} says so.
 *
 * <p>A verifier is immutable and thread-safe; each {@link Check} belongs to one thread at a time.
 */
public final class PieceVerifier {
  private final Metainfo metainfo;
  private final HashFunction sha1;
  private final HashFunction sha256;
  private final boolean v1;
  private final boolean v2;
  // v2: the non-empty real files, by first piece
  private final int[] fileFirstPiece;
  private final FileEntry[] fileEntries;

  private PieceVerifier(Metainfo m, HashFunction sha1, HashFunction sha256) {
    if (sha1.digestLength() != 20) {
      throw new IllegalArgumentException("SHA-1 gives 20 bytes, not " + sha1.digestLength());
    }
    if (sha256.digestLength() != 32) {
      throw new IllegalArgumentException("SHA-256 gives 32 bytes, not " + sha256.digestLength());
    }
    this.metainfo = m;
    this.sha1 = sha1;
    this.sha256 = sha256;
    this.v1 = m.version().hasV1();
    this.v2 = m.version().hasV2();
    List<FileEntry> real = new ArrayList<>();
    for (FileEntry f : m.files()) {
      if (!f.isPad() && f.length() > 0) {
        real.add(f);
      }
    }
    this.fileEntries = real.toArray(new FileEntry[0]);
    this.fileFirstPiece = new int[fileEntries.length];
    for (int i = 0; i < fileEntries.length; i++) {
      fileFirstPiece[i] = (int) (fileEntries[i].offset() / m.pieceLength());
    }
  }

  /** A verifier with the JDK's SHA-1 and SHA-256. */
  public static PieceVerifier of(Metainfo metainfo) {
    return new PieceVerifier(metainfo, HashFunction.sha1(), HashFunction.sha256());
  }

  /** A verifier with the given hash functions. */
  public static PieceVerifier of(Metainfo metainfo, HashFunction sha1, HashFunction sha256) {
    return new PieceVerifier(metainfo, sha1, sha256);
  }

  /** The torrent this verifier checks. */
  public Metainfo metainfo() {
    return metainfo;
  }

  /**
   * Whether piece {@code index} can be checked now: always for v1 and hybrid (SHA-1), and for v2
   * unless its file has more than one piece and the torrent carries no piece layers.
   */
  public boolean canVerify(int index) {
    checkPiece(index);
    return v1 || expectedV2(index) != null;
  }

  /** Checks a whole piece held in {@code data} (its remaining bytes; the position moves). */
  public boolean verify(int index, ByteBuffer data) {
    Check c = newCheck();
    c.start(index);
    if (data.remaining() != c.expected) {
      return false;
    }
    c.update(data);
    return c.finish();
  }

  /** A reusable check, for one thread at a time. */
  public Check newCheck() {
    return new Check();
  }

  private FileEntry v2File(int piece) {
    int lo = 0;
    int hi = fileFirstPiece.length - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (fileFirstPiece[mid] <= piece) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? null : fileEntries[found];
  }

  /** The expected v2 hash of a piece: its layer entry, or the file's root for a one-piece file. */
  private byte[] expectedV2(int piece) {
    FileEntry f = v2File(piece);
    if (f == null || !f.piecesRoot().isPresent()) {
      return null;
    }
    if (f.length() <= metainfo.pieceLength()) {
      return f.piecesRoot().get().bytes();
    }
    Optional<ByteBuffer> layer = metainfo.pieceLayer(f);
    if (!layer.isPresent()) {
      return null;
    }
    int k = piece - (int) (f.offset() / metainfo.pieceLength());
    byte[] h = new byte[32];
    ((ByteBuffer) ((Buffer) layer.get()).position(k * 32)).get(h);
    return h;
  }

  private void checkPiece(int index) {
    if (index < 0 || index >= metainfo.pieceCount()) {
      throw new IndexOutOfBoundsException(
          "piece " + index + " outside [0, " + metainfo.pieceCount() + ")");
    }
  }

  /**
   * One piece being checked from streamed bytes: {@link #start(int)}, {@link #update(ByteBuffer)}
   * in order until the piece's bytes are all fed, {@link #finish()}. Reusable; not thread-safe.
   */
  public final class Check {
    private final Hasher h1 = v1 ? sha1.newHasher() : null;
    private final Hasher leaf = v2 ? sha256.newHasher() : null;
    private final MessageDigest nodes = v2 ? Merkle.sha256() : null;
    private final byte[] digest1 = new byte[20];
    private int piece = -1;
    private int expected;
    private int fed;
    // v2 state
    private int v2Length;
    private boolean v2Check;
    private byte[] v2Expected;
    private long v2MinLeaves;
    private byte[] leaves = new byte[0];
    private int leafCount;
    private int inBlock;

    private Check() {}

    /** Starts checking piece {@code index}, discarding any unfinished check. */
    public void start(int index) {
      checkPiece(index);
      piece = index;
      expected = metainfo.pieceSize(index);
      fed = 0;
      if (h1 != null) {
        h1.reset();
      }
      if (v2) {
        leaf.reset();
        FileEntry f = v2File(index);
        long start = (long) index * metainfo.pieceLength();
        v2Length = f == null ? 0 : (int) Math.min(expected, f.endOffset() - start);
        v2Expected = expectedV2(index);
        v2Check = v2Expected != null && v2Length > 0;
        v2MinLeaves = f != null && f.length() > metainfo.pieceLength()
            ? metainfo.pieceLength() / Metainfo.BLOCK_SIZE : 1;
        int maxLeaves = (v2Length + Metainfo.BLOCK_SIZE - 1) / Metainfo.BLOCK_SIZE;
        if (leaves.length < maxLeaves * 32) {
          leaves = new byte[maxLeaves * 32];
        }
        leafCount = 0;
        inBlock = 0;
      }
    }

    /** The number of bytes still to feed. */
    public int remaining() {
      return expected - fed;
    }

    /** Feeds the remaining bytes of {@code data}; the position moves to the limit. */
    public void update(ByteBuffer data) {
      requireStarted();
      int n = data.remaining();
      if (n > expected - fed) {
        throw new IllegalArgumentException("piece " + piece + " has " + expected + " bytes; "
            + (fed + n) + " fed");
      }
      if (v2Check && fed < v2Length) {
        int v2n = Math.min(n, v2Length - fed);
        ByteBuffer part = data.duplicate();
        ((Buffer) part).limit(part.position() + v2n);
        feedLeaves(part);
      }
      if (h1 != null) {
        h1.update(data);
      } else {
        ((Buffer) data).position(data.limit());
      }
      fed += n;
    }

    /** Feeds {@code length} bytes of {@code bytes} from {@code offset}. */
    public void update(byte[] bytes, int offset, int length) {
      update(ByteBuffer.wrap(bytes, offset, length));
    }

    private void feedLeaves(ByteBuffer part) {
      while (part.hasRemaining()) {
        int take = Math.min(part.remaining(), Metainfo.BLOCK_SIZE - inBlock);
        ByteBuffer slice = part.duplicate();
        ((Buffer) slice).limit(slice.position() + take);
        leaf.update(slice);
        ((Buffer) part).position(part.position() + take);
        inBlock += take;
        if (inBlock == Metainfo.BLOCK_SIZE) {
          leaf.digest(leaves, leafCount * 32);
          leafCount++;
          inBlock = 0;
        }
      }
    }

    /**
     * Whether the bytes fed match the piece's hashes (all of them, for a hybrid).
     *
     * @throws IllegalStateException if fewer bytes than the piece holds were fed, or if the piece
     *     cannot be checked ({@link PieceVerifier#canVerify(int)})
     */
    public boolean finish() {
      requireStarted();
      if (fed != expected) {
        throw new IllegalStateException("piece " + piece + " has " + expected + " bytes; only "
            + fed + " fed");
      }
      int p = piece;
      piece = -1;
      boolean ok = true;
      if (h1 != null) {
        h1.digest(digest1, 0);
        ok = metainfo.pieceHashMatches(p, digest1);
      }
      if (v2) {
        if (!v2Check) {
          if (!v1) {
            throw new IllegalStateException("piece " + p + " cannot be checked: no piece layer");
          }
          return ok;
        }
        if (inBlock > 0) {
          leaf.digest(leaves, leafCount * 32);
          leafCount++;
          inBlock = 0;
        }
        byte[] root = Merkle.root(nodes, leaves, 0, leafCount, v2MinLeaves, new byte[32]);
        ok &= MessageDigest.isEqual(root, v2Expected);
      }
      return ok;
    }

    private void requireStarted() {
      if (piece < 0) {
        throw new IllegalStateException("no piece started");
      }
    }
  }
}
