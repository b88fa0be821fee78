package io.btlib.benchmarks;

import io.btlib.client.Client;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import io.btlib.client.Transport;
import io.btlib.metainfo.InfoHash;
import io.btlib.policy.ChokeDecision;
import io.btlib.policy.Choker;
import io.btlib.policy.PeerStats;
import io.btlib.policy.PiecePicker;
import io.btlib.testkit.AccessLink;
import io.btlib.testkit.LinkFaults;
import io.btlib.testkit.SimHost;
import io.btlib.testkit.SimTorrent;
import io.btlib.testkit.SimTracker;
import io.btlib.testkit.Simulation;
import io.btlib.testkit.Swarm;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * The engine's scenarios on bt-testkit's simulated network, with figures: high bandwidth-delay
 * products, flash crowds (with and without super-seeding), bad peers, churn, a 500-peer swarm and
 * the README's custom policies in a 50-peer swarm, uTP through loss and beside TCP. Virtual time, so the figures are the engine's
 * (deterministic for a seed), not this machine's; the CPU column is this machine's.
 *
 * <p>Run: {@code java -cp bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.SimScenarios
 * [bdp|crowd|bad|churn|scale|many|crowded|policy|lab|utp]...} (all but many and crowded when
 * none is named);
 * {@code -Dbt.sim.peers=10,100,500} sets the scale scenario's swarm sizes, {@code
 * -Dbt.sim.scaleMiB=4} its torrent's size, {@code -Dbt.sim.manyPeers=100,1000} and {@code
 * -Dbt.sim.manyMiB=4} the many scenario's leechers and torrent size.
 */
public final class SimScenarios {
  private static final Duration LIMIT = Duration.ofMinutes(60);
  private static final ThreadMXBean CPU = ManagementFactory.getThreadMXBean();

  private SimScenarios() {}

  public static void main(String[] args) {
    List<String> which = args.length == 0
        ? List.of("bdp", "crowd", "lab", "bad", "churn", "policy", "scale", "utp")
        : List.of(args);
    for (String w : which) {
      switch (w) {
        case "bdp" -> bdp();
        case "crowd" -> crowd();
        case "lab" -> lab();
        case "bad" -> bad();
        case "churn" -> churn();
        case "policy" -> policy();
        case "scale" -> scale();
        case "many" -> many();
        case "crowded" -> crowded();
        case "utp" -> utp();
        default -> throw new IllegalArgumentException("unknown scenario " + w);
      }
    }
  }

  static double payload(long wireRate) {
    return wireRate * 1448.0 / 1500;
  }

  static double cpuSeconds() {
    return CPU.getCurrentThreadCpuTime() / 1e9;
  }

  static void print(String format, Object... args) {
    System.out.println(String.format(Locale.ROOT, format, args));
  }

  // ------------------------------------------------------------------------ high BDP

  static void bdp() {
    print("%nHigh bandwidth-delay product: one seeder, one downloader (bt -> bt)");
    print("| round trip | link MiB/s | from start MiB/s | past the first quarter MiB/s | share of"
        + " link (payload) | CPU s |");
    print("|---|---|---|---|---|---|");
    for (int rtt : new int[] {50, 100, 200}) {
      for (int mib : new int[] {20, 50, 100}) {
        long rate = (long) mib << 20;
        int size = 8 * mib << 20;
        double cpu0 = cpuSeconds();
        AccessLink link = AccessLink.symmetric(rate, Duration.ofMillis(rtt / 4));
        try (Simulation sim = new Simulation(11)) {
          SimTorrent t = SimTorrent.random(3, size, 1 << 20);
          SimTracker tracker = new SimTracker(sim);
          SimHost a = sim.addHost(link);
          SimHost b = sim.addHost(link);
          a.client(Client.builder().peerSource(tracker.sourceFor(a)))
              .add(t.metainfo(), t.seededStorage(), t.allPieces()).start();
          Torrent leecher = b.client(Client.builder().peerSource(tracker.sourceFor(b)))
              .add(t.metainfo(), t.emptyStorage());
          leecher.start();
          sim.runUntil(() -> b.bytesReceived() >= size / 4, LIMIT);
          long quarter = sim.nanoTime();
          sim.runUntil(() -> leecher.completion().isDone(), LIMIT);
          double total = sim.nanoTime() / 1e9;
          double steady = size * 0.75 / ((sim.nanoTime() - quarter) / 1e9);
          print("| %d ms | %d | %.1f | %.1f | %.0f%% | %.1f |", rtt, mib,
              size / total / (1 << 20), steady / (1 << 20), 100 * steady / payload(rate),
              cpuSeconds() - cpu0);
        }
      }
    }
  }

  // ------------------------------------------------------------------------ flash crowd

  record Crowd(double last, double bound, double copies, boolean intact, double cpu) {}

  static Crowd flashCrowd(int n, int sizeMiB, long up, Duration latency, boolean superSeeding,
      Consumer<Client.Builder> leechers) {
    double cpu0 = cpuSeconds();
    int size = sizeMiB << 20;
    try (Swarm swarm = new Swarm(Long.getLong("bt.sim.seed", 1),
        SimTorrent.random(2, size, 256 * 1024))) {
      AccessLink link = AccessLink.of(up, 4 * up, latency);
      swarm.addSeeder(link, b -> b.superSeeding(superSeeding));
      for (int i = 0; i < n; i++) {
        swarm.addLeecher(link, leechers);
      }
      if (Boolean.getBoolean("bt.sim.trace")) {
        trace(swarm, up);
      }
      Swarm.Result r = swarm.run(LIMIT);
      if (!r.allComplete()) {
        throw new IllegalStateException("a leecher did not complete");
      }
      double bound = Swarm.fluidBoundSeconds(size, (long) payload(up), n, (long) payload(up));
      return new Crowd(r.lastCompletion().toNanos() / 1e9, bound, r.seederCopies(), r.intact(),
          cpuSeconds() - cpu0);
    }
  }

  /**
   * With {@code -Dbt.sim.trace=true}: every half second, each peer's upload in that half second as
   * a share of its link (seeder first, then the leechers; a dot once a leecher is complete).
   */
  static void trace(Swarm swarm, long up) {
    Simulation sim = swarm.simulation();
    List<Swarm.Peer> peers = swarm.peers();
    long[] last = new long[peers.size()];
    long step = 500_000_000L;
    Runnable[] tick = new Runnable[1];
    tick[0] = () -> {
      StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%5.1f", sim.nanoTime() / 1e9));
      long sum = 0;
      for (int i = 0; i < peers.size(); i++) {
        long sent = peers.get(i).host().bytesSent();
        long d = sent - last[i];
        last[i] = sent;
        if (i > 0) {
          sum += d;
        }
        boolean done = !peers.get(i).isSeeder() && peers.get(i).completedAt().isPresent();
        line.append(done ? "   ." : String.format(Locale.ROOT, " %3.0f", 100.0 * d / (up * step / 1e9)));
      }
      line.append(String.format(Locale.ROOT, " | leechers %3.0f%%",
          100.0 * sum / ((peers.size() - 1) * up * step / 1e9)));
      System.out.println(line);
      sim.schedule(Duration.ofNanos(step), tick[0]);
    };
    sim.schedule(Duration.ofNanos(step), tick[0]);
  }

  /** With {@code -Dbt.sim.crowd=N,MiB,super|plain[,rttMs]}: that one flash crowd only. */
  static boolean crowdCase() {
    String one = System.getProperty("bt.sim.crowd");
    if (one == null) {
      return false;
    }
    String[] a = one.split(",");
    Duration latency = a.length > 3 ? Duration.ofNanos((long) (Double.parseDouble(a[3]) * 250_000))
        : Duration.ofMillis(25);
    String q = System.getProperty("bt.sim.queueMs");
    String slots = System.getProperty("bt.sim.slots");
    Crowd r = flashCrowd(Integer.parseInt(a[0]), Integer.parseInt(a[1]), 4L << 20, latency,
        a[2].equals("super"), b -> {
          if (q != null) {
            b.requestQueueTime(Duration.ofMillis(Long.parseLong(q)));
          }
          if (slots != null) {
            b.uploadSlots(Integer.parseInt(slots));
          }
        });
    print("| %s | %.1f | %.1f | %.2f | %.2f | %.1f |", one, r.last(), r.bound(),
        r.last() / r.bound(), r.copies(), r.cpu());
    return true;
  }

  static void crowd() {
    if (crowdCase()) {
      return;
    }
    print("%nFlash crowd: 1 seeder, N leechers, every upload 4 MiB/s (downloads 16 MiB/s), 100 ms"
        + " round trips, 256 KiB pieces");
    print("| N | size | seeder | last done s | fluid bound s | / bound | seeder copies | CPU s |");
    print("|---|---|---|---|---|---|---|---|");
    long up = 4L << 20;
    for (int[] c : new int[][] {{20, 64}, {50, 32}}) {
      for (boolean sup : new boolean[] {false, true}) {
        Crowd r = flashCrowd(c[0], c[1], up, Duration.ofMillis(25), sup, b -> {});
        print("| %d | %d MiB | %s | %.1f | %.1f | %.2f | %.2f | %.1f |", c[0], c[1],
            sup ? "super-seeding" : "plain", r.last(), r.bound(), r.last() / r.bound(), r.copies(),
            r.cpu());
      }
    }
  }

  /** The network lab's flash crowd (interop/lab.sh scenario B) on the simulator. */
  static void lab() {
    print("%nThe network lab's flash crowd, simulated: 1 seeder, 8 leechers, 4 MiB/s uploads,"
        + " 64 MiB, sub-millisecond round trips");
    print("| seeder | last done s (from the swarm's start) | / bound | seeder copies |");
    print("|---|---|---|---|");
    for (boolean sup : new boolean[] {false, true}) {
      Crowd r = flashCrowd(8, 64, 4L << 20, Duration.ofNanos(100_000), sup, b -> {});
      print("| %s | %.1f | %.2f | %.2f |", sup ? "super-seeding" : "plain", r.last(),
          r.last() / r.bound(), r.copies());
    }
  }

  // ------------------------------------------------------------------------ bad peers

  static double badPeers(int stallers, int slow) {
    try (Simulation sim = new Simulation(21)) {
      int size = 32 << 20;
      SimTorrent torrent = SimTorrent.random(5, size, 256 * 1024);
      SimTracker tracker = new SimTracker(sim);
      InfoHash h = torrent.metainfo().infoHashes().shortHash();
      long good = 1L << 20;
      for (int i = 0; i < 20; i++) {
        boolean isStaller = i < stallers;
        boolean isSlow = !isStaller && i < stallers + slow;
        SimHost host = sim.addHost(AccessLink.of(isSlow ? good / 10 : good, 8 * good,
            Duration.ofMillis(20 + 5 * i)));
        if (isStaller) {
          tracker.register(h, host.startStallingPeer(torrent.metainfo(), 6881));
        } else {
          host.client(Client.builder().peerSource(tracker.sourceFor(host)))
              .add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces()).start();
        }
      }
      sim.runFor(Duration.ofSeconds(1));
      SimHost lh = sim.addHost(AccessLink.of(good, 10 * good, Duration.ofMillis(30)));
      Storage storage = torrent.emptyStorage();
      Torrent leecher = lh.client(Client.builder().peerSource(tracker.sourceFor(lh)))
          .add(torrent.metainfo(), storage);
      long start = sim.nanoTime();
      leecher.start();
      sim.runUntil(() -> leecher.completion().isDone(), LIMIT);
      if (!torrent.matches(storage)) {
        throw new IllegalStateException("corrupt download");
      }
      return (sim.nanoTime() - start) / 1e9;
    }
  }

  static void bad() {
    print("%nBad peers: one leecher (10 MiB/s down), 20 seeders at 1 MiB/s, 32 MiB");
    double without = badPeers(0, 0);
    double with = badPeers(2, 4);
    print("| swarm | download s |");
    print("|---|---|");
    print("| 20 good seeders | %.1f |", without);
    print("| 2 stallers, 4 at a tenth of the rate, 14 good | %.1f (%.2fx) |", with,
        with / without);
  }

  // ------------------------------------------------------------------------ churn

  static void churn() {
    print("%nChurn: 1 seeder and 12 leechers (1 MiB/s up, 4 down, 80 ms round trips), 8 MiB;"
        + " every 2 s an incomplete leecher leaves and is back 1-4 s later");
    try (Swarm swarm = new Swarm(31, SimTorrent.random(6, 8 << 20, 256 * 1024))) {
      Simulation sim = swarm.simulation();
      AccessLink link = AccessLink.of(1 << 20, 4 << 20, Duration.ofMillis(20));
      swarm.addSeeder(link, b -> {});
      List<Swarm.Peer> leechers = new java.util.ArrayList<>();
      for (int i = 0; i < 12; i++) {
        leechers.add(swarm.addLeecher(link, b -> {}, Duration.ofMillis(500L * i)));
      }
      java.util.Random r = sim.newRandom();
      int[] departures = {0};
      for (int k = 1; k <= 20; k++) {
        sim.schedule(Duration.ofSeconds(2L * k), () -> {
          Swarm.Peer p = leechers.get(r.nextInt(leechers.size()));
          if (p.isInSwarm() && p.completedAt().isEmpty()) {
            departures[0]++;
            p.leave();
            sim.schedule(Duration.ofMillis(1000 + r.nextInt(3000)), p::join);
          }
        });
      }
      Swarm.Result res = swarm.run(LIMIT);
      print("%d departures; all complete: %s, every copy intact: %s, last done %.1f s",
          departures[0], res.allComplete(), res.intact(), res.lastCompletion().toNanos() / 1e9);
    }
  }

  // ------------------------------------------------------------------------ custom policies

  /** The README's picker: the first wanted piece the peer has, block by block. */
  static final PiecePicker.Factory IN_ORDER = torrent -> (peer, swarm, max, out) -> {
    for (int p = swarm.nextWanted(0); p >= 0; p = swarm.nextWanted(p + 1)) {
      if (!peer.has(p)) {
        continue;
      }
      for (int b = 0; b < swarm.blockCount(p); b++) {
        if (!swarm.isBlockReceived(p, b) && swarm.blockRequests(p, b) == 0 && !out.add(p, b)) {
          return;
        }
      }
    }
  };

  /** The README's choker: whoever sent us the most, no optimistic unchoke. */
  static final Choker.Factory GREEDY = () -> (peers, ctx) -> new ChokeDecision(peers.stream()
      .filter(PeerStats::interested)
      .sorted(Comparator.comparingLong(PeerStats::downloaded).reversed())
      .limit(ctx.uploadSlots()).map(PeerStats::address).collect(Collectors.toSet()),
      Optional.empty());

  static void policy() {
    print("%nThe README's custom policies in a 50-leecher swarm: 1 seeder, 2 MiB/s uploads,"
        + " 100 ms round trips, 16 MiB");
    print("| leechers' policies | last done s | / bound | seeder copies | CPU s |");
    print("|---|---|---|---|---|");
    long up = 2L << 20;
    Object[][] cases = {
        {"defaults (rarest first, tit-for-tat)", (Consumer<Client.Builder>) b -> {}},
        {"in-order picker", (Consumer<Client.Builder>) b -> b.piecePicker(IN_ORDER)},
        {"greedy choker", (Consumer<Client.Builder>) b -> b.choker(GREEDY)},
        {"both", (Consumer<Client.Builder>) b -> b.piecePicker(IN_ORDER).choker(GREEDY)}};
    String only = System.getProperty("bt.sim.policy"); // one case: its name's first word
    for (Object[] c : cases) {
      if (only != null && !((String) c[0]).startsWith(only)) {
        continue;
      }
      @SuppressWarnings("unchecked")
      Consumer<Client.Builder> conf = (Consumer<Client.Builder>) c[1];
      Crowd r = flashCrowd(50, 16, up, Duration.ofMillis(25), false, conf);
      print("| %s | %.1f | %.2f | %.2f | %.1f |", c[0], r.last(), r.last() / r.bound(),
          r.copies(), r.cpu());
    }
  }

  // ------------------------------------------------------------------------ scale

  static void scale() {
    print("%nPeers on one torrent: CPU per MiB delivered (1 seeder, every upload 1 MiB/s, "
        + Integer.getInteger("bt.sim.scaleMiB", 4) + " MiB, 256 KiB pieces, 60 ms round trips; after one unmeasured 100-peer run, so the JIT is"
        + " warm; the CPU is the simulator's and the engine's together)");
    print("| peers | runs | last done s | MiB delivered | CPU s | CPU ms per MiB"
        + " | events per MiB |");
    print("|---|---|---|---|---|---|---|");
    scaleRun(100); // warm-up
    String peers = System.getProperty("bt.sim.peers", "10,100,500");
    for (int n : java.util.Arrays.stream(peers.split(",")).mapToInt(Integer::parseInt).toArray()) {
      // a small swarm runs again until it has delivered about as much as a 100-peer one, so
      // that its CPU figure is not a few hundred milliseconds of noise
      int runs = Math.max(1, 100 / Math.max(1, n - 1));
      double[] sum = new double[4];
      for (int i = 0; i < runs; i++) {
        double[] r = scaleRun(n);
        for (int j = 0; j < 4; j++) {
          sum[j] += r[j];
        }
      }
      print("| %d | %d | %.1f | %.0f | %.1f | %.1f | %.0f |", n, runs, sum[0] / runs, sum[1],
          sum[2], 1000 * sum[2] / sum[1], sum[3] / sum[1]);
    }
  }

  /** One swarm of {@code n} peers: last completion s, MiB delivered, CPU s, events. */
  static double[] scaleRun(int n) {
    double cpu0 = cpuSeconds();
    int size = Integer.getInteger("bt.sim.scaleMiB", 4) << 20;
    try (Swarm swarm = new Swarm(41, SimTorrent.random(7, size, 256 * 1024))) {
      AccessLink link = AccessLink.of(1 << 20, 4 << 20, Duration.ofMillis(15));
      boolean redundantHave = !"false".equals(System.getProperty("bt.sim.redundantHave"));
      swarm.addSeeder(link, b -> b.sendRedundantHave(redundantHave));
      for (int i = 0; i < n - 1; i++) {
        swarm.addLeecher(link, b -> b.sendRedundantHave(redundantHave),
            Duration.ofMillis(10L * i));
      }
      Swarm.Result r = swarm.run(LIMIT);
      if (!r.allComplete() || !r.intact()) {
        throw new IllegalStateException("incomplete or corrupt");
      }
      return new double[] {r.lastCompletion().toNanos() / 1e9,
          (double) (n - 1) * size / (1 << 20), cpuSeconds() - cpu0, r.events()};
    }
  }

  // ------------------------------------------------------------------------ many peers

  /**
   * One seeder connected to every leecher at once (issue 18, many peers): {@code
   * -Dbt.sim.manyPeers=100,1000} leechers, each with a 1 MiB/s download and room for 4
   * connections, dial the seeder (100 MiB/s up, 32 upload slots) as they join, 5 ms apart.
   */
  static void many() {
    print("%nOne seeder with N connected leechers (seeder 100 MiB/s up, 32 upload slots; leechers 1 MiB/s down,"
        + " 256 KiB/s up, at most 4 connections; " + Integer.getInteger("bt.sim.manyMiB", 4)
        + " MiB, 256 KiB pieces, 40 ms round trips); CPU"
        + " is the whole simulation's");
    print("| leechers | most peers on the seeder | last done s | MiB delivered | seeder copies"
        + " | CPU s | CPU ms per MiB | events per MiB |");
    print("|---|---|---|---|---|---|---|---|");
    String peers = System.getProperty("bt.sim.manyPeers", "100,1000");
    for (int n : java.util.Arrays.stream(peers.split(",")).mapToInt(Integer::parseInt).toArray()) {
      double cpu0 = cpuSeconds();
      int size = Integer.getInteger("bt.sim.manyMiB", 4) << 20;
      try (Swarm swarm = new Swarm(47, SimTorrent.random(9, size, 256 * 1024))) {
        Swarm.Peer seeder = swarm.addSeeder(
            AccessLink.of(100L << 20, 100L << 20, Duration.ofMillis(10)),
            b -> b.port(6881).uploadSlots(32).maxConnectionsPerTorrent(n + 16)
                .maxConnections(n + 16));
        io.btlib.peer.PeerAddress seederAddress = io.btlib.peer.PeerAddress.of(
            new java.net.InetSocketAddress(seeder.host().address(), 6881));
        AccessLink link = AccessLink.of(256 << 10, 1 << 20, Duration.ofMillis(10));
        for (int i = 0; i < n; i++) {
          Duration delay = Duration.ofMillis(5L * i);
          Swarm.Peer p = swarm.addLeecher(link, b -> b.maxConnectionsPerTorrent(4), delay);
          swarm.simulation().schedule(delay.plusMillis(1),
              () -> p.torrent().ifPresent(t -> t.addPeer(seederAddress)));
        }
        int[] most = {0};
        sample(swarm, seeder, most);
        Swarm.Result r = swarm.run(LIMIT);
        if (!r.allComplete() || !r.intact()) {
          throw new IllegalStateException("incomplete or corrupt");
        }
        double cpu = cpuSeconds() - cpu0;
        double mib = (double) n * size / (1 << 20);
        print("| %d | %d | %.1f | %.0f | %.2f | %.1f | %.1f | %.0f |", n, most[0],
            r.lastCompletion().toNanos() / 1e9, mib, r.seederCopies(), cpu, 1000 * cpu / mib,
            r.events() / mib);
      }
    }
  }

  /**
   * One client holding thousands of connections at once (issue 18, 5,000 peers in one client): a
   * seeder that {@code -Dbt.sim.crowdedIdle=5000} idle peers (each on its own host, interested,
   * never asking for anything) dial as it serves 20 real leechers a 4 MiB torrent.
   */
  static void crowded() {
    int idle = Integer.getInteger("bt.sim.crowdedIdle", 5000);
    print("%nOne seeder (100 MiB/s up, 8 upload slots) holding %d idle interested connections"
        + " while 20 leechers (1 MiB/s down, 256 KiB/s up) download 4 MiB from it and each other;"
        + " 40 ms round trips", idle);
    print("| idle peers | most peers on the seeder | leechers' last done s | all intact | seeder"
        + " copies | CPU s |");
    print("|---|---|---|---|---|---|");
    for (int n : new int[] {0, idle}) {
      double cpu0 = cpuSeconds();
      int size = 4 << 20;
      try (Swarm swarm = new Swarm(53, SimTorrent.random(11, size, 256 * 1024))) {
        Swarm.Peer seeder = swarm.addSeeder(
            AccessLink.of(100L << 20, 100L << 20, Duration.ofMillis(10)),
            b -> b.port(6881).maxConnectionsPerTorrent(n + 64).maxConnections(n + 64));
        io.btlib.peer.PeerAddress seederAddress = io.btlib.peer.PeerAddress.of(
            new java.net.InetSocketAddress(seeder.host().address(), 6881));
        AccessLink idleLink = AccessLink.of(64 << 10, 64 << 10, Duration.ofMillis(10));
        for (int i = 0; i < n; i++) {
          swarm.simulation().addHost(idleLink).startIdlePeer(swarm.torrent().metainfo(),
              seederAddress, true);
        }
        AccessLink link = AccessLink.of(256 << 10, 1 << 20, Duration.ofMillis(10));
        for (int i = 0; i < 20; i++) {
          Duration delay = Duration.ofMillis(2000 + 50L * i); // once the idle crowd is in
          Swarm.Peer p = swarm.addLeecher(link, b -> { }, delay);
          swarm.simulation().schedule(delay.plusMillis(1),
              () -> p.torrent().ifPresent(t -> t.addPeer(seederAddress)));
        }
        int[] most = {0};
        sample(swarm, seeder, most);
        Swarm.Result r = swarm.run(LIMIT);
        print("| %d | %d | %.1f | %s | %.2f | %.1f |", n, most[0],
            r.lastCompletion().toNanos() / 1e9, r.allComplete() && r.intact(), r.seederCopies(),
            cpuSeconds() - cpu0);
      }
    }
  }

  /** Every virtual second, the seeder's connected peers, the most kept in {@code most[0]}. */
  private static void sample(Swarm swarm, Swarm.Peer seeder, int[] most) {
    swarm.simulation().schedule(Duration.ofSeconds(1), () -> {
      seeder.torrent().ifPresent(t -> most[0] = Math.max(most[0], t.status().peers()));
      sample(swarm, seeder, most);
    });
  }

  // ------------------------------------------------------------------------ uTP

  /** The longest a uTP run goes on (virtual time): the share is measured over its second half. */
  private static final Duration UTP_WINDOW = Duration.ofSeconds(20);

  static void utp() {
    print("%nuTP only, 1 seeder -> 1 leecher, symmetric links, random loss on the path (both"
        + " ways); share = payload rate over the second half of the transfer (or of its first "
        + UTP_WINDOW.toSeconds() + " s) / the link's rate on the wire");
    print("| loss | round trip | link MiB/s | share of link | MiB/s | packets resent | timeouts"
        + " | datagrams lost | CPU s |");
    print("|---|---|---|---|---|---|---|---|---|");
    for (int loss : new int[] {0, 1, 5}) {
      for (int rtt : new int[] {50, 200}) {
        for (int mib : new int[] {10, 50}) {
          double cpu0 = cpuSeconds();
          double[] r = utpRun(loss / 100.0, rtt, (long) mib << 20);
          print("| %d%% | %d ms | %d | %.0f%% | %.1f | %.0f | %.0f | %.0f | %.1f |", loss, rtt, mib,
              100 * r[0], r[0] * mib, r[1], r[2], r[3], cpuSeconds() - cpu0);
        }
      }
    }
    print("%nuTP beside TCP: a uTP and a TCP download into one host whose downlink (4 MiB/s,"
        + " 1 MiB socket buffers) is the bottleneck; shares of it over 20 s after a 20 s start");
    print("| round trip | uTP share | TCP share |");
    print("|---|---|---|");
    for (int rtt : new int[] {50, 200}) {
      double[] r = utpBesideTcp(rtt);
      print("| %d ms | %.0f%% | %.0f%% |", rtt, 100 * r[0], 100 * r[1]);
    }
  }

  /** One uTP transfer: {share, packets resent, timeouts, datagrams lost}. */
  static double[] utpRun(double loss, int rttMillis, long rate) {
    int size = (int) Math.min(128L << 20, rate * UTP_WINDOW.toSeconds());
    AccessLink link = AccessLink.symmetric(rate, Duration.ofMillis(rttMillis / 4));
    try (Simulation sim = new Simulation(17)) {
      SimTorrent t = SimTorrent.random(5, size, 1 << 20);
      SimTracker tracker = new SimTracker(sim);
      SimHost a = sim.addHost(link);
      SimHost b = sim.addHost(link);
      sim.faults(a, b, LinkFaults.loss(loss));
      a.client(Client.builder().transport(Transport.UTP).peerSource(tracker.sourceFor(a)))
          .add(t.metainfo(), t.seededStorage(), t.allPieces()).start();
      Storage storage = t.emptyStorage();
      Torrent leecher = b.client(Client.builder().transport(Transport.UTP)
          .peerSource(tracker.sourceFor(b))).add(t.metainfo(), storage);
      leecher.start();
      Duration half = UTP_WINDOW.dividedBy(2);
      long from;
      long fromBytes;
      if (sim.runUntil(() -> b.bytesReceived() >= size / 2, half)) {
        // fast enough to finish: the second half of the bytes, as the bdp scenario does
        from = sim.nanoTime();
        fromBytes = size / 2;
        sim.runUntil(() -> leecher.completion().isDone(), UTP_WINDOW.multipliedBy(10));
      } else {
        from = sim.nanoTime();
        fromBytes = leecher.status().downloaded();
        sim.runUntil(() -> leecher.completion().isDone(), half);
      }
      long toBytes = leecher.completion().isDone() ? size : leecher.status().downloaded();
      if (leecher.completion().isDone() && !t.matches(storage)) {
        throw new IllegalStateException("corrupt");
      }
      double seconds = (sim.nanoTime() - from) / 1e9;
      return new double[] {(toBytes - fromBytes) / seconds / rate, a.utpPacketsResent(),
          a.utpTimeouts(), a.datagramsLost() + b.datagramsLost()};
    }
  }

  /** A uTP and a TCP download sharing a downlink: {uTP's share, TCP's}. */
  static double[] utpBesideTcp(int rttMillis) {
    long rate = 4 << 20;
    Duration oneWay = Duration.ofMillis(rttMillis / 4);
    AccessLink bottleneck = AccessLink.of(2 * rate, rate, oneWay).withBuffers(1 << 20, 1 << 20);
    AccessLink fast = AccessLink.symmetric(2 * rate, oneWay);
    Duration warmUp = Duration.ofSeconds(20);
    int size = (int) (rate * 50);
    try (Simulation sim = new Simulation(5)) {
      SimTracker tracker = new SimTracker(sim);
      SimHost leecher = sim.addHost(bottleneck);
      Torrent[] down = new Torrent[2];
      Transport[] transports = {Transport.UTP, Transport.TCP};
      for (int i = 0; i < 2; i++) {
        SimTorrent torrent = SimTorrent.random(5 + i, size, 1 << 20);
        SimHost seeder = sim.addHost(fast);
        seeder.client(Client.builder().transport(transports[i])
            .peerSource(tracker.sourceFor(seeder)))
            .add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces()).start();
        down[i] = leecher.client(Client.builder().transport(transports[i])
            .peerSource(tracker.sourceFor(leecher))).add(torrent.metainfo(),
                torrent.emptyStorage());
        down[i].start();
      }
      sim.runFor(warmUp);
      long[] before = {down[0].status().downloaded(), down[1].status().downloaded()};
      sim.runFor(warmUp);
      double capacity = rate * (warmUp.toNanos() / 1e9);
      return new double[] {(down[0].status().downloaded() - before[0]) / capacity,
          (down[1].status().downloaded() - before[1]) / capacity};
    }
  }
}
