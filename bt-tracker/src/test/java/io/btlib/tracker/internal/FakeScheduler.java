package io.btlib.tracker.internal;

import java.time.Duration;
import java.util.PriorityQueue;

/** A scheduler whose clock only moves when the test says; tasks run on the test's thread. */
final class FakeScheduler implements Scheduler {
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private long now = 1_000_000_000L;
  private long seq;

  private final class Task implements Comparable<Task>, Cancellable {
    final long due;
    final long order = seq++;
    final Runnable run;
    boolean cancelled;

    Task(long due, Runnable run) {
      this.due = due;
      this.run = run;
    }

    @Override
    public int compareTo(Task o) {
      return due != o.due ? Long.compare(due, o.due) : Long.compare(order, o.order);
    }

    @Override
    public void cancel() {
      cancelled = true;
    }
  }

  @Override
  public long nanoTime() {
    return now;
  }

  @Override
  public Cancellable schedule(Runnable task, long delayNanos) {
    Task t = new Task(now + Math.max(0, delayNanos), task);
    tasks.add(t);
    return t;
  }

  /** Runs every task due by now, including those they schedule for now. */
  void runDue() {
    Task t;
    while ((t = tasks.peek()) != null && t.due <= now) {
      tasks.poll();
      if (!t.cancelled) {
        t.run.run();
      }
    }
  }

  /** Moves the clock forward, running due tasks at their own times on the way. */
  void advance(Duration d) {
    long end = now + d.toNanos();
    Task t;
    while ((t = tasks.peek()) != null && t.due <= end) {
      now = Math.max(now, t.due);
      runDue();
    }
    now = end;
    runDue();
  }
}
