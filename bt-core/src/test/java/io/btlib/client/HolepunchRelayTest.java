package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.utp.UtpPacket;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.HolepunchMessage;
import io.btlib.wire.session.PeerEvent;
import io.btlib.wire.session.PeerSession;
import io.btlib.wire.session.SessionConfig;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A bt client as a BEP 55 relay and as a peer a relay tells to dial, driven by peers made of a
 * {@link PeerSession} over a plain socket.
 */
class HolepunchRelayTest {

  /** A peer that speaks the wire protocol through a session, over a blocking socket. */
  static final class SessionPeer implements AutoCloseable {
    final Socket socket;
    final PeerSession session;
    final byte[] in = new byte[64 * 1024];
    final ByteBuffer out = ByteBuffer.allocate(64 * 1024);

    SessionPeer(Client target, Metainfo m, int id, int listenPort, boolean holepunch)
        throws IOException {
      byte[] peerId = new byte[20];
      System.arraycopy("-XX0001-".getBytes(), 0, peerId, 0, 8);
      peerId[19] = (byte) id;
      Map<String, Integer> ext = holepunch
          ? Map.of(ExtendedHandshake.UT_HOLEPUNCH, 7) : Map.of(ExtendedHandshake.UT_PEX, 2);
      SessionConfig config = SessionConfig.builder(PeerId.of(peerId), m.infoHashes())
          .pieces(m.pieceCount(), m::pieceSize).extensions(ext).listenPort(listenPort).build();
      session = PeerSession.outgoing(config, System.nanoTime());
      socket = new Socket(InetAddress.getLoopbackAddress(), target.listenAddress().getPort());
      socket.setSoTimeout(100);
      session.haveNone();
      flush();
    }

    void flush() throws IOException {
      while (session.pollTransmit(out.clear())) {
        out.flip();
        socket.getOutputStream().write(out.array(), 0, out.limit());
      }
    }

    void send(HolepunchMessage m) throws IOException {
      session.sendExtended(ExtendedHandshake.UT_HOLEPUNCH, ByteBuffer.wrap(m.encode()));
      flush();
    }

    /** The next ut_holepunch message, or null if none within 10 s. */
    HolepunchMessage next() throws Exception {
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      InputStream is = socket.getInputStream();
      while (System.nanoTime() < end) {
        PeerEvent e;
        while ((e = session.pollEvent()) != null) {
          if (e instanceof PeerEvent.ExtensionMessageReceived x
              && x.name().equals(ExtendedHandshake.UT_HOLEPUNCH)) {
            return HolepunchMessage.decode(x.payload());
          }
        }
        try {
          int n = is.read(in);
          if (n < 0) {
            return null;
          }
          session.handleBytes(ByteBuffer.wrap(in, 0, n), System.nanoTime());
        } catch (SocketTimeoutException again) {
          // nothing yet
        }
        flush();
      }
      return null;
    }

    /** Reads until the client's extended handshake arrived (so it knows ours too). */
    void awaitExtendedHandshake() throws IOException {
      InputStream is = socket.getInputStream();
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (session.peerExtendedHandshake().isEmpty() && System.nanoTime() < end) {
        try {
          int n = is.read(in);
          if (n < 0) {
            throw new IOException("closed");
          }
          session.handleBytes(ByteBuffer.wrap(in, 0, n), System.nanoTime());
        } catch (SocketTimeoutException again) {
          // nothing yet
        }
        flush();
      }
      assertThat(session.peerExtendedHandshake()).isPresent();
      assertThat(session.peerExtendedHandshake().get().idOf(ExtendedHandshake.UT_HOLEPUNCH))
          .as("a client that speaks uTP announces ut_holepunch").isPresent();
      while (session.pollEvent() != null) {
        // the handshakes' events
      }
    }

    @Override
    public void close() throws IOException {
      socket.close();
    }
  }

  @Test
  void aRelayIntroducesTwoPeersThatSupportItAndAnswersTheRestWithErrors() throws Exception {
    byte[] data = TestTorrents.random(256 * 1024, 71);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client relay = Client.builder().build()) {
      Torrent t = relay.add(m, new TestTorrents.ArrayStorage(m, data));
      t.start();
      t.completion().get(10, TimeUnit.SECONDS);
      try (SessionPeer a = new SessionPeer(relay, m, 1, 40001, true);
          SessionPeer b = new SessionPeer(relay, m, 2, 40002, true);
          SessionPeer c = new SessionPeer(relay, m, 3, 40003, false)) {
        a.awaitExtendedHandshake();
        b.awaitExtendedHandshake();
        c.awaitExtendedHandshake();
        PeerAddress nobody = PeerAddress.of("10.9.9.9", 1234);
        a.send(HolepunchMessage.rendezvous(nobody));
        assertThat(a.next()).isEqualTo(
            HolepunchMessage.error(nobody, HolepunchMessage.NOT_CONNECTED));
        PeerAddress self = PeerAddress.of(InetAddress.getLoopbackAddress(),
            relay.listenAddress().getPort());
        a.send(HolepunchMessage.rendezvous(self));
        assertThat(a.next()).isEqualTo(HolepunchMessage.error(self, HolepunchMessage.NO_SELF));
        PeerAddress cAt = PeerAddress.of(InetAddress.getLoopbackAddress(), 40003);
        a.send(HolepunchMessage.rendezvous(cAt));
        assertThat(a.next()).isEqualTo(HolepunchMessage.error(cAt, HolepunchMessage.NO_SUPPORT));
        PeerAddress aAt = PeerAddress.of(InetAddress.getLoopbackAddress(), 40001);
        PeerAddress bAt = PeerAddress.of(InetAddress.getLoopbackAddress(), 40002);
        a.send(HolepunchMessage.rendezvous(bAt));
        assertThat(a.next()).isEqualTo(HolepunchMessage.connect(bAt));
        assertThat(b.next()).as("the target hears where the initiator listens")
            .isEqualTo(HolepunchMessage.connect(aAt));
      }
    }
  }

  @Test
  void aConnectIsFollowedByAUtpDialAndAFloodOfThemIsNot() throws Exception {
    byte[] data = TestTorrents.random(256 * 1024, 72);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client client = Client.builder().build();
        DatagramChannel target = DatagramChannel.open();
        DatagramChannel other = DatagramChannel.open()) {
      target.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      other.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      Torrent t = client.add(m, new TestTorrents.ArrayStorage(m, data));
      t.start();
      t.completion().get(10, TimeUnit.SECONDS);
      try (SessionPeer relay = new SessionPeer(client, m, 4, 40004, true)) {
        relay.awaitExtendedHandshake();
        PeerAddress at = PeerAddress.of((InetSocketAddress) target.getLocalAddress());
        relay.send(HolepunchMessage.connect(at));
        // a second order at once, to somewhere else: ignored (a relay cannot aim our dials)
        relay.send(HolepunchMessage.connect(
            PeerAddress.of((InetSocketAddress) other.getLocalAddress())));
        ByteBuffer syn = ByteBuffer.allocate(65_536);
        target.socket().setSoTimeout(10_000);
        java.net.DatagramPacket p = new java.net.DatagramPacket(syn.array(), syn.capacity());
        target.socket().receive(p);
        UtpPacket packet = UtpPacket.decode(ByteBuffer.wrap(p.getData(), 0, p.getLength()));
        assertThat(packet.type()).as("a uTP dial to where the relay said")
            .isEqualTo(UtpPacket.Type.SYN);
        other.socket().setSoTimeout(1_500);
        java.net.DatagramPacket q = new java.net.DatagramPacket(new byte[2048], 2048);
        assertThat(receives(other, q)).as("the second connect was not followed").isFalse();
      }
    }
  }

  private static boolean receives(DatagramChannel ch, java.net.DatagramPacket p)
      throws IOException {
    try {
      ch.socket().receive(p);
      return true;
    } catch (SocketTimeoutException e) {
      return false;
    }
  }
}
