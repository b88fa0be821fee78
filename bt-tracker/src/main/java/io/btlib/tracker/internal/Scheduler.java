package io.btlib.tracker.internal;

/**
 * The one thread the announce logic runs on, with its clock. Tasks run one at a time, in order
 * of their due time; tests drive a fake one by hand.
 */
public interface Scheduler {
  /** A scheduled task that can be cancelled. */
  interface Cancellable {
    /** Stops the task from running if it has not yet; harmless afterwards. */
    void cancel();
  }

  /** The monotonic time in nanoseconds. */
  long nanoTime();

  /** Runs {@code task} on the scheduler's thread after {@code delayNanos} (0: soon). */
  Cancellable schedule(Runnable task, long delayNanos);

  /** Runs {@code task} on the scheduler's thread soon; ignored once the scheduler has stopped. */
  default void execute(Runnable task) {
    schedule(task, 0);
  }
}
