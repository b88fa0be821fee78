package io.btlib.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.dht.DhtNode;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.storage.FileStorage;
import io.btlib.storage.MemoryStorage;
import io.btlib.storage.Recheck;
import io.btlib.storage.TorrentCreator;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * Trackerless swarms: bt clients that know nothing of each other but one DHT bootstrap node on
 * 127.0.0.1 find each other through the DHT alone and move the data, from a .torrent and from a
 * bare magnet link (metadata fetched from the peer the DHT found).
 */
@Timeout(60)
class DhtDiscoveryTest {
  @TempDir Path tmp;

  final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  private DhtNode node(InetSocketAddress... bootstrap) throws Exception {
    return keep(DhtNode.builder().bindAddress(InetAddress.getLoopbackAddress())
        .bootstrapNodes(List.of(bootstrap)).queryTimeout(Duration.ofMillis(500))
        .retryInterval(Duration.ofMillis(300)).rateLimit(10_000, 10_000).build().start());
  }

  private Metainfo content(TorrentVersion version) throws Exception {
    Path src = tmp.resolve("src");
    Files.createDirectories(src.resolve("data"));
    Random r = new Random(7);
    byte[] a = new byte[700_000];
    byte[] b = new byte[123_457];
    r.nextBytes(a);
    r.nextBytes(b);
    Files.write(src.resolve("data/a.bin"), a);
    Files.write(src.resolve("data/b.bin"), b);
    return TorrentCreator.builder(src.resolve("data")).format(version).pieceLength(64 * 1024)
        .build().create();
  }

  private Torrent seed(Metainfo m, DhtNode dht) throws Exception {
    Client seeder = keep(Client.builder().peerSource(dht).build());
    FileStorage st = FileStorage.open(m, tmp.resolve("src"));
    Torrent t = seeder.add(m, st, Recheck.builder(m, st).build().run().good());
    t.start();
    return t;
  }

  @ParameterizedTest
  @EnumSource(value = TorrentVersion.class, names = {"V1", "HYBRID"})
  void aLeecherFindsTheSeederThroughTheDhtAlone(TorrentVersion version) throws Exception {
    Metainfo m = content(version);
    DhtNode router = node();
    DhtNode seedDht = node(router.localAddress());
    seed(m, seedDht);
    DhtNode leechDht = node(router.localAddress());
    Client leecher = keep(Client.builder().peerSource(leechDht).build());
    Path out = tmp.resolve("out");
    Torrent t = leecher.add(m, FileStorage.open(m, out));
    t.start();
    t.completion().get(45, TimeUnit.SECONDS);
    assertThat(Files.readAllBytes(out.resolve("data/a.bin")))
        .isEqualTo(Files.readAllBytes(tmp.resolve("src/data/a.bin")));
    assertThat(Files.readAllBytes(out.resolve("data/b.bin")))
        .isEqualTo(Files.readAllBytes(tmp.resolve("src/data/b.bin")));
    // the seeder's announce was stored by a node the leecher's lookup could ask; stats() is a
    // snapshot refreshed once a second, and the download may be over sooner: wait for one
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (stored(router, seedDht, leechDht) == 0 && System.nanoTime() < deadline) {
      java.util.concurrent.locks.LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(50));
    }
    assertThat(stored(router, seedDht, leechDht)).isPositive();
  }

  private static int stored(DhtNode... nodes) {
    int n = 0;
    for (DhtNode d : nodes) {
      n += d.stats().storedInfoHashes();
    }
    return n;
  }

  @Test
  void aBareMagnetLinkIsFetchedThroughTheDht() throws Exception {
    Metainfo m = content(TorrentVersion.V1);
    DhtNode router = node();
    seed(m, node(router.localAddress()));
    Client leecher = keep(Client.builder().peerSource(node(router.localAddress())).build());
    Torrent t = leecher.add(MagnetLink.of(m.infoHashes()), MemoryStorage.factory());
    t.start();
    t.completion().get(45, TimeUnit.SECONDS);
    assertThat(t.status().piecesHave()).isEqualTo(m.pieceCount());
  }

  @Test
  void peersTeachEachOthersDhtNodesThroughPortMessages() throws Exception {
    Metainfo m = content(TorrentVersion.V1);
    DhtNode seedDht = node(); // knows no one
    Torrent s = seed(m, seedDht);
    DhtNode leechDht = node(); // knows no one either
    Client leecher = keep(Client.builder().peerSource(leechDht).build());
    Torrent t = leecher.add(m, MemoryStorage.of(m));
    t.addPeer(io.btlib.peer.PeerAddress.of(((Client) open.get(1)).listenAddress()));
    t.start();
    t.completion().get(45, TimeUnit.SECONDS);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while ((seedDht.routingTableSize() == 0 || leechDht.routingTableSize() == 0)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(seedDht.routingTableSize()).isEqualTo(1);
    assertThat(leechDht.routingTableSize()).isEqualTo(1);
    assertThat(s.status().uploaded()).isPositive();
  }
}
