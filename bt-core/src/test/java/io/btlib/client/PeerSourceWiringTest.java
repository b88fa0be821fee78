package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerCandidate;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.OptionalInt;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** What the engine tells peer sources: contexts, tracker tiers, and the BEP 5 PORT exchange. */
class PeerSourceWiringTest {

  /** A source that pretends to run a DHT node on {@code port} and records what it is told. */
  static final class FakeDht implements PeerSource {
    final int port;
    final List<InetSocketAddress> nodes = new CopyOnWriteArrayList<>();
    final List<Context> contexts = new CopyOnWriteArrayList<>();
    final List<String> events = new CopyOnWriteArrayList<>();

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

  static PeerAddress addressOf(Client c) {
    return PeerAddress.of(c.listenAddress());
  }

  private static void swarm(Metainfo m, byte[] data, FakeDht seedDht, FakeDht leechDht)
      throws Exception {
    try (Client seeder = Client.builder().peerSource(seedDht).build();
        Client leecher = Client.builder().peerSource(leechDht).build()) {
      Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
      s.start();
      s.completion().get(10, TimeUnit.SECONDS);
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
      Torrent l = leecher.add(m, store);
      l.addPeer(addressOf(seeder));
      l.start();
      l.completion().get(30, TimeUnit.SECONDS);
      assertThat(store.data).isEqualTo(data);
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while ((seedDht.nodes.isEmpty() || leechDht.nodes.isEmpty()) && !m.isPrivate()
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    }
  }

  @Test
  void peersWithADhtTellEachOtherTheirNodePorts() throws Exception {
    byte[] data = TestTorrents.random(300_000, 3);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    FakeDht seedDht = new FakeDht(40001);
    FakeDht leechDht = new FakeDht(40002);
    swarm(m, data, seedDht, leechDht);
    assertThat(seedDht.nodes).extracting(InetSocketAddress::getPort).containsOnly(40002);
    assertThat(leechDht.nodes).extracting(InetSocketAddress::getPort).containsOnly(40001);
    assertThat(leechDht.nodes.get(0).getAddress().isLoopbackAddress()).isTrue();
    assertThat(leechDht.events).containsExactly("open", "completed", "close");
  }

  @Test
  void privateTorrentsNeverExchangeDhtPorts() throws Exception {
    byte[] data = TestTorrents.random(200_000, 4);
    Metainfo m = TestTorrents.v1(true, data, 32 * 1024);
    FakeDht seedDht = new FakeDht(40003);
    FakeDht leechDht = new FakeDht(40004);
    swarm(m, data, seedDht, leechDht);
    assertThat(seedDht.nodes).isEmpty();
    assertThat(leechDht.nodes).isEmpty();
    assertThat(leechDht.contexts.get(0).isPrivate()).isTrue();
  }

  @Test
  void aPeerWithoutADhtGetsNoPortMessage() throws Exception {
    byte[] data = TestTorrents.random(200_000, 5);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    FakeDht seedDht = new FakeDht(40005);
    FakeDht plain = new FakeDht(0);
    swarm(m, data, seedDht, plain);
    assertThat(plain.nodes).isEmpty(); // we never set the DHT bit, so the seeder may not send PORT
    assertThat(seedDht.nodes).isEmpty();
  }

  @Test
  void magnetTrackersReachSourcesAsOneTierEachBeforeTheMetadata() throws Exception {
    byte[] data = TestTorrents.random(100_000, 6);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    MagnetLink magnet = MagnetLink.builder(m.infoHashes())
        .addTracker("http://127.0.0.1:1/announce").addTracker("udp://127.0.0.1:2").build();
    FakeDht source = new FakeDht(0);
    try (Client c = Client.builder().peerSource(source).build()) {
      Torrent t = c.add(magnet, meta -> new TestTorrents.ArrayStorage(meta, null));
      t.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (source.contexts.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
      PeerSource.Context ctx = source.contexts.get(0);
      assertThat(ctx.trackerTiers()).containsExactly(List.of("http://127.0.0.1:1/announce"),
          List.of("udp://127.0.0.1:2"));
      assertThat(ctx.metainfo()).isEmpty();
      assertThat(ctx.left()).isEqualTo(-1);
      InfoHashes h = ctx.infoHashes();
      assertThat(h).isEqualTo(m.infoHashes());
      ctx.addPeers(List.of(PeerAddress.of("127.0.0.1", 1)), PeerCandidate.Source.TRACKER);
    }
  }
}
