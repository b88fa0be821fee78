package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** {@code Client.Builder.sendRedundantHave}: HAVEs to peers that have the piece, or none. */
class RedundantHaveTest {

  /** What the leecher's host sent while downloading every piece from a seeder. */
  static long leecherSent(boolean redundantHave) {
    try (Simulation sim = new Simulation(8)) {
      SimTorrent torrent = SimTorrent.random(4, 4 << 20, 16 * 1024); // 256 pieces
      SimTracker tracker = new SimTracker(sim);
      AccessLink link = AccessLink.symmetric(8 << 20, Duration.ofMillis(10));
      SimHost a = sim.addHost(link);
      SimHost b = sim.addHost(link);
      Torrent seeder = a.client(Client.builder().peerSource(tracker.sourceFor(a)))
          .add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces());
      Storage storage = torrent.emptyStorage();
      Torrent leecher = b.client(Client.builder().peerSource(tracker.sourceFor(b))
          .sendRedundantHave(redundantHave)).add(torrent.metainfo(), storage);
      seeder.start();
      leecher.start();
      assertThat(sim.runUntil(() -> leecher.completion().isDone(), Duration.ofMinutes(5)))
          .isTrue();
      assertThat(torrent.matches(storage)).isTrue();
      return b.payloadSent();
    }
  }

  @Test
  void offALeecherTellsASeedNothingItHas() {
    long on = leecherSent(true);
    long off = leecherSent(false);
    // 256 HAVEs of 9 bytes each to the seed, which has every piece: sent by default, not when off
    assertThat(on - off).isGreaterThanOrEqualTo(256 * 9);
  }
}
