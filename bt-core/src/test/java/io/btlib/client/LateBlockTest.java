package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
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
  private static final int REQUEST = 6;
  private static final int PIECE_MSG = 7;
  private static final int CANCEL = 8;

  /** A message of the leecher's: its id and its three ints (request, cancel), else zeros. */
  private record Msg(int id, int piece, int offset, int length) {}

  /** The scripted seeder's side of one connection. */
  private static final class RawSeeder implements AutoCloseable {
    final ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
    final BlockingQueue<Msg> in = new LinkedBlockingQueue<>();
    final Metainfo m;
    final byte[] data;
    Socket s;
    DataOutputStream out;
    Thread reader;

    RawSeeder(Metainfo m, byte[] data) throws IOException {
      this.m = m;
      this.data = data;
    }

    /** Accepts the leecher, shakes hands with the fast extension, has all and unchokes. */
    void accept() throws IOException {
      s = server.accept();
      s.setSoTimeout(20_000);
      DataInputStream din = new DataInputStream(s.getInputStream());
      din.readFully(new byte[68]);
      out = new DataOutputStream(s.getOutputStream());
      out.writeByte(19);
      out.write("BitTorrent protocol".getBytes(StandardCharsets.US_ASCII));
      out.write(new byte[] {0, 0, 0, 0, 0, 0, 0, 0x04}); // fast extension only
      out.write(m.infoHashes().v1().orElseThrow().bytes());
      out.write("-XX0001-latesseeder!".getBytes(StandardCharsets.US_ASCII));
      send(0x0E); // have all
      send(1); // unchoke
      reader = new Thread(() -> {
        try {
          while (true) {
            int len = din.readInt();
            if (len == 0) {
              continue;
            }
            byte[] body = new byte[len];
            din.readFully(body);
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(body);
            int id = b.get();
            in.add(len == 13 ? new Msg(id, b.getInt(), b.getInt(), b.getInt())
                : new Msg(id, 0, 0, 0));
          }
        } catch (IOException e) {
          // the leecher closed
        }
      }, "raw-seeder-reader");
      reader.setDaemon(true);
      reader.start();
    }

    synchronized void send(int id) throws IOException {
      out.writeInt(1);
      out.writeByte(id);
      out.flush();
    }

    synchronized void sendBlock(int piece, int offset, int length) throws IOException {
      out.writeInt(9 + length);
      out.writeByte(PIECE_MSG);
      out.writeInt(piece);
      out.writeInt(offset);
      out.write(data, piece * PIECE + offset, length);
      out.flush();
    }

    /** Waits for messages until {@code want} are all seen; every request seen is added. */
    void await(int id, Set<Long> want, Set<Long> requested) throws InterruptedException {
      Set<Long> left = new HashSet<>(want);
      while (!left.isEmpty()) {
        Msg msg = in.poll(20, TimeUnit.SECONDS);
        assertThat(msg).as("waiting for messages %d for %s", id, left).isNotNull();
        long key = (long) msg.piece << 32 | msg.offset;
        if (msg.id == REQUEST) {
          requested.add(key);
        }
        if (msg.id == id) {
          left.remove(key);
        }
      }
    }

    @Override
    public void close() throws IOException {
      if (s != null) {
        s.close();
      }
      server.close();
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
    try (RawSeeder seeder = new RawSeeder(m, data); Client leecher = Client.builder()
        .encryption(EncryptionPolicy.DISABLED).build()) {
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
          InetAddress.getLoopbackAddress(), seeder.server.getLocalPort())));
      try (TorrentReader r = l.newReader(0).readahead(PIECE)) {
        l.start();
        seeder.accept();
        Set<Long> requested = new HashSet<>();
        seeder.await(REQUEST, blocksOf(0), requested); // the window's first piece, block by block
        // choked with the fast extension, the requests stand but no new one can come: the
        // blocks of piece 0 can only arrive as late blocks once the seek has cancelled them
        seeder.send(0);
        r.position((long) (PIECES - 1) * PIECE);
        seeder.await(CANCEL, blocksOf(0), requested);
        int unasked = -1;
        for (int p = PIECES / 2; p < PIECES - 1 && unasked < 0; p++) {
          if (java.util.Collections.disjoint(requested, blocksOf(p))) {
            unasked = p;
          }
        }
        assertThat(unasked).as("a piece never asked for").isGreaterThan(0);
        for (int o = 0; o < PIECE; o += BLOCK) {
          seeder.sendBlock(unasked, o, BLOCK); // never asked: refused, whole piece or not
        }
        for (int o = 0; o < PIECE; o += BLOCK) {
          seeder.sendBlock(0, o, BLOCK); // asked, then cancelled: still wanted, so kept
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
