package io.btlib.storage.internal;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;

/**
 * The bound on open channels that many {@link ChannelCache}s share: one least-recently-used order
 * over every cache's channels, so that a client with thousands of torrents keeps at most {@code
 * maxOpen} idle files open whatever their number. Internal, not API; the public face is {@code
 * io.btlib.storage.FilePool}.
 *
 * <p>Every cache sharing a pool guards its own state with the pool's lock (the pool object
 * itself): an eviction picks the least recently used idle channel of any cache and removes it
 * from that cache in the same step. Channels are opened and closed outside the lock.
 */
public final class ChannelPool {
  private final int maxOpen;
  /** Every cache's open channels, least recently used first; guarded by this. */
  private final LinkedHashMap<ChannelCache.Entry, ChannelCache.Entry> lru =
      new LinkedHashMap<>(16, 0.75f, true);
  private boolean closed;

  /** A pool that keeps at most {@code maxOpen} idle channels open. */
  public ChannelPool(int maxOpen) {
    if (maxOpen < 1) {
      throw new IllegalArgumentException("maxOpen must be >= 1: " + maxOpen);
    }
    this.maxOpen = maxOpen;
  }

  /** The bound on idle open channels. */
  public int maxOpen() {
    return maxOpen;
  }

  /** The number of channels open now, in use or idle, across every cache. */
  public synchronized int size() {
    return lru.size();
  }

  /** Whether {@link #close()} was called. */
  public synchronized boolean isClosed() {
    return closed;
  }

  /**
   * Closes every channel of every cache, in use or not; idempotent. The caches' later acquires
   * fail with {@link IllegalStateException}.
   */
  public void close() {
    List<ChannelCache.Entry> toClose;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(lru.keySet());
      for (ChannelCache.Entry e : toClose) {
        e.owner().forget(e);
      }
      lru.clear();
    }
    ChannelCache.closeAll(toClose);
  }

  // ---- for ChannelCache, under this pool's lock

  void add(ChannelCache.Entry e) {
    lru.put(e, e);
  }

  void touch(ChannelCache.Entry e) {
    lru.get(e);
  }

  void remove(ChannelCache.Entry e) {
    lru.remove(e);
  }

  boolean overBound() {
    return lru.size() > maxOpen;
  }

  /** Evicts idle channels, least recently used first, until the pool is within its bound. */
  void evictIdle(List<ChannelCache.Entry> toClose) {
    Iterator<ChannelCache.Entry> it = lru.keySet().iterator();
    while (lru.size() > maxOpen && it.hasNext()) {
      ChannelCache.Entry e = it.next();
      if (e.uses == 0) {
        it.remove();
        e.owner().evicted(e, toClose);
      }
    }
  }
}
