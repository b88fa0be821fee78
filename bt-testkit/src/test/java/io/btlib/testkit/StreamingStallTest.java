package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentListener;
import io.btlib.client.TorrentReader;
import io.btlib.peer.PeerAddress;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A reader's blocks asked of a peer that never sends them are asked again of another once late,
 * in virtual time.
 */
class StreamingStallTest {

  @Test
  void blocksAskedOfAStallingPeerAreAskedAgainOfTheSeederOnceLate() throws IOException {
    try (Simulation sim = new Simulation(3)) {
      SimTorrent torrent = SimTorrent.random(5, 64 << 20, 256 * 1024);
      SimTracker tracker = new SimTracker(sim);
      AccessLink link = AccessLink.symmetric(2 << 20, Duration.ofMillis(25));
      SimHost seederHost = sim.addHost(link);
      SimHost stallerHost = sim.addHost(link);
      SimHost readerHost = sim.addHost(link);
      PeerAddress staller = stallerHost.startStallingPeer(torrent.metainfo(), 6881);
      tracker.register(torrent.metainfo().infoHashes().shortHash(), staller);
      seederHost.client(Client.builder().peerSource(tracker.sourceFor(seederHost)))
          .add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces()).start();
      Torrent t = readerHost.client(Client.builder().peerSource(tracker.sourceFor(readerHost)))
          .add(torrent.metainfo(), torrent.emptyStorage());
      boolean[] stallerIn = new boolean[1];
      t.addListener(new TorrentListener() {
        @Override
        public void onPeerConnected(Torrent torrent, PeerAddress peer) {
          stallerIn[0] |= peer.equals(staller);
        }
      });
      t.start();
      // the staller takes a while: it answers no encrypted handshake, so it is dialled again
      assertThat(sim.runUntil(() -> stallerIn[0], Duration.ofMinutes(1))).isTrue();
      Storage expected = torrent.seededStorage();
      long from = 40L << 20;
      long length = 2L << 20;
      try (TorrentReader r = t.newReader(0).position(from)) {
        InputStream in = r.inputStream();
        long start = sim.nanoTime();
        byte[] got = new byte[(int) length];
        int n = 0;
        while (n < got.length) {
          assertThat(sim.runUntil(() -> available(in) > 0, Duration.ofMinutes(2))).isTrue();
          n += in.read(got, n, Math.min(got.length - n, in.available()));
        }
        double seconds = (sim.nanoTime() - start) / 1e9;
        // the seeder's pipe holds about 2.5 s of blocks asked before the reader opened, then 2 MiB
        // at 2 MiB/s take a second (3.3 s here, 3.4 s without the staller); the blocks given to
        // the staller would wait for it to count as snubbed, a minute, if never asked again
        assertThat(seconds).isLessThan(5);
        assertThat(t.status().piecesHave()).as("not simply downloaded by then")
            .isLessThan(t.status().pieceCount() * 3 / 4);
        int pl = torrent.metainfo().pieceLength();
        ByteBuffer want = ByteBuffer.allocate((int) length);
        for (int p = (int) (from / pl); p < (from + length) / pl; p++) {
          expected.read(p, 0, want.slice().limit(pl));
          want.position(want.position() + pl);
        }
        assertThat(got).isEqualTo(want.array());
      }
    }
  }

  static int available(InputStream in) {
    try {
      return in.available();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
