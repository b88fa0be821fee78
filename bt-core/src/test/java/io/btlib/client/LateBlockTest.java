package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Blocks that a seeder had queued before our cancel (a seek) reached it: kept when they fill a
 * piece we still want, so the piece completes without being asked again; blocks never asked for
 * are still refused. The seeder is a raw socket the test drives message by message.
 */
@Timeout(30)
class LateBlockTest {
  private static final int PIECE = 32 * 1024;
  private static final int BLOCK = Metainfo.BLOCK_SIZE;
  private static final int PIECES = 20;

  /** Waits for messages {@code id} for each of {@code want}; every request seen is added. */
  private static void await(RawPeer p, int id, Set<Long> want, Set<Long> requested)
      throws InterruptedException {
    Set<Long> left = new HashSet<>(want);
    while (!left.isEmpty()) {
      RawPeer.Msg msg = p.in.poll(20, TimeUnit.SECONDS);
      assertThat(msg).as("waiting for messages %d for %s", id, left).isNotNull();
      if (msg.id() == RawPeer.REQUEST) {
        requested.add(msg.key());
      }
      if (msg.id() == id) {
        left.remove(msg.key());
      }
    }
  }

  private static Set<Long> blocksOf(int piece) {
    Set<Long> keys = new HashSet<>();
    for (int o = 0; o < PIECE; o += BLOCK) {
      keys.add((long) piece << 32 | o);
    }
    return keys;
  }

  @Test
  void aBlockCancelledBySeekThatArrivesAnywayCompletesItsPieceAndUnaskedBlocksDoNot()
      throws Exception {
    byte[] data = TestTorrents.random(PIECES * PIECE, 17);
    Metainfo m = TestTorrents.v1(data, PIECE);
    CountDownLatch piece0 = new CountDownLatch(1);
    Set<Integer> verified = java.util.concurrent.ConcurrentHashMap.newKeySet();
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
        Client leecher = Client.builder().encryption(EncryptionPolicy.DISABLED).build()) {
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
      Torrent l = leecher.add(m, store);
      l.addListener(new TorrentListener() {
        @Override
        public void onPieceVerified(Torrent torrent, int piece) {
          verified.add(piece);
          if (piece == 0) {
            piece0.countDown();
          }
        }
      });
      l.addPeer(PeerAddress.of(new java.net.InetSocketAddress(
          InetAddress.getLoopbackAddress(), server.getLocalPort())));
      try (TorrentReader r = l.newReader(0).readahead(PIECE)) {
        l.start();
        RawPeer seeder = new RawPeer(server.accept(), m);
        seeder.send(RawPeer.HAVE_ALL);
        seeder.send(RawPeer.UNCHOKE);
        Set<Long> requested = new HashSet<>();
        // the window's first piece, block by block
        await(seeder, RawPeer.REQUEST, blocksOf(0), requested);
        // choked with the fast extension, the requests stand but no new one can come: the
        // blocks of piece 0 can only arrive as late blocks once the seek has cancelled them
        seeder.send(RawPeer.CHOKE);
        r.position((long) (PIECES - 1) * PIECE);
        await(seeder, RawPeer.CANCEL, blocksOf(0), requested);
        int unasked = -1;
        for (int p = PIECES / 2; p < PIECES - 1 && unasked < 0; p++) {
          if (java.util.Collections.disjoint(requested, blocksOf(p))) {
            unasked = p;
          }
        }
        assertThat(unasked).as("a piece never asked for").isGreaterThan(0);
        for (int o = 0; o < PIECE; o += BLOCK) {
          seeder.sendBlock(unasked, o, data, unasked * PIECE + o, BLOCK); // never asked: refused, whole piece or not
        }
        for (int o = 0; o < PIECE; o += BLOCK) {
          seeder.sendBlock(0, o, data, o, BLOCK); // asked, then cancelled: still wanted, so kept
        }
        assertThat(piece0.await(20, TimeUnit.SECONDS)).as("piece 0 verified").isTrue();
        assertThat(Arrays.copyOfRange(store.data, 0, PIECE))
            .isEqualTo(Arrays.copyOfRange(data, 0, PIECE));
        // choked, the leecher could ask nothing again: piece 0 is made of the late blocks alone;
        // the unasked piece's blocks came first on the same connection and were dropped
        assertThat(verified).containsExactly(0);
      }
    }
  }
}
