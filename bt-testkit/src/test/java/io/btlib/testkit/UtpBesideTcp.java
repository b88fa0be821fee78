package io.btlib.testkit;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.client.Transport;
import java.time.Duration;

/**
 * A uTP download and a TCP download into one host whose downlink is the bottleneck (its seeders'
 * uplinks are twice as fast): the two shares of the downlink once both run.
 */
final class UtpBesideTcp {
  private UtpBesideTcp() {}

  /**
   * Runs both downloads for {@code warmUp}, then measures over as long again.
   *
   * @return {uTP's payload share of the downlink, TCP's}
   */
  static double[] run(long seed, long rate, Duration rtt, Duration warmUp) {
    Duration oneWay = rtt.dividedBy(4);
    // the leecher's socket buffers bound TCP's queue at the bottleneck (1 MiB: 250 ms here)
    AccessLink bottleneck = AccessLink.of(2 * rate, rate, oneWay).withBuffers(1 << 20, 1 << 20);
    AccessLink fast = AccessLink.symmetric(2 * rate, oneWay);
    long seconds = warmUp.toSeconds() * 2;
    int size = (int) Math.min(1L << 30, rate * seconds * 2);
    try (Simulation sim = new Simulation(seed)) {
      SimTracker tracker = new SimTracker(sim);
      SimHost leecher = sim.addHost(bottleneck);
      Torrent[] down = new Torrent[2];
      Transport[] transports = {Transport.UTP, Transport.TCP};
      for (int i = 0; i < 2; i++) {
        SimTorrent torrent = SimTorrent.random(seed + i, size, 1 << 20);
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
