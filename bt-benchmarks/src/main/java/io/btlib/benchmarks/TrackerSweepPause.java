package io.btlib.benchmarks;

import io.btlib.tracker.server.internal.HashKey;
import io.btlib.tracker.server.internal.PeerSample;
import io.btlib.tracker.server.internal.Rng;
import io.btlib.tracker.server.internal.SwarmRegistry;
import java.util.concurrent.TimeUnit;

/**
 * How long the tracker's expiry sweep keeps announces waiting, at scale: a {@code SwarmRegistry}
 * of {@code swarms} × {@code perSwarm} peers (default 100,000 × 10), half of them announced 50 s
 * later than the other half, swept three times (nothing expired; the older half expired; all
 * expired, swarms and all), while a second thread takes the registry's lock over and over as the
 * UDP thread does for each announce (here through {@code peerCount()}) and records its longest
 * wait. Prints, per sweep, the sweep's duration and that longest wait, and as a control the
 * longest wait over 300 ms without a sweep (on a loaded machine, the thread's own descheduling
 * shows up as waits too). Run {@code java -cp
 * bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.TrackerSweepPause [swarms] [perSwarm]}.
 */
public final class TrackerSweepPause {
  private TrackerSweepPause() {}

  /** Entry point; see the class doc. */
  public static void main(String[] args) throws Exception {
    int swarms = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
    int perSwarm = args.length > 1 ? Integer.parseInt(args[1]) : 10;
    long second = TimeUnit.SECONDS.toNanos(1);
    SwarmRegistry r = new SwarmRegistry(new SwarmRegistry.Limits(swarms * 2, perSwarm * 2,
        swarms * perSwarm * 2, 50, 200, 100 * second), null);
    byte[][] hashes = TrackerLoad.hashes(swarms);
    HashKey[] keys = new HashKey[swarms];
    for (int i = 0; i < swarms; i++) {
      keys[i] = HashKey.of(hashes[i], 0);
    }
    Rng rng = new Rng(1);
    PeerSample sample = new PeerSample(200);
    long peers = (long) swarms * perSwarm;
    for (long g = 0; g < peers; g++) {
      byte[] ip = {10, (byte) (g >>> 16), (byte) (g >>> 8), (byte) g};
      r.announce(keys[(int) (g % swarms)], ip, 1024 + (int) (g >>> 24), null, g % 4 == 0,
          SwarmRegistry.EVENT_STARTED, 0, false, g % 2 == 0 ? 0 : 50 * second, rng, sample);
    }
    System.out.println("registry: " + r.peerCount() + " peers in " + r.swarmCount() + " swarms");
    for (int rep = 0; rep < 2; rep++) { // the first round warms the JIT up
      sweep(r, "nothing expired", 60 * second, rep == 1);
    }
    sweep(r, "none (control: the waits of a busy machine)", -1, true);
    sweep(r, "half expired", 120 * second, true);
    sweep(r, "all expired", 300 * second, true);
    System.out.println("registry: " + r.peerCount() + " peers in " + r.swarmCount() + " swarms");
  }

  private static void sweep(SwarmRegistry r, String what, long now, boolean print)
      throws InterruptedException {
    long[] longest = new long[1];
    boolean[] stop = new boolean[1];
    Thread prober = new Thread(() -> {
      while (!isStopped(stop)) {
        long t0 = System.nanoTime();
        r.peerCount();
        long d = System.nanoTime() - t0;
        if (d > longest[0]) {
          longest[0] = d;
        }
      }
    });
    prober.start();
    Thread.sleep(50);
    long t0 = System.nanoTime();
    int removed = 0;
    if (now >= 0) {
      removed = r.sweep(now);
    } else {
      Thread.sleep(300);
    }
    long took = System.nanoTime() - t0;
    synchronized (stop) {
      stop[0] = true;
    }
    prober.join();
    if (print) {
      System.out.printf("sweep, %s: %d peers removed in %.1f ms; longest wait for the lock "
          + "meanwhile %.2f ms%n", what, removed, took / 1e6, longest[0] / 1e6);
    }
  }

  private static boolean isStopped(boolean[] stop) {
    synchronized (stop) {
      return stop[0];
    }
  }
}
