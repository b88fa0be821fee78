package io.btlib.storage.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One storage's open file channels, keyed by file index, in a {@link ChannelPool} that bounds the
 * channels of every cache sharing it (least recently used closed first), and never closes a
 * channel while a caller is using it. Internal, not API.
 *
 * <p>{@link #acquire} hands out an {@link Entry} with its use count raised; the caller must {@link
 * #release} it exactly once, in a {@code finally}. Eviction picks the pool's least recently used
 * entry that nobody is using, of this cache or another; when every channel is in use, the pool
 * holds more than its bound until the callers release theirs, so the number of open channels is
 * at most the bound plus the number of concurrent callers. A channel that is replaced or evicted
 * while in use is closed by the last release.
 *
 * <p>A channel that was written to and is closed before being forced is remembered, so that {@link
 * #forceAll()} can reopen and force it: eviction never loses a flush, nor does a channel closed
 * by someone else (a thread interrupted in I/O, or the application that gave the channel).
 *
 * <p>Thread-safe: every cache of a pool guards its state with the pool's lock. Channels are
 * opened outside the lock, so a slow open delays only its caller.
 */
public final class ChannelCache {

  /** Opens the channel of a file; called without the cache's lock held. */
  @FunctionalInterface
  public interface Opener {
    /** Opens file {@code file}, for reading and writing (creating it) if {@code write}. */
    FileChannel open(int file, boolean write) throws IOException;
  }

  /** A cached channel, lent to one or more callers between acquire and release. */
  public static final class Entry {
    private final ChannelCache owner;
    private final int file;
    private final FileChannel channel;
    private final boolean writable;
    int uses; // guarded by the pool
    private boolean retired; // removed from the cache; guarded by the pool
    private volatile boolean dirty;

    Entry(ChannelCache owner, int file, FileChannel channel, boolean writable) {
      this.owner = owner;
      this.file = file;
      this.channel = channel;
      this.writable = writable;
    }

    /** The open channel; valid until this entry is released. */
    public FileChannel channel() {
      return channel;
    }

    /** Records that bytes were written through this channel and are not yet forced. */
    public void markDirty() {
      dirty = true;
    }

    ChannelCache owner() {
      return owner;
    }
  }

  private final ChannelPool pool;
  private final Opener opener;
  private final Map<Integer, Entry> map = new HashMap<>(); // guarded by pool
  private final Set<Integer> dirtyClosed = new TreeSet<>(); // guarded by pool
  private boolean closed; // guarded by pool

  /** A cache with a pool of its own, of at most {@code maxOpen} idle channels. */
  public ChannelCache(int maxOpen, Opener opener) {
    this(new ChannelPool(maxOpen), opener);
  }

  /** A cache whose channels count against {@code pool}'s bound, opened by {@code opener}. */
  public ChannelCache(ChannelPool pool, Opener opener) {
    this.pool = pool;
    this.opener = opener;
  }

  /**
   * Lends the channel of {@code file}, opening it if it is not cached (or is cached read-only and
   * {@code write} is asked for).
   *
   * @throws IllegalStateException if the cache or its pool is closed
   */
  public Entry acquire(int file, boolean write) throws IOException {
    synchronized (pool) {
      checkOpen();
      Entry e = map.get(file);
      if (e != null && e.channel.isOpen() && (e.writable || !write)) {
        e.uses++;
        pool.touch(e);
        return e;
      }
    }
    FileChannel opened = opener.open(file, write);
    List<Entry> toClose = new ArrayList<>(2);
    Entry result;
    synchronized (pool) {
      if (closed || pool.isClosed()) {
        closeQuietly(opened);
        throw new IllegalStateException("closed");
      }
      Entry e = map.get(file);
      if (e != null && e.channel.isOpen() && (e.writable || !write)) {
        toClose.add(new Entry(this, file, opened, false)); // another thread won the race
        e.uses++;
        pool.touch(e);
        result = e;
      } else {
        if (e != null) {
          map.remove(file);
          pool.remove(e);
          retire(e, toClose);
        }
        result = new Entry(this, file, opened, write);
        result.uses = 1;
        map.put(file, result);
        pool.add(result);
        pool.evictIdle(toClose);
      }
      rememberDirty(toClose);
    }
    closeAll(toClose);
    return result;
  }

  /** Returns a lent entry; closes its channel if it was evicted or replaced meanwhile. */
  public void release(Entry e) {
    List<Entry> toClose = new ArrayList<>(1);
    synchronized (pool) {
      e.uses--;
      if (e.retired) {
        if (e.uses == 0) {
          toClose.add(e);
        }
      } else if (e.uses == 0 && pool.overBound()) {
        pool.evictIdle(toClose);
      }
      rememberDirty(toClose);
    }
    closeAll(toClose);
  }

  /**
   * Forces every channel written since it was last forced, reopening (through {@link #acquire})
   * files whose channels were closed before they were forced.
   *
   * @throws IOException the first failure, after trying every file
   */
  public void forceAll() throws IOException {
    List<Entry> lent = new ArrayList<>();
    Set<Integer> reopen;
    synchronized (pool) {
      checkOpen();
      reopen = new TreeSet<>(dirtyClosed);
      for (Entry e : map.values()) {
        if (e.dirty && !e.channel.isOpen()) {
          // closed under us (an interrupt, the channel's owner): acquire replaces and forces it
          reopen.add(e.file);
        } else if (e.dirty) {
          e.uses++;
          lent.add(e);
        }
      }
      dirtyClosed.clear();
    }
    IOException failure = null;
    for (Entry e : lent) {
      try {
        e.dirty = false;
        e.channel.force(false);
      } catch (IOException x) {
        e.dirty = true;
        failure = first(failure, x);
      } finally {
        release(e);
      }
    }
    for (int file : reopen) {
      try {
        Entry e = acquire(file, false);
        try {
          e.channel.force(false);
        } finally {
          release(e);
        }
      } catch (IOException x) {
        failure = first(failure, x);
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  /** The number of this cache's channels open now (in use or idle). */
  public int size() {
    synchronized (pool) {
      return map.size();
    }
  }

  /**
   * Closes every channel of this cache, in use or not; idempotent. Later acquires fail. The pool
   * and its other caches go on.
   */
  public void close() {
    List<Entry> toClose;
    synchronized (pool) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(map.values());
      for (Entry e : toClose) {
        e.retired = true;
        pool.remove(e);
      }
      map.clear();
      dirtyClosed.clear();
    }
    closeAll(toClose);
  }

  private void checkOpen() {
    if (closed || pool.isClosed()) {
      throw new IllegalStateException("closed");
    }
  }

  /** The pool evicted {@code e} (idle); under the pool's lock. */
  void evicted(Entry e, List<Entry> toClose) {
    map.remove(e.file);
    retire(e, toClose);
  }

  /** The pool is closing and closes {@code e} itself; under the pool's lock. */
  void forget(Entry e) {
    e.retired = true;
    map.remove(e.file);
    dirtyClosed.clear();
  }

  private static void retire(Entry e, List<Entry> toClose) {
    e.retired = true;
    if (e.uses == 0) {
      toClose.add(e);
    }
  }

  /** Remembers the written files among {@code toClose}, whichever cache they belong to. */
  private static void rememberDirty(List<Entry> toClose) {
    for (Entry e : toClose) {
      if (e.dirty && !e.owner.closed) {
        e.owner.dirtyClosed.add(e.file);
      }
    }
  }

  static void closeAll(List<Entry> entries) {
    for (Entry e : entries) {
      closeQuietly(e.channel);
    }
  }

  private static void closeQuietly(FileChannel c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // nothing was pending on it that force would not report; closing releases the handle anyway
    }
  }

  private static IOException first(IOException a, IOException b) {
    if (a == null) {
      return b;
    }
    a.addSuppressed(b);
    return a;
  }
}
