package io.btlib.wire.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.peer.PeerAddress;
import io.btlib.wire.PexMessage;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** BEP 11 rate limits, both ways. */
class PeerSessionPexTest {
  static final long SECOND = TimeUnit.SECONDS.toNanos(1);

  static PexMessage pex(int port) {
    return new PexMessage(Map.of(PeerAddress.of("10.0.0.1", port), 0x02), List.of());
  }

  @Test
  void weSendPexAtMostOnceAMinute() {
    SessionPair p = SessionPair.standard().pump();
    assertThat(p.a.session.sendPex(pex(1000))).isTrue();
    p.pump();
    p.advance(59 * SECOND);
    assertThat(p.a.session.sendPex(pex(1001))).isFalse();
    p.advance(SECOND);
    assertThat(p.a.session.sendPex(pex(1002))).isTrue();
    p.pump();
    assertThat(p.b.events(PeerEvent.PexReceived.class)).containsExactly(
        new PeerEvent.PexReceived(pex(1000)), new PeerEvent.PexReceived(pex(1002)));
  }

  @Test
  void pexCloserThan45SecondsIsIgnoredNotAViolation() {
    // b ignores the rate limit by being a raw peer
    Harness h = Harness.connected(Feed.WHOLE);
    io.btlib.wire.PeerMessage.Extended m = new io.btlib.wire.PeerMessage.Extended(2,
        java.nio.ByteBuffer.wrap(pex(6881).encode()));
    h.receive(m);
    h.advance(10 * SECOND);
    h.receive(m);
    h.advance(34 * SECOND);
    h.receive(m);
    h.assertOpen();
    assertThat(h.events(PeerEvent.PexReceived.class)).hasSize(1);
    assertThat(h.session.ignoredPexMessages()).isEqualTo(2);
    h.advance(SECOND); // 45 s after the first accepted one
    h.receive(m);
    assertThat(h.events(PeerEvent.PexReceived.class)).hasSize(2);
  }

  @Test
  void pexNeedsThePeersSupport() {
    SessionPair p = new SessionPair(Fixtures.config(),
        Fixtures.config(Fixtures.BOB).extensions(Map.of("ut_metadata", 3)).build(), Feed.WHOLE)
        .pump();
    assertThatThrownBy(() -> p.a.session.sendPex(pex(1)))
        .isInstanceOf(IllegalStateException.class).hasMessage("the peer does not support ut_pex");
  }

  static io.btlib.wire.PeerMessage.Extended extendedHandshake(String bencoded) {
    return new io.btlib.wire.PeerMessage.Extended(0,
        java.nio.ByteBuffer.wrap(bencoded.getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
  }

  @Test
  void aLaterExtendedHandshakeMappingPexTo0DisablesIt() {
    // BEP 10: "the extension is disabled" when a later handshake gives it id 0
    Harness h = Harness.connected(Feed.WHOLE);
    h.receive(extendedHandshake("d1:md11:ut_metadatai3e6:ut_pexi2eee"));
    assertThat(h.session.sendPex(pex(1000))).isTrue();
    h.receive(extendedHandshake("d1:md6:ut_pexi0eee"));
    h.assertOpen();
    io.btlib.wire.ExtendedHandshake merged = h.session.peerExtendedHandshake().orElseThrow();
    assertThat(merged.idOf("ut_pex")).isEmpty();
    assertThat(merged.idOf("ut_metadata")).as("left out: keeps its id").hasValue(3);
    assertThat(h.events(PeerEvent.ExtendedHandshakeReceived.class)).last()
        .extracting(PeerEvent.ExtendedHandshakeReceived::handshake).isEqualTo(merged);
    h.advance(61 * SECOND);
    assertThatThrownBy(() -> h.session.sendPex(pex(1001)))
        .isInstanceOf(IllegalStateException.class).hasMessage("the peer does not support ut_pex");
    h.receive(extendedHandshake("d1:md6:ut_pexi5eee"));
    assertThat(h.session.peerExtendedHandshake().orElseThrow().idOf("ut_pex")).hasValue(5);
  }
}
