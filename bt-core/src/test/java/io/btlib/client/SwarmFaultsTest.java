package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.TestThreads;
import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.ChokeDecision;
import io.btlib.policy.PiecePickers;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Swarms with trouble in them: magnets, custom policies, closing (the garbage peer moved to
 * bt-testkit's FaultsTest, on the simulated network).
 */
class SwarmFaultsTest {

  static PeerAddress addressOf(Client c) {
    InetSocketAddress a = c.listenAddress();
    return PeerAddress.of(a.getAddress(), a.getPort());
  }

  static BitSet all(int n) {
    BitSet b = new BitSet();
    b.set(0, n);
    return b;
  }

  @Test
  void aMagnetOnlyLeecherFetchesTheMetadataThenTheData() throws Exception {
    byte[] data = TestTorrents.random(1_500_000, 3);
    Metainfo m = TestTorrents.v1(data, 32 * 1024, 500_000, data.length - 500_000);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      seeder.add(m, new TestTorrents.ArrayStorage(m, data), all(m.pieceCount())).start();
      TestTorrents.ArrayStorage[] store = new TestTorrents.ArrayStorage[1];
      MagnetLink link = MagnetLink.builder(m.infoHashes()).displayName("swarm").build();
      Torrent t = leecher.add(link, meta -> store[0] = new TestTorrents.ArrayStorage(meta, null));
      assertThat(t.metainfo()).isEmpty();
      t.addPeer(addressOf(seeder));
      t.start();
      t.completion().get(60, TimeUnit.SECONDS);
      assertThat(t.metainfo()).hasValue(m);
      assertThat(store[0].data).isEqualTo(data);
    }
  }

  /** BEP 53: a magnet link's {@code so} selects the files to download; the others are skipped. */
  @Test
  void aMagnetLinksSelectOnlyIsApplied() throws Exception {
    byte[] data = TestTorrents.random(3 * 65536, 31);
    Metainfo m = TestTorrents.v1(data, 16384, 65536, 65536, 65536); // three files, 4 pieces each
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
      s.start();
      s.completion().get(10, TimeUnit.SECONDS);
      TestTorrents.ArrayStorage[] store = new TestTorrents.ArrayStorage[1];
      MagnetLink link = MagnetLink.builder(m.infoHashes())
          .selectOnly(List.of(MagnetLink.IndexRange.of(1))).build();
      Torrent t = leecher.add(link, meta -> store[0] = new TestTorrents.ArrayStorage(meta, null));
      t.addPeer(addressOf(seeder));
      t.start();
      t.completion().get(60, TimeUnit.SECONDS);
      assertThat(Arrays.copyOfRange(store[0].data, 65536, 2 * 65536))
          .isEqualTo(Arrays.copyOfRange(data, 65536, 2 * 65536));
      assertThat(t.status().piecesHave()).isEqualTo(4);
      assertThat(Arrays.copyOfRange(store[0].data, 0, 65536)).containsOnly((byte) 0);
      assertThat(Arrays.copyOfRange(store[0].data, 2 * 65536, 3 * 65536)).containsOnly((byte) 0);
    }
  }

  @Test
  void customPickerAndChokerAreUsed() throws Exception {
    byte[] data = TestTorrents.random(800_000, 7);
    Metainfo m = TestTorrents.v1(data, 16 * 1024);
    AtomicInteger picks = new AtomicInteger();
    AtomicInteger rechokes = new AtomicInteger();
    Set<Integer> order = new HashSet<>();
    try (Client seeder = Client.builder()
            .choker(() -> (peers, ctx) -> {
              rechokes.incrementAndGet();
              Set<PeerAddress> all = new HashSet<>();
              peers.forEach(p -> all.add(p.address()));
              return new ChokeDecision(all, Optional.empty()); // everyone, always
            }).build();
        Client leecher = Client.builder()
            .piecePicker(torrent -> {
              var inner = PiecePickers.sequential().create(torrent);
              return (peer, swarm, max, out) -> {
                picks.incrementAndGet();
                inner.pickBlocks(peer, swarm, max, (p, b) -> {
                  order.add(p);
                  return out.add(p, b);
                });
              };
            }).build()) {
      seeder.add(m, new TestTorrents.ArrayStorage(m, data), all(m.pieceCount())).start();
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
      Torrent t = leecher.add(m, store);
      t.addPeer(addressOf(seeder));
      t.start();
      t.completion().get(60, TimeUnit.SECONDS);
      assertThat(store.data).isEqualTo(data);
      assertThat(picks.get()).isPositive();
      assertThat(rechokes.get()).isPositive();
      assertThat(order).hasSize(m.pieceCount());
    }
  }

  @Test
  void closeStopsEveryThreadItStarted() throws Exception {
    Set<Thread> before = Thread.getAllStackTraces().keySet();
    for (int i = 0; i < 100; i++) {
      Client c = Client.builder().build();
      c.close();
      c.close(); // idempotent
    }
    assertThat(TestThreads.stillAliveAfterJoining(before, "bt-", 5, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void commandsAfterCloseFailClearly() {
    Client c = Client.builder().build();
    byte[] data = TestTorrents.random(20_000, 8);
    Metainfo m = TestTorrents.v1(data, 16 * 1024);
    Torrent t = c.add(m, new TestTorrents.ArrayStorage(m, data));
    c.close();
    org.assertj.core.api.Assertions.assertThatThrownBy(t::start)
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
    org.assertj.core.api.Assertions.assertThatThrownBy(
        () -> c.add(m, new TestTorrents.ArrayStorage(m, data)))
        .isInstanceOf(IllegalStateException.class);
    assertThat(t.completion()).isCompletedExceptionally();
    InfoHashes unused = m.infoHashes();
    assertThat(unused).isNotNull();
  }
}
