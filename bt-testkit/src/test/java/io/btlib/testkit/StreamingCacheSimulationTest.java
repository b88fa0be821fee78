package io.btlib.testkit;

import static io.btlib.testkit.StreamingSimulationTest.median;
import static io.btlib.testkit.StreamingSimulationTest.p95;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentReader;
import io.btlib.storage.FileCache;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seeking reader of {@link StreamingSimulationTest}, as a 30th peer of the same swarm, with
 * the torrent kept whole or streamed through a {@link FileCache} a quarter of its size: what the
 * cache costs the reader's first bytes and seeks, and that it costs the other leechers nothing.
 */
class StreamingCacheSimulationTest {
  static final long CACHE = 16 << 20; // a quarter of the 64 MiB torrent

  @TempDir Path dir;

  /** The figures of one run; {@code maxHeld} and {@code fileBytes} are 0 without a cache. */
  record Figures(double first, double[] seeks, double[] othersDone, long downloaded, long maxHeld,
      long fileBytes) {}

  Figures run(boolean cached, long seed) throws IOException {
    try (Swarm swarm = new Swarm(seed, SimTorrent.random(seed, StreamingSimulationTest.SIZE,
        StreamingSimulationTest.PIECE))) {
      Simulation sim = swarm.simulation();
      swarm.addSeeder(AccessLink.symmetric(StreamingSimulationTest.SEEDER_RATE,
          StreamingSimulationTest.ONE_WAY), b -> {});
      List<Swarm.Peer> leechers = new ArrayList<>();
      for (int i = 2; i < StreamingSimulationTest.PEERS; i++) {
        leechers.add(swarm.addLeecher(AccessLink.symmetric(StreamingSimulationTest.LEECHER_RATE,
            StreamingSimulationTest.ONE_WAY), b -> {}));
      }
      SimHost host = sim.addHost(AccessLink.symmetric(StreamingSimulationTest.LEECHER_RATE,
          StreamingSimulationTest.ONE_WAY));
      Client.Builder b = Client.builder();
      b.peerSource(swarm.tracker().sourceFor(host));
      Client client = host.client(b);
      FileCache cache = cached ? FileCache.of(swarm.torrent().metainfo(),
          dir.resolve("cache-" + seed), CACHE) : null;
      Storage storage = cached ? cache : swarm.torrent().emptyStorage();
      Torrent t = client.add(swarm.torrent().metainfo(), storage);
      t.start();
      Random random = sim.newRandom();
      double first;
      double[] seeks = new double[StreamingSimulationTest.SEEKS];
      long fileBytes = 0;
      try (TorrentReader r = t.newReader(0).readahead(10 * StreamingSimulationTest.PLAY_RATE)) {
        double[] waits = StreamingSimulationTest.readAndSeek(sim, r, random);
        first = waits[0];
        System.arraycopy(waits, 1, seeks, 0, seeks.length);
        if (cached) {
          fileBytes = Files.size(cache.file());
        }
      }
      Swarm.Result result = swarm.run(StreamingSimulationTest.LIMIT);
      assertThat(result.allComplete()).isTrue();
      assertThat(result.intact()).isTrue();
      double[] others = leechers.stream()
          .mapToDouble(p -> p.completedAt().orElseThrow().toNanos() / 1e9).toArray();
      return new Figures(first, seeks, others, t.status().downloaded(),
          cached ? cache.maxHeldBytes() : 0, fileBytes);
    }
  }

  static double mean(double[] a) {
    return Arrays.stream(a).average().orElse(0);
  }

  static long misses(double[] a) {
    return Arrays.stream(a).filter(x -> x > 0).count();
  }

  /** Run with {@code -Dbt.stream.seeds=7,8,9} for more swarms; the figures are printed. */
  @Test
  void aReaderThroughAFileCacheAQuarterOfTheTorrentSeeksAndCostsTheSwarmNothing()
      throws IOException {
    for (String seedText : System.getProperty("bt.stream.seeds", "7").split(",")) {
      long seed = Long.parseLong(seedText.trim());
      Figures plain = run(false, seed);
      Figures cached = run(true, seed);
      System.out.printf("seed %d, reader as a 30th peer: plain: first byte %.2f s, seeks mean %.2f"
          + " median %.2f p95 %.2f s, %d misses, downloaded %d MiB, others median %.1f last %.1f"
          + " s | 16 MiB file cache: first byte %.2f s, seeks mean %.2f median %.2f p95 %.2f s,"
          + " %d misses, downloaded %d MiB, most held %d MiB, file %d MiB, others median %.1f last"
          + " %.1f s%n", seed, plain.first(), mean(plain.seeks()), median(plain.seeks()),
          p95(plain.seeks()), misses(plain.seeks()), plain.downloaded() >> 20,
          median(plain.othersDone()), Arrays.stream(plain.othersDone()).max().orElse(0),
          cached.first(), mean(cached.seeks()), median(cached.seeks()), p95(cached.seeks()),
          misses(cached.seeks()), cached.downloaded() >> 20, cached.maxHeld() >> 20,
          cached.fileBytes() >> 20, median(cached.othersDone()),
          Arrays.stream(cached.othersDone()).max().orElse(0));
      assertThat(cached.maxHeld()).isLessThanOrEqualTo(CACHE);
      assertThat(cached.fileBytes()).isLessThanOrEqualTo(CACHE);
      if (!Boolean.getBoolean("bt.stream.figuresOnly")) {
        assertThat(cached.first()).isLessThan(5);
        assertThat(mean(cached.seeks())).isLessThan(5);
        assertThat(median(cached.othersDone()))
            .isLessThanOrEqualTo(1.05 * median(plain.othersDone()));
      }
    }
  }
}
