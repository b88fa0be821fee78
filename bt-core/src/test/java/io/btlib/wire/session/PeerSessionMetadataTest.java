package io.btlib.wire.session;

import static io.btlib.wire.session.Fixtures.ALICE;
import static io.btlib.wire.session.Fixtures.BOB;
import static io.btlib.wire.session.Fixtures.FAST_EXT;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.wire.MetadataMessage;
import io.btlib.wire.PeerMessage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;

/** BEP 9 metadata exchange, and a magnet link's session before and after the piece count. */
class PeerSessionMetadataTest {

  static PeerMessage.Extended extended(int id, String payload) {
    return new PeerMessage.Extended(id,
        ByteBuffer.wrap(payload.getBytes(StandardCharsets.ISO_8859_1)));
  }

  @ParameterizedTest
  @EnumSource(Feed.class)
  void aMagnetLeecherFetchesTheInfoDictionaryInPiecesThenLearnsTheSeedsPieces(Feed feed) {
    byte[] info = new byte[40_000]; // three metadata pieces: 16384, 16384, 7232
    new Random(5).nextBytes(info);
    SessionConfig leecher = SessionConfig.builder(ALICE, Fixtures.TORRENT).build(); // no pieces
    SessionConfig seed = Fixtures.config(BOB).metadataSize(info.length).build();
    SessionPair p = new SessionPair(leecher, seed, feed);
    p.b.session.haveAll();
    p.a.session.haveNone();
    p.b.onEvent = e -> {
      if (e instanceof PeerEvent.MetadataRequested) {
        int piece = ((PeerEvent.MetadataRequested) e).piece();
        p.b.session.sendMetadata(MetadataMessage.data(piece, info));
      }
    };
    p.a.onEvent = e -> {
      if (e instanceof PeerEvent.ExtendedHandshakeReceived) {
        int size = ((PeerEvent.ExtendedHandshakeReceived) e).handshake().metadataSize()
            .getAsInt();
        for (int i = 0; i < MetadataMessage.pieceCount(size); i++) {
          p.a.session.requestMetadata(i);
        }
      }
    };
    p.pump();
    assertThat(p.a.events(PeerEvent.BitfieldReceived.class)).as("stored until the count is known")
        .isEmpty();
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    for (PeerEvent.MetadataReceived m : p.a.events(PeerEvent.MetadataReceived.class)) {
      assertThat(m.message().totalSize()).isEqualTo(info.length);
      byte[] part = new byte[m.message().data().remaining()];
      m.message().data().get(part);
      got.writeBytes(part);
    }
    assertThat(got.toByteArray()).isEqualTo(info);
    p.a.session.setPieceCount(Fixtures.PIECES,
        SessionConfig.uniformPieces(Fixtures.TOTAL, Fixtures.PIECE_LENGTH));
    p.pump();
    BitSet all = new BitSet();
    all.set(0, Fixtures.PIECES);
    assertThat(p.a.events(PeerEvent.BitfieldReceived.class)).containsExactly(
        new PeerEvent.BitfieldReceived(all, true, false));
    p.a.assertOpen();
    p.b.assertOpen();
  }

  @Test
  void requestsForMetadataWeDoNotHaveAreRejectedByTheSession() throws Exception {
    Harness h = Harness.connected(Feed.WHOLE)
        .receive(extended(0, "d1:md11:ut_metadatai3eee"))
        .receive(extended(1, "d8:msg_typei0e5:piecei0ee"));
    assertThat(h.events(PeerEvent.MetadataRequested.class)).isEmpty();
    h.session.haveNone(); // the reject waits for our announcement
    h.drain();
    PeerMessage.Extended reply = (PeerMessage.Extended) h.sent().get(h.sent().size() - 1);
    assertThat(reply.extendedId()).isEqualTo(3); // the peer's id for ut_metadata
    assertThat(MetadataMessage.decode(reply.payload(), 100)).isEqualTo(MetadataMessage.reject(0));
    // past the end of metadata we have: rejected too
    Harness seed = Harness.outgoing(Fixtures.config(ALICE).metadataSize(20_000).build(),
        Feed.WHOLE).handshake(FAST_EXT).receive(extended(0, "d1:md11:ut_metadatai3eee"))
        .receive(extended(1, "d8:msg_typei0e5:piecei1ee"),
            extended(1, "d8:msg_typei0e5:piecei2ee"));
    assertThat(seed.events(PeerEvent.MetadataRequested.class)).containsExactly(
        new PeerEvent.MetadataRequested(1));
  }

  @Test
  void requestsFromAPeerWithoutAUtMetadataIdAreIgnored() throws Exception {
    // found by SessionFuzzTest#session: the event asked for an answer sendMetadata cannot send
    Harness seed = Harness.outgoing(Fixtures.config(ALICE).metadataSize(20_000).build(),
        Feed.WHOLE).handshake(FAST_EXT).receive(extended(0, "d1:md6:ut_pexi4eee"))
        .receive(extended(1, "d8:msg_typei0e5:piecei0ee"),
            extended(1, "d8:msg_typei0e5:piecei5ee"));
    assertThat(seed.events(PeerEvent.MetadataRequested.class)).isEmpty();
    seed.session.haveNone();
    seed.drain();
    assertThat(seed.sent()).noneMatch(m -> m instanceof PeerMessage.Extended
        && ((PeerMessage.Extended) m).extendedId() != 0);
    seed.assertOpen();
  }

  @Test
  void unrequestedMetadataIsIgnoredAndRejectsAreReported() {
    Harness h = Harness.connected(Feed.WHOLE).receive(extended(0, "d1:md11:ut_metadatai3eee"))
        .receive(extended(1, "d8:msg_typei1e5:piecei0e10:total_sizei3ee" + "abc"));
    assertThat(h.events(PeerEvent.MetadataReceived.class)).isEmpty();
    h.session.requestMetadata(0);
    h.receive(extended(1, "d8:msg_typei2e5:piecei0ee"));
    assertThat(h.events(PeerEvent.MetadataRejected.class)).containsExactly(
        new PeerEvent.MetadataRejected(0));
    h.assertOpen();
  }

  @Test
  void aMagnetSessionChecksTheStoredBitfieldWhenThePieceCountArrives() {
    SessionConfig magnet = SessionConfig.builder(ALICE, Fixtures.TORRENT).build();
    Harness h = Harness.outgoing(magnet, Feed.WHOLE).handshake(FAST_EXT)
        .receive(PeerMessage.Bitfield.of(new byte[] {(byte) 0xff, (byte) 0xff}));
    h.assertOpen();
    h.session.setPieceCount(10, i -> 1000);
    h.drain();
    assertThat(h.closed().cause()).isEqualTo(CloseCause.BAD_BITFIELD);
    assertThat(h.closed().reason()).contains("spare bit 10");
  }

  @Test
  void aMagnetSessionMergesStoredHavesIntoTheBitfield() {
    SessionConfig magnet = SessionConfig.builder(ALICE, Fixtures.TORRENT).build();
    BitSet one = new BitSet();
    one.set(1);
    Harness h = Harness.outgoing(magnet, Feed.WHOLE).handshake(FAST_EXT)
        .receive(PeerMessage.Bitfield.of(one, 10), new PeerMessage.Have(7),
            new PeerMessage.SuggestPiece(3), new PeerMessage.Request(0, 0, 100));
    assertThat(h.laterEvents()).isEmpty();
    assertThat(h.session.refusedPeerRequests()).isEqualTo(1);
    h.session.setPieceCount(10, i -> 1000);
    h.drain();
    BitSet expected = new BitSet();
    expected.set(1);
    expected.set(7);
    assertThat(h.laterEvents()).containsExactly(new PeerEvent.BitfieldReceived(expected, false,
        false));
  }

  @Test
  void aMagnetSessionReportsStoredHavesWithoutABitfieldOneByOne() {
    SessionConfig magnet = SessionConfig.builder(ALICE, Fixtures.TORRENT).build();
    Harness h = Harness.outgoing(magnet, Feed.WHOLE).handshake(0)
        .receive(new PeerMessage.Have(2), new PeerMessage.Have(5));
    h.session.setPieceCount(6, i -> 1000);
    h.drain();
    assertThat(h.laterEvents()).containsExactly(new PeerEvent.HaveReceived(2),
        new PeerEvent.HaveReceived(5));
    Harness bad = Harness.outgoing(magnet, Feed.WHOLE).handshake(0)
        .receive(new PeerMessage.Have(6));
    bad.session.setPieceCount(6, i -> 1000);
    bad.drain();
    assertThat(bad.closed().reason()).contains("have 6 >= piece count 6");
  }

  @Test
  void aMagnetSessionBoundsHavesByTheLargestPossibleBitfield() {
    SessionConfig magnet = SessionConfig.builder(ALICE, Fixtures.TORRENT).build();
    Harness h = Harness.outgoing(magnet, Feed.WHOLE).handshake(0)
        .receive(new PeerMessage.Have(Integer.MAX_VALUE));
    assertThat(h.closed().cause()).isEqualTo(CloseCause.PIECE_INDEX_OUT_OF_RANGE);
  }
}
