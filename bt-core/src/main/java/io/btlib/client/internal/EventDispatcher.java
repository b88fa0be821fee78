package io.btlib.client.internal;

import io.btlib.client.TorrentListener;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers listener events off the event loop, in order, through one bounded queue: when it is
 * full the oldest event is dropped and the drop is counted, then reported to every listener with
 * {@code onEventsDropped} before the next delivery. One daemon thread, owned and stopped by the
 * engine. Internal, not API.
 */
final class EventDispatcher {
  private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);

  /** One event: whom it is for, and what to call. */
  private record Event(List<TorrentListener> listeners, Consumer<TorrentListener> call) {}

  private final int capacity;
  private final ArrayDeque<Event> queue = new ArrayDeque<>();
  /** The thread that delivers, or null when {@link #executor} does. */
  private final Thread thread;
  private final Executor executor;
  private long dropped;
  private boolean closed;

  EventDispatcher(int capacity, String name) {
    this.capacity = capacity;
    this.executor = null;
    this.thread = new Thread(this::run, name);
    thread.setDaemon(true);
    thread.start();
  }

  /**
   * A dispatcher without a thread: each event is delivered by a task on {@code executor}, which
   * runs tasks one at a time in order (a simulation's loop).
   */
  EventDispatcher(int capacity, Executor executor) {
    this.capacity = capacity;
    this.executor = executor;
    this.thread = null;
  }

  /** Queues {@code call} for each of {@code listeners}; never blocks. */
  void post(CopyOnWriteArrayList<TorrentListener> listeners, Consumer<TorrentListener> call) {
    if (listeners.isEmpty()) {
      return;
    }
    synchronized (this) {
      if (closed) {
        return;
      }
      if (queue.size() >= capacity) {
        queue.pollFirst();
        dropped++;
      }
      queue.addLast(new Event(listeners, call));
      notifyAll();
    }
    if (executor != null) {
      executor.execute(this::deliverOne);
    }
  }

  /** Delivers the oldest queued event, if any (one task per posted event). */
  private void deliverOne() {
    Event e;
    long drops;
    synchronized (this) {
      e = queue.pollFirst();
      if (e == null) {
        return;
      }
      drops = dropped;
      dropped = 0;
    }
    deliver(e, drops);
  }

  private static void deliver(Event e, long drops) {
    for (TorrentListener l : e.listeners()) {
      try {
        if (drops > 0) {
          l.onEventsDropped(drops);
        }
        e.call().accept(l);
      } catch (RuntimeException ex) {
        log.warn("listener {} threw; ignored", l, ex);
      }
    }
  }

  private void run() {
    for (;;) {
      Event e;
      long drops;
      synchronized (this) {
        while (queue.isEmpty() && !closed) {
          try {
            wait();
          } catch (InterruptedException ie) {
            return;
          }
        }
        if (queue.isEmpty()) {
          return;
        }
        e = queue.pollFirst();
        drops = dropped;
        dropped = 0;
      }
      deliver(e, drops);
    }
  }

  /** Delivers what is queued, then stops the thread, waiting at most {@code millis}. */
  void close(long millis) {
    synchronized (this) {
      closed = true;
      notifyAll();
    }
    if (thread != null && Thread.currentThread() != thread) {
      try {
        thread.join(TimeUnit.MILLISECONDS.toMillis(Math.max(1, millis)));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      if (thread.isAlive()) {
        thread.interrupt();
      }
    }
  }
}
