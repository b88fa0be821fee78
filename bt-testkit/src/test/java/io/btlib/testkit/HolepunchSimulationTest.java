package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.PeerSource;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentListener;
import io.btlib.client.Transport;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerCandidate;
import io.btlib.policy.PeerSelector;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * BEP 55 holepunching on the simulated network: a seeder and a leecher behind stateful firewalls
 * (no way in that they did not open) both reach an open relay, a slow leecher itself. The
 * leecher learns of the seeder from the relay's PEX (flagged as holepunch-capable), its direct
 * dial is kept out by the seeder's firewall, it asks the relay for a rendezvous, the relay sends
 * both a connect, both dial at once over uTP (each one's packet opening its own firewall to the
 * other's), and the leecher gets the torrent from the seeder at the seeder's rate.
 */
class HolepunchSimulationTest {
  static final AccessLink FAST = AccessLink.symmetric(4 << 20, Duration.ofMillis(40));
  /** The relay's: it would take over two minutes to pass the torrent on. */
  static final AccessLink SLOW = AccessLink.symmetric(128 << 10, Duration.ofMillis(40));

  static PeerSource only(PeerAddress peer) {
    return context -> {
      context.addPeers(List.of(peer), PeerCandidate.Source.TRACKER);
      return () -> { };
    };
  }

  /** The peers a torrent connected to, in order. */
  static List<PeerAddress> connections(Torrent t) {
    List<PeerAddress> peers = new ArrayList<>();
    t.addListener(new TorrentListener() {
      @Override
      public void onPeerConnected(Torrent torrent, PeerAddress peer) {
        peers.add(peer);
      }
    });
    return peers;
  }

  record Swarm(Simulation sim, SimTorrent torrent, SimHost seedHost, Torrent relay,
      Torrent leecher, Storage store, List<PeerAddress> leecherPeers, PeerAddress seeder) {}

  static Swarm swarm(Simulation sim, Transport relayTransport, Transport transport) {
    SimTorrent torrent = SimTorrent.random(55, 16 << 20, 256 * 1024);
    SimHost relayHost = sim.addHost(SLOW);
    SimHost seedHost = sim.addHost(FAST);
    SimHost leechHost = sim.addHost(FAST);
    seedHost.firewall(true);
    leechHost.firewall(true);
    PeerAddress relay = PeerAddress.of(relayHost.address(), 6881);
    Torrent r = relayHost.client(Client.builder().transport(relayTransport))
        .add(torrent.metainfo(), torrent.emptyStorage());
    r.start();
    // the seeder dials the relay alone: what PEX tells it it leaves, so the leecher can only
    // reach it by a rendezvous (two peers that both dial each other from PEX punch their way
    // through by chance; that is not what is tested here)
    PeerSelector.Factory relayOnly = () -> (candidates, slots, now) -> candidates.stream()
        .filter(c -> c.address().equals(relay)).map(PeerCandidate::address).limit(slots)
        .toList();
    seedHost.client(Client.builder().transport(transport).peerSource(only(relay))
            .peerSelector(relayOnly))
        .add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces()).start();
    Storage store = torrent.emptyStorage();
    Torrent leecher = leechHost.client(Client.builder().transport(transport)
        .peerSource(only(relay))).add(torrent.metainfo(), store);
    List<PeerAddress> peers = connections(leecher);
    leecher.start();
    return new Swarm(sim, torrent, seedHost, r, leecher, store, peers,
        PeerAddress.of(seedHost.address(), 6881));
  }

  @Test
  void twoFirewalledPeersConnectThroughARelayAndTheLeecherCompletesFromTheSeeder() {
    try (Simulation sim = new Simulation(55)) {
      Swarm s = swarm(sim, Transport.UTP, Transport.UTP);
      assertThat(sim.runUntil(() -> s.leecher().completion().isDone(), Duration.ofMinutes(4)))
          .as("the leecher completed").isTrue();
      assertThat(s.torrent().matches(s.store())).isTrue();
      assertThat(s.leecherPeers()).as("the leecher reached the firewalled seeder")
          .contains(s.seeder());
      assertThat(s.seedHost().datagramsFiltered())
          .as("the leecher's direct dial was kept out by the seeder's firewall").isPositive();
      assertThat(s.relay().status().piecesHave())
          .as("the relay could not have passed the torrent on by then")
          .isLessThan(s.torrent().metainfo().pieceCount());
    }
  }

  @Test
  void withoutARelayThatSpeaksUtpTheFirewalledPeersNeverMeet() {
    try (Simulation sim = new Simulation(56)) {
      // a TCP-only relay announces no ut_holepunch: nobody can introduce the two
      Swarm s = swarm(sim, Transport.TCP, Transport.BOTH);
      sim.runUntil(() -> s.leecher().completion().isDone(), Duration.ofMinutes(2));
      assertThat(s.leecherPeers()).doesNotContain(s.seeder());
      assertThat(s.leecher().completion().isDone()).isFalse();
    }
  }
}
