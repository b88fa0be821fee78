package io.btlib.benchmarks;

import io.btlib.tracker.server.internal.HashKey;
import io.btlib.tracker.server.internal.PeerSample;
import io.btlib.tracker.server.internal.Rng;
import io.btlib.tracker.server.internal.SwarmRegistry;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The tracker server's work per announce without the network: {@code SwarmRegistry.announce}
 * (find the swarm, find or add the peer, sample numwant peers' compact forms) on a registry of
 * {@code swarms} info hashes × {@code peers} peers, re-announces of known peers chosen at random,
 * as {@code bt-benchmarks/tracker-bench.sh} sends them over UDP. Score: announces per second on one
 * thread. Run {@code java -jar bt-benchmarks/target/benchmarks.jar TrackerRegistry}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class TrackerRegistryBenchmark {
  /** Info hashes. */
  @Param({"1000"})
  public int swarms;

  /** Peers per info hash. */
  @Param({"200"})
  public int peers;

  /** Peers asked for in each announce. */
  @Param({"50"})
  public int numwant;

  private SwarmRegistry registry;
  private HashKey[] hashes;
  private final Rng rng = new Rng(7);
  private PeerSample sample;
  private final byte[][] ips = new byte[256][];
  private long now = 1;
  private long x = 0x9E3779B97F4A7C15L;

  /** Fills the registry: every swarm with all its peers. */
  @Setup
  public void setUp() {
    registry = new SwarmRegistry(new SwarmRegistry.Limits(swarms * 2, peers * 2, swarms * peers * 2,
        50, 200, TimeUnit.HOURS.toNanos(1)), null);
    sample = new PeerSample(200);
    Random r = new Random(3);
    hashes = new HashKey[swarms];
    for (int i = 0; i < swarms; i++) {
      byte[] h = new byte[20];
      r.nextBytes(h);
      hashes[i] = HashKey.of(h, 0);
    }
    for (int i = 0; i < ips.length; i++) {
      ips[i] = new byte[] {10, 0, 0, (byte) i};
    }
    for (int s = 0; s < swarms; s++) {
      for (int p = 0; p < peers; p++) {
        announce(s, p);
      }
    }
  }

  private int announce(int s, int p) {
    byte[] ip = ips[p % ips.length];
    int port = 1024 + p;
    return registry.announce(hashes[s], ip, port, null, p % 4 == 0, SwarmRegistry.EVENT_NONE,
        numwant, false, now++, rng, sample);
  }

  /** One re-announce of a random known peer of a random swarm. */
  @Benchmark
  public int announce() {
    x ^= x << 13;
    x ^= x >>> 7;
    x ^= x << 17;
    int s = (int) ((x >>> 1) % swarms);
    int p = (int) ((x >>> 33) % peers);
    return announce(s, p);
  }
}
