package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Torrent;
import io.btlib.client.TorrentReader;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * A reader streaming from a 30-peer swarm with a 100 ms round trip, in virtual time: how soon its
 * first byte comes, from the start and after random seeks, and what it costs the other leechers.
 */
class StreamingSimulationTest {
  static final int PEERS = 30;
  static final Duration ONE_WAY = Duration.ofMillis(25); // each access link: 4 x 25 = 100 ms RTT
  static final long LEECHER_RATE = 1 << 20;
  static final long SEEDER_RATE = 4 << 20;
  static final int SIZE = 64 << 20;
  static final int PIECE = 256 * 1024;
  static final long PLAY_RATE = 512 * 1024; // the "video": 4 Mbit/s
  static final Duration PLAY = Duration.ofSeconds(2);
  static final int SEEKS = 20;
  static final Duration LIMIT = Duration.ofMinutes(30);

  /** The figures of one run. */
  record Figures(double firstByteSeconds, double[] seekSeconds, int seeksToMissingBytes,
      double[] missSeconds, double[] othersDoneSeconds, double readerDoneSeconds,
      long readerWasted) {
    double median(double[] a) {
      return StreamingSimulationTest.median(a);
    }

    double p95(double[] a) {
      return StreamingSimulationTest.p95(a);
    }

    double mean(double[] a) {
      return Arrays.stream(a).average().orElse(0);
    }

    double max(double[] a) {
      return Arrays.stream(a).max().orElse(0);
    }
  }

  static double median(double[] a) {
    if (a.length == 0) {
      return 0;
    }
    double[] s = a.clone();
    Arrays.sort(s);
    return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  }

  /** The 95th percentile, nearest rank. */
  static double p95(double[] a) {
    if (a.length == 0) {
      return 0;
    }
    double[] s = a.clone();
    Arrays.sort(s);
    return s[(int) Math.ceil(0.95 * s.length) - 1];
  }

  /** One swarm: a seeder and 29 leechers, leecher 1 reading with random seeks if asked. */
  static Figures run(boolean withReader, long seed) throws IOException {
    try (Swarm swarm = new Swarm(seed, SimTorrent.random(seed, SIZE, PIECE))) {
      Simulation sim = swarm.simulation();
      swarm.addSeeder(AccessLink.symmetric(SEEDER_RATE, ONE_WAY), b -> {});
      List<Swarm.Peer> leechers = new ArrayList<>();
      for (int i = 1; i < PEERS; i++) {
        leechers.add(swarm.addLeecher(AccessLink.symmetric(LEECHER_RATE, ONE_WAY), b -> {}));
      }
      Swarm.Peer readerPeer = leechers.get(0);
      double first = 0;
      double[] seeks = new double[SEEKS];
      List<Double> misses = new ArrayList<>();
      if (withReader) {
        Torrent t = readerPeer.torrent().orElseThrow();
        Random random = sim.newRandom();
        try (TorrentReader r = t.newReader(0).readahead(10 * PLAY_RATE)) {
          double[] waits = readAndSeek(sim, r, random);
          first = waits[0];
          System.arraycopy(waits, 1, seeks, 0, SEEKS);
        }
        for (double w : seeks) {
          if (w > 0) {
            misses.add(w);
          }
        }
      }
      Swarm.Result result = swarm.run(LIMIT);
      assertThat(result.allComplete()).isTrue();
      assertThat(result.intact()).isTrue();
      double[] others = new double[leechers.size() - 1];
      for (int i = 1; i < leechers.size(); i++) {
        others[i - 1] = leechers.get(i).completedAt().orElseThrow().toNanos() / 1e9;
      }
      return new Figures(first, seeks, misses.size(),
          misses.stream().mapToDouble(Double::doubleValue).toArray(), others,
          readerPeer.completedAt().orElseThrow().toNanos() / 1e9,
          readerPeer.torrent().orElseThrow().status().wasted());
    }
  }

  /**
   * Waits for {@code r}'s first byte, plays for {@link #PLAY}, then {@link #SEEKS} times seeks to a
   * random position drawn from {@code random}, waits for the byte there and plays: the seconds
   * waited, the first byte's first, then each seek's (0 for a seek whose byte was there).
   */
  static double[] readAndSeek(Simulation sim, TorrentReader r, Random random) throws IOException {
    InputStream in = r.inputStream();
    double[] waits = new double[SEEKS + 1];
    for (int i = 0; i <= SEEKS; i++) {
      if (i > 0) {
        r.position((long) (random.nextDouble() * (SIZE - 16 * PLAY_RATE)));
      }
      long at = sim.nanoTime();
      assertThat(sim.runUntil(() -> available(in) > 0, LIMIT)).isTrue();
      waits[i] = (sim.nanoTime() - at) / 1e9;
      play(sim, in);
    }
    return waits;
  }

  static int available(InputStream in) {
    try {
      return in.available();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Plays for {@link #PLAY}: every 100 ms, reads what a player at {@link #PLAY_RATE} would. */
  static void play(Simulation sim, InputStream in) throws IOException {
    byte[] buf = new byte[(int) (PLAY_RATE / 10)];
    long owed = 0;
    for (long t = 0; t < PLAY.toMillis(); t += 100) {
      sim.runFor(Duration.ofMillis(100));
      owed += buf.length;
      while (owed > 0 && in.available() > 0) {
        int n = in.read(buf, 0, (int) Math.min(owed, Math.min(buf.length, in.available())));
        if (n < 0) {
          return;
        }
        owed -= n;
      }
    }
  }

  /**
   * The figures are printed; run with {@code -Dbt.stream.seeds=7,8,9} for more swarms. The bounds
   * asserted are loose (the figures of seed 7 are well inside them): a regression that starves
   * the reader or makes it cost the swarm time fails it.
   */
  @Test
  void aSeekingReaderGetsItsBytesSoonAndTheOtherLeechersFinishAsSoonAsWithoutIt()
      throws IOException {
    for (String seedText : System.getProperty("bt.stream.seeds", "7").split(",")) {
      long seed = Long.parseLong(seedText.trim());
      Figures with = run(true, seed);
      Figures without = run(false, seed);
      System.out.printf("seed %d: %d-peer swarm, 100 ms RTT: first byte %.2f s; %d seeks: mean"
          + " %.2f s, median"
          + " %.2f s, p95 %.2f s, max %.2f s (%d to missing bytes: median %.2f s, p95 %.2f s);"
          + " reader done at %.1f s (as a plain leecher %.1f s); other leechers median %.1f s,"
          + " last %.1f s (without the reader %.1f s, %.1f s); reader wasted %d KiB (plain %d KiB);"
          + " seeks %s%n",
          seed, PEERS, with.firstByteSeconds(), SEEKS, with.mean(with.seekSeconds()),
          with.median(with.seekSeconds()),
          with.p95(with.seekSeconds()), with.max(with.seekSeconds()), with.seeksToMissingBytes(),
          with.median(with.missSeconds()), with.p95(with.missSeconds()), with.readerDoneSeconds(),
          without.readerDoneSeconds(), with.median(with.othersDoneSeconds()),
          with.max(with.othersDoneSeconds()), without.median(without.othersDoneSeconds()),
          without.max(without.othersDoneSeconds()), with.readerWasted() >> 10,
          without.readerWasted() >> 10, Arrays.toString(with.seekSeconds()));
      if (!Boolean.getBoolean("bt.stream.figuresOnly")) {
        assertThat(with.firstByteSeconds()).isLessThan(5);
        // seed 7: 3.56 s over 11 misses; seeds 1 to 12: 2.2 to 4.7 s (docs/STREAMING.md, "Seek
        // misses and late blocks": the 8.7 s that had this bound at 10 s was the median of four)
        assertThat(with.median(with.missSeconds())).isLessThan(5);
        // what the reader waits over all its seeks, hits included: the misses' median alone rises
        // when a change turns short misses into hits (seed 7: 2.05 s; seeds 1 to 12: 1.5 to 2.6)
        assertThat(with.mean(with.seekSeconds())).isLessThan(3);
        // one swarm's finishing times vary by a few percent with any change in who sends what
        assertThat(with.median(with.othersDoneSeconds()))
            .isLessThanOrEqualTo(1.05 * without.median(without.othersDoneSeconds()));
        assertThat(with.max(with.othersDoneSeconds()))
            .isLessThanOrEqualTo(1.05 * without.max(without.othersDoneSeconds()));
      }
    }
  }
}
