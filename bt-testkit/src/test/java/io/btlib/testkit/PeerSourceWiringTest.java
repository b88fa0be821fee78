package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.bencode.BDict;
import io.btlib.client.Client;
import io.btlib.client.PeerSource;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerCandidate;
import io.btlib.storage.MemoryStorage;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

/**
 * What the engine tells peer sources: contexts, tracker tiers, and the BEP 5 PORT exchange, on the
 * simulated network (moved here from bt-core's loopback tests, which polled in wall-clock time for
 * the PORT messages and the first context).
 */
class PeerSourceWiringTest {
  static final Duration LIMIT = Duration.ofMinutes(5);
  static final AccessLink LAN = AccessLink.symmetric(20 << 20, Duration.ofMillis(5));

  /** A source that pretends to run a DHT node on {@code port} and records what it is told. */
  static final class FakeDht implements PeerSource {
    final int port;
    final List<InetSocketAddress> nodes = new ArrayList<>();
    final List<Context> contexts = new ArrayList<>();
    final List<String> events = new ArrayList<>();

    FakeDht(int port) {
      this.port = port;
    }

    @Override
    public Session open(Context context) {
      contexts.add(context);
      events.add("open");
      return new Session() {
        @Override
        public void completed() {
          events.add("completed");
        }

        @Override
        public void close() {
          events.add("close");
        }
      };
    }

    @Override
    public OptionalInt dhtPort() {
      return port > 0 ? OptionalInt.of(port) : OptionalInt.empty();
    }

    @Override
    public void dhtNodeSeen(InetSocketAddress node) {
      nodes.add(node);
    }
  }

  /** The same torrent marked private (BEP 27): the same pieces, another info hash. */
  static Metainfo privateCopy(Metainfo m) {
    BDict info = ((BDict) m.root().get("info")).toBuilder().put("private", 1).build();
    return Metainfo.of(m.root().toBuilder().put("info", info).build());
  }

  /**
   * A seeder and a leecher of {@code m} on two hosts, each with its source; the leecher dials the
   * seeder and downloads it all, then the swarm runs on for {@code after}. The seeder's host.
   */
  private static SimHost swarm(Simulation sim, SimTorrent torrent, Metainfo m, FakeDht seedDht,
      FakeDht leechDht, boolean awaitPorts) {
    SimHost seederHost = sim.addHost(LAN);
    Client seeder = seederHost.client(Client.builder().peerSource(seedDht));
    Client leecher = sim.addHost(LAN).client(Client.builder().peerSource(leechDht));
    Torrent s = seeder.add(m, torrent.seededStorage()); // checked, not trusted
    s.start();
    assertThat(sim.runUntil(() -> s.completion().isDone(), LIMIT)).isTrue();
    Storage store = torrent.emptyStorage();
    Torrent l = leecher.add(m, store);
    l.addPeer(PeerAddress.of(seeder.listenAddress()));
    l.start();
    assertThat(sim.runUntil(() -> l.completion().isDone(), LIMIT)).isTrue();
    assertThat(torrent.matches(store)).isTrue();
    if (awaitPorts) {
      assertThat(sim.runUntil(() -> !seedDht.nodes.isEmpty() && !leechDht.nodes.isEmpty(),
          LIMIT)).isTrue();
    } else {
      sim.runFor(Duration.ofSeconds(30)); // time enough for a PORT message that must not come
    }
    leecher.close();
    sim.runFor(Duration.ofSeconds(1));
    return seederHost;
  }

  @Test
  void peersWithADhtTellEachOtherTheirNodePorts() {
    try (Simulation sim = new Simulation(1)) {
      SimTorrent torrent = SimTorrent.random(3, 300_000, 32 * 1024);
      FakeDht seedDht = new FakeDht(40001);
      FakeDht leechDht = new FakeDht(40002);
      SimHost seederHost = swarm(sim, torrent, torrent.metainfo(), seedDht, leechDht, true);
      assertThat(seedDht.nodes).extracting(InetSocketAddress::getPort).containsOnly(40002);
      assertThat(leechDht.nodes).extracting(InetSocketAddress::getPort).containsOnly(40001);
      assertThat(leechDht.nodes.get(0).getAddress()).isEqualTo(seederHost.address());
      assertThat(leechDht.events).containsExactly("open", "completed", "close");
    }
  }

  @Test
  void privateTorrentsNeverExchangeDhtPorts() {
    try (Simulation sim = new Simulation(2)) {
      SimTorrent torrent = SimTorrent.random(4, 200_000, 32 * 1024);
      Metainfo m = privateCopy(torrent.metainfo());
      assertThat(m.isPrivate()).isTrue();
      FakeDht seedDht = new FakeDht(40003);
      FakeDht leechDht = new FakeDht(40004);
      swarm(sim, torrent, m, seedDht, leechDht, false);
      assertThat(seedDht.nodes).isEmpty();
      assertThat(leechDht.nodes).isEmpty();
      assertThat(leechDht.contexts.get(0).isPrivate()).isTrue();
    }
  }

  @Test
  void aPeerWithoutADhtGetsNoPortMessage() {
    try (Simulation sim = new Simulation(3)) {
      SimTorrent torrent = SimTorrent.random(5, 200_000, 32 * 1024);
      FakeDht seedDht = new FakeDht(40005);
      FakeDht plain = new FakeDht(0);
      swarm(sim, torrent, torrent.metainfo(), seedDht, plain, false);
      // we never set the DHT bit, so the seeder may not send PORT
      assertThat(plain.nodes).isEmpty();
      assertThat(seedDht.nodes).isEmpty();
    }
  }

  @Test
  void magnetTrackersReachSourcesAsOneTierEachBeforeTheMetadata() {
    try (Simulation sim = new Simulation(4)) {
      SimTorrent torrent = SimTorrent.random(6, 100_000, 32 * 1024);
      Metainfo m = torrent.metainfo();
      MagnetLink magnet = MagnetLink.builder(m.infoHashes())
          .addTracker("http://127.0.0.1:1/announce").addTracker("udp://127.0.0.1:2").build();
      FakeDht source = new FakeDht(0);
      Client c = sim.addHost(LAN).client(Client.builder().peerSource(source));
      Torrent t = c.add(magnet, MemoryStorage::of);
      t.start();
      assertThat(sim.runUntil(() -> !source.contexts.isEmpty(), LIMIT)).isTrue();
      PeerSource.Context ctx = source.contexts.get(0);
      assertThat(ctx.trackerTiers()).containsExactly(List.of("http://127.0.0.1:1/announce"),
          List.of("udp://127.0.0.1:2"));
      assertThat(ctx.metainfo()).isEmpty();
      assertThat(ctx.left()).isEqualTo(-1);
      InfoHashes h = ctx.infoHashes();
      assertThat(h).isEqualTo(m.infoHashes());
      ctx.addPeers(List.of(PeerAddress.of("127.0.0.1", 1)), PeerCandidate.Source.TRACKER);
      sim.runFor(Duration.ofSeconds(1)); // the engine takes the peer (a dial to nowhere)
    }
  }
}
