package io.btlib.interop;

import static io.btlib.interop.InteropProcesses.assertSameTree;
import static io.btlib.interop.InteropProcesses.freePort;
import static io.btlib.interop.InteropProcesses.makeData;
import static io.btlib.interop.InteropProcesses.poll;
import static io.btlib.interop.InteropProcesses.recorder;
import static io.btlib.interop.LibtorrentInteropTest.dhtNode;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.dht.DhtNode;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import io.btlib.storage.TorrentCreator;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 14, "dead and own addresses from the DHT": a bt DHT node as the only bootstrap; a bt
 * seeder that has since been killed, a bt downloader that has exited and a libtorrent seeder all
 * announced; a new bt downloader, on the exited one's port, gets back the dead addresses, its own
 * and the libtorrent seeder's, and must still complete from libtorrent.
 */
class DhtDeadPeersInteropTest {
  static final int PIECE = 64 * 1024;

  @TempDir Path tmp;
  final InteropProcesses procs = new InteropProcesses();
  final List<String> events = new CopyOnWriteArrayList<>();
  Path script;

  @BeforeEach
  void needsLibtorrent() throws Exception {
    script = InteropProcesses.assumeLibtorrent("DhtDeadPeersInteropTest");
  }

  @AfterEach
  void killProcesses() throws InterruptedException {
    procs.close();
  }

  /** The ports the DHT lists for {@code hash}, asked through a fresh node. */
  private static Set<Integer> announcedPorts(InetSocketAddress router, InfoHash hash)
      throws Exception {
    try (DhtNode probe = dhtNode(router)) {
      probe.bootstrap().get(10, TimeUnit.SECONDS);
      return probe.getPeers(hash).get(20, TimeUnit.SECONDS).stream().map(PeerAddress::port)
          .collect(Collectors.toSet());
    }
  }

  /** Starts a bt client with a DHT node on {@code port}, announcing {@code m}; returns both. */
  private AutoCloseable[] announcedBt(Metainfo m, Path dir, int port, InetSocketAddress router)
      throws Exception {
    DhtNode dht = dhtNode(router);
    Client c = Client.builder().port(port).peerSource(dht).build();
    Torrent t = c.add(m, FileStorage.open(m, dir));
    t.start();
    return new AutoCloseable[] {c, dht};
  }

  @Test
  @Timeout(150)
  void aNewDownloaderCompletesFromTheOneLivePeerAmongDeadAndOwnAddresses() throws Exception {
    Path src = makeData(tmp.resolve("seed"), 41);
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    InfoHash hash = m.infoHashes().shortHashes().get(0);
    try (DhtNode router = dhtNode()) {
      InetSocketAddress r = router.localAddress();
      int deadSeedPort = freePort();
      int exitedPort = freePort();
      AutoCloseable[] deadSeed = announcedBt(m, src.getParent(), deadSeedPort, r);
      AutoCloseable[] exited = announcedBt(m, tmp.resolve("exited"), exitedPort, r);
      InteropProcesses.Proc lt = procs.ltSeed(script, torrent, src.getParent(),
          "--dht-bootstrap", "127.0.0.1:" + r.getPort());
      assertThat(poll(() -> {
        try {
          return announcedPorts(r, hash).containsAll(List.of(deadSeedPort, exitedPort, lt.port));
        } catch (Exception e) {
          return false;
        }
      }, Duration.ofSeconds(60))).as("all three announced").isTrue();
      for (AutoCloseable a : deadSeed) {
        a.close(); // killed: nothing listens on its port any more
      }
      for (AutoCloseable a : exited) {
        a.close();
      }

      Path dl = tmp.resolve("dl");
      try (DhtNode dht = dhtNode(r);
          Client client = Client.builder().port(exitedPort).peerSource(dht).build()) {
        Torrent t = client.add(m, FileStorage.open(m, dl));
        t.addListener(recorder(events));
        long t0 = System.nanoTime();
        t.start();
        try {
          t.completion().get(90, TimeUnit.SECONDS);
        } catch (TimeoutException | ExecutionException e) {
          fail("the downloader did not complete: " + e + "\nstatus " + t.status() + "\nevents "
              + events, e);
        }
        System.err.println("DhtDeadPeersInteropTest: completed in "
            + (System.nanoTime() - t0) / 1_000_000 + " ms");
      }
      assertSameTree(src, dl.resolve(src.getFileName()));
    }
  }
}
