package io.btlib.client.internal;

import io.btlib.client.Storage;
import io.btlib.client.TorrentState;
import io.btlib.hash.PieceVerifier;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A torrent's pieces on their way in: their blocks assembled in memory, the hash check and the
 * write on the disk pool, and what a check's verdict means for the peers who sent them (hash
 * failures, smart ban). Owned by the engine thread, except the hashing and writing it hands to the
 * pool, whose results come back as posted tasks. Internal, not API.
 */
final class PieceAssembler {
  private static final Logger log = LoggerFactory.getLogger(PieceAssembler.class);
  /** The longest chunk of a piece buffer; a multiple of the block size. */
  private static final int MAX_CHUNK = 256 * 1024;
  private static final long WRITE_BACK_BYTES = 64L << 20;

  private final TorrentRuntime t;
  private final Engine engine;
  private final Map<Integer, PieceBuffer> assembling = new HashMap<>();
  /** The piece whose block came last, and its buffer: most blocks hit it, with no boxed lookup. */
  private int lastPiece = -1;
  private PieceBuffer lastBuffer;
  /** Pieces whose blocks are all in, being hashed and written: nothing in them to pick. */
  private final BitSet hashing = new BitSet();
  private int chunkSize;
  /** The engine's spare chunks of {@link #chunkSize} (null if the pool keeps no more sizes). */
  private BufferPool.Bucket chunkBuffers;
  private SmartBan<PeerAddress> smartBan;
  private int hashFailures;
  /** Verified pieces waiting for their write; see {@link #write(Runnable)}. */
  private final ConcurrentLinkedQueue<Runnable> writes = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean writing = new AtomicBoolean();
  private long writtenSinceFlush;
  private boolean flushing;

  /**
   * A piece being assembled in memory until its hash check, in chunks of {@link #chunkSize}
   * bytes (the last one partly used). Chunks rather than one piece-long array: G1 allocates an
   * array of half a region or more (512 KiB in a small heap) as a humongous object in whole
   * regions of the old generation, so a 1 MiB piece would take 2 MiB of heap and every new one
   * would start a marking cycle.
   */
  private static final class PieceBuffer {
    /** The engine's pool buffers (heap) whose arrays the chunks are. */
    final ByteBuffer[] buffers;
    final byte[][] chunks;
    final int chunkSize;
    final int size;
    final PeerAddress[] from;

    PieceBuffer(ByteBuffer[] buffers, int chunkSize, int size, int blocks) {
      this.buffers = buffers;
      this.chunks = new byte[buffers.length][];
      for (int i = 0; i < buffers.length; i++) {
        chunks[i] = buffers[i].array(); // a heap buffer's whole array, from offset 0
      }
      this.chunkSize = chunkSize;
      this.size = size;
      this.from = new PeerAddress[blocks];
    }

    /** The bytes of the piece from {@code offset}, {@code length} of them, all in one chunk. */
    ByteBuffer view(int offset, int length) {
      return ByteBuffer.wrap(chunks[offset / chunkSize], offset % chunkSize, length);
    }

    /** Chunk {@code i}'s bytes of the piece. */
    ByteBuffer chunk(int i) {
      return ByteBuffer.wrap(chunks[i], 0, Math.min(chunkSize, size - i * chunkSize));
    }
  }

  PieceAssembler(TorrentRuntime t) {
    this.t = t;
    this.engine = t.engine;
  }

  /** The torrent's metainfo is known (its piece state just made). */
  void setMetainfo(Metainfo m, PieceState<PeerAddress> pieces) {
    this.smartBan = new SmartBan<>(pieces::blockCount, SmartBan.DEFAULT_MAX_FAILED_PIECES);
    this.chunkSize = Math.min(m.pieceLength(), MAX_CHUNK);
    this.chunkBuffers = engine.buffers.bucket(chunkSize, false);
  }

  /** Whether {@code piece} is being hashed and written: nothing in it to pick. */
  boolean isHashing(int piece) {
    return hashing.get(piece);
  }

  /** The first piece being hashed from {@code from}, or -1. */
  int nextHashing(int from) {
    return hashing.nextSetBit(from);
  }

  /** A request was refused for want of buffer space since the last piece was checked. */
  private boolean heldBack;

  /**
   * Whether blocks of {@code piece} may be fetched: while buffers are under the engine's cap,
   * or into a buffer the piece already has.
   */
  boolean mayBuffer(int piece) {
    if (engine.bufferedBytes < Engine.MAX_BUFFERED_BYTES || assembling.containsKey(piece)) {
      return true;
    }
    heldBack = true;
    return false;
  }

  int hashFailures() {
    return hashFailures;
  }

  /** Downloading is over: the spare chunks go. */
  void completed() {
    if (chunkBuffers != null) {
      engine.buffers.clear(chunkBuffers);
    }
  }

  /** The torrent is removed: buffers of pieces not complete go. */
  void shutdown() {
    for (PieceBuffer b : assembling.values()) {
      release(b);
    }
    assembling.clear();
    lastPiece = -1;
    lastBuffer = null;
  }

  private PieceBuffer newBuffer(int piece) {
    PieceState<PeerAddress> pieces = t.pieces();
    int size = pieces.pieceSize(piece);
    int n = (size + chunkSize - 1) / chunkSize;
    ByteBuffer[] chunks = new ByteBuffer[n];
    for (int i = 0; i < n; i++) {
      chunks[i] = chunkBuffers != null ? engine.buffers.take(chunkBuffers)
          : ByteBuffer.allocate(chunkSize);
    }
    engine.bufferedBytes += (long) n * chunkSize;
    return new PieceBuffer(chunks, chunkSize, size, pieces.blockCount(piece));
  }

  private void release(PieceBuffer b) {
    engine.bufferedBytes -= (long) b.chunks.length * b.chunkSize;
    if (b.chunkSize != chunkSize || t.state() != TorrentState.DOWNLOADING
        || chunkBuffers == null) {
      return;
    }
    // on the loop: a buffer being hashed or written is not released until its piece is done
    for (ByteBuffer a : b.buffers) {
      engine.buffers.give(chunkBuffers, a);
    }
  }

  /**
   * Keeps a requested block that arrived from {@code from} (a peer's connection {@code c}, or a
   * web seed with {@code c} null): into the piece's buffer, unless it is an end-game duplicate;
   * withdraws the same block from every other peer; starts the hash check once the piece is in.
   */
  void accept(Connection c, PeerAddress from, int piece, int block, ByteBuffer data, long now) {
    PieceState<PeerAddress> pieces = t.pieces();
    int len = data.remaining();
    int offset = block * Metainfo.BLOCK_SIZE;
    if (pieces.isVerified(piece) || pieces.isBlockReceived(piece, block)
        || hashing.get(piece)) {
      t.totals.wasted(len); // an end-game duplicate
      return;
    }
    PieceBuffer buf = piece == lastPiece ? lastBuffer : assembling.get(piece);
    if (buf == null) {
      buf = newBuffer(piece);
      assembling.put(piece, buf);
    }
    lastPiece = piece;
    lastBuffer = buf;
    data.get(buf.chunks[offset / buf.chunkSize], offset % buf.chunkSize, len);
    buf.from[block] = from;
    smartBan.onBlock(piece, block, from);
    // asked of others too (end game)? counted before the piece's state may go with its last block
    int askedElsewhere = pieces.blockRequests(piece, block);
    boolean complete = pieces.blockReceived(piece, block, from);
    if (askedElsewhere > 0) {
      // end game: withdraw the same block from everyone else (a scan of the connections, so
      // only when someone else was asked: not once per block of a swarm of hundreds)
      t.scheduler.withdraw(c, piece, block, len, askedElsewhere, now);
    }
    if (complete) {
      assembling.remove(piece);
      lastPiece = -1;
      lastBuffer = null;
      hashing.set(piece);
      CacheKeeper cache = t.cache();
      if (cache != null) {
        cache.reserve(piece, t::evict); // room in a bounded cache before the write
      }
      verifyAndStore(piece, buf);
    }
  }

  private void verifyAndStore(int piece, PieceBuffer buf) {
    PieceVerifier v = t.verifier();
    Storage s = t.storage();
    engine.submitDisk(() -> {
      boolean ok;
      try {
        PieceVerifier.Check check = v.newCheck();
        check.start(piece);
        for (int i = 0; i < buf.chunks.length; i++) {
          check.update(buf.chunk(i));
        }
        ok = check.finish();
      } catch (RuntimeException e) {
        log.warn("checking piece {} failed: {}", piece, e.toString());
        ok = false;
      }
      if (!ok) {
        engine.post(() -> pieceDone(piece, buf, false, null));
        return;
      }
      write(() -> {
        String err = null;
        try {
          for (int i = 0; i < buf.chunks.length; i++) {
            s.write(piece, i * buf.chunkSize, buf.chunk(i));
          }
        } catch (IOException | RuntimeException e) {
          err = e.toString();
        }
        String writeError = err;
        engine.post(() -> pieceDone(piece, buf, true, writeError));
      });
    });
  }

  /**
   * Runs a piece's write on this disk thread, or hands it to the thread already writing, so one
   * thread at a time writes: two threads writing one file contend for its inode lock (spinning in
   * the kernel), while a thread that hands its write over goes on hashing the next piece.
   */
  private void write(Runnable w) {
    writes.add(w);
    while (!writes.isEmpty() && writing.compareAndSet(false, true)) {
      try {
        Runnable r;
        while ((r = writes.poll()) != null) {
          r.run();
        }
      } finally {
        writing.set(false);
      }
    }
  }

  /** A piece's check (and write) is over: on the engine thread, posted by the disk pool. */
  private void pieceDone(int piece, PieceBuffer buf, boolean good, String writeError) {
    hashing.clear(piece);
    CacheKeeper cache = t.cache();
    if (cache != null) {
      cache.checked(piece, good && writeError == null);
    }
    if (t.removed || t.state() == TorrentState.FAILED) {
      release(buf);
      return;
    }
    engine.wake(t); // its status changes (a piece more, or a hash failure) even with no peer left
    long now = engine.ticker.getAsLong();
    try {
      pieceChecked(piece, buf, good, writeError, now);
    } finally {
      release(buf);
    }
    if (heldBack && engine.bufferedBytes < Engine.MAX_BUFFERED_BYTES) {
      // requests held back while buffers were full may go out (only then: with a thousand
      // peers, asking every one after every piece was a tenth of the engine's time)
      heldBack = false;
      t.scheduler.requestMoreAll(now);
    }
    t.webSeeds.tick(now);
  }

  /**
   * Forces what was written in the background every {@link #WRITE_BACK_BYTES}: the flush that
   * completes the torrent then has little left to write, instead of the whole download at once
   * (about a quarter of a second per GiB here).
   */
  private void writeBack(int written) {
    writtenSinceFlush += written;
    if (writtenSinceFlush < WRITE_BACK_BYTES || flushing || t.pieces().isComplete()) {
      return;
    }
    writtenSinceFlush = 0;
    flushing = true;
    Storage s = t.storage();
    engine.submitDisk(() -> {
      try {
        s.flush();
      } catch (IOException | RuntimeException e) {
        log.debug("background flush failed: {}", e.toString());
      }
      engine.post(() -> flushing = false);
    });
  }

  private void pieceChecked(int piece, PieceBuffer buf, boolean good, String writeError,
      long now) {
    PieceState<PeerAddress> pieces = t.pieces();
    if (writeError != null) {
      log.warn("writing piece {} failed: {}", piece, writeError);
      pieces.pieceFailed(piece);
      t.fail("cannot write piece " + piece + ": " + writeError, now);
      return;
    }
    if (good) {
      pieces.pieceVerified(piece);
      writeBack(buf.size);
      Set<PeerAddress> liars = smartBan.onPiecePassed(piece, block -> buf.view(
          block * Metainfo.BLOCK_SIZE, pieces.blockLength(piece, block)));
      for (PeerAddress liar : liars) {
        t.ban(liar, "sent bad data for piece " + piece);
      }
      t.pieceVerified(piece, now);
    } else {
      hashFailures++;
      t.totals.wasted(buf.size);
      Set<PeerAddress> contributors = new HashSet<>();
      Set<String> webSeedUrls = new HashSet<>();
      for (PeerAddress a : buf.from) {
        String url = a == null ? null : t.webSeeds.urlOf(a);
        if (url != null) {
          webSeedUrls.add(url); // a web seed's blocks carry an internal address, not for listeners
        } else if (a != null) {
          contributors.add(a);
        }
      }
      pieces.pieceFailed(piece);
      Set<PeerAddress> liars = smartBan.onPieceFailed(piece, block -> buf.view(
          block * Metainfo.BLOCK_SIZE, pieces.blockLength(piece, block)));
      t.post(l -> l.onHashFailed(t.handle, piece, Set.copyOf(contributors),
          Set.copyOf(webSeedUrls)));
      for (PeerAddress liar : liars) {
        t.ban(liar, "sent every block of failed piece " + piece);
      }
      t.scheduler.requestMoreAll(now);
    }
  }
}
