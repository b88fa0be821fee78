package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scale on one machine: many torrents in one client, on loopback. Sized for a 2-core machine; it
 * checks behaviour (every torrent complete), never timing. Hundreds of peers on one torrent are
 * bt-testkit's (FaultsTest, ScenarioTest), on the simulated network.
 */
class ScaleTest {

  @Test
  @Timeout(120)
  void oneClientDownloadsTwentyTorrentsAtOnce() throws Exception {
    int n = 20;
    List<Metainfo> metas = new ArrayList<>();
    List<byte[]> datas = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      byte[] d = TestTorrents.random(200_000 + 7919 * i, 100 + i);
      datas.add(d);
      metas.add(TestTorrents.v1(d, 16 * 1024 * (1 + i % 4)));
    }
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      List<Torrent> leeches = new ArrayList<>();
      List<TestTorrents.ArrayStorage> stores = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        seeder.add(metas.get(i), new TestTorrents.ArrayStorage(metas.get(i), datas.get(i)))
            .start();
      }
      for (int i = 0; i < n; i++) {
        TestTorrents.ArrayStorage st = new TestTorrents.ArrayStorage(metas.get(i), null);
        stores.add(st);
        Torrent t = leecher.add(metas.get(i), st);
        t.addPeer(PeerAddress.of(seeder.listenAddress()));
        t.start();
        leeches.add(t);
      }
      for (int i = 0; i < n; i++) {
        leeches.get(i).completion().get(60, TimeUnit.SECONDS);
        assertThat(stores.get(i).data).as("torrent %d", i).isEqualTo(datas.get(i));
      }
      assertThat(leecher.torrents()).hasSize(n);
    }
  }
}
