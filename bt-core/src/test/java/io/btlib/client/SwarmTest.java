package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

/** Whole swarms of bt clients in one JVM, on loopback. */
class SwarmTest {

  static PeerAddress addressOf(Client c) {
    InetSocketAddress a = c.listenAddress();
    return PeerAddress.of(a.getAddress(), a.getPort());
  }

  /**
   * Downloads {@code m} into {@code leecher}'s memory from {@code seeder} alone, waiting at most
   * 60 s, and checks the bytes against {@code data}; returns the leecher's torrent.
   */
  static Torrent downloadFrom(Client seeder, Client leecher, Metainfo m, byte[] data)
      throws Exception {
    TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
    Torrent l = leecher.add(m, store);
    l.addPeer(addressOf(seeder));
    l.start();
    l.completion().get(60, TimeUnit.SECONDS);
    assertThat(store.data).isEqualTo(data);
    return l;
  }

  @Test
  void oneLeecherDownloadsFromOneSeeder() throws Exception {
    byte[] data = TestTorrents.random(3 * 1024 * 1024 + 12345, 1);
    Metainfo m = TestTorrents.v1(data, 64 * 1024, 1_000_000, 2_000_000, data.length - 3_000_000);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      TestTorrents.ArrayStorage seedStore = new TestTorrents.ArrayStorage(m, data);
      Torrent s = seeder.add(m, seedStore);
      s.start();
      s.completion().get(10, TimeUnit.SECONDS);
      TestTorrents.ArrayStorage leechStore = new TestTorrents.ArrayStorage(m, null);
      Torrent l = leecher.add(m, leechStore);
      l.addPeer(addressOf(seeder));
      l.start();
      l.completion().get(60, TimeUnit.SECONDS);
      assertThat(leechStore.data).isEqualTo(data);
      assertThat(l.status().piecesHave()).isEqualTo(m.pieceCount());
      assertThat(l.status().hashFailures()).isZero();
    }
  }

  @Test
  void aTorrentClosedByTryWithResourcesLeavesItsClient() throws Exception {
    byte[] data = TestTorrents.random(300_000, 21);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, data);
    TestTorrents.ArrayStorage other = new TestTorrents.ArrayStorage(m, data);
    Torrent kept;
    try (Client client = Client.builder().build()) {
      Torrent used;
      try (Torrent t = client.add(m, store)) {
        used = t;
        t.start();
        t.completion().get(10, TimeUnit.SECONDS);
      }
      // the engine drops the torrent from its list and then closes its storage
      assertThat(store.closing.await(10, TimeUnit.SECONDS))
          .as("storage closed by the torrent's close").isTrue();
      assertThat(client.torrents()).isEmpty();
      used.close(); // idempotent
      assertThatThrownBy(used::remove).isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(used::start).isInstanceOf(IllegalStateException.class);

      kept = client.add(m, other);
      assertThat(client.torrents()).containsExactly(kept);
    }
    kept.close(); // after the client closed: nothing to do, no exception
    assertThat(other.closed).isTrue();
  }

  @Test
  void fiveLeechersAndOneSeeder() throws Exception {
    byte[] data = TestTorrents.random(2 * 1024 * 1024 + 777, 2);
    Metainfo m = TestTorrents.v1(data, 32 * 1024, 700_001, 800_000, data.length - 1_500_001);
    swarm(m, data, 5, Client::builder);
  }

  /**
   * One seeder and {@code leechers} leechers, each told of the seeder and of the leechers before
   * it, all made by {@code builder}: every leecher completes within 60 s with the right bytes.
   */
  static void swarm(Metainfo m, byte[] data, int leechers, Supplier<Client.Builder> builder)
      throws Exception {
    List<Client> clients = new ArrayList<>();
    try {
      Client seeder = builder.get().build();
      clients.add(seeder);
      Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
      s.start();
      List<Torrent> leeches = new ArrayList<>();
      List<TestTorrents.ArrayStorage> stores = new ArrayList<>();
      for (int i = 0; i < leechers; i++) {
        Client c = builder.get().build();
        clients.add(c);
        TestTorrents.ArrayStorage st = new TestTorrents.ArrayStorage(m, null);
        stores.add(st);
        Torrent t = c.add(m, st);
        t.addPeer(addressOf(seeder));
        for (int j = 1; j < clients.size() - 1; j++) {
          t.addPeer(addressOf(clients.get(j)));
        }
        t.start();
        leeches.add(t);
      }
      for (Torrent t : leeches) {
        t.completion().get(60, TimeUnit.SECONDS);
      }
      for (TestTorrents.ArrayStorage st : stores) {
        assertThat(st.data).isEqualTo(data);
      }
    } finally {
      for (Client c : clients) {
        c.close();
      }
    }
  }

  @Test
  void rateLimitedTorrentsStillComplete() throws Exception {
    byte[] data = TestTorrents.random(1_000_000, 9);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client seeder = Client.builder().build();
        Client leecher = Client.builder().downloadLimit(4_000_000).build()) {
      BitSetHolder all = new BitSetHolder(m.pieceCount());
      Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data), all.bits);
      s.setRateLimits(0, 3_000_000);
      s.start();
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
      Torrent l = leecher.add(m, store);
      l.setRateLimits(2_000_000, 0);
      l.addPeer(addressOf(seeder));
      l.start();
      l.completion().get(60, TimeUnit.SECONDS);
      assertThat(store.data).isEqualTo(data);
    }
  }

  @Test
  void worksOverIpv6Loopback() throws Exception {
    java.net.InetAddress v6 = java.net.InetAddress.getByName("::1");
    byte[] data = TestTorrents.random(500_000, 10);
    Metainfo m = TestTorrents.v1(data, 16 * 1024);
    Client seeder;
    try {
      seeder = Client.builder().listenAddress(v6).build();
    } catch (java.io.UncheckedIOException e) {
      org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + e.getMessage());
      return;
    }
    try (seeder; Client leecher = Client.builder().listenAddress(v6).build()) {
      BitSetHolder all = new BitSetHolder(m.pieceCount());
      seeder.add(m, new TestTorrents.ArrayStorage(m, data), all.bits).start();
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
      Torrent l = leecher.add(m, store);
      PeerAddress peer = addressOf(seeder);
      assertThat(peer.isIpv6()).isTrue();
      l.addPeer(peer);
      l.start();
      l.completion().get(60, TimeUnit.SECONDS);
      assertThat(store.data).isEqualTo(data);
    }
  }

  static final class BitSetHolder {
    final java.util.BitSet bits = new java.util.BitSet();

    BitSetHolder(int n) {
      bits.set(0, n);
    }
  }

  @Test
  void aStoppedDownloadStartsAgainAndCompletes() throws Exception {
    byte[] data = TestTorrents.random(3_000_000, 11);
    Metainfo m = TestTorrents.v1(data, 16 * 1024);
    try (Client seeder = Client.builder().uploadLimit(3_000_000).build();
        Client leecher = Client.builder().build()) {
      BitSetHolder all = new BitSetHolder(m.pieceCount());
      seeder.add(m, new TestTorrents.ArrayStorage(m, data), all.bits).start();
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
      Torrent l = leecher.add(m, store);
      java.util.concurrent.CountDownLatch some = new java.util.concurrent.CountDownLatch(10);
      java.util.concurrent.CountDownLatch stopped = new java.util.concurrent.CountDownLatch(1);
      l.addListener(new TorrentListener() {
        @Override
        public void onPieceVerified(Torrent torrent, int piece) {
          some.countDown();
        }

        @Override
        public void onStateChanged(Torrent torrent, TorrentState state) {
          if (state == TorrentState.STOPPED) {
            stopped.countDown();
          }
        }
      });
      l.addPeer(addressOf(seeder));
      l.start();
      assertThat(some.await(30, TimeUnit.SECONDS)).isTrue();
      l.stop();
      assertThat(stopped.await(30, TimeUnit.SECONDS)).isTrue();
      assertThat(l.completion()).isNotDone();
      l.start();
      l.completion().get(60, TimeUnit.SECONDS);
      assertThat(store.data).isEqualTo(data);
    }
  }
}
