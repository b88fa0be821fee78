package io.btlib.benchmarks;

import io.btlib.dht.internal.DhtScaleScenario;
import io.btlib.dht.internal.DhtSimulator;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * The DHT at scale (issue 18): {@link DhtScaleScenario} on a simulated network of N bt DHT
 * engines (15% behind NATs, 5% dropping half their queries, 5% liars, 1% churn a minute) in
 * virtual time, one table row per N: lookup rounds and queries, get_peers success for announced
 * hashes, the share of good and of live routing-table entries, and the queries a node gets per
 * minute. After the last size it also reports the heap after GC with the network of the largest
 * N still alive, per node.
 *
 * <pre>
 * java -Xmx3g -cp bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.DhtScale [SEED] [N...]
 * </pre>
 *
 * <p>Defaults: seed 1, N = 1000 3000 10000. The lines are a Markdown table.
 */
public final class DhtScale {
  private DhtScale() {}

  /** Entry point; see the class doc. */
  public static void main(String[] args) {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 1;
    int[] sizes = {1000, 3000, 10000};
    if (args.length > 1) {
      sizes = new int[args.length - 1];
      for (int i = 1; i < args.length; i++) {
        sizes[i - 1] = Integer.parseInt(args[i]);
      }
    }
    System.out.println("| nodes | lookups | rounds mean / p95 / max | queries per lookup "
        + "| lookup ms | closest found | get_peers found | announce accepted by "
        + "| good entries min / mean | live entries min / mean | liar / unanswered / bad entries "
        + "| table size | queries/node/min mean / p99 / max | datagrams | wall s |");
    System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
    DhtSimulator kept = null;
    for (int n : sizes) {
      kept = null;
      long t0 = System.nanoTime();
      DhtScaleScenario.Result[] out = new DhtScaleScenario.Result[1];
      kept = DhtScaleScenario.runAndKeep(DhtScaleScenario.Settings.of(n, seed), out);
      DhtScaleScenario.Result r = out[0];
      double wall = (System.nanoTime() - t0) / 1e9;
      System.out.println(String.format(Locale.ROOT,
          "| %,d | %d | %.2f / %d / %d | %.1f | %.0f | %.1f%% | %d / %d (%.1f%%), %d left | %.1f "
              + "| %.1f%% / %.1f%% | %.1f%% / %.1f%% | %.1f%% / %.1f%% / %.1f%% | %.1f | %.1f / %d / %d | %,d | %.0f |",
          r.nodes(), r.lookups(), r.meanHops(), r.p95Hops(), r.maxHops(), r.meanQueries(),
          r.meanLookupMillis(), 100 * r.closestFound(), r.found(), r.announces(),
          100 * r.successRate(), r.abandoned(), r.meanAcceptedBy(), 100 * r.goodFractionMin(),
          100 * r.goodFractionMean(), 100 * r.liveFractionMin(), 100 * r.liveFractionMean(),
          100 * r.liarFractionMean(), 100 * r.unansweredFractionMean(), 100 * r.badFractionMean(),
          r.meanTableSize(), r.queriesPerMinuteMean(),
          r.queriesPerMinuteP99(), r.queriesPerMinuteMax(), r.packets(), wall));
    }
    long heap = heapAfterGc();
    int live = kept.live().size();
    System.out.println(String.format(Locale.ROOT,
        "heap after GC with %,d nodes alive: %.1f MiB (%.1f KiB a node); max heap %.0f MiB",
        live, heap / 1048576.0, heap / 1024.0 / live,
        Runtime.getRuntime().maxMemory() / 1048576.0));
    System.out.println("load: " + ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  private static long heapAfterGc() {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return rt.totalMemory() - rt.freeMemory();
  }
}
