package io.btlib.testkit;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.client.Transport;
import java.time.Duration;

/**
 * One seeder sending a torrent to one leecher over uTP only, on symmetric links of one rate and
 * round trip, with faults on the path between them: the figures of the transfer.
 *
 * @param complete the leecher has the whole torrent within the limit
 * @param intact its bytes are the torrent's
 * @param seconds the transfer's virtual time
 * @param share the payload rate over the second half of the transfer (past slow start) as a
 *     share of the link's rate
 * @param resent packets the seeder's uTP connection resent
 * @param timeouts its retransmission timeouts
 * @param lost datagrams the faults lost (both ways)
 * @param dropped datagrams full queues dropped (both hosts)
 */
record UtpTransfer(boolean complete, boolean intact, double seconds, double share, long resent,
    long timeouts, long lost, long dropped) {

  static UtpTransfer run(long seed, long rate, Duration rtt, LinkFaults faults, int size,
      Duration limit) {
    AccessLink link = AccessLink.symmetric(rate, rtt.dividedBy(4));
    try (Simulation sim = new Simulation(seed)) {
      SimTorrent torrent = SimTorrent.random(seed, size, 1 << 20);
      SimTracker tracker = new SimTracker(sim);
      SimHost a = sim.addHost(link);
      SimHost b = sim.addHost(link);
      sim.faults(a, b, faults);
      a.client(Client.builder().transport(Transport.UTP).peerSource(tracker.sourceFor(a)))
          .add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces()).start();
      var storage = torrent.emptyStorage();
      Torrent leecher = b.client(Client.builder().transport(Transport.UTP)
          .peerSource(tracker.sourceFor(b))).add(torrent.metainfo(), storage);
      leecher.start();
      long start = sim.nanoTime();
      boolean half = sim.runUntil(() -> b.bytesReceived() >= size / 2, limit);
      long halfAt = sim.nanoTime();
      boolean done = half && sim.runUntil(() -> leecher.completion().isDone(), limit);
      long end = sim.nanoTime();
      double share = done ? size / 2.0 / ((end - halfAt) / 1e9) / rate : 0;
      return new UtpTransfer(done, done && torrent.matches(storage), (end - start) / 1e9, share,
          a.utpPacketsResent(), a.utpTimeouts(), a.datagramsLost() + b.datagramsLost(),
          a.datagramsDropped() + b.datagramsDropped());
    }
  }

  @Override
  public String toString() {
    return String.format("%s%s %.1f s, share %.2f, resent %d, timeouts %d, lost %d, dropped %d",
        complete ? "complete" : "INCOMPLETE", intact ? "" : " CORRUPT", seconds, share, resent,
        timeouts, lost, dropped);
  }
}
