package io.btlib.wire.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerId;
import io.btlib.wire.Handshake;
import io.btlib.wire.PeerMessage;
import io.btlib.wire.WireDecoder;
import io.btlib.wire.WireException;
import io.btlib.wire.WireLimits;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;

/**
 * One session under test and a scripted peer made of raw bytes: feeds the session bytes in the
 * chosen {@link Feed}, collects its events, and decodes what it transmitted.
 */
final class Harness {
  final PeerSession session;
  final Feed feed;
  final Random random = new Random(42);
  final List<PeerEvent> events = new ArrayList<>();
  final ByteArrayOutputStream transmitted = new ByteArrayOutputStream();
  final ByteBuffer rx = ByteBuffer.allocate(WireLimits.DEFAULTS.maxMessageLength() + 4 + 100);
  long now;
  int transmitBufferSize = 64 * 1024;

  private Harness(PeerSession session, Feed feed, long now) {
    this.session = session;
    this.feed = feed;
    this.now = now;
  }

  static Harness outgoing(SessionConfig config, Feed feed) {
    return new Harness(PeerSession.outgoing(config, 1_000), feed, 1_000);
  }

  static Harness incoming(SessionConfig config, Feed feed) {
    return new Harness(PeerSession.incoming(config, 1_000), feed, 1_000);
  }

  /** An outgoing session with the default config, past the handshake with a fast+ext peer. */
  static Harness connected(Feed feed) {
    return outgoing(Fixtures.config(), feed).handshake(Fixtures.FAST_EXT);
  }

  /** Delivers the peer's handshake for our torrent. */
  Harness handshake(long reserved) {
    return receive(Fixtures.handshake(reserved, Fixtures.V1, Fixtures.BOB));
  }

  Harness handshake(long reserved, InfoHash hash, PeerId id) {
    return receive(Fixtures.handshake(reserved, hash, id));
  }

  Harness receive(PeerMessage... ms) {
    return receive(Fixtures.encode(ms));
  }

  /** Delivers bytes in the harness's feed, compacting as a connection would; then drains. */
  Harness receive(byte[] bytes) {
    int at = 0;
    for (int c : feed.chunks(bytes.length, random)) {
      while (c > 0) {
        int n = Math.min(c, rx.remaining());
        rx.put(bytes, at, n);
        at += n;
        c -= n;
        rx.flip();
        session.handleBytes(rx, now);
        assertThat(rx.position() > 0 || rx.limit() < rx.capacity())
            .as("the session made room in a full buffer").isTrue();
        rx.compact();
      }
    }
    return drain();
  }

  Harness advance(long nanos) {
    now += nanos;
    session.handleTimeout(now);
    return drain();
  }

  /** Jumps the clock to the session's next deadline and handles it. */
  Harness toNextDeadline() {
    long d = session.nextDeadlineNanos();
    assertThat(d).isNotEqualTo(Long.MAX_VALUE);
    now = Math.max(now, d);
    session.handleTimeout(now);
    return drain();
  }

  /** Collects events and transmitted bytes; zero-copy blocks get their bodies from test data. */
  Harness drain() {
    for (;;) {
      boolean announced = session.hasEvents();
      PeerEvent e = session.pollEvent();
      assertThat(announced).as("hasEvents() before %s", e).isEqualTo(e != null);
      if (e == null) {
        break;
      }
      assertThat(events).as("nothing after Closed").noneMatch(x -> x instanceof PeerEvent.Closed);
      events.add(e);
    }
    ByteBuffer buf = ByteBuffer.allocate(transmitBufferSize);
    for (;;) {
      buf.clear();
      boolean announced = session.hasTransmit();
      boolean wrote = session.pollTransmit(buf);
      assertThat(wrote && !announced).as("pollTransmit wrote after hasTransmit() said no")
          .isFalse();
      buf.flip();
      transmitted.write(buf.array(), 0, buf.limit());
      PendingBlock b = session.pendingBlock();
      if (b != null) {
        transmitted.writeBytes(Fixtures.block(b.piece(), b.offset(), b.length()));
      } else if (!wrote) {
        break;
      }
    }
    assertThat(session.hasTransmit()).as("hasTransmit() once all is written").isFalse();
    return this;
  }

  /** Events of a type, in order. */
  <T extends PeerEvent> List<T> events(Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
  }

  /** Events other than the handshake ones. */
  List<PeerEvent> laterEvents() {
    return events.stream()
        .filter(e -> !(e instanceof PeerEvent.HandshakeReceived))
        .collect(Collectors.toList());
  }

  PeerEvent.Closed closed() {
    assertThat(events).isNotEmpty();
    PeerEvent last = events.get(events.size() - 1);
    assertThat(last).as("last event").isInstanceOf(PeerEvent.Closed.class);
    assertThat(session.isClosed()).isTrue();
    return (PeerEvent.Closed) last;
  }

  void assertOpen() {
    assertThat(events).noneMatch(e -> e instanceof PeerEvent.Closed);
    assertThat(session.isClosed()).isFalse();
  }

  /** The session's handshake, first 68 bytes transmitted. */
  Handshake sentHandshake() throws WireException {
    byte[] all = transmitted.toByteArray();
    assertThat(all.length).isGreaterThanOrEqualTo(Handshake.LENGTH);
    return Handshake.decode(ByteBuffer.wrap(all, 0, Handshake.LENGTH));
  }

  /** The messages transmitted after the handshake, with buffers copied. */
  List<PeerMessage> sent() throws WireException {
    byte[] all = transmitted.toByteArray();
    if (all.length < Handshake.LENGTH) {
      return List.of();
    }
    return decodeAll(ByteBuffer.wrap(all, Handshake.LENGTH, all.length - Handshake.LENGTH));
  }

  /** Sent messages other than keep-alives and extension messages. */
  List<PeerMessage> sentCore() throws WireException {
    return sent().stream()
        .filter(m -> m.id() != PeerMessage.KEEP_ALIVE && m.id() != PeerMessage.EXTENDED)
        .collect(Collectors.toList());
  }

  static List<PeerMessage> decodeAll(ByteBuffer b) throws WireException {
    List<PeerMessage> out = new ArrayList<>();
    new WireDecoder().decode(b, m -> out.add(copy(m)));
    assertThat(b.hasRemaining()).as("no partial message transmitted").isFalse();
    return out;
  }

  static PeerMessage copy(PeerMessage m) {
    if (m instanceof PeerMessage.Piece) {
      PeerMessage.Piece p = (PeerMessage.Piece) m;
      return new PeerMessage.Piece(p.piece(), p.offset(), copy(p.block()));
    }
    if (m instanceof PeerMessage.Extended) {
      PeerMessage.Extended e = (PeerMessage.Extended) m;
      return new PeerMessage.Extended(e.extendedId(), copy(e.payload()));
    }
    return m;
  }

  static ByteBuffer copy(ByteBuffer b) {
    return ByteBuffer.allocate(b.remaining()).put(b.duplicate()).flip();
  }
}
