package io.btlib.wire.session;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.wire.WireLimits;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * Two sessions wired together in memory with a fake clock (quinn's {@code Pair}, h11's {@code
 * ConnectionPair}): {@link #pump()} moves each side's output into the other's input until both
 * are quiet; {@link #toNextDeadline()} jumps the clock to the earliest deadline. Zero-copy block
 * bodies come from {@link Fixtures#block}. Optional reactions run on each event, so a test can
 * script an engine.
 */
final class SessionPair {
  final Side a;
  final Side b;
  final Feed feed;
  final Random random = new Random(7);
  long now = 5_000_000_000L;
  int transmitBufferSize = 64 * 1024;

  /** One end: its session, what it reported, and its receive buffer. */
  final class Side {
    final String name;
    final PeerSession session;
    final List<PeerEvent> events = new ArrayList<>();
    final ByteBuffer rx = ByteBuffer.allocate(WireLimits.DEFAULTS.maxMessageLength() + 4 + 100);
    Consumer<PeerEvent> onEvent = e -> {};
    long bytesIn;

    Side(String name, PeerSession session) {
      this.name = name;
      this.session = session;
    }

    <T extends PeerEvent> List<T> events(Class<T> type) {
      return events.stream().filter(type::isInstance).map(type::cast).collect(Collectors.toList());
    }

    void assertOpen() {
      assertThat(events).as(name).noneMatch(e -> e instanceof PeerEvent.Closed);
    }
  }

  SessionPair(SessionConfig outgoing, SessionConfig incoming, Feed feed) {
    this.feed = feed;
    this.a = new Side("a", PeerSession.outgoing(outgoing, now));
    this.b = new Side("b", PeerSession.incoming(incoming, now));
  }

  /** Alice (outgoing) and Bob (incoming) with the default configs, whole writes. */
  static SessionPair standard() {
    return new SessionPair(Fixtures.config(), Fixtures.config(Fixtures.BOB).build(), Feed.WHOLE);
  }

  /** Moves bytes both ways until neither side has anything to send; drains events. */
  SessionPair pump() {
    for (int round = 0; round < 10_000; round++) {
      drainEvents(a);
      drainEvents(b);
      boolean moved = transfer(a, b) | transfer(b, a);
      if (!moved) {
        drainEvents(a);
        drainEvents(b);
        if (!transfer(a, b) && !transfer(b, a)) {
          return this;
        }
      }
    }
    throw new AssertionError("the sessions never went quiet");
  }

  /** Jumps to the earliest deadline of the two, handles it on both sides, and pumps. */
  SessionPair toNextDeadline() {
    long d = Math.min(a.session.nextDeadlineNanos(), b.session.nextDeadlineNanos());
    assertThat(d).isNotEqualTo(Long.MAX_VALUE);
    now = Math.max(now, d);
    a.session.handleTimeout(now);
    b.session.handleTimeout(now);
    return pump();
  }

  /** Moves the clock forward by {@code nanos}, visiting every deadline on the way. */
  SessionPair advance(long nanos) {
    long end = now + nanos;
    while (Math.min(a.session.nextDeadlineNanos(), b.session.nextDeadlineNanos()) <= end) {
      toNextDeadline();
    }
    now = end;
    a.session.handleTimeout(now);
    b.session.handleTimeout(now);
    return pump();
  }

  private void drainEvents(Side s) {
    for (PeerEvent e; (e = s.session.pollEvent()) != null; ) {
      assertThat(s.events).as("%s: nothing after Closed", s.name)
          .noneMatch(x -> x instanceof PeerEvent.Closed);
      s.events.add(e);
      s.onEvent.accept(e);
    }
  }

  private boolean transfer(Side from, Side to) {
    ByteArrayOutputStream wire = new ByteArrayOutputStream();
    ByteBuffer buf = ByteBuffer.allocate(transmitBufferSize);
    for (;;) {
      buf.clear();
      boolean wrote = from.session.pollTransmit(buf);
      buf.flip();
      wire.write(buf.array(), 0, buf.limit());
      PendingBlock p = from.session.pendingBlock();
      if (p != null) {
        wire.writeBytes(Fixtures.block(p.piece(), p.offset(), p.length()));
      } else if (!wrote) {
        break;
      }
    }
    byte[] bytes = wire.toByteArray();
    int at = 0;
    for (int c : feed.chunks(bytes.length, random)) {
      while (c > 0) {
        int n = Math.min(c, to.rx.remaining());
        to.rx.put(bytes, at, n);
        at += n;
        c -= n;
        to.rx.flip();
        to.session.handleBytes(to.rx, now);
        to.rx.compact();
      }
    }
    to.bytesIn += bytes.length;
    return bytes.length > 0;
  }
}
