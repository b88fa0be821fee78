package io.btlib.client.internal;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The engine's read cache for seeding: extents of verified pieces, read once from storage into
 * pooled direct buffers for every request that falls in them, shared by every connection and
 * torrent of the client within one byte budget; least recently used extents nothing pins are
 * evicted first. Owned by the engine thread. Internal, not API.
 */
final class ReadCache {
  private final long maxBytes;
  private final BufferPool pool;

  /**
   * A cache of at most {@code maxBytes} of extent buffers (cached, loading or spare in {@code
   * pool}, the engine's, where evicted extents' buffers go).
   */
  ReadCache(long maxBytes, BufferPool pool) {
    this.maxBytes = maxBytes;
    this.pool = pool;
  }


  /**
   * Bytes of a verified piece read once from storage for every request that falls in them:
   * {@code length} bytes of piece {@code piece} from {@code start}. Owned by the loop. Its pooled
   * direct buffer is filled on the disk pool before {@link #data} is set; blocks sent from it pin
   * it, and only an extent without pins goes back to the pool when the cache evicts it.
   */
  static final class Extent {
    final TorrentRuntime torrent;
    final int piece;
    final int start;
    final int length;
    final ByteBuffer buffer;
    /** The bytes (position 0, limit length), once read; null while loading. */
    ByteBuffer data;
    /** Why the read failed, or null. */
    String error;
    int pins;
    /** Connections with requests waiting for the read. */
    final List<Connection> waiters = new ArrayList<>(2);

    Extent(TorrentRuntime torrent, int piece, int start, int length, ByteBuffer buffer) {
      this.torrent = torrent;
      this.piece = piece;
      this.start = start;
      this.length = length;
      this.buffer = buffer;
    }

    @Override
    public String toString() {
      return "extent " + piece + "@" + start + "+" + length;
    }
  }

  /** A key of the read cache (hand-written: a record's hashCode runs through method handles). */
  private static final class ExtentKey {
    final TorrentRuntime torrent;
    final int piece;
    final int start;

    ExtentKey(TorrentRuntime torrent, int piece, int start) {
      this.torrent = torrent;
      this.piece = piece;
      this.start = start;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof ExtentKey && ((ExtentKey) o).torrent == torrent
          && ((ExtentKey) o).piece == piece && ((ExtentKey) o).start == start;
    }

    @Override
    public int hashCode() {
      return (System.identityHashCode(torrent) * 31 + piece) * 31 + start;
    }
  }

  /** Every extent cached or loading, least recently used first. */
  private final LinkedHashMap<ExtentKey, Extent> extents =
      new LinkedHashMap<>(64, 0.75f, true);
  /** The capacity of every extent cached or loading (spare buffers are the pool's). */
  private long extentBytes;

  /** The extent of piece {@code piece} from {@code start}, cached or loading; or null. */
  Extent extent(TorrentRuntime t, int piece, int start) {
    return extents.get(new ExtentKey(t, piece, start));
  }

  /**
   * Adds an extent to load into a buffer of {@code capacity} bytes: from the pool, new within the
   * budget, or taken from the least recently used extent nothing pins; null when the budget is
   * all pinned or loading.
   */
  Extent newExtent(TorrentRuntime t, int piece, int start, int length, int capacity) {
    ByteBuffer b = takeBuffer(capacity);
    if (b == null) {
      return null;
    }
    Extent e = new Extent(t, piece, start, length, b);
    extents.put(new ExtentKey(t, piece, start), e);
    return e;
  }

  private ByteBuffer takeBuffer(int capacity) {
    BufferPool.Bucket bucket = pool.bucket(capacity, true);
    ByteBuffer b = bucket == null ? null : pool.poll(bucket);
    if (b != null) {
      extentBytes += capacity;
      return b;
    }
    // direct memory: the spare extents in the pool count against the budget too
    while (extentBytes + pool.retainedBytes(true) + capacity > maxBytes) {
      if (pool.dropOne(true)) {
        continue;
      }
      Extent victim = null;
      for (Iterator<Extent> it = extents.values().iterator(); it.hasNext(); ) {
        Extent e = it.next();
        if (e.pins == 0 && e.data != null) {
          it.remove();
          victim = e;
          break;
        }
      }
      if (victim == null) {
        return null;
      }
      if (victim.buffer.capacity() == capacity) {
        return victim.buffer;
      }
      extentBytes -= victim.buffer.capacity(); // another size: the collector frees it
    }
    extentBytes += capacity;
    return ByteBuffer.allocateDirect(capacity);
  }

  private void recycle(ByteBuffer b) {
    extentBytes -= b.capacity();
    pool.give(b);
  }

  /** Forgets an extent whose read failed; its buffer goes back to the pool. */
  void dropExtent(Extent e) {
    if (extents.remove(new ExtentKey(e.torrent, e.piece, e.start), e) && e.pins == 0) {
      recycle(e.buffer);
    }
  }

  /** Forgets the extents of a torrent being removed that nothing pins. */
  void dropExtents(TorrentRuntime t) {
    for (Iterator<Extent> it = extents.values().iterator(); it.hasNext(); ) {
      Extent e = it.next();
      if (e.torrent == t && e.pins == 0 && e.data != null) {
        it.remove();
        recycle(e.buffer);
      }
    }
  }

  /** The capacity of every extent cached or loading. */
  long bytes() {
    return extentBytes;
  }
}
