package io.btlib.testkit.internal;

import java.util.PriorityQueue;

/**
 * The simulation's clock and agenda: actions at virtual times, run in time order and, at one
 * time, in the order they were scheduled; so a run is a function of its inputs and seed. Actions
 * may be scheduled from any thread; they run on the thread that calls {@link #runNext}.
 */
public final class EventQueue {

  private static final class Event implements Comparable<Event> {
    final long time;
    final long seq;
    final Runnable action;

    Event(long time, long seq, Runnable action) {
      this.time = time;
      this.seq = seq;
      this.action = action;
    }

    @Override
    public int compareTo(Event o) {
      return time != o.time ? Long.compare(time, o.time) : Long.compare(seq, o.seq);
    }
  }

  private final PriorityQueue<Event> queue = new PriorityQueue<>();
  private long now;
  private long seq;
  private long executed;

  /** The virtual time in nanoseconds (0 at the start). */
  public synchronized long now() {
    return now;
  }

  /** Runs {@code action} at {@code time} (now, if that has passed). */
  public synchronized void at(long time, Runnable action) {
    queue.add(new Event(Math.max(time, now), seq++, action));
  }

  /** Runs {@code action} {@code delayNanos} from now. */
  public synchronized void after(long delayNanos, Runnable action) {
    at(now + Math.max(0, delayNanos), action);
  }

  /** The time of the next action, or {@link Long#MAX_VALUE} when there is none. */
  public synchronized long nextTime() {
    Event e = queue.peek();
    return e == null ? Long.MAX_VALUE : e.time;
  }

  /** Moves the clock to {@code time} if no action comes before it. */
  public synchronized void advanceTo(long time) {
    if (time > now && nextTime() >= time) {
      now = time;
    }
  }

  /** Runs the next action, moving the clock to its time; false if there is none. */
  public boolean runNext() {
    Event e;
    synchronized (this) {
      e = queue.poll();
      if (e == null) {
        return false;
      }
      now = e.time;
      executed++;
    }
    e.action.run();
    return true;
  }

  /** How many actions ran so far. */
  public synchronized long executed() {
    return executed;
  }

  /** Forgets every action still to run. */
  public synchronized void clear() {
    queue.clear();
  }
}
