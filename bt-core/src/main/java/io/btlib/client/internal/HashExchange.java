package io.btlib.client.internal;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeWriter;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.MerkleRoot;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.MetainfoException;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.metainfo.internal.Merkle;
import io.btlib.wire.PeerMessage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * BEP 52 piece layers over the wire: answers peers' hash requests from a torrent's piece layers,
 * and fetches the piece layers a v2 torrent added by magnet link lacks, each hash checked against
 * its file's {@code pieces root} through the proof that comes with it. Only the piece layer is
 * served and fetched (base layer = log2(piece length / 16 KiB)): it is what a downloader needs to
 * check whole pieces. Engine thread only. Internal, not API.
 *
 * <p>Hash messages follow libtorrent's reading of BEP 52: a request for {@code length} hashes
 * (a power of two, at most {@value #MAX_COUNT}, {@code index} a multiple of it) with {@code proof
 * layers} p is answered with the hashes, then max(0, p - (log2(length) - 1)) uncle hashes, from
 * the sibling of the requested subtree's root upwards.
 */
final class HashExchange {
  /** The most hashes one request may ask for (libtorrent refuses more than 8192). */
  static final int MAX_COUNT = 8192;
  /** The hashes we ask for at once. */
  static final int REQUEST_COUNT = 512;
  /**
   * The most piece-layer bytes a magnet fetch holds (2 million pieces): a torrent needing more is
   * refused rather than allocated, since its info dictionary, not a measured need, sets the size.
   */
  static final long MAX_FETCH_BYTES = 64L << 20;

  private HashExchange() {}

  // ---------------------------------------------------------------- shared tree arithmetic

  /** log2 of a power of two. */
  private static int log2(long powerOfTwo) {
    return Long.numberOfTrailingZeros(powerOfTwo);
  }

  private static long nextPow2(long n) {
    return n <= 1 ? 1 : Long.highestOneBit(n - 1) << 1;
  }

  /** The piece layer's base layer number, counted from the 16 KiB leaves. */
  static int pieceLayerBase(Metainfo m) {
    return log2(m.pieceLength() / Metainfo.BLOCK_SIZE);
  }

  /** The number of pieces of a v2 file. */
  private static int pieces(Metainfo m, FileEntry f) {
    return (int) ((f.length() + m.pieceLength() - 1) / m.pieceLength());
  }

  /** The hash that stands for a piece wholly past a file's end: a zero subtree of one piece. */
  private static byte[] padHash(MessageDigest sha, Metainfo m) {
    return Merkle.zeroSubtreeRoot(sha, m.pieceLength() / Metainfo.BLOCK_SIZE);
  }

  private static byte[] parent(MessageDigest sha, byte[] a, int ao, byte[] b, int bo) {
    sha.update(a, ao, Merkle.HASH_SIZE);
    sha.update(b, bo, Merkle.HASH_SIZE);
    return sha.digest();
  }

  /** The bytes of the piece layers a torrent lacking them would fetch (32 a piece). */
  static long layerBytes(Metainfo m) {
    long bytes = 0;
    for (FileEntry f : m.files()) {
      if (lacksLayer(m, f)) {
        bytes += (f.length() + m.pieceLength() - 1) / m.pieceLength() * Merkle.HASH_SIZE;
      }
    }
    return bytes;
  }

  /**
   * Whether a v2-only torrent lacks a piece layer that some file needs (more than one piece):
   * none came with it (a magnet link's info dictionary, a .torrent without {@code piece layers})
   * or only some did. A hybrid's pieces are checked by SHA-1 meanwhile, so it never waits.
   */
  static boolean lacksPieceLayers(Metainfo m) {
    if (m.version() != TorrentVersion.V2) {
      return false;
    }
    for (FileEntry f : m.files()) {
      if (lacksLayer(m, f)) {
        return true;
      }
    }
    return false;
  }

  /** Whether {@code f} has a piece layer: a v2 file of more than one piece. */
  static boolean needsLayer(Metainfo m, FileEntry f) {
    return !f.isPad() && f.piecesRoot().isPresent() && f.length() > m.pieceLength();
  }

  /** Whether {@code f} needs a piece layer that {@code m} does not carry. */
  static boolean lacksLayer(Metainfo m, FileEntry f) {
    return needsLayer(m, f) && !m.pieceLayer(f).isPresent();
  }

  // ---------------------------------------------------------------- serving

  /**
   * The answer to a hash request: {@link PeerMessage.Hashes}, or {@link PeerMessage.HashReject}
   * when the torrent has no such file or layer or the request breaks the rules above. Builds the
   * file's tree anew: the engine uses a {@link Server}, which keeps it.
   */
  static PeerMessage answer(Metainfo m, PeerMessage.HashRequest r) {
    return new Server(m).answer(r);
  }

  /**
   * Answers one torrent's hash requests. Each file's padded piece-layer tree is built on the first
   * request for it and kept, from the layer's parents up (the layer itself is read from the
   * metainfo): padded to a power of two, that is less than twice the bytes of the torrent's piece
   * layers, which the metainfo holds already, so no file's tree is ever hashed twice and a peer asking again and
   * again, for any files, costs copies only. Files are found by pieces root through a map built
   * once.
   */
  static final class Server {
    private final Metainfo m;
    private final Map<MerkleRoot, FileEntry> files = new HashMap<>();
    private final Map<MerkleRoot, byte[][]> trees = new HashMap<>();
    private byte[] pad;

    Server(Metainfo m) {
      this.m = m;
      if (m != null && m.version() != TorrentVersion.V1) {
        for (FileEntry f : m.files()) {
          if (needsLayer(m, f)) {
            files.putIfAbsent(f.piecesRoot().get(), f);
          }
        }
      }
    }

    Metainfo metainfo() {
      return m;
    }

    PeerMessage answer(PeerMessage.HashRequest r) {
      PeerMessage reject = new PeerMessage.HashReject(r.piecesRoot(), r.baseLayer(), r.index(),
          r.length(), r.proofLayers());
      // a file of one piece has no layer: its pieces root is the whole tree
      FileEntry file = files.get(r.piecesRoot());
      if (file == null || r.baseLayer() != pieceLayerBase(m)) {
        return reject;
      }
      ByteBuffer layer = m.pieceLayer(file).orElse(null);
      int n = pieces(m, file);
      if (layer == null || layer.remaining() != n * Merkle.HASH_SIZE) {
        return reject;
      }
      long width = nextPow2(n);
      int height = log2(width);
      int count = r.length();
      if (count < 1 || count > MAX_COUNT || Integer.bitCount(count) != 1 || r.index() < 0
          || r.index() % count != 0 || (long) r.index() + count > width || r.proofLayers() < 0) {
        return reject;
      }
      int uncles = Math.max(0, r.proofLayers() - (log2(count) - 1));
      if (log2(count) + uncles > height) {
        return reject; // proof above the root
      }
      byte[][] levels = tree(file.piecesRoot().get(), layer, n, (int) width);
      byte[] out = new byte[(count + uncles) * Merkle.HASH_SIZE];
      for (int i = 0; i < count; i++) {
        node(levels, layer, n, 0, r.index() + i, out, i * Merkle.HASH_SIZE);
      }
      // from the requested subtree's root (height log2(count)) up, each node's sibling
      for (int u = 0; u < uncles; u++) {
        int h = log2(count) + u;
        node(levels, layer, n, h, (r.index() >> h) ^ 1, out, (count + u) * Merkle.HASH_SIZE);
      }
      return new PeerMessage.Hashes(r.piecesRoot(), r.baseLayer(), r.index(), count,
          r.proofLayers(), ByteBuffer.wrap(out));
    }

    /** Copies node {@code i} of level {@code h} (0: the layer, padded) to {@code out[off]}. */
    private void node(byte[][] levels, ByteBuffer layer, int n, int h, int i, byte[] out,
        int off) {
      if (h > 0) {
        System.arraycopy(levels[h], i * Merkle.HASH_SIZE, out, off, Merkle.HASH_SIZE);
      } else if (i < n) {
        ByteBuffer d = layer.duplicate(); // absolute bulk get is Java 13
        ((Buffer) d).position(layer.position() + i * Merkle.HASH_SIZE);
        d.get(out, off, Merkle.HASH_SIZE);
      } else {
        System.arraycopy(pad, 0, out, off, Merkle.HASH_SIZE);
      }
    }

    /**
     * The levels of a file's padded piece-layer tree, the root last; level 0 (the layer) is left
     * null, as it is read from the metainfo.
     */
    private byte[][] tree(MerkleRoot root, ByteBuffer layer, int n, int width) {
      byte[][] levels = trees.get(root);
      if (levels != null) {
        return levels;
      }
      MessageDigest sha = Merkle.sha256();
      if (pad == null) {
        pad = padHash(sha, m);
      }
      levels = new byte[log2(width) + 1][];
      byte[] cur = new byte[width * Merkle.HASH_SIZE];
      layer.duplicate().get(cur, 0, n * Merkle.HASH_SIZE);
      for (int i = n; i < width; i++) {
        System.arraycopy(pad, 0, cur, i * Merkle.HASH_SIZE, Merkle.HASH_SIZE);
      }
      for (int h = 1, w = width / 2; w >= 1; h++, w /= 2) {
        byte[] next = new byte[w * Merkle.HASH_SIZE];
        for (int i = 0; i < w; i++) {
          System.arraycopy(parent(sha, cur, 2 * i * Merkle.HASH_SIZE, cur,
              (2 * i + 1) * Merkle.HASH_SIZE), 0, next, i * Merkle.HASH_SIZE, Merkle.HASH_SIZE);
        }
        levels[h] = next;
        cur = next;
      }
      trees.put(root, levels);
      return levels;
    }
  }

  /**
   * Whether {@code hashes} ({@code count} base hashes then uncles) prove against {@code root}:
   * the subtree of the base hashes, then each uncle on the side its index says.
   */
  static boolean proves(MessageDigest sha, byte[] hashes, int count, int index, int uncles,
      byte[] root) {
    byte[] cur = Arrays.copyOf(hashes, count * Merkle.HASH_SIZE);
    for (int w = count; w > 1; w /= 2) {
      byte[] next = new byte[w / 2 * Merkle.HASH_SIZE];
      for (int i = 0; i < w / 2; i++) {
        System.arraycopy(parent(sha, cur, 2 * i * Merkle.HASH_SIZE, cur,
            (2 * i + 1) * Merkle.HASH_SIZE), 0, next, i * Merkle.HASH_SIZE, Merkle.HASH_SIZE);
      }
      cur = next;
    }
    int node = index / count;
    for (int u = 0; u < uncles; u++) {
      int off = (count + u) * Merkle.HASH_SIZE;
      cur = (node & 1) == 0 ? parent(sha, cur, 0, hashes, off) : parent(sha, hashes, off, cur, 0);
      node >>= 1;
    }
    return node == 0 && Arrays.equals(cur, root);
  }

  // ---------------------------------------------------------------- fetching

  /** The piece layers of one v2 torrent being fetched from peers. */
  private static final BString INFO = BString.of("info");
  private static final BString PIECE_LAYERS = BString.of("piece layers");

  private static void writeLayers(BencodeWriter w, Map<BString, byte[]> layers)
      throws IOException {
    w.key(PIECE_LAYERS).beginDict();
    for (Map.Entry<BString, byte[]> e : layers.entrySet()) {
      w.key(e.getKey()).string(e.getValue());
    }
    w.end();
  }

  static final class Fetch {
    private final Metainfo partial;
    private final byte[] infoBytes;
    private final InfoHashes infoHashes;
    private final int base;
    private final List<FileFetch> files = new ArrayList<>();
    private final MessageDigest sha = Merkle.sha256();

    private final int maxCount;

    Fetch(Metainfo partial) {
      this(partial, REQUEST_COUNT);
    }

    /** A fetch that asks for at most {@code maxCount} hashes (a power of two) per request. */
    Fetch(Metainfo partial, int maxCount) {
      long bytes = layerBytes(partial);
      if (bytes > MAX_FETCH_BYTES) {
        throw new IllegalArgumentException("its piece layers (" + bytes + " bytes) exceed the "
            + MAX_FETCH_BYTES + " a magnet download fetches");
      }
      this.partial = partial;
      this.maxCount = maxCount;
      ByteBuffer ib = partial.infoBytes();
      this.infoBytes = new byte[ib.remaining()];
      ib.duplicate().get(infoBytes);
      this.infoHashes = partial.infoHashes();
      this.base = pieceLayerBase(partial);
      for (FileEntry f : partial.files()) {
        if (lacksLayer(partial, f)) {
          files.add(new FileFetch(f.piecesRoot().get(), pieces(partial, f)));
        }
      }
    }

    Metainfo partial() {
      return partial;
    }

    /** One file's piece layer: requested in chunks of up to {@value #REQUEST_COUNT} hashes. */
    final class FileFetch {
      final MerkleRoot root;
      final int n;
      final int width;
      final int height;
      final int count;
      final byte[] layer;
      final boolean[] done;
      final Object[] askedOf; // the connection a chunk waits on, or null
      final long[] askedAt;

      FileFetch(MerkleRoot root, int n) {
        this.root = root;
        this.n = n;
        this.width = (int) nextPow2(n);
        this.height = log2(width);
        this.count = Math.min(width, maxCount);
        this.layer = new byte[n * Merkle.HASH_SIZE];
        int chunks = width / count;
        this.done = new boolean[chunks];
        this.askedOf = new Object[chunks];
        this.askedAt = new long[chunks];
      }

      int proofLayers() {
        return Math.max(0, height - 1); // uncles = height - log2(count): up to the root
      }
    }

    /** Whether every layer is in. */
    boolean complete() {
      for (FileFetch f : files) {
        for (boolean d : f.done) {
          if (!d) {
            return false;
          }
        }
      }
      return true;
    }

    /**
     * The requests to send to {@code peer} now: chunks nobody is asked for (or whose asking
     * timed out), at most {@code max}.
     */
    List<PeerMessage.HashRequest> pick(Object peer, int max, long now, long timeoutNanos) {
      List<PeerMessage.HashRequest> out = new ArrayList<>();
      for (FileFetch f : files) {
        for (int k = 0; k < f.done.length && out.size() < max; k++) {
          if (f.done[k] || (f.askedOf[k] != null && now - f.askedAt[k] < timeoutNanos)
              || f.askedOf[k] == peer) {
            continue;
          }
          f.askedOf[k] = peer;
          f.askedAt[k] = now;
          out.add(new PeerMessage.HashRequest(f.root, base, k * f.count, f.count,
              f.proofLayers()));
        }
      }
      return out;
    }

    /** The number of chunks {@code peer} was asked for and has not answered. */
    int pendingOn(Object peer) {
      int n = 0;
      for (FileFetch f : files) {
        for (int k = 0; k < f.done.length; k++) {
          if (!f.done[k] && f.askedOf[k] == peer) {
            n++;
          }
        }
      }
      return n;
    }

    /** Forgets what {@code peer} was asked for (it left, or refused). */
    void release(Object peer) {
      for (FileFetch f : files) {
        for (int k = 0; k < f.done.length; k++) {
          if (f.askedOf[k] == peer) {
            f.askedOf[k] = null;
          }
        }
      }
    }

    /**
     * Takes a peer's hashes. Returns false if they do not prove against the file's root (the
     * peer lied or broke the protocol); true otherwise, including answers nobody asked for.
     */
    boolean accept(Object peer, PeerMessage.Hashes h) {
      for (FileFetch f : files) {
        if (!f.root.equals(h.piecesRoot()) || h.baseLayer() != base || h.length() != f.count
            || h.index() % f.count != 0 || h.index() / f.count >= f.done.length) {
          continue;
        }
        int k = h.index() / f.count;
        if (f.done[k]) {
          return true;
        }
        int uncles = f.height - log2(f.count);
        ByteBuffer b = h.hashes().duplicate();
        if (b.remaining() != (f.count + uncles) * Merkle.HASH_SIZE) {
          return false;
        }
        byte[] all = new byte[b.remaining()];
        b.get(all);
        if (!proves(sha, all, f.count, h.index(), uncles, f.root.bytes())) {
          return false;
        }
        int first = h.index();
        int take = Math.min(f.count, f.n - first);
        System.arraycopy(all, 0, f.layer, first * Merkle.HASH_SIZE, take * Merkle.HASH_SIZE);
        f.done[k] = true;
        f.askedOf[k] = null;
        return true;
      }
      return true; // not ours: ignored
    }

    /**
     * The whole metainfo: the torrent's own keys (trackers, web seeds...; none for a magnet
     * link's), the info dictionary as its bytes, and every piece layer, fetched or carried.
     */
    Metainfo build() throws MetainfoException {
      Map<BString, byte[]> layers = new TreeMap<>();
      for (FileEntry f : partial.files()) {
        partial.pieceLayer(f).ifPresent(l -> {
          byte[] b = new byte[l.remaining()];
          l.duplicate().get(b);
          layers.put(BString.of(f.piecesRoot().get().bytes()), b);
        });
      }
      for (FileFetch f : files) {
        layers.put(BString.of(f.root.bytes()), f.layer);
      }
      // canonical order: the torrent's own keys, with info and piece layers in their places
      // (read back from the torrent's own canonical encoding, which drops repeated keys that a
      // lenient read accepted)
      BDict root = (BDict) Bdecoder.lenient().decode(partial.encode());
      Map<BString, BValue> keys = new TreeMap<>();
      for (BString k : root.keys()) {
        keys.put(k, root.get(k));
      }
      keys.put(INFO, null);
      keys.put(PIECE_LAYERS, null);
      ByteArrayOutputStream out = new ByteArrayOutputStream(infoBytes.length + 64
          + files.size() * 40);
      try {
        BencodeWriter w = new BencodeWriter(out);
        w.beginDict();
        for (Map.Entry<BString, BValue> e : keys.entrySet()) {
          if (e.getKey().equals(INFO)) {
            w.key(INFO).raw(ByteBuffer.wrap(infoBytes));
          } else if (e.getKey().equals(PIECE_LAYERS)) {
            writeLayers(w, layers);
          } else {
            w.key(e.getKey()).value(e.getValue());
          }
        }
        w.end();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Metainfo m = Metainfo.parse(out.toByteArray());
      if (!m.infoHashes().equals(infoHashes) || !m.hasPieceLayers()) {
        throw new MetainfoException("piece layers", "the rebuilt torrent does not match");
      }
      return m;
    }
  }
}
