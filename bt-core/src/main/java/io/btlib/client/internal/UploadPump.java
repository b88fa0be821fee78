package io.btlib.client.internal;

import io.btlib.client.Storage;
import io.btlib.metainfo.Metainfo;
import io.btlib.wire.session.PendingBlock;
import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A torrent's uploads: the blocks peers request, read through the engine's read cache of piece
 * extents (or on their own, or sent from storage with zero copy) and queued in each peer's
 * session in order, as many as keep its socket busy. Owned by the engine thread, except the reads
 * it hands to the disk pool, whose results come back as posted tasks. Internal, not API.
 */
final class UploadPump {
  private static final Logger log = LoggerFactory.getLogger(UploadPump.class);
  /** How many bytes of extents one connection's queued requests may have loading ahead. */
  private static final int READ_AHEAD_BYTES = 4 << 20;
  /** Reads of single blocks in flight per peer (blocks the read cache cannot hold). */
  private static final int MAX_BLOCK_READS = 8;
  /** Blocks queued in a session and not yet written, per peer: what pins the read cache. */
  private static final int MAX_READY = 64;

  private final TorrentRuntime t;
  private final Engine engine;
  /** Seeding reads extents of this many bytes of a piece (the piece length, up to a limit). */
  private int extentSize;

  UploadPump(TorrentRuntime t) {
    this.t = t;
    this.engine = t.engine;
  }

  /** The torrent's metainfo is known. */
  void setMetainfo(Metainfo m) {
    this.extentSize = Math.min(m.pieceLength(), Engine.EXTENT);
  }

  /** {@code c} requested a block: queued, or rejected if we cannot or will not send it. */
  void onRequest(Connection c, int piece, int offset, int length) {
    PieceState<?> pieces = t.pieces();
    if (pieces == null || !pieces.isVerified(piece)) {
      c.session.rejectRequest(piece, offset, length);
      return;
    }
    if (c.peer().isChokedByUs() && !c.peer().isAllowedFastGiven(piece)) {
      c.session.rejectRequest(piece, offset, length);
      return;
    }
    SuperSeeding superSeeding = t.superSeedingIfOn();
    if (superSeeding != null && !superSeeding.allows(c, piece)) {
      c.session.rejectRequest(piece, offset, length); // a piece we did not show it
      return;
    }
    PeerState p = c.peer();
    if (p.uploadQueue().size() + p.readsInFlight() >= engine.config.maxRequestsPerPeer()) {
      c.session.rejectRequest(piece, offset, length);
      return;
    }
    p.requested(); // only an accepted request shows a peer uses its slot (see ChokeRound)
    long[] req = {piece, offset, length};
    p.uploadQueue().add(req);
    SeedSuggestions suggestions = t.seedSuggestions();
    if (suggestions != null) {
      suggestions.onRequested(c, piece);
    }
    p.needPump(); // the engine pumps once the events of this read are handled
  }

  /**
   * A bounded cache evicted {@code piece}: the requests for it that wait are refused (a reject
   * with the fast extension, silence without), as later ones are by {@link #onRequest}. Blocks
   * already read go out: their bytes were verified.
   */
  void evicted(int piece) {
    long now = engine.ticker.getAsLong();
    for (Connection c : t.connections) {
      if (c.closed || c.session == null) {
        continue;
      }
      boolean any = false;
      for (Iterator<long[]> it = c.peer().uploadQueue().iterator(); it.hasNext(); ) {
        long[] req = it.next();
        if ((int) req[0] == piece) {
          it.remove();
          c.session.rejectRequest(piece, (int) req[1], (int) req[2]);
          any = true;
        }
      }
      if (any) {
        engine.flush(c, now);
      }
    }
  }

  /** {@code c} cancelled a request. */
  void onCancel(Connection c, int piece, int offset) {
    c.peer().uploadQueue().removeIf(q -> q[0] == piece && q[1] == offset);
  }

  /**
   * We choked {@code c}: the session dropped (or rejected) the requests not allowed fast; blocks
   * it has queued already go out before the choke, so their bodies stay ready.
   */
  void onChoked(Connection c) {
    SeedSuggestions suggestions = t.seedSuggestionsIfAny();
    if (suggestions != null) {
      suggestions.onChoked(c);
    }
    c.peer().uploadQueue().removeIf(q -> !c.peer().isAllowedFastGiven((int) q[0]));
  }

  /** {@code c} closed: its ready blocks unpin their extents, and its requests go. */
  void onClosed(Connection c) {
    for (Connection.ReadyBlock r : c.peer().ready()) {
      releaseBlock(r);
    }
    c.peer().ready().clear();
    c.peer().uploadQueue().clear();
  }

  /**
   * Called when the engine has written everything queued: queues more blocks if requests wait and
   * few blocks are ready; true if it queued any.
   */
  boolean pumpMore(Connection c) {
    PeerState p = c.peer();
    if (p.uploadQueue().isEmpty() || p.ready().size() >= MAX_READY / 2) {
      return false;
    }
    int before = p.ready().size();
    pump(c, p.now()); // the engine set it when this round of its loop began
    return p.ready().size() > before;
  }

  /**
   * Answers the peer's queued requests in order: from the read cache when the extent of piece
   * bytes a request falls in is read, starting the reads of the next few extents ahead of time;
   * blocks the cache cannot hold (it is full of pinned extents, or the block crosses an extent or
   * the piece's end) are read on their own.
   */
  void pump(Connection c, long now) {
    PeerState p = c.peer();
    p.pumped();
    if (c.closed || c.session == null) {
      return;
    }
    if (engine.config.zeroCopyUploads() && !c.mse.encrypts()
        && t.upLimit.available(now) == Long.MAX_VALUE) {
      pumpZeroCopy(c);
      return;
    }
    Metainfo metainfo = t.metainfo();
    int extentSize = this.extentSize;
    int readAhead = Math.max(2, READ_AHEAD_BYTES / extentSize);
    int scanLimit = readAhead * (extentSize / Metainfo.BLOCK_SIZE + 1);
    ReadCache.Extent lastMissing = null;
    int missing = 0;
    int scanned = 0;
    boolean inOrder = true; // still at the head of the queue: blocks may be sent
    for (Iterator<long[]> it = p.uploadQueue().iterator(); it.hasNext() && scanned < scanLimit; ) {
      if (inOrder && p.ready().size() >= MAX_READY) {
        break; // enough bodies wait for the socket: the engine pumps again as they go out
      }
      long[] req = it.next();
      int piece = (int) req[0];
      int offset = (int) req[1];
      int length = (int) req[2];
      int start = offset - offset % extentSize;
      int size = metainfo.pieceSize(piece);
      if (offset + length > Math.min(size, start + extentSize)) {
        if (inOrder && p.readsInFlight() < MAX_BLOCK_READS) {
          it.remove();
          readBlock(c, piece, offset, length);
          continue;
        }
        inOrder = false;
        continue;
      }
      ReadCache.Extent e = engine.readCache.extent(t, piece, start);
      if (e != null && e.data != null) {
        if (inOrder) {
          it.remove();
          sendFromExtent(c, e, piece, offset, length);
        } else {
          scanned++;
        }
        continue;
      }
      scanned++;
      inOrder = false;
      if (e == lastMissing && e != null) {
        continue;
      }
      if (++missing > readAhead) {
        break;
      }
      if (e == null) {
        e = engine.readCache.newExtent(t, piece, start, Math.min(extentSize, size - start), extentSize);
        if (e == null) {
          // the cache is full of pinned extents: this block on its own
          if (p.readsInFlight() < MAX_BLOCK_READS) {
            it.remove();
            readBlock(c, piece, offset, length);
          }
          continue;
        }
        loadExtent(e);
      }
      lastMissing = e;
      if (!e.waiters.contains(c)) {
        e.waiters.add(c);
      }
    }
  }

  /**
   * Zero-copy uploads: the requests at the head of the queue become blocks sent from storage
   * (nothing is read ahead); a block past a v2 piece's end, whose tail is zeros, is read on its
   * own as without zero copy.
   */
  private void pumpZeroCopy(Connection c) {
    PeerState p = c.peer();
    Metainfo metainfo = t.metainfo();
    for (Iterator<long[]> it = p.uploadQueue().iterator(); it.hasNext()
        && p.ready().size() < MAX_READY; ) {
      long[] req = it.next();
      int piece = (int) req[0];
      int offset = (int) req[1];
      int length = (int) req[2];
      if (offset + length > metainfo.pieceSize(piece)) {
        if (p.readsInFlight() >= MAX_BLOCK_READS) {
          return; // in order: what follows waits for this one
        }
        it.remove();
        readBlock(c, piece, offset, length);
        continue;
      }
      it.remove();
      if (!mayUpload(c, piece)) {
        continue; // choked meanwhile: the session has dropped or rejected the request
      }
      if (c.session.sendBlock(piece, offset, length)) {
        p.ready().add(new Connection.ReadyBlock(piece, offset, length));
      }
    }
  }

  /** Whether {@code c} may have blocks of {@code piece}: unchoked, or allowed it fast. */
  private static boolean mayUpload(Connection c, int piece) {
    return !c.peer().isChokedByUs() || c.peer().isAllowedFastGiven(piece);
  }

  /** Sends a zero-copy block's bytes from storage; the count the channel took. */
  long transferBody(int piece, int offset, int length, WritableByteChannel ch)
      throws IOException {
    return t.storage().transferTo(piece, offset, length, ch);
  }

  private void sendFromExtent(Connection c, ReadCache.Extent e, int piece, int offset, int length) {
    if (!mayUpload(c, piece)) {
      return; // choked meanwhile: the session has dropped or rejected the request
    }
    if (!c.session.sendBlock(piece, offset, length)) {
      return; // cancelled, or answered by the choke
    }
    int from = offset - e.start;
    ByteBuffer body =
        (ByteBuffer) ((Buffer) e.data.duplicate()).limit(from + length).position(from);
    e.pins++;
    c.peer().ready().add(new Connection.ReadyBlock(piece, offset, body, e));
  }

  /** Reads an extent on the disk pool, then serves every connection waiting for it. */
  private void loadExtent(ReadCache.Extent e) {
    Storage s = t.storage();
    engine.submitDisk(() -> {
      String err = null;
      ByteBuffer b = e.buffer;
      try {
        ((Buffer) b).clear().limit(e.length);
        s.read(e.piece, e.start, b);
        ((Buffer) b).flip();
      } catch (IOException | RuntimeException ex) {
        err = ex.toString();
      }
      String error = err;
      engine.post(() -> extentLoaded(e, error));
    });
  }

  private void extentLoaded(ReadCache.Extent e, String error) {
    if (error != null) {
      log.warn("reading piece {} for upload failed: {}", e.piece, error);
      e.error = error;
      engine.readCache.dropExtent(e);
    } else {
      e.data = e.buffer.duplicate().asReadOnlyBuffer();
    }
    long now = engine.ticker.getAsLong();
    List<Connection> waiting = new ArrayList<>(e.waiters);
    e.waiters.clear();
    for (Connection c : waiting) {
      if (c.closed) {
        continue;
      }
      if (error != null) {
        for (Iterator<long[]> it = c.peer().uploadQueue().iterator(); it.hasNext(); ) {
          long[] req = it.next();
          if ((int) req[0] == e.piece && req[1] >= e.start && req[1] < e.start + e.length) {
            it.remove();
            c.session.rejectRequest(e.piece, (int) req[1], (int) req[2]);
          }
        }
      }
      pump(c, now);
      engine.flush(c, now);
    }
  }

  /** Reads one block on its own: past a piece's end (v2 padding) or when the cache is full. */
  private void readBlock(Connection c, int piece, int offset, int length) {
    Storage s = t.storage();
    c.peer().readStarted();
    int stored = Math.max(0, Math.min(length, t.metainfo().pieceSize(piece) - offset));
    engine.submitDisk(() -> {
      ByteBuffer data = ByteBuffer.allocate(length);
      String err = null;
      try {
        ((Buffer) data).limit(stored);
        s.read(piece, offset, data);
        ((Buffer) data).limit(length).position(length); // past the piece's end: zeros (v2 padding)
        ((Buffer) data).flip();
      } catch (IOException | RuntimeException e) {
        err = e.toString();
      }
      String error = err;
      engine.post(() -> {
        c.peer().readEnded();
        if (c.closed) {
          return;
        }
        if (error != null) {
          log.warn("reading piece {} for {} failed: {}", piece, c, error);
          c.session.rejectRequest(piece, offset, length);
        } else if (mayUpload(c, piece) && c.session.sendBlock(piece, offset, length)) {
          c.peer().ready().add(new Connection.ReadyBlock(piece, offset, data, null));
        }
        long now = engine.ticker.getAsLong();
        pump(c, now);
        engine.flush(c, now);
      });
    });
  }

  /**
   * The block the session has just written the header of. Blocks are queued in the session in
   * the order of {@link Connection#ready}; one the session took back (the peer cancelled it while
   * queued) is skipped and released.
   */
  Connection.ReadyBlock takeReadyBlock(Connection c, PendingBlock pb) {
    Connection.ReadyBlock r;
    while ((r = c.peer().ready().pollFirst()) != null) {
      if (r.piece == pb.piece() && r.offset == pb.offset() && r.length == pb.length()) {
        return r;
      }
      releaseBlock(r);
    }
    return null;
  }

  /** A block's body is written or dropped: its extent may be evicted again. */
  static void releaseBlock(Connection.ReadyBlock r) {
    if (r.extent != null) {
      r.extent.pins--;
    }
  }
}
