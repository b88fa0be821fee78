package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.client.Client;
import io.btlib.client.PeerSource;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import io.btlib.client.Transport;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerCandidate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * uTP on the simulated network: transfers through loss, reordering and duplication; a swarm with
 * both transports that moves to uTP through PEX; uTP beside TCP at one bottleneck. Virtual time:
 * the figures are deterministic.
 */
class UtpSimulationTest {
  static final Duration LIMIT = Duration.ofMinutes(10);
  static final Duration RTT = Duration.ofMillis(200);
  /** 4 MiB/s: a 200 ms round trip's worth (0.8 MiB) fits uTP's 1 MiB windows. */
  static final long RATE = 4 << 20;

  @ParameterizedTest(name = "{0}% loss")
  @CsvSource({"0, 32", "1, 32", "5, 8"})
  void aUtpOnlyTransferCompletesIntactThroughLoss(int lossPercent, int mib) {
    UtpTransfer t = UtpTransfer.run(1, RATE, RTT, LinkFaults.loss(lossPercent / 100.0),
        mib << 20, LIMIT);
    assertThat(t.complete()).as("%s", t).isTrue();
    assertThat(t.intact()).as("%s", t).isTrue();
    if (lossPercent == 0) {
      assertThat(t.share()).as("%s", t).isGreaterThanOrEqualTo(0.85);
      assertThat(t.resent()).as("%s", t).isZero();
    } else {
      assertThat(t.lost()).as("%s", t).isPositive();
      assertThat(t.resent()).as("%s", t).isPositive();
    }
  }

  /**
   * Issue 16's target: at 1% random loss over a 200 ms round trip the leecher holds 70% of the
   * link past slow start. It took a 4 MiB receive window (a round trip of data waits behind each
   * loss) and a quick climb back after a congestion halving (was 0.36); see BENCHMARKS, "uTP on
   * the simulated network".
   */
  @Test
  void atOnePercentLossTheLeecherHoldsSeventyPercentOfTheLink() {
    UtpTransfer t = UtpTransfer.run(1, RATE, RTT, LinkFaults.loss(0.01), 32 << 20, LIMIT);
    assertThat(t.share()).as("%s", t).isGreaterThanOrEqualTo(0.7);
  }

  @Test
  void reorderingAndDuplicationAreHarmless() {
    LinkFaults faults = LinkFaults.none().withReorder(0.05, Duration.ofMillis(30))
        .withDuplicate(0.05);
    UtpTransfer t = UtpTransfer.run(2, RATE, RTT, faults, 16 << 20, LIMIT);
    assertThat(t.complete()).as("%s", t).isTrue();
    assertThat(t.intact()).as("%s", t).isTrue();
  }

  @Test
  void reorderingDuplicationAndLossTogether() {
    LinkFaults faults = LinkFaults.loss(0.02).withReorder(0.1, Duration.ofMillis(50))
        .withDuplicate(0.02);
    UtpTransfer t = UtpTransfer.run(3, RATE, RTT, faults, 8 << 20, LIMIT);
    assertThat(t.complete()).as("%s", t).isTrue();
    assertThat(t.intact()).as("%s", t).isTrue();
  }

  @Test
  void aRunRepeats() {
    LinkFaults faults = LinkFaults.loss(0.01).withReorder(0.02, Duration.ofMillis(20));
    UtpTransfer a = UtpTransfer.run(4, RATE, RTT, faults, 4 << 20, LIMIT);
    UtpTransfer b = UtpTransfer.run(4, RATE, RTT, faults, 4 << 20, LIMIT);
    assertThat(b).isEqualTo(a);
  }

  /**
   * Peers with both transports that learn of each other only by PEX end up on uTP: a uTP-only
   * seeder dials them (it alone knows them), its PEX flags each as speaking uTP (BEP 11's 0x04),
   * and the leechers, which would dial TCP to a peer not so flagged, dial each other over uTP.
   */
  @Test
  void aSwarmWithBothTransportsMovesToUtpThroughPex() {
    AccessLink link = AccessLink.symmetric(2 << 20, Duration.ofMillis(20));
    try (Simulation sim = new Simulation(7)) {
      // a slow seeder: the leechers must serve each other
      SimTorrent torrent = SimTorrent.random(7, 16 << 20, 256 * 1024);
      SimHost seedHost = sim.addHost(AccessLink.symmetric(512 << 10, Duration.ofMillis(20)));
      List<SimHost> hosts = new ArrayList<>();
      List<PeerAddress> addresses = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        SimHost h = sim.addHost(link);
        hosts.add(h);
        addresses.add(PeerAddress.of(h.address(), 6881));
      }
      PeerSource theLeechers = context -> {
        context.addPeers(List.copyOf(addresses), PeerCandidate.Source.TRACKER);
        return () -> { };
      };
      PeerSource nobody = context -> () -> { };
      seedHost.client(Client.builder().transport(Transport.UTP).peerSource(theLeechers))
          .add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces()).start();
      List<Torrent> leechers = new ArrayList<>();
      List<Storage> stores = new ArrayList<>();
      for (SimHost h : hosts) {
        Storage s = torrent.emptyStorage();
        Torrent t = h.client(Client.builder().transport(Transport.BOTH).peerSource(nobody))
            .add(torrent.metainfo(), s);
        t.start();
        leechers.add(t);
        stores.add(s);
      }
      assertThat(sim.runUntil(() -> leechers.stream().allMatch(t -> t.completion().isDone()),
          LIMIT)).isTrue();
      long leecherBytes = 0;
      for (int i = 0; i < hosts.size(); i++) {
        assertThat(torrent.matches(stores.get(i))).isTrue();
        assertThat(hosts.get(i).tcpPayloadSent()).as("TCP payload of leecher %d", i).isZero();
        assertThat(hosts.get(i).payloadSent()).isPositive();
        leecherBytes += hosts.get(i).bytesSent();
      }
      // the leechers served each other most of the torrent, over uTP (49.6 MB in 45 s; the
      // seeder alone would take 128 s)
      assertThat(leecherBytes).isGreaterThan(2 * torrent.size());
    }
  }

  @Test
  void aUtpSwarmOnLossyLinksCompletesIntact() {
    try (Swarm swarm = new Swarm(9, SimTorrent.random(9, 4 << 20, 256 * 1024))) {
      AccessLink home = AccessLink.symmetric(1 << 20, Duration.ofMillis(25));
      swarm.addSeeder(home, b -> b.transport(Transport.UTP)).host()
          .faults(LinkFaults.loss(0.01));
      for (int i = 0; i < 5; i++) {
        swarm.addLeecher(home, b -> b.transport(Transport.UTP)).host()
            .faults(LinkFaults.loss(0.01).withReorder(0.01, Duration.ofMillis(10)));
      }
      Swarm.Result r = swarm.run(LIMIT);
      assertThat(r.allComplete()).isTrue();
      assertThat(r.intact()).isTrue();
      assertThat(swarm.peers().get(0).host().tcpPayloadSent()).as("no TCP").isZero();
      assertThat(r.seederCopies()).as("every piece left the seeder at least once, over uTP")
          .isGreaterThanOrEqualTo(1.0);
      assertThat(swarm.peers().get(0).host().datagramsLost()).isPositive();
    }
  }

  @Test
  void faultsAreChecked() {
    assertThat(LinkFaults.none().isNone()).isTrue();
    assertThat(LinkFaults.loss(0.1).isNone()).isFalse();
    assertThatThrownBy(() -> LinkFaults.loss(1.5))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
        () -> LinkFaults.none().withReorder(0.1, Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(AccessLink.symmetric(10 << 20, Duration.ZERO).downQueueBytes())
        .isEqualTo((10L << 20) / 1000 * 250);
    assertThat(AccessLink.symmetric(1000, Duration.ZERO).upQueueBytes())
        .isEqualTo(AccessLink.MIN_QUEUE_BYTES);
  }

  /**
   * uTP and TCP downloads share one leecher's downlink, the bottleneck: LEDBAT yields to the
   * TCP flow, whose queue keeps the delay above uTP's 100 ms target.
   */
  @Test
  void utpYieldsToTcpAtASharedBottleneck() {
    double[] shares = UtpBesideTcp.run(5, 4 << 20, Duration.ofMillis(50), Duration.ofSeconds(20));
    assertThat(shares[0] + shares[1]).as("the link is used").isGreaterThan(0.8);
    assertThat(shares[1]).as("TCP's share (uTP's %.2f)", shares[0]).isGreaterThan(0.6);
  }
}
