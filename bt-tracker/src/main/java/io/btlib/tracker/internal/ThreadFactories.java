package io.btlib.tracker.internal;

import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** Thread factories for the daemon threads bt-tracker owns, each named {@code prefix-N}. */
public final class ThreadFactories {
  private static final AtomicInteger INSTANCES = new AtomicInteger();

  private ThreadFactories() {}

  /** A factory making daemon threads named {@code prefix-<instance>-<n>}. */
  public static ThreadFactory daemon(String prefix) {
    String base = prefix + "-" + INSTANCES.incrementAndGet() + "-";
    AtomicInteger n = new AtomicInteger();
    return r -> {
      Thread t = new Thread(r, base + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
  }
}
