package io.btlib.wire.session;

import static io.btlib.wire.session.Fixtures.BLOCK;
import static io.btlib.wire.session.Fixtures.FAST_EXT;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.wire.Handshake;
import io.btlib.wire.PeerMessage;
import java.nio.ByteBuffer;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

/** Choking and request bookkeeping, with the fast extension (BEP 6) and without (BEP 3). */
class PeerSessionChokeTest {

  static Harness withFast() {
    return Harness.connected(Feed.WHOLE);
  }

  static Harness withoutFast() {
    return Harness.outgoing(Fixtures.config(), Feed.WHOLE).handshake(Handshake.EXTENSION_PROTOCOL);
  }

  static PeerMessage.Piece piece(int piece, int offset, int length) {
    return new PeerMessage.Piece(piece, offset, Fixtures.blockBuffer(piece, offset, length));
  }

  // ------------------------------------------------------------------ the peer chokes us

  @Test
  void wePeerChokesUsWithoutFastDropsAllOurRequestsAsRejected() {
    Harness h = withoutFast().receive(PeerMessage.Unchoke.INSTANCE);
    assertThat(h.session.request(0, 0, BLOCK)).isTrue();
    assertThat(h.session.request(0, BLOCK, BLOCK)).isTrue();
    assertThat(h.session.request(1, 0, BLOCK)).isTrue();
    h.receive(PeerMessage.Choke.INSTANCE);
    assertThat(h.laterEvents()).containsExactly(new PeerEvent.Unchoked(), new PeerEvent.Choked(),
        new PeerEvent.RequestRejected(0, 0, BLOCK), new PeerEvent.RequestRejected(0, BLOCK, BLOCK),
        new PeerEvent.RequestRejected(1, 0, BLOCK));
    assertThat(h.session.outstandingRequests()).isZero();
    assertThat(h.session.isPeerChoking()).isTrue();
  }

  @Test
  void aChokeWithFastKeepsOurRequestsUntilEachIsAnswered() {
    Harness h = withFast().receive(PeerMessage.Unchoke.INSTANCE);
    h.session.request(0, 0, BLOCK);
    h.session.request(0, BLOCK, BLOCK);
    h.receive(PeerMessage.Choke.INSTANCE);
    assertThat(h.session.outstandingRequests()).isEqualTo(2);
    assertThat(h.events(PeerEvent.RequestRejected.class)).isEmpty();
    h.receive(piece(0, 0, BLOCK), new PeerMessage.RejectRequest(0, BLOCK, BLOCK));
    assertThat(h.events(PeerEvent.BlockReceived.class)).singleElement()
        .satisfies(b -> assertThat(b.data()).isEqualTo(Fixtures.blockBuffer(0, 0, BLOCK)));
    assertThat(h.events(PeerEvent.RequestRejected.class)).containsExactly(
        new PeerEvent.RequestRejected(0, BLOCK, BLOCK));
    assertThat(h.session.outstandingRequests()).isZero();
    h.assertOpen();
  }

  @Test
  void weRequestWhileChokedOnlyFromAllowedFastPieces() throws Exception {
    Harness h = withFast();
    assertThat(h.session.request(3, 0, BLOCK)).isFalse();
    h.receive(new PeerMessage.AllowedFast(3));
    assertThat(h.events(PeerEvent.AllowedFastReceived.class)).containsExactly(
        new PeerEvent.AllowedFastReceived(3));
    assertThat(h.session.request(3, 0, BLOCK)).isTrue();
    assertThat(h.session.request(3, 0, BLOCK)).as("already outstanding").isFalse();
    assertThat(h.drain().sentCore()).containsExactly(PeerMessage.HaveNone.INSTANCE,
        new PeerMessage.Request(3, 0, BLOCK));
  }

  @Test
  void aRejectWithoutARequestIsIgnored() {
    Harness h = withFast().receive(new PeerMessage.RejectRequest(0, 0, BLOCK));
    h.assertOpen();
    assertThat(h.events(PeerEvent.RequestRejected.class)).isEmpty();
  }

  @Test
  void chokeUnchokeAndInterestAreReportedOnlyWhenTheyChange() {
    Harness h = withFast().receive(PeerMessage.Choke.INSTANCE, PeerMessage.Unchoke.INSTANCE,
        PeerMessage.Unchoke.INSTANCE, PeerMessage.Interested.INSTANCE,
        PeerMessage.Interested.INSTANCE, PeerMessage.NotInterested.INSTANCE);
    assertThat(h.laterEvents()).containsExactly(new PeerEvent.Unchoked(),
        new PeerEvent.PeerInterested(true), new PeerEvent.PeerInterested(false));
    assertThat(h.session.isPeerInterested()).isFalse();
  }

  // ------------------------------------------------------------------ we choke the peer

  @Test
  void requestsWhileWeChokeAreRejectedWithFastAndDroppedWithout() throws Exception {
    Harness fast = withFast().receive(new PeerMessage.Request(0, 0, BLOCK));
    assertThat(fast.events(PeerEvent.RequestReceived.class)).isEmpty();
    // the reject waits for our announcement, which the engine may still make
    assertThat(fast.sentCore()).isEmpty();
    BitSet some = new BitSet();
    some.set(4);
    fast.session.bitfield(some);
    assertThat(fast.drain().sentCore()).containsExactly(PeerMessage.Bitfield.of(some, 10),
        new PeerMessage.RejectRequest(0, 0, BLOCK));
    Harness slow = withoutFast().receive(new PeerMessage.Request(0, 0, BLOCK));
    assertThat(slow.events(PeerEvent.RequestReceived.class)).isEmpty();
    assertThat(slow.sentCore()).isEmpty();
    assertThat(slow.session.refusedPeerRequests()).isEqualTo(1);
  }

  @Test
  void ourChokeWithFastRejectsEachWaitingRequestExceptAllowedFastOnes() throws Exception {
    Harness h = withFast();
    h.session.allowedFast(5);
    h.session.unchoke();
    h.receive(new PeerMessage.Request(0, 0, BLOCK), new PeerMessage.Request(5, 0, BLOCK),
        new PeerMessage.Request(0, BLOCK, BLOCK));
    assertThat(h.events(PeerEvent.RequestReceived.class)).hasSize(3);
    h.session.choke();
    h.drain();
    assertThat(h.sentCore()).containsExactly(PeerMessage.HaveNone.INSTANCE,
        new PeerMessage.AllowedFast(5), PeerMessage.Unchoke.INSTANCE, PeerMessage.Choke.INSTANCE,
        new PeerMessage.RejectRequest(0, 0, BLOCK), new PeerMessage.RejectRequest(0, BLOCK, BLOCK));
    assertThat(h.session.queuedPeerRequests()).isEqualTo(1);
    assertThat(h.session.sendBlock(0, 0, BLOCK)).as("rejected already").isFalse();
    assertThat(h.session.sendBlock(5, 0, BLOCK)).isTrue();
    // and an allowed-fast piece may still be requested while choked
    h.receive(new PeerMessage.Request(5, BLOCK, BLOCK));
    assertThat(h.events(PeerEvent.RequestReceived.class)).hasSize(4);
  }

  @Test
  void ourChokeWithoutFastDropsWaitingRequestsSilently() throws Exception {
    Harness h = withoutFast();
    h.session.unchoke();
    h.receive(new PeerMessage.Request(0, 0, BLOCK), new PeerMessage.Request(1, 0, BLOCK));
    assertThat(h.session.sendBlock(0, 0, BLOCK)).isTrue();
    h.session.choke();
    assertThat(h.session.sendBlock(1, 0, BLOCK)).isFalse();
    h.drain();
    assertThat(h.sentCore()).containsExactly(PeerMessage.Unchoke.INSTANCE, piece(0, 0, BLOCK),
        PeerMessage.Choke.INSTANCE);
    assertThat(h.session.queuedPeerRequests()).isZero();
  }

  @Test
  void chokeAndInterestCommandsSendNothingWhenNothingChanges() throws Exception {
    Harness h = withoutFast();
    h.session.choke();
    h.session.interested(false);
    h.session.interested(true);
    h.session.interested(true);
    h.session.unchoke();
    h.session.unchoke();
    h.drain();
    assertThat(h.sentCore()).containsExactly(PeerMessage.Interested.INSTANCE,
        PeerMessage.Unchoke.INSTANCE);
    assertThat(h.session.isInterested()).isTrue();
    assertThat(h.session.isChoking()).isFalse();
  }

  // ------------------------------------------------------------------ cancels

  @Test
  void aCancelRemovesAWaitingRequestAndWithFastAnswersItWithAReject() throws Exception {
    Harness h = withFast();
    h.session.unchoke();
    h.receive(new PeerMessage.Request(0, 0, BLOCK), new PeerMessage.Cancel(0, 0, BLOCK));
    assertThat(h.events(PeerEvent.CancelReceived.class)).containsExactly(
        new PeerEvent.CancelReceived(0, 0, BLOCK));
    assertThat(h.session.sendBlock(0, 0, BLOCK)).isFalse();
    assertThat(h.sentCore()).endsWith(new PeerMessage.RejectRequest(0, 0, BLOCK));
    Harness slow = withoutFast();
    slow.session.unchoke();
    slow.receive(new PeerMessage.Request(0, 0, BLOCK), new PeerMessage.Cancel(0, 0, BLOCK));
    assertThat(slow.events(PeerEvent.CancelReceived.class)).hasSize(1);
    assertThat(slow.sentCore()).containsExactly(PeerMessage.Unchoke.INSTANCE);
  }

  @Test
  void aCancelTakesBackABlockQueuedButNotYetWritten() throws Exception {
    Harness h = withFast();
    h.session.unchoke();
    h.receive(new PeerMessage.Request(1, 0, BLOCK));
    h.session.sendBlock(1, 0, BLOCK); // queued, not drained yet
    h.session.handleBytes(ByteBuffer.wrap(Fixtures.encode(new PeerMessage.Cancel(1, 0, BLOCK))),
        h.now);
    h.drain();
    assertThat(h.sentCore()).containsExactly(PeerMessage.HaveNone.INSTANCE,
        PeerMessage.Unchoke.INSTANCE, new PeerMessage.RejectRequest(1, 0, BLOCK));
    assertThat(h.session.blockBytesSent()).isZero();
  }

  @Test
  void aBlockArrivingAfterOurCancelIsReportedAsLateNotAsRequested() throws Exception {
    Harness h = withFast().receive(PeerMessage.Unchoke.INSTANCE);
    h.session.request(2, 0, BLOCK);
    assertThat(h.session.cancel(2, 0, BLOCK)).isTrue();
    assertThat(h.session.cancel(2, 0, BLOCK)).isFalse();
    h.receive(piece(2, 0, BLOCK));
    assertThat(h.events(PeerEvent.BlockReceived.class)).singleElement().satisfies(e -> {
      assertThat(e.late()).isTrue();
      assertThat(e.piece()).isEqualTo(2);
      assertThat(e.offset()).isZero();
      assertThat(e.length()).isEqualTo(BLOCK);
    });
    assertThat(h.session.wastedBytes()).as("the engine decides").isZero();
    assertThat(h.session.unrequestedBlocks()).as("crossed our cancel: not unrequested").isZero();
    // the same block a second time was never asked for again: unrequested, not late
    h.receive(piece(2, 0, BLOCK));
    assertThat(h.events(PeerEvent.BlockReceived.class)).hasSize(1);
    assertThat(h.session.unrequestedBlocks()).isEqualTo(1);
    assertThat(h.session.wastedBytes()).isEqualTo(BLOCK);
    assertThat(h.sentCore()).endsWith(new PeerMessage.Request(2, 0, BLOCK),
        new PeerMessage.Cancel(2, 0, BLOCK));
    // the same block's reject after a cancel is quietly accepted too
    h.session.request(2, BLOCK, BLOCK);
    h.session.cancel(2, BLOCK, BLOCK);
    h.receive(new PeerMessage.RejectRequest(2, BLOCK, BLOCK));
    assertThat(h.events(PeerEvent.RequestRejected.class)).isEmpty();
    h.assertOpen();
  }

  @Test
  void rejectRequestAnswersWithARejectOnlyWithFast() throws Exception {
    Harness h = withFast();
    h.session.unchoke();
    h.receive(new PeerMessage.Request(0, 0, BLOCK));
    assertThat(h.session.rejectRequest(0, 0, BLOCK)).isTrue();
    assertThat(h.session.rejectRequest(0, 0, BLOCK)).isFalse();
    assertThat(h.drain().sentCore()).endsWith(new PeerMessage.RejectRequest(0, 0, BLOCK));
    Harness slow = withoutFast();
    slow.session.unchoke();
    slow.receive(new PeerMessage.Request(0, 0, BLOCK));
    assertThat(slow.session.rejectRequest(0, 0, BLOCK)).isTrue();
    assertThat(slow.drain().sentCore()).containsExactly(PeerMessage.Unchoke.INSTANCE);
  }

  @Test
  void aReceivedBlockIsACopyInABufferFromTheAllocator() {
    int[] allocations = {0};
    SessionConfig cfg = Fixtures.config(Fixtures.ALICE).blockAllocator(n -> {
      allocations[0]++;
      return ByteBuffer.allocateDirect(2 * n);
    }).build();
    Harness h = Harness.outgoing(cfg, Feed.WHOLE).handshake(FAST_EXT)
        .receive(PeerMessage.Unchoke.INSTANCE);
    h.session.request(0, 0, 100);
    byte[] wire = Fixtures.encode(piece(0, 0, 100));
    ByteBuffer src = ByteBuffer.wrap(wire);
    h.session.handleBytes(src, h.now);
    java.util.Arrays.fill(wire, (byte) 0); // the caller reuses its buffer
    h.drain();
    PeerEvent.BlockReceived b = h.events(PeerEvent.BlockReceived.class).get(0);
    assertThat(allocations[0]).isEqualTo(1);
    assertThat(b.data().isDirect()).isTrue();
    assertThat(b.data().position()).isZero();
    assertThat(b.length()).isEqualTo(100);
    assertThat(b.data()).isEqualTo(Fixtures.blockBuffer(0, 0, 100));
    assertThat(h.session.blocksReceived()).isEqualTo(1);
  }
}
