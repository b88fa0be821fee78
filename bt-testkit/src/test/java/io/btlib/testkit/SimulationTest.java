package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.client.Storage;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class SimulationTest {

  /**
   * What one run of a two-peer download came to: when it completed, when the leecher's link had
   * carried a quarter of the bytes (past the start: handshakes, slow start), how much work it was.
   */
  record Run(long completedNanos, long quarterNanos, long events, long seederSent,
      boolean intact) {

    /** Payload bytes per second over the last three quarters. */
    double steadyRate(int size) {
      return size * 0.75 / ((completedNanos - quarterNanos) / 1e9);
    }
  }

  static Run download(long seed, AccessLink seederLink, AccessLink leecherLink, int size) {
    try (Simulation sim = new Simulation(seed)) {
      SimTorrent torrent = SimTorrent.random(7, size, 256 * 1024);
      SimTracker tracker = new SimTracker(sim);
      SimHost a = sim.addHost(seederLink);
      SimHost b = sim.addHost(leecherLink);
      Torrent seeder = a.client(Client.builder().peerSource(tracker.sourceFor(a)))
          .add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces());
      Storage storage = torrent.emptyStorage();
      Torrent leecher = b.client(Client.builder().peerSource(tracker.sourceFor(b)))
          .add(torrent.metainfo(), storage);
      seeder.start();
      leecher.start();
      assertThat(sim.runUntil(() -> b.bytesReceived() >= size / 4, Duration.ofMinutes(10)))
          .isTrue();
      long quarter = sim.nanoTime();
      boolean done = sim.runUntil(() -> leecher.completion().isDone(), Duration.ofMinutes(10));
      assertThat(done).as("download completes").isTrue();
      assertThat(leecher.completion()).isCompleted();
      return new Run(sim.nanoTime(), quarter, sim.events(), a.bytesSent(),
          torrent.matches(storage));
    }
  }

  @Test
  void aLeecherDownloadsFromASeederAtTheLinkRate() {
    int size = 8 << 20;
    Run r = download(1, AccessLink.symmetric(4 << 20, Duration.ofMillis(25)),
        AccessLink.symmetric(4 << 20, Duration.ofMillis(25)), size);
    assertThat(r.intact()).isTrue();
    // past the start the payload flows at the link's rate less TCP/IP headers (3.5%)
    assertThat(r.steadyRate(size)).isBetween(0.9 * (4 << 20), 1.0 * (4 << 20));
    // what the seeder's link carried: the file once, headers and protocol messages
    assertThat(r.seederSent()).isBetween((long) size, size * 11L / 10);
  }

  @Test
  void theSameSeedRunsTheSameEvents() {
    AccessLink link = AccessLink.symmetric(8 << 20, Duration.ofMillis(40));
    Run first = download(3, link, link, 4 << 20);
    Run second = download(3, link, link, 4 << 20);
    assertThat(second).isEqualTo(first);
  }

  @Test
  void nothingArrivesBeforeTheHandshakesHaveCrossedThePath() {
    // 400 ms round trip: the tracker's answer, the dial, MSE and BitTorrent handshakes, interest
    // and unchoke each take a crossing at least, so the first quarter cannot be in before 2 s
    Run r = download(5, AccessLink.symmetric(20 << 20, Duration.ofMillis(100)),
        AccessLink.symmetric(20 << 20, Duration.ofMillis(100)), 8 << 20);
    assertThat(r.intact()).isTrue();
    assertThat(r.quarterNanos()).isGreaterThan(2_000_000_000L);
  }
}
