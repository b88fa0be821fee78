package io.btlib.wire.session;

import static io.btlib.wire.session.Fixtures.ALICE;
import static io.btlib.wire.session.Fixtures.BOB;
import static io.btlib.wire.session.Fixtures.FAST_EXT;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.InfoHashes;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.Handshake;
import io.btlib.wire.PeerMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class PeerSessionHandshakeTest {

  @Test
  void outgoingSendsItsHandshakeAtOnce() throws Exception {
    Harness h = Harness.outgoing(Fixtures.config(), Feed.WHOLE).drain();
    Handshake sent = h.sentHandshake();
    assertThat(sent.infoHash()).isEqualTo(Fixtures.V1);
    assertThat(sent.peerId()).isEqualTo(ALICE);
    assertThat(sent.supports(Handshake.FAST | Handshake.EXTENSION_PROTOCOL)).isTrue();
    assertThat(sent.supports(Handshake.DHT)).isFalse();
    assertThat(h.sent()).isEmpty(); // nothing else before the peer's handshake
  }

  @Test
  void incomingWaitsForThePeersHandshakeBeforeAnswering() throws Exception {
    Harness h = Harness.incoming(Fixtures.config(), Feed.WHOLE).drain();
    assertThat(h.transmitted.size()).isZero();
    h.handshake(FAST_EXT);
    assertThat(h.sentHandshake().peerId()).isEqualTo(ALICE);
    assertThat(h.events.get(0)).isEqualTo(new PeerEvent.HandshakeReceived(BOB, FAST_EXT,
        Fixtures.V1, true, true));
  }

  @ParameterizedTest
  @EnumSource(Feed.class)
  void twoSessionsHandshakeAndExchangeExtendedHandshakes(Feed feed) {
    SessionPair p = new SessionPair(Fixtures.config(ALICE).listenPort(6881).build(),
        Fixtures.config(BOB).metadataSize(1234).build(), feed).pump();
    assertThat(p.a.events(PeerEvent.HandshakeReceived.class)).singleElement()
        .satisfies(e -> {
          assertThat(e.peerId()).isEqualTo(BOB);
          assertThat(e.fastExtension()).isTrue();
          assertThat(e.extensionProtocol()).isTrue();
        });
    assertThat(p.b.events(PeerEvent.HandshakeReceived.class)).singleElement()
        .extracting(PeerEvent.HandshakeReceived::peerId).isEqualTo(ALICE);
    ExtendedHandshake fromBob = p.a.events(PeerEvent.ExtendedHandshakeReceived.class).get(0)
        .handshake();
    assertThat(fromBob.idOf(ExtendedHandshake.UT_METADATA)).hasValue(1);
    assertThat(fromBob.idOf(ExtendedHandshake.UT_PEX)).hasValue(2);
    assertThat(fromBob.metadataSize()).hasValue(1234);
    assertThat(fromBob.requestQueue()).hasValue(500);
    assertThat(fromBob.client()).hasValue("bt/0.1.0");
    ExtendedHandshake fromAlice = p.b.events(PeerEvent.ExtendedHandshakeReceived.class).get(0)
        .handshake();
    assertThat(fromAlice.listenPort()).hasValue(6881);
    assertThat(p.a.session.peerId()).hasValue(BOB);
    assertThat(p.a.session.peerExtendedHandshake()).hasValue(fromBob);
    p.a.assertOpen();
    p.b.assertOpen();
  }

  @Test
  void withoutTheExtensionBitNoExtendedHandshakeIsSent() throws Exception {
    Harness h = Harness.connected(Feed.WHOLE);
    assertThat(h.sent()).singleElement().extracting(PeerMessage::id)
        .isEqualTo(PeerMessage.EXTENDED);
    Harness plain = Harness.outgoing(Fixtures.config(), Feed.WHOLE).handshake(Handshake.FAST);
    assertThat(plain.sent()).isEmpty();
    assertThat(plain.session.isExtensionProtocol()).isFalse();
    assertThat(plain.session.isFastExtension()).isTrue();
  }

  @Test
  void incomingAnswersAHybridWithTheHashThePeerUsed() throws Exception {
    SessionConfig cfg = SessionConfig.builder(ALICE, Fixtures.HYBRID)
        .pieces(Fixtures.TOTAL, Fixtures.PIECE_LENGTH).build();
    assertThat(cfg.handshakeHash()).isEqualTo(Fixtures.V1);
    assertThat(cfg.reserved() & Handshake.V2_UPGRADE).isNotZero();
    Harness h = Harness.incoming(cfg, Feed.WHOLE)
        .handshake(FAST_EXT, Fixtures.V2.truncated(), BOB);
    assertThat(h.sentHandshake().infoHash()).isEqualTo(Fixtures.V2.truncated());
    assertThat(h.events(PeerEvent.HandshakeReceived.class).get(0).infoHash())
        .isEqualTo(Fixtures.V2.truncated());
  }

  @Test
  void outgoingSendsTheHashTheConfigNamesAndAcceptsTheTruncatedV2Hash() throws Exception {
    SessionConfig cfg = SessionConfig.builder(ALICE, InfoHashes.ofV2(Fixtures.V2))
        .pieces(Fixtures.TOTAL, Fixtures.PIECE_LENGTH).build();
    Harness h = Harness.outgoing(cfg, Feed.WHOLE).handshake(FAST_EXT, Fixtures.V2.truncated(), BOB);
    assertThat(h.sentHandshake().infoHash()).isEqualTo(Fixtures.V2.truncated());
    h.assertOpen();
  }

  @ParameterizedTest
  @EnumSource(Feed.class)
  void closesOnAWrongInfoHashWithoutAnswering(Feed feed) {
    Harness h = Harness.incoming(Fixtures.config(), feed).handshake(FAST_EXT, Fixtures.OTHER, BOB);
    PeerEvent.Closed c = h.closed();
    assertThat(c.cause()).isEqualTo(CloseCause.WRONG_INFO_HASH);
    assertThat(c.protocolViolation()).isTrue();
    assertThat(c.reason()).startsWith("WRONG_INFO_HASH: ").contains(Fixtures.OTHER.hex());
    assertThat(h.transmitted.size()).as("our handshake is not revealed").isZero();
  }

  @Test
  void closesAConnectionToItself() {
    Harness h = Harness.outgoing(Fixtures.config(), Feed.WHOLE).drain();
    h.receive(h.transmitted.toByteArray()); // our own handshake comes back
    assertThat(h.closed().cause()).isEqualTo(CloseCause.SELF_CONNECTION);
    assertThat(h.closed().reason()).contains(ALICE.hex());
  }

  @Test
  void answersAnIncomingConnectionFromItselfBeforeClosing() throws Exception {
    Harness h = Harness.incoming(Fixtures.config(), Feed.WHOLE).handshake(FAST_EXT, Fixtures.V1,
        ALICE);
    assertThat(h.closed().cause()).isEqualTo(CloseCause.SELF_CONNECTION);
    assertThat(h.sentHandshake().peerId()).as("so that our dialling side learns it too")
        .isEqualTo(ALICE);
  }

  @ParameterizedTest
  @EnumSource(Feed.class)
  void closesWhenAMessageComesBeforeTheHandshake(Feed feed) {
    Harness h = Harness.outgoing(Fixtures.config(), feed).receive(new PeerMessage.Have(1));
    assertThat(h.closed().cause()).isEqualTo(CloseCause.MALFORMED_HANDSHAKE);
    assertThat(h.closed().protocolViolation()).isTrue();
  }

  @Test
  void closesOnAnotherProtocol() {
    Harness h = Harness.incoming(Fixtures.config(), Feed.WHOLE)
        .receive("GET /announce HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
    assertThat(h.closed().cause()).isEqualTo(CloseCause.MALFORMED_HANDSHAKE);
    assertThat(h.closed().reason()).contains("BAD_PROTOCOL");
  }

  @Test
  void waitsForTheRestOfTheHandshakeWithThePositionAtItsStart() {
    PeerSession s = PeerSession.outgoing(Fixtures.config(), 0);
    byte[] hs = Fixtures.handshake(FAST_EXT, Fixtures.V1, BOB);
    ByteBuffer b = ByteBuffer.wrap(hs, 0, 67);
    s.handleBytes(b, 1);
    assertThat(b.position()).isZero();
    assertThat(s.pollEvent()).isNull();
    s.handleBytes(ByteBuffer.wrap(hs), 2);
    assertThat(s.pollEvent()).isInstanceOf(PeerEvent.HandshakeReceived.class);
  }

  @Test
  void decodesTheHandshakeAndMessagesInOneBufferAndLeavesAPartialMessage() {
    PeerSession s = PeerSession.outgoing(Fixtures.config(), 0);
    BitSet have = new BitSet();
    have.set(3);
    byte[] msgs = Fixtures.encode(PeerMessage.Bitfield.of(have, 10), new PeerMessage.Have(4),
        PeerMessage.Unchoke.INSTANCE);
    byte[] hs = Fixtures.handshake(FAST_EXT, Fixtures.V1, BOB);
    ByteBuffer b = ByteBuffer.allocate(hs.length + msgs.length);
    b.put(hs).put(msgs).flip();
    b.limit(b.limit() - 1); // the unchoke's last byte is missing
    s.handleBytes(b, 1);
    assertThat(b.remaining()).isEqualTo(4);
    assertThat(s.pollEvent()).isInstanceOf(PeerEvent.HandshakeReceived.class);
    BitSet expected = new BitSet();
    expected.set(3);
    assertThat(s.pollEvent()).isEqualTo(new PeerEvent.BitfieldReceived(expected, false, false));
    assertThat(s.pollEvent()).isEqualTo(new PeerEvent.HaveReceived(4));
    assertThat(s.pollEvent()).isNull();
  }

  @Test
  void anEndOfStreamIsNotAViolation() {
    Harness h = Harness.outgoing(Fixtures.config(), Feed.WHOLE);
    h.session.handleEof(5);
    h.drain();
    assertThat(h.closed().cause()).isEqualTo(CloseCause.EOF);
    assertThat(h.closed().protocolViolation()).isFalse();
    assertThat(h.closed().reason()).contains("before its handshake");
  }
}
