package io.btlib.dht.internal;

import io.btlib.dht.NodeId;
import io.btlib.peer.PeerAddress;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * The issue 18 "DHT at scale" measurement on a {@link DhtSimulator}: n nodes join over a few
 * minutes, a warm-up passes, then for the measurement window nodes churn (leave and are replaced
 * by new ones) while find_node lookups, announces and, a minute after each announce, a get_peers
 * for it from another node run at random well-behaved nodes; routing tables are sampled every
 * minute. Used by the CI test ({@code DhtScaleTest}) and the benchmark ({@code DhtScale}).
 */
public final class DhtScaleScenario {
  /**
   * One run.
   *
   * @param nodes nodes in the network (kept constant under churn)
   * @param natFraction share of nodes behind a NAT
   * @param dropperFraction share of nodes that drop queries
   * @param liarFraction share of nodes that lie
   * @param churnPerMinute share of nodes replaced each minute during the measurement
   * @param joinMillis how long the first nodes take to join
   * @param warmupMillis quiet time after joining, before measuring
   * @param measureMillis the measurement window (churn, lookups, announces)
   * @param lookups find_node lookups in the window
   * @param announces announce + get_peers pairs in the window
   * @param network the simulated network's settings
   */
  public record Settings(
      int nodes,
      double natFraction,
      double dropperFraction,
      double liarFraction,
      double churnPerMinute,
      long joinMillis,
      long warmupMillis,
      long measureMillis,
      int lookups,
      int announces,
      DhtSimulator.Settings network) {

    /**
     * The network: 15% of nodes behind NATs, 5% dropping half their queries, 5% liars,
     * 1% churn a minute; 5 minutes to join, 10 of warm-up, 20 measured.
     */
    public static Settings of(int nodes, long seed) {
      return new Settings(nodes, 0.15, 0.05, 0.05, 0.01, 5 * 60_000L, 10 * 60_000L, 20 * 60_000L,
          500, 300, DhtSimulator.Settings.defaults(seed));
    }

    /** A copy with other counts of lookups and announces. */
    public Settings withSamples(int lookups, int announces) {
      return new Settings(nodes, natFraction, dropperFraction, liarFraction, churnPerMinute,
          joinMillis, warmupMillis, measureMillis, lookups, announces, network);
    }

    /** A copy with another churn rate. */
    public Settings withChurn(double perMinute) {
      return new Settings(nodes, natFraction, dropperFraction, liarFraction, perMinute,
          joinMillis, warmupMillis, measureMillis, lookups, announces, network);
    }
  }

  /**
   * What a run measured.
   *
   * @param nodes nodes in the network
   * @param lookups find_node lookups completed
   * @param meanHops mean rounds to the closest node found (see {@link Lookup#hops()})
   * @param p95Hops 95th percentile of those rounds
   * @param maxHops most rounds of any lookup
   * @param meanQueries mean queries a lookup sent
   * @param meanLookupMillis mean virtual time a lookup took
   * @param closestFound share of lookups whose closest answer was at least as close to the target
   *     as the closest honest node (reachable, in the network when the lookup started)
   * @param announces get_peers searches for announced info hashes
   * @param found those that returned the announced peer
   * @param abandoned announces not searched for: the announcing node left (churn) before its
   *     announce was done
   * @param meanAcceptedBy mean nodes that accepted an announce
   * @param goodFractionMin lowest (over the minute samples) share of routing-table entries that are
   *     good by BEP 5
   * @param goodFractionMean mean of those samples
   * @param liveFractionMin lowest share of entries that are live and reachable
   * @param liveFractionMean mean of those samples
   * @param liarFractionMean mean share of entries that are liars
   * @param unansweredFractionMean mean share of entries that never answered us
   * @param badFractionMean mean share of entries that are bad (failed twice in a row)
   * @param meanTableSize mean routing-table size at the end
   * @param queriesPerMinuteMean mean queries a node received in a minute
   * @param queriesPerMinuteP99 99th percentile of per-node per-minute queries received
   * @param queriesPerMinuteMax the most any node received in a minute
   * @param packets datagrams sent in the whole run
   * @param virtualMillis virtual time simulated
   */
  public record Result(
      int nodes,
      int lookups,
      double meanHops,
      int p95Hops,
      int maxHops,
      double meanQueries,
      double meanLookupMillis,
      double closestFound,
      int announces,
      int found,
      int abandoned,
      double meanAcceptedBy,
      double goodFractionMin,
      double goodFractionMean,
      double liveFractionMin,
      double liveFractionMean,
      double liarFractionMean,
      double unansweredFractionMean,
      double badFractionMean,
      double meanTableSize,
      double queriesPerMinuteMean,
      int queriesPerMinuteP99,
      int queriesPerMinuteMax,
      long packets,
      long virtualMillis) {

    /** Share of get_peers searches that found the announced peer. */
    public double successRate() {
      return announces == 0 ? 0 : (double) found / announces;
    }
  }

  private final Settings settings;
  private final DhtSimulator sim;
  private final Random random;
  private final List<Integer> hops = new ArrayList<>();
  private long queriesTotal;
  private long lookupMillisTotal;
  private int closest;
  private int announced;
  private int found;
  private int abandoned;
  private long accepted;
  private final List<DhtSimulator.TableHealth> samples = new ArrayList<>();

  /**
   * The lowest ({@code min}) or mean of one routing-table figure over the minute samples; NaN if
   * the run ended before the first sample: no figure, which fails every bound asserted on it,
   * where a 0 would read as a measured one.
   */
  private double sampled(java.util.function.ToDoubleFunction<DhtSimulator.TableHealth> figure,
      boolean min) {
    java.util.stream.DoubleStream values = samples.stream().mapToDouble(figure);
    return (min ? values.min() : values.average()).orElse(Double.NaN);
  }

  private DhtScaleScenario(Settings settings) {
    this.settings = settings;
    this.sim = new DhtSimulator(settings.network());
    this.random = sim.random();
  }

  /** Runs the scenario; deterministic for given settings. */
  public static Result run(Settings settings) {
    return new DhtScaleScenario(settings).run();
  }

  /** Runs the scenario, handing back the simulator for inspection (at the end of the run). */
  public static DhtSimulator runAndKeep(Settings settings, Result[] out) {
    DhtScaleScenario s = new DhtScaleScenario(settings);
    out[0] = s.run();
    return s.sim;
  }

  private static boolean wellBehaved(DhtSimulator.Node n) {
    return n.kind() == DhtSimulator.Kind.HONEST || n.kind() == DhtSimulator.Kind.NAT;
  }

  private DhtSimulator.Kind randomKind() {
    double r = random.nextDouble();
    if (r < settings.natFraction()) {
      return DhtSimulator.Kind.NAT;
    }
    r -= settings.natFraction();
    if (r < settings.dropperFraction()) {
      return DhtSimulator.Kind.DROPPER;
    }
    r -= settings.dropperFraction();
    return r < settings.liarFraction() ? DhtSimulator.Kind.LIAR : DhtSimulator.Kind.HONEST;
  }

  private Result run() {
    int n = settings.nodes();
    // the first ten are honest: a network starts from reachable nodes
    for (int i = 0; i < n; i++) {
      DhtSimulator.Kind kind = i < 10 ? DhtSimulator.Kind.HONEST : randomKind();
      sim.schedule(settings.joinMillis() * i / n, () -> sim.addNode(kind));
    }
    long start = settings.joinMillis() + settings.warmupMillis();
    long end = start + settings.measureMillis();
    sim.runUntil(start);
    sim.resetQueryCounts();
    for (long t = start; t < end; t += 60_000) {
      sim.schedule(t, this::churnOneMinute);
      sim.schedule(t + 59_999, () -> samples.add(sim.tableHealth(DhtScaleScenario::wellBehaved)));
    }
    long window = settings.measureMillis();
    for (int i = 0; i < settings.lookups(); i++) {
      sim.schedule(start + window * i / settings.lookups() + random.nextInt(1000), this::lookup);
    }
    long announceWindow = window - 3 * 60_000;
    for (int i = 0; i < settings.announces(); i++) {
      sim.schedule(
          start + announceWindow * i / settings.announces() + random.nextInt(1000),
          this::announce);
    }
    sim.runUntil(end);
    int[] q = sim.queriesPerNodeMinute();
    DhtSimulator.TableHealth last = sim.tableHealth(DhtScaleScenario::wellBehaved);
    int[] h = hops.stream().mapToInt(Integer::intValue).sorted().toArray();
    return new Result(
        n,
        h.length,
        Arrays.stream(h).average().orElse(0),
        percentile(h, 0.95),
        h.length == 0 ? 0 : h[h.length - 1],
        h.length == 0 ? 0 : (double) queriesTotal / h.length,
        h.length == 0 ? 0 : (double) lookupMillisTotal / h.length,
        h.length == 0 ? 0 : (double) closest / h.length,
        announced,
        found,
        abandoned,
        announced == 0 ? 0 : (double) accepted / announced,
        sampled(DhtSimulator.TableHealth::goodFraction, true),
        sampled(DhtSimulator.TableHealth::goodFraction, false),
        sampled(DhtSimulator.TableHealth::liveFraction, true),
        sampled(DhtSimulator.TableHealth::liveFraction, false),
        sampled(DhtSimulator.TableHealth::liarFraction, false),
        sampled(DhtSimulator.TableHealth::unansweredFraction, false),
        sampled(DhtSimulator.TableHealth::badFraction, false),
        last.meanSize(),
        Arrays.stream(q).average().orElse(0),
        percentile(q, 0.99),
        q.length == 0 ? 0 : q[q.length - 1],
        sim.packetsSent(),
        sim.now());
  }

  private static int percentile(int[] sorted, double p) {
    if (sorted.length == 0) {
      return 0;
    }
    return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p * sorted.length) - 1)];
  }

  /** Replaces the churn share of the nodes, spread over the next minute. */
  private void churnOneMinute() {
    int count = (int) Math.round(settings.nodes() * settings.churnPerMinute());
    for (int i = 0; i < count; i++) {
      long at = sim.now() + random.nextInt(60_000);
      sim.schedule(at, () -> {
        DhtSimulator.Node leaving = sim.randomLive(x -> true);
        if (leaving != null) {
          sim.remove(leaving);
        }
        sim.addNode(randomKind());
      });
    }
  }

  private void lookup() {
    DhtSimulator.Node from = sim.randomLive(DhtScaleScenario::wellBehaved);
    if (from == null) {
      return;
    }
    NodeId target = NodeId.random(random);
    long started = sim.now();
    NodeId best = closestReachable(target);
    from.engine().lookup(target, false, List.of()).thenAccept(l -> {
      hops.add(l.hops());
      queriesTotal += l.queriedCount();
      lookupMillisTotal += sim.now() - started;
      List<Lookup.Candidate> answered = l.closestAnswered();
      if (!answered.isEmpty()
          && (best == null || target.compareDistance(answered.get(0).info().id(), best) <= 0)) {
        closest++;
      }
    });
  }

  /** The id of the live, reachable, well-behaved node closest to {@code target}, or null. */
  private NodeId closestReachable(NodeId target) {
    NodeId best = null;
    for (DhtSimulator.Node n : sim.live()) {
      if (n.kind() == DhtSimulator.Kind.HONEST
          && (best == null || target.compareDistance(n.id(), best) < 0)) {
        best = n.id();
      }
    }
    return best;
  }

  private void announce() {
    DhtSimulator.Node announcer = sim.randomLive(DhtScaleScenario::wellBehaved);
    if (announcer == null) {
      return;
    }
    NodeId hash = NodeId.random(random);
    PeerAddress peer = announcer.peerAddress();
    announcer.engine().announce(hash, peer.port(), false).thenAccept(r -> {
      if (!announcer.isAlive()) {
        abandoned++; // it left (churn) before its announce was done: nothing to find
        return;
      }
      accepted += r.acceptedBy();
      sim.schedule(sim.now() + 60_000, () -> {
        DhtSimulator.Node finder =
            sim.randomLive(x -> wellBehaved(x) && x != announcer);
        if (finder == null) {
          return;
        }
        announced++;
        finder.engine().getPeers(hash).thenAccept(peers -> {
          if (peers.contains(peer)) {
            found++;
          }
        });
      });
    });
  }
}
