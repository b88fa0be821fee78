package io.btlib.wire.session;

import static io.btlib.wire.session.Fixtures.BLOCK;
import static io.btlib.wire.session.Fixtures.FAST_EXT;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.MerkleRoot;
import io.btlib.peer.PeerAddress;
import io.btlib.wire.MetadataMessage;
import io.btlib.wire.PeerMessage;
import io.btlib.wire.PexMessage;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Hostile and split input: the same stream gives the same events however it is cut, and mutated
 * streams never make {@code handleBytes} throw; they either go on or close with a Closed event.
 */
class PeerSessionFuzzTest {

  /** The valid opening of a fast+ext peer: handshake, extended handshake, bitfield, unchoke. */
  static byte[] prefix() {
    BitSet have = new BitSet();
    have.set(0, 4);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.writeBytes(Fixtures.handshake(FAST_EXT, Fixtures.V1, Fixtures.BOB));
    out.writeBytes(Fixtures.encode(
        new PeerMessage.Extended(0, ByteBuffer.wrap(
            "d1:md11:ut_metadatai3e6:ut_pexi4ee13:metadata_sizei20000e4:reqqi250ee".getBytes())),
        PeerMessage.Bitfield.of(have, 10), PeerMessage.Unchoke.INSTANCE));
    return out.toByteArray();
  }

  /** What follows the prefix: every other message type, answering our requests. */
  static byte[] body() {
    return Fixtures.encode(bodyMessages().toArray(new PeerMessage[0]));
  }

  static List<PeerMessage> bodyMessages() {
    byte[] info = new byte[20_000];
    new Random(1).nextBytes(info);
    return List.of(PeerMessage.KeepAlive.INSTANCE, PeerMessage.Interested.INSTANCE,
        new PeerMessage.Have(5), new PeerMessage.AllowedFast(6), new PeerMessage.SuggestPiece(7),
        new PeerMessage.Request(1, 0, BLOCK), new PeerMessage.Request(2, 0, BLOCK),
        new PeerMessage.Cancel(2, 0, BLOCK), new PeerMessage.Port(6881),
        new PeerMessage.Piece(0, 0, Fixtures.blockBuffer(0, 0, BLOCK)),
        new PeerMessage.Piece(0, BLOCK, Fixtures.blockBuffer(0, BLOCK, BLOCK)),
        new PeerMessage.RejectRequest(1, BLOCK, BLOCK),
        new PeerMessage.Extended(1, ByteBuffer.wrap(MetadataMessage.data(0, info).encode())),
        new PeerMessage.Extended(1, ByteBuffer.wrap(MetadataMessage.request(0).encode())),
        new PeerMessage.Extended(2, ByteBuffer.wrap(new PexMessage(
            Map.of(PeerAddress.of("10.1.2.3", 6881), 2), List.of()).encode())),
        new PeerMessage.HashRequest(MerkleRoot.of(Fixtures.filled(32, 5)), 0, 0, 2, 0),
        PeerMessage.Choke.INSTANCE, PeerMessage.NotInterested.INSTANCE);
  }

  /** Where each body message starts: mutations aim at headers, where the rules are. */
  static int[] messageStarts() {
    List<PeerMessage> ms = bodyMessages();
    int[] starts = new int[ms.size()];
    int at = 0;
    for (int i = 0; i < ms.size(); i++) {
      starts[i] = at;
      at += Fixtures.encode(ms.get(i)).length;
    }
    return starts;
  }

  /**
   * A session primed as an engine would: it takes the valid prefix whole, issues requests, then
   * gets {@code body} in the given chunks; with {@code serve}, it answers the peer's requests as
   * they come (which makes the events depend on the chunks: a cancel may find a request answered).
   */
  static List<PeerEvent> run(byte[] body, int[] chunks, boolean serve) {
    SessionConfig cfg = Fixtures.config(Fixtures.ALICE).metadataSize(20_000).build();
    PeerSession s = PeerSession.outgoing(cfg, 0);
    s.haveNone();
    s.unchoke();
    ByteBuffer tx = ByteBuffer.allocate(64 * 1024);
    List<PeerEvent> events = new ArrayList<>();
    s.handleBytes(ByteBuffer.wrap(prefix()), 1);
    for (PeerEvent e; (e = s.pollEvent()) != null; ) {
      events.add(e);
    }
    assertThat(s.request(0, 0, BLOCK)).isTrue();
    assertThat(s.request(0, BLOCK, BLOCK)).isTrue();
    assertThat(s.request(1, BLOCK, BLOCK)).isTrue();
    s.requestMetadata(0);
    ByteBuffer rx = ByteBuffer.allocate(body.length + 8);
    int at = 0;
    long now = 1;
    for (int c : chunks) {
      rx.put(body, at, c);
      at += c;
      rx.flip();
      s.handleBytes(rx, ++now);
      rx.compact();
      for (PeerEvent e; (e = s.pollEvent()) != null; ) {
        events.add(e);
        if (serve && e instanceof PeerEvent.RequestReceived) {
          PeerEvent.RequestReceived r = (PeerEvent.RequestReceived) e;
          s.sendBlock(r.piece(), r.offset(), r.length());
        }
      }
      do {
        tx.clear();
      } while (s.pollTransmit(tx));
    }
    return events;
  }

  @Test
  void theSameStreamGivesTheSameEventsHoweverItIsSplit() {
    byte[] in = body();
    List<PeerEvent> whole = run(in, Feed.WHOLE.chunks(in.length, null), false);
    assertThat(whole).noneMatch(e -> e instanceof PeerEvent.Closed);
    assertThat(whole).hasSizeGreaterThan(20);
    assertThat(whole).contains(new PeerEvent.Unchoked(), new PeerEvent.HaveReceived(5),
        new PeerEvent.AllowedFastReceived(6), new PeerEvent.SuggestReceived(7),
        new PeerEvent.RequestReceived(1, 0, BLOCK), new PeerEvent.CancelReceived(2, 0, BLOCK),
        new PeerEvent.PortReceived(6881), new PeerEvent.RequestRejected(1, BLOCK, BLOCK),
        new PeerEvent.MetadataRequested(0), new PeerEvent.Choked());
    assertThat(whole.stream().filter(e -> e instanceof PeerEvent.BlockReceived)).hasSize(2);
    assertThat(whole.stream().filter(e -> e instanceof PeerEvent.MetadataReceived)).hasSize(1);
    assertThat(whole.stream().filter(e -> e instanceof PeerEvent.PexReceived)).hasSize(1);
    assertThat(run(in, Feed.BYTE_BY_BYTE.chunks(in.length, null), false)).isEqualTo(whole);
    Random r = new Random(3);
    for (int i = 0; i < 30; i++) {
      assertThat(run(in, Feed.RANDOM.chunks(in.length, r), false)).isEqualTo(whole);
    }
    for (int at = 0; at <= in.length; at += (at < 300 ? 1 : 211)) {
      assertThat(run(in, new int[] {at, in.length - at}, false)).as("split at %d", at)
          .isEqualTo(whole);
    }
  }

  @Test
  void mutatedStreamsNeverThrowAndEndOpenOrWithOneClosedEvent() {
    byte[] valid = body();
    int[] starts = messageStarts();
    Random r = new Random(2024);
    int cases = Integer.getInteger("bt.fuzz.cases", 5_000);
    int closed = 0;
    for (int i = 0; i < cases; i++) {
      byte[] s = valid.clone();
      int edits = 1 + r.nextInt(6);
      for (int e = 0; e < edits; e++) {
        int at; // after a valid handshake and opening; mostly in a message's first 16 bytes
        if (r.nextInt(10) < 7) {
          at = Math.min(s.length - 1, starts[r.nextInt(starts.length)] + r.nextInt(16));
        } else {
          at = r.nextInt(s.length);
        }
        switch (r.nextInt(3)) {
          case 0:
            s[at] = (byte) r.nextInt(256);
            break;
          case 1:
            s[at] = (byte) r.nextInt(24); // plausible ids and small lengths
            break;
          default:
            s[at] = (byte) (s[at] ^ (1 << r.nextInt(8)));
        }
      }
      List<PeerEvent> events;
      try {
        events = run(s, Feed.RANDOM.chunks(s.length, r), true);
      } catch (Throwable t) {
        throw new AssertionError("case " + i + " escaped with " + t, t);
      }
      for (int k = 0; k < events.size() - 1; k++) {
        assertThat(events.get(k)).as("case %d: Closed only last", i)
            .isNotInstanceOf(PeerEvent.Closed.class);
      }
      if (!events.isEmpty() && events.get(events.size() - 1) instanceof PeerEvent.Closed) {
        PeerEvent.Closed c = (PeerEvent.Closed) events.get(events.size() - 1);
        assertThat(c.cause()).as("case %d: %s", i, c.reason())
            .isNotEqualTo(CloseCause.INTERNAL_ERROR);
        closed++;
      }
    }
    assertThat(closed).as("mutations of headers break rules").isGreaterThan(cases / 4)
        .isLessThan(cases);
  }

  @Test
  void randomGarbageAfterTheHandshakeNeverThrows() {
    Random r = new Random(77);
    for (int i = 0; i < 2_000; i++) {
      byte[] garbage = new byte[1 + r.nextInt(400)];
      r.nextBytes(garbage);
      List<PeerEvent> events = run(garbage, Feed.RANDOM.chunks(garbage.length, r), true);
      assertThat(events).filteredOn(e -> e instanceof PeerEvent.Closed)
          .allSatisfy(e -> assertThat(((PeerEvent.Closed) e).cause())
              .isNotEqualTo(CloseCause.INTERNAL_ERROR));
    }
  }
}
