package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import io.btlib.wire.ExtendedHandshake;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/**
 * The request queue a bt seeder announces ({@code reqq}) and keeps: large enough for a downloader
 * across a long round trip, and no larger than announced. A raw-socket peer speaks to the seeder.
 */
class RequestQueueTest {
  private static final int PIECE = 32 * 1024;
  private static final int BLOCK = 16 * 1024;

  private static BitSet all(int n) {
    BitSet b = new BitSet();
    b.set(0, n);
    return b;
  }

  /** A socket to {@code seeder} after both handshakes (fast and extension protocol). */
  private static Socket handshake(Client seeder, Metainfo m) throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), seeder.listenAddress().getPort());
    s.setSoTimeout(10_000);
    DataOutputStream out = new DataOutputStream(s.getOutputStream());
    out.writeByte(19);
    out.write("BitTorrent protocol".getBytes(StandardCharsets.US_ASCII));
    out.write(new byte[] {0, 0, 0, 0, 0, 0x10, 0, 0x04}); // extension protocol, fast extension
    out.write(m.infoHashes().v1().orElseThrow().bytes());
    out.write("-XX0001-requestqueue".getBytes(StandardCharsets.US_ASCII));
    out.flush();
    new DataInputStream(s.getInputStream()).readFully(new byte[68]);
    return s;
  }

  /** The next message from the peer: its id, then its payload; null for a keep-alive. */
  private static byte[] readMessage(DataInputStream in) throws IOException {
    int length = in.readInt();
    byte[] b = new byte[length];
    in.readFully(b);
    return length == 0 ? null : b;
  }

  /** The {@code reqq} in the seeder's extended handshake. */
  private static int announcedReqq(Client.Builder builder) throws Exception {
    byte[] data = TestTorrents.random(200_000, 31);
    Metainfo m = TestTorrents.v1(data, PIECE);
    try (Client seeder = builder.build()) {
      Torrent t = seeder.add(m, new TestTorrents.ArrayStorage(m, data), all(m.pieceCount()));
      t.start();
      try (Socket s = handshake(seeder, m)) {
        DataInputStream in = new DataInputStream(s.getInputStream());
        while (true) {
          byte[] msg = readMessage(in);
          if (msg != null && msg[0] == 20 && msg[1] == 0) {
            ExtendedHandshake h = ExtendedHandshake.decode(ByteBuffer.wrap(msg, 2, msg.length - 2));
            return h.requestQueue().orElseThrow();
          }
        }
      }
    }
  }

  @Test
  void aSeederAnnouncesAReqqForHighBandwidthDelayProducts() throws Exception {
    // 2000 blocks of 16 KiB, like libtorrent's max_allowed_in_request_queue: 31 MiB in flight
    assertThat(announcedReqq(Client.builder())).isEqualTo(2000);
  }

  @Test
  void aSeederAnnouncesTheQueueItIsGiven() throws Exception {
    assertThat(announcedReqq(Client.builder().maxRequestsPerPeer(64))).isEqualTo(64);
  }

  /**
   * A peer that is unchoked, then asks for every block of 24 MiB (far more than our {@code reqq}
   * of 16 plus what the sockets can buffer) before reading a byte: each request is answered, by a
   * block or a reject, and the requests past the queue are rejected rather than queued.
   */
  @Test
  void requestsBeyondTheAnnouncedQueueAreRejected() throws Exception {
    int reqq = 16;
    int piece = 256 * 1024;
    byte[] data = TestTorrents.random(24 * 1024 * 1024, 32);
    Metainfo m = TestTorrents.v1(data, piece);
    try (Client seeder = Client.builder().maxRequestsPerPeer(reqq).build()) {
      Torrent t = seeder.add(m, new TestTorrents.ArrayStorage(m, data), all(m.pieceCount()));
      t.start();
      try (Socket s = handshake(seeder, m)) {
        s.setReceiveBufferSize(4096);
        DataInputStream in = new DataInputStream(s.getInputStream());
        DataOutputStream out = new DataOutputStream(s.getOutputStream());
        out.writeInt(1);
        out.writeByte(2); // interested
        out.flush();
        byte[] msg;
        do {
          msg = readMessage(in);
        } while (msg == null || msg[0] != 1); // until unchoked
        int sent = data.length / BLOCK;
        for (int i = 0; i < sent; i++) {
          out.writeInt(13);
          out.writeByte(6);
          out.writeInt(i * BLOCK / piece);
          out.writeInt(i * BLOCK % piece);
          out.writeInt(BLOCK);
        }
        out.flush();
        int blocks = 0;
        int rejects = 0;
        while (blocks + rejects < sent) {
          msg = readMessage(in);
          if (msg == null) {
            continue;
          }
          if (msg[0] == 7) {
            blocks++;
          } else if (msg[0] == 16) {
            rejects++;
          }
        }
        assertThat(blocks + rejects).isEqualTo(sent);
        assertThat(rejects).as("requests past the queue of %d", reqq).isPositive();
      }
    }
  }
}
