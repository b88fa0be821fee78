package io.btlib.wire.session;

import static io.btlib.wire.session.Fixtures.FAST_EXT;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.wire.PeerMessage;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Keep-alives and timeouts on a fake clock: no sleeps. */
class PeerSessionTimeoutTest {
  static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  @Test
  void anUnansweredHandshakeTimesOut() {
    Harness h = Harness.outgoing(Fixtures.config(), Feed.WHOLE).drain();
    assertThat(h.session.nextDeadlineNanos()).isEqualTo(h.now + 20 * SECOND);
    h.advance(19 * SECOND);
    h.assertOpen();
    h.toNextDeadline();
    PeerEvent.Closed c = h.closed();
    assertThat(c.cause()).isEqualTo(CloseCause.HANDSHAKE_TIMEOUT);
    assertThat(c.protocolViolation()).isFalse();
    assertThat(c.reason()).contains("20000 ms");
  }

  @Test
  void aPartialHandshakeDoesNotStopTheHandshakeTimeout() {
    Harness h = Harness.incoming(Fixtures.config(), Feed.WHOLE);
    h.advance(15 * SECOND);
    h.receive(java.util.Arrays.copyOf(Fixtures.handshake(FAST_EXT, Fixtures.V1, Fixtures.BOB), 40));
    h.advance(5 * SECOND);
    assertThat(h.closed().cause()).isEqualTo(CloseCause.HANDSHAKE_TIMEOUT);
  }

  @Test
  void aSilentPeerGetsAKeepAliveThenTimesOut() throws Exception {
    Harness h = Harness.connected(Feed.WHOLE);
    long start = h.now;
    h.toNextDeadline();
    assertThat(h.now - start).isEqualTo(120 * SECOND);
    assertThat(h.sent()).last().isEqualTo(PeerMessage.KeepAlive.INSTANCE);
    h.toNextDeadline();
    assertThat(h.now - start).isEqualTo(180 * SECOND);
    PeerEvent.Closed c = h.closed();
    assertThat(c.cause()).isEqualTo(CloseCause.INACTIVITY_TIMEOUT);
    assertThat(c.protocolViolation()).isFalse();
    assertThat(c.reason()).contains("nothing received for 180000 ms");
  }

  @Test
  void anyBytesFromThePeerKeepItAlive() {
    Harness h = Harness.connected(Feed.WHOLE);
    for (int i = 0; i < 10; i++) {
      h.advance(170 * SECOND);
      h.receive(PeerMessage.KeepAlive.INSTANCE);
    }
    h.assertOpen();
  }

  @Test
  void noKeepAliveWhileWeSendOtherMessages() throws Exception {
    Harness h = Harness.connected(Feed.WHOLE);
    for (int i = 0; i < 5; i++) {
      h.advance(100 * SECOND);
      h.receive(PeerMessage.KeepAlive.INSTANCE);
      h.session.have(i);
      h.drain();
    }
    assertThat(h.sent()).noneMatch(m -> m.id() == PeerMessage.KEEP_ALIVE);
  }

  @Test
  void twoConnectedSessionsKeepEachOtherAliveForAnHour() {
    SessionPair p = SessionPair.standard().pump();
    p.advance(3600 * SECOND);
    p.a.assertOpen();
    p.b.assertOpen();
    // a keep-alive is 4 bytes; about 30 of them each way in an hour
    assertThat(p.b.session.bytesReceived()).isBetween(68L + 100, 68L + 400);
  }

  @Test
  void theIntervalsComeFromTheConfig() {
    SessionConfig cfg = Fixtures.config(Fixtures.ALICE).keepAliveInterval(Duration.ofSeconds(5))
        .inactivityTimeout(Duration.ofSeconds(7)).handshakeTimeout(Duration.ofSeconds(3)).build();
    Harness h = Harness.outgoing(cfg, Feed.WHOLE).drain();
    assertThat(h.session.nextDeadlineNanos() - h.now).isEqualTo(3 * SECOND);
    h.handshake(FAST_EXT);
    assertThat(h.session.nextDeadlineNanos() - h.now).isEqualTo(5 * SECOND);
    h.toNextDeadline();
    assertThat(h.session.nextDeadlineNanos() - h.now).isEqualTo(2 * SECOND);
    h.toNextDeadline();
    assertThat(h.closed().cause()).isEqualTo(CloseCause.INACTIVITY_TIMEOUT);
  }

  @Test
  void earlyOrRepeatedTimeoutCallsAreHarmlessAndTheClockNeverRunsBackwards() {
    Harness h = Harness.connected(Feed.WHOLE);
    long deadline = h.session.nextDeadlineNanos();
    h.session.handleTimeout(h.now);
    h.session.handleTimeout(h.now - 50 * SECOND);
    h.session.handleTimeout(h.now + SECOND);
    h.drain();
    h.assertOpen();
    assertThat(h.session.nextDeadlineNanos()).isEqualTo(deadline);
  }

  @Test
  void deadlinesWorkAcrossTheSignOfTheClock() {
    PeerSession s = PeerSession.outgoing(Fixtures.config(), Long.MAX_VALUE - 5 * SECOND);
    long d = s.nextDeadlineNanos(); // wraps past Long.MAX_VALUE, as a monotonic clock may
    s.handleTimeout(d - 1);
    assertThat(s.isClosed()).isFalse();
    s.handleTimeout(d);
    assertThat(s.isClosed()).isTrue();
  }
}
