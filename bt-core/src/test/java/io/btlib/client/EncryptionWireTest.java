package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerId;
import io.btlib.wire.Handshake;
import io.btlib.wire.mse.CryptoMethod;
import io.btlib.wire.mse.MseException;
import io.btlib.wire.mse.MseHandshake;
import io.btlib.wire.mse.MseResult;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.util.EnumSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A bt client with encryption forced, spoken to over a raw socket by this test with the sans-I/O
 * {@link MseHandshake}: what the engine answers, byte for byte.
 */
@Timeout(30)
class EncryptionWireTest {
  static final byte[] DATA = TestTorrents.random(100_000, 5);
  static final Metainfo META = TestTorrents.v1(DATA, 16 * 1024);
  static final Metainfo OTHER = TestTorrents.v1(TestTorrents.random(50_000, 6), 16 * 1024);

  /** A connection to the client driven by an initiator handshake; null result if it closed. */
  static final class Peer implements AutoCloseable {
    final SocketChannel ch;
    final MseHandshake mse;
    final ByteBuffer in = ByteBuffer.allocate(1 << 16);
    boolean eof;

    Peer(InetSocketAddress to, InfoHash skey, ByteBuffer initialPayload) throws IOException {
      ch = SocketChannel.open(to);
      ch.setOption(StandardSocketOptions.SO_LINGER, 0);
      ch.socket().setSoTimeout(10_000);
      mse = MseHandshake.initiator(skey, EnumSet.of(CryptoMethod.RC4), initialPayload,
          new Random(9));
    }

    /** Runs the handshake: its result, or null if the client closed the connection. */
    MseResult handshake() throws IOException, MseException {
      ByteBuffer out = ByteBuffer.allocate(2048);
      while (!mse.isDone()) {
        out.clear();
        mse.pollTransmit(out);
        out.flip();
        while (out.hasRemaining()) {
          ch.write(out);
        }
        if (read() < 0) {
          return null;
        }
        in.flip();
        mse.handleBytes(in);
        in.compact();
      }
      return mse.result();
    }

    int read() throws IOException {
      int n = ch.socket().getInputStream().read(in.array(), in.position(), in.remaining());
      if (n > 0) {
        in.position(in.position() + n);
      } else {
        eof = true;
      }
      return n;
    }

    /** Reads until EOF (true) or {@code n} bytes are buffered (false). */
    boolean readUntil(int n) throws IOException {
      while (in.position() < n) {
        if (read() < 0) {
          return true;
        }
      }
      return false;
    }

    @Override
    public void close() throws IOException {
      ch.close();
    }
  }

  static Client seeder(Torrent[] out) {
    Client c = Client.builder().encryption(EncryptionPolicy.FORCED).build();
    Torrent t = c.add(META, new TestTorrents.ArrayStorage(META, DATA));
    t.start();
    out[0] = t;
    return c;
  }

  static ByteBuffer handshakeFor(InfoHash h) {
    ByteBuffer b = ByteBuffer.allocate(Handshake.LENGTH);
    new Handshake(Handshake.FAST, h, PeerId.random("-TT0000-", new Random(1)))
        .encode(b);
    return b.flip();
  }

  @Test
  void aBitTorrentHandshakeSentAsInitialPayloadIsAnsweredEncrypted() throws Exception {
    Torrent[] t = new Torrent[1];
    try (Client c = seeder(t)) {
      t[0].completion().get(10, java.util.concurrent.TimeUnit.SECONDS);
      InfoHash h = META.infoHashes().shortHash();
      try (Peer p = new Peer(c.listenAddress(), h, handshakeFor(h))) {
        MseResult r = p.handshake();
        assertThat(r).isNotNull();
        assertThat(r.method()).isEqualTo(CryptoMethod.RC4);
        // whatever followed the handshake and what comes next: the client's encrypted handshake
        assertThat(p.readUntil(Handshake.LENGTH)).isFalse();
        int got = p.in.position();
        byte[] raw = java.util.Arrays.copyOf(p.in.array(), Handshake.LENGTH);
        r.decryptor().apply(p.in, 0, got);
        assertThat(java.util.Arrays.copyOf(p.in.array(), Handshake.LENGTH)).isNotEqualTo(raw);
        p.in.flip();
        Handshake answer = Handshake.decode(p.in);
        assertThat(answer.infoHash()).isEqualTo(h);
        assertThat(answer.peerId()).isEqualTo(c.peerId());
      }
    }
  }

  @Test
  void anUnknownTorrentGetsStep2AndThenTheConnectionCloses() throws Exception {
    Torrent[] t = new Torrent[1];
    try (Client c = seeder(t); Peer p = new Peer(c.listenAddress(),
        OTHER.infoHashes().shortHash(), ByteBuffer.allocate(0))) {
      assertThat(p.handshake()).isNull();
      assertThat(p.eof).isTrue();
      assertThat(p.mse.isDone()).isFalse();
    }
  }

  @Test
  void aHandshakeNamingAnotherTorrentThanTheStreamKeyIsClosed() throws Exception {
    Torrent[] t = new Torrent[1];
    try (Client c = seeder(t)) {
      c.add(OTHER, new TestTorrents.ArrayStorage(OTHER, null)).start();
      InfoHash h = META.infoHashes().shortHash();
      try (Peer p = new Peer(c.listenAddress(), h,
          handshakeFor(OTHER.infoHashes().shortHash()))) {
        // the client may close before its MSE reply (step 4) leaves or right after it; either
        // way no BitTorrent handshake comes back
        if (p.handshake() != null) {
          assertThat(p.readUntil(1 << 16)).as("closed before answering").isTrue();
          assertThat(p.in.position()).isZero();
        } else {
          assertThat(p.eof).isTrue();
        }
      }
    }
  }
}
