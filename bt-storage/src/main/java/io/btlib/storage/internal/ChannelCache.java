package io.btlib.storage.internal;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A bounded, least-recently-used cache of open file channels, keyed by file index, that never
 * closes a channel while a caller is using it. Internal, not API.
 *
 * <p>{@link #acquire} hands out an {@link Entry} with its use count raised; the caller must {@link
 * #release} it exactly once, in a {@code finally}. Eviction picks the least recently used entry
 * that nobody is using; when every cached channel is in use, the cache holds more than its bound
 * until the callers release theirs, so the number of open channels is at most the bound plus the
 * number of concurrent callers. A channel that is replaced or evicted while in use is closed by the
 * last release.
 *
 * <p>A channel that was written to and is closed before being forced is remembered, so that {@link
 * #forceAll()} can reopen and force it: eviction never loses a flush, nor does a channel closed
 * by someone else (a thread interrupted in I/O, or the application that gave the channel).
 *
 * <p>Thread-safe. Channels are opened outside the lock, so a slow open delays only its caller.
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
    private final int file;
    private final FileChannel channel;
    private final boolean writable;
    private int uses; // guarded by the cache
    private boolean retired; // removed from the map; guarded by the cache
    private volatile boolean dirty;

    Entry(int file, FileChannel channel, boolean writable) {
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
  }

  private final int maxOpen;
  private final Opener opener;
  private final LinkedHashMap<Integer, Entry> map = new LinkedHashMap<>(16, 0.75f, true);
  private final Set<Integer> dirtyClosed = new TreeSet<>();
  private boolean closed;

  /** A cache of at most {@code maxOpen} idle channels, opened by {@code opener}. */
  public ChannelCache(int maxOpen, Opener opener) {
    if (maxOpen < 1) {
      throw new IllegalArgumentException("maxOpen must be >= 1: " + maxOpen);
    }
    this.maxOpen = maxOpen;
    this.opener = opener;
  }

  /**
   * Lends the channel of {@code file}, opening it if it is not cached (or is cached read-only and
   * {@code write} is asked for).
   *
   * @throws IllegalStateException if the cache is closed
   */
  public Entry acquire(int file, boolean write) throws IOException {
    synchronized (this) {
      checkOpen();
      Entry e = map.get(file);
      if (e != null && e.channel.isOpen() && (e.writable || !write)) {
        e.uses++;
        return e;
      }
    }
    FileChannel opened = opener.open(file, write);
    List<Entry> toClose = new ArrayList<>(2);
    Entry result;
    synchronized (this) {
      if (closed) {
        closeQuietly(opened);
        throw new IllegalStateException("closed");
      }
      Entry e = map.get(file);
      if (e != null && e.channel.isOpen() && (e.writable || !write)) {
        toClose.add(new Entry(file, opened, false)); // another thread won the race
        e.uses++;
        result = e;
      } else {
        if (e != null) {
          map.remove(file);
          retire(e, toClose);
        }
        result = new Entry(file, opened, write);
        result.uses = 1;
        map.put(file, result);
        evictIdle(toClose);
      }
      rememberDirty(toClose);
    }
    closeAll(toClose);
    return result;
  }

  /** Returns a lent entry; closes its channel if it was evicted or replaced meanwhile. */
  public void release(Entry e) {
    List<Entry> toClose = new ArrayList<>(1);
    synchronized (this) {
      e.uses--;
      if (e.retired) {
        if (e.uses == 0) {
          toClose.add(e);
        }
      } else if (e.uses == 0 && map.size() > maxOpen) {
        evictIdle(toClose);
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
    synchronized (this) {
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

  /** The number of channels the cache holds now (in use or idle). */
  public synchronized int size() {
    return map.size();
  }

  /** Closes every channel, in use or not; idempotent. Later acquires fail. */
  public void close() {
    List<Entry> toClose;
    synchronized (this) {
      if (closed) {
        return;
      }
      closed = true;
      toClose = new ArrayList<>(map.values());
      for (Entry e : toClose) {
        e.retired = true;
      }
      map.clear();
      dirtyClosed.clear();
    }
    closeAll(toClose);
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
  }

  private void evictIdle(List<Entry> toClose) {
    Iterator<Entry> it = map.values().iterator(); // least recently used first
    while (map.size() > maxOpen && it.hasNext()) {
      Entry e = it.next();
      if (e.uses == 0) {
        it.remove();
        retire(e, toClose);
      }
    }
  }

  private static void retire(Entry e, List<Entry> toClose) {
    e.retired = true;
    if (e.uses == 0) {
      toClose.add(e);
    }
  }

  private void rememberDirty(List<Entry> toClose) {
    for (Entry e : toClose) {
      if (e.dirty) {
        dirtyClosed.add(e.file);
      }
    }
  }

  private static void closeAll(List<Entry> entries) {
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
