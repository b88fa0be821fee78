package io.btlib;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** Waiting for threads to end by joining them, for tests that check a close stops its threads. */
public final class TestThreads {
  private TestThreads() {}

  /** The live threads whose names start with {@code prefix}. */
  public static Set<Thread> named(String prefix) {
    Set<Thread> s = new HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith(prefix) && t.isAlive()) {
        s.add(t);
      }
    }
    return s;
  }

  /**
   * The threads named {@code prefix}... that are not in {@code before} and are still alive after
   * each was joined, all the joins within {@code timeout} of {@code unit}: empty once every one
   * has ended. A thread that is still ending is waited for, not polled.
   */
  public static Set<Thread> stillAliveAfterJoining(Set<Thread> before, String prefix,
      long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    Set<Thread> left = named(prefix);
    left.removeAll(before);
    for (Thread t : left) {
      t.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
    }
    left.removeIf(t -> !t.isAlive());
    return left;
  }
}
