package io.btlib.wire.session;

import static io.btlib.wire.session.Fixtures.BLOCK;
import static io.btlib.wire.session.Fixtures.FAST_EXT;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.Handshake;
import io.btlib.wire.PeerMessage;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** What we send, in which order, and how block bodies travel. */
class PeerSessionTransmitTest {

  static BitSet bits(int... set) {
    BitSet b = new BitSet();
    for (int i : set) {
      b.set(i);
    }
    return b;
  }

  @Test
  void commandsBeforeThePeersHandshakeWaitBehindTheExtendedHandshakeAndBitfield() throws Exception {
    Harness h = Harness.outgoing(Fixtures.config(), Feed.WHOLE);
    h.session.bitfield(bits(1, 2));
    h.session.interested(true);
    h.session.have(3);
    h.session.unchoke();
    h.drain();
    assertThat(h.sent()).isEmpty();
    h.handshake(FAST_EXT);
    List<PeerMessage> sent = h.sent();
    assertThat(sent.get(0)).isInstanceOf(PeerMessage.Extended.class);
    assertThat(((PeerMessage.Extended) sent.get(0)).extendedId()).isZero();
    assertThat(sent.subList(1, sent.size())).containsExactly(
        PeerMessage.Bitfield.of(bits(1, 2), 10), PeerMessage.Interested.INSTANCE,
        new PeerMessage.Have(3), PeerMessage.Unchoke.INSTANCE);
  }

  @Test
  void ourExtendedHandshakeCarriesTheConfiguredContent() throws Exception {
    Harness h = Harness.outgoing(Fixtures.config(Fixtures.ALICE).metadataSize(777).listenPort(51413)
        .maxQueuedRequests(250).build(), Feed.WHOLE).handshake(FAST_EXT);
    PeerMessage.Extended e = (PeerMessage.Extended) h.sent().get(0);
    ExtendedHandshake ours = ExtendedHandshake.decode(e.payload());
    assertThat(ours.extensions()).containsEntry("ut_metadata", 1).containsEntry("ut_pex", 2);
    assertThat(ours.metadataSize()).hasValue(777);
    assertThat(ours.listenPort()).hasValue(51413);
    assertThat(ours.requestQueue()).hasValue(250);
    assertThat(ours.client()).hasValue("bt/0.1.0");
  }

  @Test
  void aFullOrEmptyBitfieldBecomesHaveAllOrHaveNoneWithFast() throws Exception {
    BitSet all = new BitSet();
    all.set(0, 10);
    Harness full = Harness.connected(Feed.WHOLE);
    full.session.bitfield(all);
    assertThat(full.drain().sentCore()).containsExactly(PeerMessage.HaveAll.INSTANCE);
    Harness empty = Harness.connected(Feed.WHOLE);
    empty.session.bitfield(new BitSet());
    assertThat(empty.drain().sentCore()).containsExactly(PeerMessage.HaveNone.INSTANCE);
  }

  @Test
  void withoutFastHaveAllIsAFullBitfieldAndNothingIsSentForNone() throws Exception {
    Harness all = Harness.outgoing(Fixtures.config(), Feed.WHOLE).handshake(0);
    all.session.haveAll();
    BitSet full = new BitSet();
    full.set(0, 10);
    assertThat(all.drain().sentCore()).containsExactly(PeerMessage.Bitfield.of(full, 10));
    Harness none = Harness.outgoing(Fixtures.config(), Feed.WHOLE).handshake(0);
    none.session.bitfield(new BitSet());
    none.session.interested(true);
    assertThat(none.drain().sentCore()).containsExactly(PeerMessage.Interested.INSTANCE);
  }

  @Test
  void anotherMessageFirstMeansHaveNoneAndALaterBitfieldIsRefused() throws Exception {
    Harness h = Harness.connected(Feed.WHOLE);
    h.session.interested(true);
    assertThatThrownBy(() -> h.session.bitfield(bits(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("the bitfield must be the first message after the handshake, but "
            + "Interested went first");
    assertThat(h.drain().sentCore()).containsExactly(PeerMessage.HaveNone.INSTANCE,
        PeerMessage.Interested.INSTANCE);
    Harness twice = Harness.connected(Feed.WHOLE);
    twice.session.haveNone();
    assertThatThrownBy(twice.session::haveAll).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("already announced");
  }

  @Test
  void commandsNeedingThePeersHandshakeOrExtensionsSayWhy() {
    PeerSession s = PeerSession.outgoing(Fixtures.config(), 0);
    assertThatThrownBy(() -> s.request(0, 0, BLOCK)).isInstanceOf(IllegalStateException.class)
        .hasMessage("request before the peer's handshake");
    assertThatThrownBy(() -> s.allowedFast(1)).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> s.requestMetadata(0)).isInstanceOf(IllegalStateException.class);
    Harness slow = Harness.outgoing(Fixtures.config(), Feed.WHOLE).handshake(0);
    assertThatThrownBy(() -> slow.session.suggest(1)).isInstanceOf(IllegalStateException.class)
        .hasMessage("suggest needs the fast extension on both sides");
    assertThatThrownBy(() -> slow.session.sendPort(6881))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("DHT");
    Harness noExt = Harness.connected(Feed.WHOLE);
    assertThatThrownBy(() -> noExt.session.requestMetadata(0))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("sending ut_metadata before the peer's extended handshake");
    assertThatThrownBy(() -> noExt.session.request(10, 0, BLOCK))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("piece 10 outside");
    assertThatThrownBy(() -> noExt.session.request(9, 0, 1001))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("piece 9 of 1000");
    assertThatThrownBy(() -> noExt.session.request(0, 0, BLOCK + 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void thePortGoesOutWhenBothSidesRunADht() throws Exception {
    Harness h = Harness.outgoing(Fixtures.config(Fixtures.ALICE).dht(true).build(), Feed.WHOLE)
        .handshake(FAST_EXT | Handshake.DHT);
    h.session.sendPort(6881);
    assertThat(h.drain().sentCore()).containsExactly(PeerMessage.HaveNone.INSTANCE,
        new PeerMessage.Port(6881));
  }

  // ------------------------------------------------------------------ zero-copy blocks

  @Test
  void aZeroCopyBlockStopsTransmitAfterItsHeaderUntilTheNextPoll() throws Exception {
    Harness h = Harness.connected(Feed.WHOLE);
    h.session.haveAll();
    h.session.unchoke();
    h.receive(new PeerMessage.Request(4, BLOCK, BLOCK));
    PeerSession s = h.session;
    assertThat(s.sendBlock(4, BLOCK, BLOCK)).isTrue();
    assertThat(s.sendBlock(4, BLOCK, BLOCK)).as("answered already").isFalse();
    s.have(7);
    ByteBuffer out = ByteBuffer.allocate(1024);
    assertThat(s.pollTransmit(out)).isTrue();
    assertThat(out.position()).isEqualTo(13); // the header only
    out.flip();
    assertThat(out.getInt()).isEqualTo(9 + BLOCK);
    assertThat(out.get()).isEqualTo((byte) PeerMessage.PIECE);
    assertThat(out.getInt()).isEqualTo(4);
    assertThat(out.getInt()).isEqualTo(BLOCK);
    assertThat(s.pendingBlock()).isEqualTo(new PendingBlock(4, BLOCK, BLOCK));
    assertThat(s.pendingBlock()).as("a getter").isEqualTo(new PendingBlock(4, BLOCK, BLOCK));
    out.clear();
    assertThat(s.pollTransmit(out)).isTrue(); // the body was written: the have follows
    assertThat(s.pendingBlock()).isNull();
    out.flip();
    assertThat(Harness.decodeAll(out)).containsExactly(new PeerMessage.Have(7));
    assertThat(s.blockBytesSent()).isEqualTo(BLOCK);
  }

  @ParameterizedTest
  @EnumSource(Feed.class)
  void blocksTravelBetweenTwoSessionsZeroCopyOrCopiedInOrder(Feed feed) {
    SessionPair p = new SessionPair(Fixtures.config(), Fixtures.config(Fixtures.BOB).build(),
        feed);
    p.b.session.haveAll();
    p.b.onEvent = e -> {
      if (e instanceof PeerEvent.RequestReceived) {
        PeerEvent.RequestReceived r = (PeerEvent.RequestReceived) e;
        if (r.piece() % 2 == 0) {
          p.b.session.sendBlock(r.piece(), r.offset(), r.length());
        } else {
          p.b.session.sendBlock(r.piece(), r.offset(),
              Fixtures.blockBuffer(r.piece(), r.offset(), r.length()));
        }
        p.b.session.have(r.piece()); // interleaved messages stay in order
      } else if (e instanceof PeerEvent.PeerInterested) {
        p.b.session.unchoke();
      }
    };
    p.a.onEvent = e -> {
      if (e instanceof PeerEvent.Unchoked) {
        for (int piece = 0; piece < 10; piece++) {
          int size = piece == 9 ? Fixtures.LAST_PIECE_SIZE : Fixtures.PIECE_LENGTH;
          for (int off = 0; off < size; off += BLOCK) {
            assertThat(p.a.session.request(piece, off, Math.min(BLOCK, size - off))).isTrue();
          }
        }
      }
    };
    p.a.session.haveNone();
    p.a.session.interested(true);
    p.pump();
    List<PeerEvent.BlockReceived> blocks = p.a.events(PeerEvent.BlockReceived.class);
    assertThat(blocks).hasSize(19);
    for (PeerEvent.BlockReceived b : blocks) {
      assertThat(b.data()).isEqualTo(Fixtures.blockBuffer(b.piece(), b.offset(), b.length()));
    }
    assertThat(p.a.events(PeerEvent.HaveReceived.class)).hasSize(19);
    assertThat(p.a.session.outstandingRequests()).isZero();
    assertThat(p.a.session.unrequestedBlocks()).isZero();
    assertThat(p.b.session.blockBytesSent()).isEqualTo(Fixtures.TOTAL);
    p.a.assertOpen();
    p.b.assertOpen();
  }

  @Test
  void aTinyTransmitBufferStillCarriesEveryMessage() {
    int pieces = 70_000; // a bitfield of 8750 bytes
    SessionPair p = new SessionPair(
        SessionConfig.builder(Fixtures.ALICE, Fixtures.TORRENT).pieces(pieces, i -> BLOCK).build(),
        SessionConfig.builder(Fixtures.BOB, Fixtures.TORRENT).pieces(pieces, i -> BLOCK).build(),
        Feed.RANDOM);
    p.transmitBufferSize = 7;
    BitSet odd = new BitSet();
    for (int i = 1; i < pieces; i += 2) {
      odd.set(i);
    }
    p.a.session.bitfield(odd);
    p.b.onEvent = e -> {
      if (e instanceof PeerEvent.RequestReceived) {
        PeerEvent.RequestReceived r = (PeerEvent.RequestReceived) e;
        p.b.session.sendBlock(r.piece(), r.offset(), r.length());
      }
    };
    p.b.session.unchoke();
    p.pump();
    assertThat(p.b.events(PeerEvent.BitfieldReceived.class)).singleElement()
        .extracting(PeerEvent.BitfieldReceived::pieces).isEqualTo(odd);
    p.a.session.request(12, 0, BLOCK);
    p.pump();
    assertThat(p.a.events(PeerEvent.BlockReceived.class)).singleElement()
        .satisfies(b -> assertThat(b.data()).isEqualTo(Fixtures.blockBuffer(12, 0, BLOCK)));
  }

  @Test
  void pollTransmitWritesOnlyWholeMessagesThatFit() {
    Harness h = Harness.connected(Feed.WHOLE);
    h.session.have(1);
    h.session.have(2);
    ByteBuffer out = ByteBuffer.allocate(5 + 9 + 8); // HaveNone (5) and a Have (9), not two
    assertThat(h.session.pollTransmit(out)).isTrue();
    // the extended handshake was drained by connected(); HaveNone and one Have fit, not two
    assertThat(out.position()).isEqualTo(5 + 9);
    out.clear();
    assertThat(h.session.pollTransmit(out)).isTrue();
    assertThat(out.position()).isEqualTo(9);
    out.clear();
    assertThat(h.session.pollTransmit(out)).isFalse();
  }
}
