package io.btlib.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.InfoHashes;
import io.btlib.peer.PeerId;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.Handshake;
import io.btlib.wire.MetadataMessage;
import io.btlib.wire.PexMessage;
import io.btlib.wire.WireException;
import io.btlib.wire.WireLimits;
import io.btlib.wire.mse.CryptoMethod;
import io.btlib.wire.mse.MseException;
import io.btlib.wire.mse.MseHandshake;
import io.btlib.wire.mse.SkeyLookup;
import io.btlib.wire.session.PeerEvent;
import io.btlib.wire.session.PeerSession;
import io.btlib.wire.session.SessionConfig;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;

/**
 * Coverage-guided fuzz targets (Jazzer) for the stateful peer protocol: a whole {@link PeerSession}
 * fed a stream after a valid handshake, the BEP 10 extended handshake, {@code ut_metadata} and
 * {@code ut_pex} payloads, and the MSE handshake in both roles. Each target asserts the documented
 * contract: the session never throws for what the peer sends (a broken rule is one {@link
 * PeerEvent.Closed}, the last event, with a protocol-violation cause) and never leaves more than one
 * incomplete message unread; the decoders throw only {@link WireException} and what they accept
 * encodes and decodes back to itself; the MSE handshake throws only {@link MseException} and gives
 * up once the peer has sent more than a synchronisation marker can be searched for.
 *
 * <p>Run as {@link InputFuzzTest} is: {@code mvn test} replays the corpus in {@code
 * src/test/resources/io/btlib/fuzz/SessionFuzzTestInputs/<target>/}; {@code JAZZER_FUZZ=1} with
 * {@code -Dtest='SessionFuzzTest#session'} fuzzes one target.
 */
class SessionFuzzTest {
  static final PeerId ME = PeerId.of("-BT0100-aliceaaaaaaa".getBytes(StandardCharsets.US_ASCII));
  static final PeerId PEER = PeerId.of("-BT0100-bobbbbbbbbbb".getBytes(StandardCharsets.US_ASCII));
  static final InfoHash V1 = InfoHash.of(filled(20, 0x11));
  static final int PIECE_LENGTH = 32 * 1024;
  static final long TOTAL = 9L * PIECE_LENGTH + 1000;
  /** The wire limits of the session's config (the defaults). */
  static final WireLimits LIMITS = WireLimits.DEFAULTS;

  static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  /** The peer's valid handshake (fast extension and BEP 10), which every session input follows. */
  static byte[] peerHandshake() {
    ByteBuffer b = ByteBuffer.allocate(Handshake.LENGTH);
    new Handshake(Handshake.FAST | Handshake.EXTENSION_PROTOCOL | Handshake.DHT, V1, PEER)
        .encode(b);
    return b.array();
  }

  /**
   * An outgoing session of 10 pieces that has taken the peer's handshake, announced nothing,
   * unchoked the peer and asked for three blocks and a metadata piece; then {@code data} arrives in
   * reads of {@code 1 + (data[0] & 0x3F)} bytes (the first byte only chooses the split), and the
   * session answers the peer's requests as an engine would.
   */
  @FuzzTest(maxDuration = "60s")
  void session(byte[] data) {
    SessionConfig cfg = SessionConfig.builder(ME, InfoHashes.ofV1(V1)).pieces(TOTAL, PIECE_LENGTH)
        .metadataSize(20_000).dht(true).build();
    PeerSession s = PeerSession.outgoing(cfg, 0);
    s.haveNone();
    s.unchoke();
    List<PeerEvent> events = new ArrayList<>();
    s.handleBytes(ByteBuffer.wrap(peerHandshake()), 1);
    drain(s, events);
    assertThat(s.isHandshakeReceived()).isTrue();
    s.request(0, 0, 16 * 1024);
    s.request(0, 16 * 1024, 16 * 1024);
    s.request(9, 0, 1000);
    int step = data.length == 0 ? 1 : 1 + (data[0] & 0x3F);
    int from = data.length == 0 ? 0 : 1;
    ByteBuffer rx = ByteBuffer.allocate(data.length);
    ByteBuffer tx = ByteBuffer.allocate(64 * 1024);
    long now = 1;
    for (int off = from; off < data.length; off += step) {
      rx.put(data, off, Math.min(step, data.length - off));
      rx.flip();
      s.handleBytes(rx, ++now); // never throws for the peer's bytes
      if (s.isClosed()) {
        assertThat(rx.hasRemaining()).as("a closed session discards all input").isFalse();
      } else {
        assertThat(rx.remaining()).as("unread: at most one incomplete message")
            .isLessThan(4 + LIMITS.maxMessageLength());
      }
      rx.compact();
      assertThat(s.queuedPeerRequests()).isLessThanOrEqualTo(cfg.maxQueuedRequests());
      int before = events.size();
      drain(s, events);
      for (PeerEvent e : events.subList(before, events.size())) {
        if (e instanceof PeerEvent.RequestReceived) {
          PeerEvent.RequestReceived r = (PeerEvent.RequestReceived) e;
          s.sendBlock(r.piece(), r.offset(), ByteBuffer.allocate(r.length()));
        } else if (e instanceof PeerEvent.MetadataRequested) {
          s.sendMetadata(MetadataMessage.reject(((PeerEvent.MetadataRequested) e).piece()));
        }
      }
      do {
        tx.clear();
      } while (s.pollTransmit(tx) || s.pendingBlock() != null);
    }
    for (int i = 0; i < events.size(); i++) {
      PeerEvent e = events.get(i);
      if (e instanceof PeerEvent.Closed) {
        assertThat(i).as("Closed is the last event").isEqualTo(events.size() - 1);
        assertThat(((PeerEvent.Closed) e).cause().isProtocolViolation())
            .as("closed for the peer's fault: %s", e).isTrue();
      }
    }
  }

  private static void drain(PeerSession s, List<PeerEvent> events) {
    for (PeerEvent e; (e = s.pollEvent()) != null; ) {
      events.add(e);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void extendedHandshake(byte[] data) {
    ExtendedHandshake h;
    try {
      h = ExtendedHandshake.decode(ByteBuffer.wrap(data));
    } catch (WireException e) {
      return;
    }
    assertThat(decodeOrFail(h.encode())).as("encoded and read back").isEqualTo(h);
  }

  private static ExtendedHandshake decodeOrFail(byte[] b) {
    try {
      return ExtendedHandshake.decode(ByteBuffer.wrap(b));
    } catch (WireException e) {
      throw new AssertionError("our own encoding refused: " + e.getMessage(), e);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void metadata(byte[] data) {
    MetadataMessage m;
    try {
      m = MetadataMessage.decode(ByteBuffer.wrap(data), 20_000);
    } catch (WireException e) {
      return;
    }
    assertThat(m.totalSize()).isLessThanOrEqualTo(20_000);
    assertThat(m.data().remaining()).isLessThanOrEqualTo(MetadataMessage.PIECE_SIZE);
    MetadataMessage again;
    try {
      again = MetadataMessage.decode(ByteBuffer.wrap(m.encode()), 20_000);
    } catch (WireException e) {
      throw new AssertionError("our own encoding refused: " + e.getMessage(), e);
    }
    assertThat(again.type()).isEqualTo(m.type());
    assertThat(again.piece()).isEqualTo(m.piece());
    assertThat(again.totalSize()).isEqualTo(m.totalSize());
    assertThat(again.data()).isEqualTo(m.data());
  }

  @FuzzTest(maxDuration = "60s")
  void pex(byte[] data) {
    PexMessage m;
    try {
      m = PexMessage.decode(ByteBuffer.wrap(data));
    } catch (WireException e) {
      return;
    }
    assertThat(m.added().size()).isLessThanOrEqualTo(2 * PexMessage.MAX_PEERS); // IPv4 and IPv6
    assertThat(m.dropped().size()).isLessThanOrEqualTo(2 * PexMessage.MAX_PEERS);
    try {
      assertThat(PexMessage.decode(ByteBuffer.wrap(m.encode()))).isEqualTo(m);
    } catch (WireException e) {
      throw new AssertionError("our own encoding refused: " + e.getMessage(), e);
    }
  }

  /** The opening of a plain BitTorrent handshake, which a receiver leaves for the wire codec. */
  static final byte[] PLAINTEXT = "\u0013BitTorrent protocol".getBytes(StandardCharsets.US_ASCII);

  /** Ya or Yb, the longest pad and the marker searched for (VC, 8 bytes; HASH('req1', S), 20). */
  static final int INITIATOR_SYNC_LIMIT = 96 + 512 + 8;
  static final int RECEIVER_SYNC_LIMIT = 96 + 512 + 20;

  /** A connection we opened, fed the peer's bytes (which cannot know the shared secret). */
  @FuzzTest(maxDuration = "60s")
  void mseInitiator(byte[] data) {
    MseHandshake h = MseHandshake.initiator(V1, EnumSet.allOf(CryptoMethod.class),
        ByteBuffer.allocate(0), new Random(1));
    mse(h, data, INITIATOR_SYNC_LIMIT);
  }

  /** A connection the peer opened; a plain BitTorrent handshake is accepted instead. */
  @FuzzTest(maxDuration = "60s")
  void mseReceiver(byte[] data) {
    MseHandshake h = MseHandshake.receiver(SkeyLookup.of(List.of(V1)),
        EnumSet.allOf(CryptoMethod.class), true, new Random(1));
    mse(h, data, RECEIVER_SYNC_LIMIT);
  }

  /**
   * Feeds {@code data} in one read, then EOF. Without the shared secret the peer's bytes can never
   * hold the marker, so a handshake still waiting has read no more than the marker's bound, and
   * has read all it was given unless that may open a plain handshake (found by fuzzing: a lone
   * 0x13 is peeked at, not consumed, as the receiver's contract says).
   */
  private static void mse(MseHandshake h, byte[] data, int syncLimit) {
    ByteBuffer src = ByteBuffer.wrap(data);
    try {
      h.handleBytes(src);
      if (!h.isDone()) {
        if (src.hasRemaining()) { // a receiver peeks at what may open a plain BitTorrent handshake
          assertThat(h.isInitiator()).isFalse();
          assertThat(src.position()).isZero();
          assertThat(PLAINTEXT).as("left unread").startsWith(data);
        }
        assertThat(data.length).as("still searching past the marker's bound")
            .isLessThanOrEqualTo(syncLimit);
        h.handleEof();
        throw new AssertionError("EOF before the end must fail");
      }
    } catch (MseException e) {
      return;
    }
    // Done: without the secret, only a plaintext handshake can finish, and it stops at its end.
    assertThat(h.isInitiator()).as("an initiator finished without the secret").isFalse();
    assertThat(h.result().isPlaintextHandshake()).isTrue();
    assertThat(src.position()).isLessThanOrEqualTo(syncLimit);
  }
}
