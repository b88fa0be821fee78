package io.btlib.storage;

import io.btlib.client.PieceCache;
import io.btlib.client.StorageFactory;
import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A {@link PieceCache} in memory: at most {@code capacity} bytes of pieces on the heap, for
 * streaming a torrent that is never kept (see {@link PieceCache} for what the engine does with
 * it). Reads, writes and misses behave as {@link MemoryStorage}'s; the engine evicts.
 *
 * <pre>{@code
 * Torrent t = client.add(metainfo, MemoryCache.of(metainfo, 256L << 20)); // 256 MiB
 * try (TorrentReader r = t.newReader(0)) { ... }
 * Torrent m = client.add(magnet, MemoryCache.factory(256L << 20));
 * }</pre>
 *
 * <p>Thread-safe as {@link MemoryStorage}.
 */
public final class MemoryCache implements PieceCache {
  private final MemoryStorage memory;
  private final long capacity;
  private final Metainfo metainfo;
  private final BitSet stored = new BitSet(); // guarded by itself
  private final AtomicLong held = new AtomicLong();
  private final AtomicLong maxHeld = new AtomicLong();

  private MemoryCache(Metainfo metainfo, long capacity) {
    if (capacity < metainfo.pieceLength()) {
      throw new IllegalArgumentException("a cache of " + capacity + " bytes cannot hold one "
          + metainfo.pieceLength() + "-byte piece");
    }
    this.memory = MemoryStorage.of(metainfo);
    this.capacity = capacity;
    this.metainfo = metainfo;
  }

  /**
   * An empty cache of {@code capacity} bytes for {@code metainfo}.
   *
   * @throws IllegalArgumentException if it cannot hold one piece
   */
  public static MemoryCache of(Metainfo metainfo, long capacity) {
    return new MemoryCache(metainfo, capacity);
  }

  /**
   * A factory that opens a new cache of {@code capacity} bytes per torrent (for magnet links);
   * its {@code open} fails with {@link IllegalArgumentException} if the torrent's pieces are
   * larger than that.
   */
  public static StorageFactory factory(long capacity) {
    if (capacity <= 0) {
      throw new IllegalArgumentException("capacity must be > 0: " + capacity);
    }
    return m -> of(m, capacity);
  }

  @Override
  public long capacity() {
    return capacity;
  }

  /** Bytes of pieces held now (a piece counts from its first write until evicted). */
  public long heldBytes() {
    return held.get();
  }

  /** The most bytes of pieces held at any one time so far. */
  public long maxHeldBytes() {
    return maxHeld.get();
  }

  @Override
  public void read(int piece, int offset, ByteBuffer dst) throws IOException {
    memory.read(piece, offset, dst);
  }

  @Override
  public void write(int piece, int offset, ByteBuffer src) throws IOException {
    memory.write(piece, offset, src);
    boolean first;
    synchronized (stored) {
      first = !stored.get(piece);
      stored.set(piece);
    }
    if (first) {
      long now = held.addAndGet(metainfo.pieceSize(piece));
      maxHeld.accumulateAndGet(now, Math::max);
    }
  }

  /** Ignored, but for the closed check, as {@link MemoryStorage#setWantedFiles}. */
  @Override
  public void setWantedFiles(BitSet wanted) {
    memory.setWantedFiles(wanted);
  }

  @Override
  public void evict(int piece) {
    boolean was;
    synchronized (stored) {
      was = stored.get(piece);
      stored.clear(piece);
    }
    memory.forget(piece);
    if (was) {
      held.addAndGet(-metainfo.pieceSize(piece));
    }
  }

  @Override
  public void flush() {
    memory.flush();
  }

  @Override
  public void close() {
    memory.close();
  }

  @Override
  public String toString() {
    return "MemoryCache[" + capacity + " bytes, " + held.get() + " held]";
  }
}
