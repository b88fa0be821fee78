package io.btlib.dht.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * Issue 18's DHT targets on a simulated network small enough for CI: 400 bt engines in virtual
 * time, 15% behind NATs, 5% dropping half their queries, 5% liars, 1% replaced every minute.
 * {@code io.btlib.benchmarks.DhtScale} runs the same scenario at 1,000 to 10,000 nodes.
 */
class DhtScaleTest {
  static final int NODES = 400;

  static DhtScaleScenario.Settings ci(int nodes, long seed) {
    DhtScaleScenario.Settings d = DhtScaleScenario.Settings.of(nodes, seed);
    return new DhtScaleScenario.Settings(nodes, d.natFraction(), d.dropperFraction(),
        d.liarFraction(), d.churnPerMinute(), 2 * 60_000L, 5 * 60_000L, 12 * 60_000L, 200, 150,
        d.network());
  }

  static double log2(int n) {
    return Math.log(n) / Math.log(2);
  }

  @Test
  void underChurnAndMisbehavingNodesLookupsConvergeAnnouncesAreFoundAndTablesStayGood() {
    DhtScaleScenario.Result r = DhtScaleScenario.run(ci(NODES, 18));

    assertThat(r.lookups()).as("lookups that finished").isGreaterThanOrEqualTo(195);
    assertThat(r.meanHops()).as("mean rounds, O(log n)").isLessThanOrEqualTo(0.5 * log2(NODES));
    assertThat(r.p95Hops()).as("p95 rounds").isLessThanOrEqualTo((int) log2(NODES));
    assertThat(r.meanQueries()).as("queries per lookup").isLessThanOrEqualTo(3 * log2(NODES));

    assertThat(r.announces()).isGreaterThanOrEqualTo(140);
    assertThat(r.successRate()).as("get_peers finds the announced peer").isGreaterThanOrEqualTo(0.99);

    assertThat(r.goodFractionMin()).as("good routing-table entries, worst minute")
        .isGreaterThanOrEqualTo(0.90);
    assertThat(r.badFractionMean()).as("known-bad entries kept").isLessThan(0.02);

    assertThat(r.queriesPerMinuteP99()).as("queries a node gets a minute, p99").isLessThan(60);
    assertThat(r.queriesPerMinuteMax()).as("queries a node gets a minute, max").isLessThan(200);
  }

  @Test
  void aRunIsRepeatableFromItsSeed() {
    DhtScaleScenario.Settings s = new DhtScaleScenario.Settings(60, 0.15, 0.05, 0.05, 0.02,
        30_000, 60_000, 3 * 60_000L, 20, 10, DhtSimulator.Settings.defaults(7));
    assertThat(DhtScaleScenario.run(s)).isEqualTo(DhtScaleScenario.run(s));
  }
}
