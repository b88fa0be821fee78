package io.btlib.wire.session;

import static io.btlib.wire.session.Fixtures.BLOCK;
import static io.btlib.wire.session.Fixtures.FAST_EXT;
import static io.btlib.wire.session.Fixtures.LAST_PIECE_SIZE;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.wire.Handshake;
import io.btlib.wire.MetadataMessage;
import io.btlib.wire.PeerMessage;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.BitSet;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/** Each rule a peer can break closes the session with its cause and a reason naming the value. */
class PeerSessionRulesTest {

  static ByteBuffer ascii(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  static PeerMessage.Extended extended(int id, String payload) {
    return new PeerMessage.Extended(id, ascii(payload));
  }

  static BitSet bits(int... set) {
    BitSet b = new BitSet();
    for (int i : set) {
      b.set(i);
    }
    return b;
  }

  static PeerEvent.Closed closedBy(Harness h, CloseCause cause) {
    PeerEvent.Closed c = h.closed();
    assertThat(c.cause()).as(c.reason()).isEqualTo(cause);
    assertThat(c.protocolViolation()).isTrue();
    assertThat(c.reason()).startsWith(cause.name() + ": ");
    return c;
  }

  // ------------------------------------------------------------------ announcement order

  @ParameterizedTest
  @EnumSource(Feed.class)
  void aBitfieldAfterAnotherMessageCountsAsHaves(Feed feed) {
    // aria2 sends a Bitfield in place of several Haves, at any time
    Harness h = Harness.connected(feed).receive(new PeerMessage.Have(1),
        PeerMessage.Bitfield.of(bits(2, 5), 10));
    h.assertOpen();
    assertThat(h.events(PeerEvent.HaveReceived.class)).containsExactly(
        new PeerEvent.HaveReceived(1), new PeerEvent.HaveReceived(2),
        new PeerEvent.HaveReceived(5));
  }

  @ParameterizedTest
  @EnumSource(Feed.class)
  void aLaterBitfieldIsCheckedLikeTheFirst(Feed feed) {
    Harness h = Harness.connected(feed).receive(PeerMessage.Bitfield.of(bits(2), 10),
        PeerMessage.Bitfield.of(bits(3), 20));
    closedBy(h, CloseCause.BAD_BITFIELD);
  }

  @ParameterizedTest
  @EnumSource(Feed.class)
  void aSecondBitfieldCloses(Feed feed) {
    Harness h = Harness.connected(feed).receive(PeerMessage.Bitfield.of(bits(2), 10),
        PeerMessage.HaveAll.INSTANCE);
    assertThat(closedBy(h, CloseCause.BITFIELD_NOT_FIRST).reason())
        .contains("HaveAll after Bitfield");
  }

  @Test
  void haveNoneAfterUnchokeCloses() {
    Harness h = Harness.connected(Feed.WHOLE).receive(PeerMessage.Unchoke.INSTANCE,
        PeerMessage.HaveNone.INSTANCE);
    closedBy(h, CloseCause.BITFIELD_NOT_FIRST);
  }

  @Test
  void extensionPortAndKeepAliveMessagesMayPrecedeTheBitfield() {
    Harness h = Harness.connected(Feed.WHOLE).receive(PeerMessage.KeepAlive.INSTANCE,
        extended(0, "d1:md6:ut_pexi1eee"), new PeerMessage.Port(6881),
        PeerMessage.Bitfield.of(bits(0, 9), 10));
    h.assertOpen();
    assertThat(h.events(PeerEvent.BitfieldReceived.class)).containsExactly(
        new PeerEvent.BitfieldReceived(bits(0, 9), false, false));
    assertThat(h.events(PeerEvent.PortReceived.class)).containsExactly(
        new PeerEvent.PortReceived(6881));
  }

  @Test
  void haveAllAndHaveNoneBecomeFullAndEmptySets() {
    Harness all = Harness.connected(Feed.WHOLE).receive(PeerMessage.HaveAll.INSTANCE);
    BitSet full = new BitSet();
    full.set(0, 10);
    assertThat(all.events(PeerEvent.BitfieldReceived.class)).containsExactly(
        new PeerEvent.BitfieldReceived(full, true, false));
    Harness none = Harness.connected(Feed.WHOLE).receive(PeerMessage.HaveNone.INSTANCE);
    assertThat(none.events(PeerEvent.BitfieldReceived.class)).containsExactly(
        new PeerEvent.BitfieldReceived(new BitSet(), false, true));
  }

  // ------------------------------------------------------------------ bitfield contents

  @ParameterizedTest
  @EnumSource(Feed.class)
  void aBitfieldOfTheWrongLengthCloses(Feed feed) {
    Harness h = Harness.connected(feed).receive(PeerMessage.Bitfield.of(new byte[3]));
    assertThat(closedBy(h, CloseCause.BAD_BITFIELD).reason())
        .contains("3 bytes for 10 pieces (expected 2)");
  }

  @Test
  void aBitfieldWithSpareBitsSetCloses() {
    Harness h = Harness.connected(Feed.WHOLE)
        .receive(PeerMessage.Bitfield.of(new byte[] {0, 0x20})); // bit 10 of 10 pieces
    assertThat(closedBy(h, CloseCause.BAD_BITFIELD).reason()).contains("spare bit 10");
  }

  // ------------------------------------------------------------------ piece indices

  static Stream<Arguments> outOfRangeIndices() {
    return Stream.of(
        Arguments.of(new PeerMessage.Have(10), "have 10 >= piece count 10"),
        Arguments.of(new PeerMessage.Request(10, 0, BLOCK), "request 10 >= piece count 10"),
        Arguments.of(new PeerMessage.Cancel(11, 0, BLOCK), "cancel 11 >= piece count 10"),
        Arguments.of(new PeerMessage.RejectRequest(12, 0, BLOCK), "reject 12 >= piece count 10"),
        Arguments.of(new PeerMessage.Piece(10, 0, ByteBuffer.allocate(5)),
            "piece 10 >= piece count 10"),
        Arguments.of(new PeerMessage.SuggestPiece(10), "suggest 10 >= piece count 10"),
        Arguments.of(new PeerMessage.AllowedFast(99), "allowed-fast 99 >= piece count 10"));
  }

  @ParameterizedTest
  @MethodSource("outOfRangeIndices")
  void aPieceIndexPastTheLastPieceCloses(PeerMessage m, String reason) {
    Harness h = Harness.connected(Feed.BYTE_BY_BYTE).receive(m);
    assertThat(closedBy(h, CloseCause.PIECE_INDEX_OUT_OF_RANGE).reason()).contains(reason);
  }

  // ------------------------------------------------------------------ block bounds

  static Stream<Arguments> blocksPastThePiece() {
    int last = Fixtures.PIECES - 1;
    return Stream.of(
        Arguments.of(new PeerMessage.Request(last, 0, LAST_PIECE_SIZE + 1), "request"),
        Arguments.of(new PeerMessage.Request(0, 2 * BLOCK, 1), "request"),
        Arguments.of(new PeerMessage.Cancel(last, 900, 101), "cancel"),
        Arguments.of(new PeerMessage.RejectRequest(0, 2 * BLOCK - 10, 11), "reject"),
        Arguments.of(new PeerMessage.Piece(last, 999, ByteBuffer.allocate(2)), "piece"));
  }

  @ParameterizedTest
  @MethodSource("blocksPastThePiece")
  void aBlockRunningPastItsPieceCloses(PeerMessage m, String what) {
    Harness h = Harness.connected(Feed.RANDOM).receive(m);
    assertThat(closedBy(h, CloseCause.BLOCK_OUT_OF_RANGE).reason()).contains(what + " (piece")
        .contains("past the piece's");
  }

  @Test
  void aRequestLongerThanTheBlockLimitCloses() {
    Harness h = Harness.connected(Feed.WHOLE).receive(new PeerMessage.Request(0, 0, BLOCK + 1));
    PeerEvent.Closed c = closedBy(h, CloseCause.MALFORMED_MESSAGE);
    assertThat(c.reason()).contains("BLOCK_TOO_LONG").contains("value 16385, limit 16384");
  }

  @Test
  void aMalformedLengthPrefixCloses() {
    Harness h = Harness.connected(Feed.WHOLE)
        .receive(new byte[] {0x7f, (byte) 0xff, (byte) 0xff, (byte) 0xff});
    assertThat(closedBy(h, CloseCause.MALFORMED_MESSAGE).reason()).contains("MESSAGE_TOO_LONG");
  }

  // ------------------------------------------------------------------ unrequested blocks

  @Test
  void unrequestedBlocksAreCountedAsWasteThenClose() {
    Harness h = Harness.connected(Feed.WHOLE);
    PeerMessage.Piece junk = new PeerMessage.Piece(0, 0, ByteBuffer.allocate(100));
    for (int i = 0; i < 200; i++) {
      h.receive(junk);
    }
    h.assertOpen();
    assertThat(h.session.unrequestedBlocks()).isEqualTo(200);
    assertThat(h.session.wastedBytes()).isEqualTo(200 * 100);
    assertThat(h.events(PeerEvent.BlockReceived.class)).isEmpty();
    h.receive(junk);
    assertThat(closedBy(h, CloseCause.UNREQUESTED_BLOCKS).reason())
        .contains("201 piece messages for blocks we never requested (limit 200)");
  }

  @Test
  void theUnrequestedLimitIsConfigurable() {
    Harness h = Harness.outgoing(Fixtures.config(Fixtures.ALICE).maxUnrequestedBlocks(0).build(),
        Feed.WHOLE).handshake(FAST_EXT)
        .receive(new PeerMessage.Piece(0, 0, ByteBuffer.allocate(1)));
    closedBy(h, CloseCause.UNREQUESTED_BLOCKS);
  }

  // ------------------------------------------------------------------ negotiation

  static Stream<PeerMessage> fastMessages() {
    return Stream.of(PeerMessage.HaveAll.INSTANCE, PeerMessage.HaveNone.INSTANCE,
        new PeerMessage.RejectRequest(0, 0, BLOCK), new PeerMessage.AllowedFast(1),
        new PeerMessage.SuggestPiece(2));
  }

  @ParameterizedTest
  @MethodSource("fastMessages")
  void aFastExtensionMessageWithoutTheFastExtensionCloses(PeerMessage m) {
    Harness h = Harness.outgoing(Fixtures.config(), Feed.WHOLE)
        .handshake(Handshake.EXTENSION_PROTOCOL).receive(m);
    assertThat(closedBy(h, CloseCause.FAST_NOT_NEGOTIATED).reason())
        .contains(m.getClass().getSimpleName() + " without the fast extension");
  }

  @Test
  void fastMessagesCloseWhenWeTurnedTheFastExtensionOff() {
    Harness h = Harness.outgoing(Fixtures.config(Fixtures.ALICE).fastExtension(false).build(),
        Feed.WHOLE).handshake(FAST_EXT).receive(PeerMessage.HaveAll.INSTANCE);
    closedBy(h, CloseCause.FAST_NOT_NEGOTIATED);
  }

  @Test
  void anExtensionMessageWithoutTheExtensionProtocolCloses() {
    Harness h = Harness.outgoing(Fixtures.config(), Feed.WHOLE).handshake(Handshake.FAST)
        .receive(extended(0, "d1:mdee"));
    assertThat(closedBy(h, CloseCause.EXTENSION_NOT_NEGOTIATED).reason())
        .contains("extension message id 0");
  }

  @ParameterizedTest
  @EnumSource(Feed.class)
  void anExtensionIdWeNeverAssignedCloses(Feed feed) {
    Harness h = Harness.connected(feed).receive(extended(7, "d1:xi1ee"));
    assertThat(closedBy(h, CloseCause.UNKNOWN_EXTENSION_ID).reason())
        .contains("extension message id 7, which we never assigned")
        .contains("(ours: {1=ut_metadata, 2=ut_pex})");
  }

  @Test
  void otherExtensionsWeAssignedReachTheEngineAsCopies() {
    Harness h = Harness.outgoing(Fixtures.config(Fixtures.ALICE)
        .extensions(java.util.Map.of("lt_donthave", 7)).build(), Feed.WHOLE).handshake(FAST_EXT)
        .receive(extended(7, "abc"));
    h.assertOpen();
    assertThat(h.events(PeerEvent.ExtensionMessageReceived.class)).containsExactly(
        new PeerEvent.ExtensionMessageReceived("lt_donthave", ascii("abc")));
    Harness noPex = Harness.outgoing(Fixtures.config(Fixtures.ALICE)
        .extensions(java.util.Map.of("lt_donthave", 7)).build(), Feed.WHOLE).handshake(FAST_EXT)
        .receive(extended(2, "de"));
    closedBy(noPex, CloseCause.UNKNOWN_EXTENSION_ID);
  }

  @Test
  void aMalformedExtendedHandshakeCloses() {
    Harness h = Harness.connected(Feed.WHOLE).receive(extended(0, "d1:pi5ee"));
    assertThat(closedBy(h, CloseCause.MALFORMED_EXTENSION).reason()).contains("no dictionary 'm'");
  }

  @Test
  void aMalformedPexMessageCloses() {
    Harness h = Harness.connected(Feed.WHOLE).receive(extended(2, "d5:added5:12345e"));
    assertThat(closedBy(h, CloseCause.MALFORMED_EXTENSION).reason()).contains("ut_pex added");
  }

  // ------------------------------------------------------------------ metadata sizes

  @Test
  void aMetadataSizeOverTheCapInTheExtendedHandshakeCloses() {
    Harness h = Harness.connected(Feed.WHOLE)
        .receive(extended(0, "d1:md11:ut_metadatai3ee13:metadata_sizei8388609ee"));
    assertThat(closedBy(h, CloseCause.METADATA_SIZE).reason())
        .contains("metadata_size 8388609 over the limit of 8388608");
  }

  @Test
  void aMetadataSizeDisagreeingWithOursCloses() {
    Harness h = Harness.outgoing(Fixtures.config(Fixtures.ALICE).metadataSize(500).build(),
        Feed.WHOLE).handshake(FAST_EXT)
        .receive(extended(0, "d1:md11:ut_metadatai3ee13:metadata_sizei501ee"));
    assertThat(closedBy(h, CloseCause.METADATA_SIZE).reason())
        .contains("metadata_size 501 disagrees with ours, 500");
  }

  @Test
  void aTotalSizeOverTheCapCloses() {
    Harness h = Harness.outgoing(Fixtures.config(Fixtures.ALICE).maxMetadataSize(100).build(),
        Feed.WHOLE).handshake(FAST_EXT)
        .receive(extended(0, "d1:md11:ut_metadatai3eee"));
    h.session.requestMetadata(0);
    h.receive(extended(1, "d8:msg_typei1e5:piecei0e10:total_sizei101ee" + "x".repeat(101)));
    assertThat(closedBy(h, CloseCause.METADATA_SIZE).reason())
        .contains("total_size 101 over the limit of 100");
  }

  @Test
  void aTotalSizeDisagreeingWithTheAnnouncedMetadataSizeCloses() {
    Harness h = Harness.connected(Feed.WHOLE)
        .receive(extended(0, "d1:md11:ut_metadatai3ee13:metadata_sizei100ee"));
    h.session.requestMetadata(0);
    h.receive(extended(1, "d8:msg_typei1e5:piecei0e10:total_sizei99ee" + "x".repeat(99)));
    assertThat(closedBy(h, CloseCause.METADATA_SIZE).reason())
        .contains("total_size 99 disagrees with metadata_size 100");
  }

  @Test
  void aTotalSizeBeyondAnIntCloses() {
    Harness h = Harness.connected(Feed.WHOLE).receive(extended(0, "d1:md11:ut_metadatai3eee"));
    h.receive(extended(1, "d8:msg_typei1e5:piecei0e10:total_sizei4294967296ee"));
    closedBy(h, CloseCause.METADATA_SIZE);
  }

  @Test
  void aMalformedMetadataMessageCloses() {
    Harness h = Harness.connected(Feed.WHOLE).receive(extended(1, "d8:msg_typei7ee"));
    closedBy(h, CloseCause.MALFORMED_EXTENSION);
    assertThat(MetadataMessage.PIECE_SIZE).isEqualTo(BLOCK);
  }

  // ------------------------------------------------------------------ request queue limit

  @Test
  void requestsBeyondTheQueueLimitAreRejectedWithTheFastExtension() throws Exception {
    Harness h = Harness.outgoing(Fixtures.config(Fixtures.ALICE).maxQueuedRequests(2).build(),
        Feed.WHOLE).handshake(FAST_EXT);
    h.session.unchoke();
    h.receive(new PeerMessage.Request(0, 0, BLOCK), new PeerMessage.Request(0, BLOCK, BLOCK),
        new PeerMessage.Request(1, 0, BLOCK));
    h.assertOpen();
    assertThat(h.events(PeerEvent.RequestReceived.class)).hasSize(2);
    assertThat(h.session.queuedPeerRequests()).isEqualTo(2);
    assertThat(h.session.refusedPeerRequests()).isEqualTo(1);
    assertThat(h.sentCore()).endsWith(new PeerMessage.RejectRequest(1, 0, BLOCK));
  }

  @Test
  void requestsBeyondTheQueueLimitAreDroppedWithoutTheFastExtension() throws Exception {
    Harness h = Harness.outgoing(Fixtures.config(Fixtures.ALICE).maxQueuedRequests(1).build(),
        Feed.WHOLE).handshake(Handshake.EXTENSION_PROTOCOL);
    h.session.unchoke();
    h.receive(new PeerMessage.Request(0, 0, BLOCK), new PeerMessage.Request(0, BLOCK, BLOCK));
    assertThat(h.events(PeerEvent.RequestReceived.class)).hasSize(1);
    assertThat(h.session.refusedPeerRequests()).isEqualTo(1);
    assertThat(h.sentCore()).containsExactly(PeerMessage.Unchoke.INSTANCE);
  }

  @Test
  void aDuplicateRequestIsIgnored() {
    Harness h = Harness.connected(Feed.WHOLE);
    h.session.unchoke();
    h.receive(new PeerMessage.Request(0, 0, BLOCK), new PeerMessage.Request(0, 0, BLOCK));
    assertThat(h.events(PeerEvent.RequestReceived.class)).hasSize(1);
    h.assertOpen();
  }

  // ------------------------------------------------------------------ tolerated input

  @Test
  void unknownMessageIdsAndHashMessagesDoNotClose() {
    byte[] unknown = {0, 0, 0, 3, 99, 1, 2};
    Harness h = Harness.connected(Feed.WHOLE).receive(unknown)
        .receive(new PeerMessage.HashReject(io.btlib.metainfo.MerkleRoot.of(Fixtures.filled(32, 1)),
            0, 0, 2, 0));
    h.assertOpen();
    assertThat(h.events(PeerEvent.HashMessageReceived.class)).hasSize(1);
  }

  @Test
  void afterAViolationInputIsDiscardedCommandsAreIgnoredAndNothingIsSent() {
    Harness h = Harness.connected(Feed.WHOLE).receive(new PeerMessage.Have(10));
    closedBy(h, CloseCause.PIECE_INDEX_OUT_OF_RANGE);
    int before = h.events.size();
    long sent = h.transmitted.size();
    ByteBuffer more = ByteBuffer.wrap(Fixtures.encode(new PeerMessage.Have(1)));
    h.session.handleBytes(more, h.now);
    assertThat(more.hasRemaining()).isFalse();
    h.session.have(1);
    h.session.interested(true);
    assertThat(h.session.request(0, 0, BLOCK)).isFalse();
    h.session.close("again");
    h.session.handleTimeout(Long.MAX_VALUE);
    h.drain();
    assertThat(h.events).hasSize(before);
    assertThat(h.transmitted.size()).isEqualTo(sent);
    assertThat(h.session.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void messagesBeforeAViolationAreReportedInOrder() {
    Harness h = Harness.connected(Feed.WHOLE).receive(PeerMessage.HaveNone.INSTANCE,
        PeerMessage.Unchoke.INSTANCE, new PeerMessage.Have(3), new PeerMessage.Have(10),
        new PeerMessage.Have(4));
    List<PeerEvent> later = h.laterEvents();
    assertThat(later).hasSize(4);
    assertThat(later.subList(0, 3)).containsExactly(
        new PeerEvent.BitfieldReceived(new BitSet(), false, true), new PeerEvent.Unchoked(),
        new PeerEvent.HaveReceived(3));
    closedBy(h, CloseCause.PIECE_INDEX_OUT_OF_RANGE);
  }
}
