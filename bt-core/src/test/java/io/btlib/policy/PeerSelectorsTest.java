package io.btlib.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerCandidate.Source;
import java.util.List;
import org.junit.jupiter.api.Test;

class PeerSelectorsTest {
  static final long S = 1_000_000_000L;

  static PeerAddress addr(int i) {
    return PeerAddress.parse("127.0.0.1:" + (20000 + i));
  }

  @Test
  void dialsManualPeersFirstThenNewOnesThenTheLeastFailed() {
    List<PeerCandidate> c = List.of(
        new PeerCandidate(addr(1), Source.TRACKER, 1, 0, false),
        new PeerCandidate(addr(2), Source.PEX, 0, Long.MIN_VALUE, false),
        new PeerCandidate(addr(3), Source.MANUAL, 0, Long.MIN_VALUE, false),
        new PeerCandidate(addr(4), Source.DHT, 3, 0, false));
    assertThat(PeerSelectors.defaults().create().select(c, 10, 1000 * S))
        .containsExactly(addr(3), addr(2), addr(1), addr(4));
    assertThat(PeerSelectors.defaults().create().select(c, 2, 1000 * S))
        .containsExactly(addr(3), addr(2));
  }

  @Test
  void backsOffExponentiallyAfterFailures() {
    PeerCandidate once = new PeerCandidate(addr(1), Source.TRACKER, 1, 0, false);
    PeerCandidate thrice = new PeerCandidate(addr(2), Source.TRACKER, 3, 0, false);
    PeerSelector s = PeerSelectors.defaults().create();
    assertThat(s.select(List.of(once, thrice), 5, 9 * S)).isEmpty();
    assertThat(s.select(List.of(once, thrice), 5, 10 * S)).containsExactly(addr(1));
    assertThat(s.select(List.of(once, thrice), 5, 40 * S)).containsExactly(addr(1), addr(2));
    PeerCandidate many = new PeerCandidate(addr(3), Source.TRACKER, 40, 0, false);
    assertThat(PeerSelectors.backoffNanos(many)).isEqualTo(PeerSelectors.MAX_BACKOFF_NANOS);
    PeerCandidate manual = new PeerCandidate(addr(4), Source.MANUAL, 40, 0, false);
    assertThat(PeerSelectors.backoffNanos(manual)).isEqualTo(60 * S);
  }
}
