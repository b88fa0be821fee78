package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Raw-socket peers that break the protocol against a bt seeder: each is dropped on its own,
 * with a reason, and an honest leecher downloading at the same time completes.
 */
class HostilePeerTest {
  private static final int PIECE = 32 * 1024;

  private static BitSet all(int n) {
    BitSet b = new BitSet();
    b.set(0, n);
    return b;
  }

  /** A socket to {@code seeder} that has sent a plain handshake for {@code m}. */
  private static Socket handshake(Client seeder, Metainfo m, boolean readReply) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), seeder.listenAddress().getPort());
    s.setSoTimeout(10_000);
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    out.writeByte(19);
    out.write("BitTorrent protocol".getBytes(StandardCharsets.US_ASCII));
    out.write(new byte[] {0, 0, 0, 0, 0, 0, 0, 0x04}); // fast extension
    out.write(m.infoHashes().v1().orElseThrow().bytes());
    out.write("-XX0001-hostilepeer!".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    if (readReply) {
      s.getInputStream().readNBytes(68);
    }
    return s;
  }

  /** Reads until the seeder closes; true if it did within the socket's timeout. */
  private static boolean closedBySeeder(Socket s) {
    try {
      InputStream in = s.getInputStream();
      byte[] b = new byte[64 * 1024];
      while (in.read(b) >= 0) {
        // drain what the seeder sent before it closed
      }
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    } catch (IOException e) {
      return true; // reset
    }
  }

  /** The reasons {@code t}'s peers were dropped for, and a latch for the first. */
  private static final class Disconnects {
    final List<String> reasons = new CopyOnWriteArrayList<>();
    final CountDownLatch first = new CountDownLatch(1);
  }

  private static Disconnects disconnects(Torrent t) {
    Disconnects d = new Disconnects();
    t.addListener(new TorrentListener() {
      @Override
      public void onPeerDisconnected(Torrent torrent, PeerAddress peer, String reason) {
        d.reasons.add(reason);
        d.first.countDown();
      }
    });
    return d;
  }

  /** After a handshake, {@code message} (from the torrent's metainfo) must get the peer dropped. */
  private static void assertDroppedFor(java.util.function.Function<Metainfo, byte[]> message)
      throws Exception {
    byte[] data = TestTorrents.random(300_000, 22);
    Metainfo m = TestTorrents.v1(data, PIECE);
    try (Client seeder = Client.builder().build()) {
      Torrent t = seeder.add(m, new TestTorrents.ArrayStorage(m, data), all(m.pieceCount()));
      Disconnects reasons = disconnects(t);
      t.start();
      try (Socket s = handshake(seeder, m, true)) {
        s.getOutputStream().write(message.apply(m));
        assertThat(closedBySeeder(s)).isTrue();
      }
      awaitReason(reasons);
    }
  }

  @Test
  void anOversizedLengthPrefixClosesThatPeer() throws Exception {
    assertDroppedFor(m -> java.nio.ByteBuffer.allocate(4).putInt(0x7FFF_FFFF).array()); // 2 GiB
  }

  @Test
  void aRequestOutsideTheTorrentClosesThatPeer() throws Exception {
    assertDroppedFor(m -> java.nio.ByteBuffer.allocate(17).putInt(13).put((byte) 6)
        .putInt(m.pieceCount() + 5).putInt(0).putInt(16384).array());
  }

  @Test
  void aMessageInPlaceOfTheHandshakeClosesThatPeer() throws Exception {
    byte[] data = TestTorrents.random(100_000, 23);
    Metainfo m = TestTorrents.v1(data, PIECE);
    try (Client seeder = Client.builder().encryption(EncryptionPolicy.DISABLED).build()) {
      seeder.add(m, new TestTorrents.ArrayStorage(m, data), all(m.pieceCount())).start();
      try (Socket s = new Socket(InetAddress.getLoopbackAddress(),
          seeder.listenAddress().getPort())) {
        s.setSoTimeout(10_000);
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        for (int i = 0; i < 10; i++) {
          out.writeInt(13);
          out.writeByte(6);
          out.writeInt(0);
          out.writeInt(0);
          out.writeInt(16384);
        }
        try {
          s.getOutputStream().write(bytes.toByteArray()); // one write: the seeder may close mid-way
        } catch (IOException e) {
          return; // closed already
        }
        assertThat(closedBySeeder(s)).isTrue();
      }
    }
  }

  /**
   * A peer that asks for thousands of blocks and never reads a byte: its requests past the
   * queue limit are refused, its socket fills, and an honest leecher is served all the while.
   */
  @Test
  void aRequestFlooderThatNeverReadsCostsOthersNothing() throws Exception {
    byte[] data = TestTorrents.random(2 * 1024 * 1024 + 99, 24);
    Metainfo m = TestTorrents.v1(data, PIECE);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      Torrent st = seeder.add(m, new TestTorrents.ArrayStorage(m, data), all(m.pieceCount()));
      List<String> reasons = disconnects(st).reasons;
      st.start();
      try (Socket flood = handshake(seeder, m, false)) {
        flood.setReceiveBufferSize(4096);
        DataOutputStream out = new DataOutputStream(flood.getOutputStream());
        out.writeInt(1);
        out.writeByte(2); // interested
        try {
          for (int i = 0; i < 5000; i++) {
            int piece = i % m.pieceCount();
            out.writeInt(13);
            out.writeByte(6);
            out.writeInt(piece);
            out.writeInt(0);
            out.writeInt(Math.min(16384, m.pieceSize(piece)));
          }
          out.flush();
        } catch (IOException e) {
          // dropped by the seeder: allowed, if for a reason
          assertThat(reasons).as("the seeder said why it dropped the flooder").isNotEmpty();
        }
        SwarmTest.downloadFrom(seeder, leecher, m, data);
      }
    }
  }

  /** Waits for the first disconnect (the listener hears of it after the socket closes). */
  private static void awaitReason(Disconnects d) throws InterruptedException {
    assertThat(d.first.await(10, TimeUnit.SECONDS)).as("a disconnect was reported").isTrue();
    assertThat(d.reasons).isNotEmpty().allSatisfy(r -> assertThat(r).isNotBlank());
  }
}
