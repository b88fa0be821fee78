package io.btlib.benchmarks;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BString;
import io.btlib.bencode.BencodeWriter;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.BlockSink;
import io.btlib.policy.ChokeContext;
import io.btlib.policy.Choker;
import io.btlib.policy.Chokers;
import io.btlib.policy.PeerStats;
import io.btlib.policy.PeerView;
import io.btlib.policy.PiecePicker;
import io.btlib.policy.PiecePickers;
import io.btlib.policy.SwarmView;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * What the default policies cost per round as a swarm grows (issue 18, many peers): a torrent
 * of 2,048 pieces of 16 blocks, {@code peers} peers each holding a random half of it.
 *
 * <ul>
 *   <li>{@link #chokeRound}: one choke round of the default leecher choker (tit-for-tat) over
 *       {@code peers} peers with random rates and interest; score = microseconds a round;
 *   <li>{@link #seedChokeRound}: the same for the default seeding choker (round robin);
 *   <li>{@link #pickRound}: the default picker (rarest first) asked for 8 blocks for every peer in
 *       turn, what a request pass over a swarm of {@code peers} costs at most; score =
 *       microseconds a pass.
 * </ul>
 *
 * <p>Linear in {@code peers} with a small constant is the goal: a round of 1,000 peers should
 * cost about ten times one of 100. Run {@code java -jar bt-benchmarks/target/benchmarks.jar
 * PolicyBenchmark}.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@State(Scope.Thread)
public class PolicyBenchmark {
  private static final int PIECES = 2048;
  private static final int BLOCKS = 16;

  /** Peers in the swarm. */
  @Param({"100", "1000", "5000"})
  public int peers;

  private List<PeerStats> stats;
  private Choker leecherChoker;
  private Choker seedChoker;
  private long round;
  private final Random random = new Random(1);
  private Swarm swarm;
  private List<Peer> views;
  private PiecePicker picker;

  /** Builds the swarm: rates, interest and bitfields drawn at random, seeded. */
  @Setup
  public void setUp() {
    Random r = new Random(42);
    stats = new ArrayList<>(peers);
    views = new ArrayList<>(peers);
    swarm = new Swarm(r);
    for (int i = 0; i < peers; i++) {
      PeerAddress a = PeerAddress.of(new java.net.InetSocketAddress(
          "10." + (i >>> 16 & 255) + "." + (i >>> 8 & 255) + "." + (i & 255), 6881));
      stats.add(new PeerStats(a, r.nextInt(4) != 0, r.nextBoolean(), r.nextInt(1 << 20),
          r.nextInt(1 << 20), r.nextInt(1 << 30), r.nextInt(1 << 30), r.nextDouble(),
          r.nextInt(20) == 0, r.nextInt(1 << 30), r.nextInt(1 << 30)));
      Peer p = new Peer(a, r);
      views.add(p);
      for (int piece = p.has.nextSetBit(0); piece >= 0; piece = p.has.nextSetBit(piece + 1)) {
        swarm.availability[piece]++;
      }
    }
    leecherChoker = Chokers.titForTat().create();
    seedChoker = Chokers.seedRoundRobin().create();
    picker = PiecePickers.rarestFirst().create(metainfo());
  }

  /** A v1 torrent of {@value #PIECES} pieces of 256 KiB (16 blocks each); the hashes are zero. */
  private static Metainfo metainfo() {
    int pieceLength = BLOCKS * Metainfo.BLOCK_SIZE;
    BDict info = BDict.builder().put("name", "policy-benchmark")
        .put("piece length", pieceLength).put("length", (long) PIECES * pieceLength)
        .put("pieces", BString.of(new byte[PIECES * 20])).build();
    return Metainfo.parse(BencodeWriter.encode(BDict.builder().put("info", info).build()));
  }

  /** One leecher choke round. */
  @Benchmark
  public void chokeRound(Blackhole bh) {
    bh.consume(leecherChoker.rechoke(stats, new ChokeContext(4, false, round++, round, random)));
  }

  /** One seeding choke round. */
  @Benchmark
  public void seedChokeRound(Blackhole bh) {
    bh.consume(seedChoker.rechoke(stats, new ChokeContext(4, true, round++, round, random)));
  }

  /** 8 blocks picked for every peer. */
  @Benchmark
  public void pickRound(Blackhole bh) {
    int[] count = new int[1];
    BlockSink sink = (piece, block) -> ++count[0] % 8 != 0;
    for (Peer p : views) {
      picker.pickBlocks(p, swarm, 8, sink);
    }
    bh.consume(count[0]);
  }

  /** A swarm whose pieces are all wanted, none started. */
  private static final class Swarm implements SwarmView {
    final int[] availability = new int[PIECES];
    final Random random;

    Swarm(Random random) {
      this.random = random;
    }

    @Override
    public int pieceCount() {
      return PIECES;
    }

    @Override
    public boolean isWanted(int piece) {
      return true;
    }

    @Override
    public int nextWanted(int from) {
      return from < PIECES ? from : -1;
    }

    @Override
    public int wantedCount() {
      return PIECES;
    }

    @Override
    public int availability(int piece) {
      return availability[piece];
    }

    @Override
    public int priority(int piece) {
      return 1;
    }

    @Override
    public int blockCount(int piece) {
      return BLOCKS;
    }

    @Override
    public boolean isBlockReceived(int piece, int block) {
      return false;
    }

    @Override
    public int blockRequests(int piece, int block) {
      return 0;
    }

    @Override
    public boolean isStarted(int piece) {
      return false;
    }

    @Override
    public boolean isEndGame() {
      return false;
    }

    @Override
    public long nowNanos() {
      return 0;
    }

    @Override
    public Random random() {
      return random;
    }

    /** No piece is started: every wanted piece is untouched. */
    @Override
    public int nextUntouched(int from) {
      return nextWanted(from);
    }

    @Override
    public int nextPartial(int from) {
      return -1;
    }

    /**
     * As the engine's view does: from pieces kept in rarest-first order (here sorted once, since
     * availability does not change), so a visit costs what it visits.
     */
    @Override
    public void visitRarestFirst(java.util.function.IntPredicate visitor) {
      if (order == null) {
        order = java.util.stream.IntStream.range(0, PIECES).boxed()
            .sorted(java.util.Comparator.comparingInt(p -> availability[p]))
            .mapToInt(Integer::intValue).toArray();
      }
      for (int p : order) {
        if (!visitor.test(p)) {
          return;
        }
      }
    }

    private int[] order;
  }

  /** A peer holding a random half of the torrent, unchoking us. */
  private static final class Peer implements PeerView {
    final PeerAddress address;
    final BitSet has = new BitSet(PIECES);

    Peer(PeerAddress address, Random r) {
      this.address = address;
      for (int i = 0; i < PIECES; i++) {
        if (r.nextBoolean()) {
          has.set(i);
        }
      }
    }

    @Override
    public PeerAddress address() {
      return address;
    }

    @Override
    public boolean has(int piece) {
      return has.get(piece);
    }

    @Override
    public boolean isSeed() {
      return false;
    }

    @Override
    public boolean isChokingUs() {
      return false;
    }

    @Override
    public boolean isAllowedFast(int piece) {
      return false;
    }

    @Override
    public boolean isSuggested(int piece) {
      return false;
    }

    @Override
    public boolean isRequested(int piece, int block) {
      return false;
    }

    @Override
    public int requestsInFlight() {
      return 0;
    }

    @Override
    public long downloadRate() {
      return 0;
    }

    @Override
    public boolean isSnubbed() {
      return false;
    }
  }
}
