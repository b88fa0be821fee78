package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.wire.Handshake;
import java.io.DataInputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Scale on one machine: hundreds of peers on one torrent, and many torrents in one client, on
 * loopback. Sized for a 2-core machine; they check behaviour (every peer served, every torrent
 * complete), never timing.
 */
class ScaleTest {

  /**
   * A bare peer: handshakes, reads the seeder's handshake and bitfield, maybe says it is
   * interested, and then never requests anything.
   */
  private static Socket idlePeer(InetSocketAddress seeder, Metainfo m, int i, boolean interested)
      throws Exception {
    Socket s = new Socket();
    s.connect(seeder, 5000);
    s.setSoTimeout(20_000);
    ByteBuffer hs = ByteBuffer.allocate(Handshake.LENGTH);
    new Handshake(0, m.infoHashes().shortHash(),
        PeerId.random("-ID" + String.format("%04d", i % 10000) + "-", new Random(i))).encode(hs);
    s.getOutputStream().write(hs.array());
    if (interested) {
      s.getOutputStream().write(new byte[] {0, 0, 0, 1, 2});
    }
    s.getOutputStream().flush();
    DataInputStream in = new DataInputStream(s.getInputStream());
    byte[] theirs = new byte[Handshake.LENGTH];
    in.readFully(theirs);
    int len = in.readInt(); // the first message: the bitfield (no fast extension asked for)
    assertThat(in.readByte()).isEqualTo((byte) 5);
    in.readFully(new byte[len - 1]);
    return s;
  }

  @Test
  @Timeout(120)
  void aSeederHoldsThreeHundredPeersAndStillServesARealLeecher() throws Exception {
    byte[] data = TestTorrents.random(2 * 1024 * 1024, 11);
    Metainfo m = TestTorrents.v1(data, 64 * 1024);
    int idle = 300;
    List<Socket> sockets = new ArrayList<>();
    try (Client seeder = Client.builder().maxConnectionsPerTorrent(idle + 10)
            .maxConnections(idle + 10).build();
        Client leecher = Client.builder().build()) {
      Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
      s.start();
      s.completion().get(10, TimeUnit.SECONDS);
      for (int i = 0; i < idle; i++) {
        sockets.add(idlePeer(seeder.listenAddress(), m, i, false));
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (s.status().peers() < idle && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      assertThat(s.status().peers()).isEqualTo(idle);
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
      Torrent l = leecher.add(m, store);
      l.addPeer(PeerAddress.of(seeder.listenAddress()));
      l.start();
      l.completion().get(60, TimeUnit.SECONDS);
      assertThat(store.data).isEqualTo(data);
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (s.status().uploaded() < data.length && System.nanoTime() < until) {
        Thread.sleep(20); // the status is a snapshot refreshed on the engine's tick
      }
      assertThat(s.status().uploaded()).isGreaterThanOrEqualTo(data.length);
    } finally {
      for (Socket k : sockets) {
        k.close();
      }
    }
  }

  /**
   * Interested peers that never request would hold every upload slot for a whole round-robin
   * turn; the engine treats a peer unchoked for 5 s without a request as idle, so they lose
   * their slots and a real leecher gets served.
   */
  @Test
  @Timeout(120)
  void interestedPeersThatNeverRequestCannotHoldTheUploadSlots() throws Exception {
    byte[] data = TestTorrents.random(1024 * 1024, 12);
    Metainfo m = TestTorrents.v1(data, 64 * 1024);
    List<Socket> sockets = new ArrayList<>();
    try (Client seeder = Client.builder().uploadSlots(4).build();
        Client leecher = Client.builder().build()) {
      Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
      s.start();
      s.completion().get(10, TimeUnit.SECONDS);
      for (int i = 0; i < 12; i++) {
        sockets.add(idlePeer(seeder.listenAddress(), m, i, true));
      }
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (s.status().peers() < 12 && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      Thread.sleep(300); // let the idle peers take the slots first
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
      Torrent l = leecher.add(m, store);
      l.addPeer(PeerAddress.of(seeder.listenAddress()));
      l.start();
      l.completion().get(60, TimeUnit.SECONDS);
      assertThat(store.data).isEqualTo(data);
    } finally {
      for (Socket k : sockets) {
        k.close();
      }
    }
  }

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
