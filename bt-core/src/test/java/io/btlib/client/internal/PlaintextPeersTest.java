package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.peer.PeerAddress;
import org.junit.jupiter.api.Test;

class PlaintextPeersTest {
  static final long HOUR = 3_600_000_000_000L;
  final PeerAddress a = PeerAddress.of("127.0.0.1", 6881);
  final PeerAddress b = PeerAddress.of("127.0.0.1", 6882);
  final PeerAddress c = PeerAddress.of("::1", 6883);

  @Test
  void aPeerThatRefusedMseIsDialledPlainUntilTheMemoryRunsOut() {
    PlaintextPeers p = new PlaintextPeers(10, HOUR);
    assertThat(p.isPlain(a, 0)).isFalse();
    p.remember(a, 100);
    assertThat(p.isPlain(a, 100)).isTrue();
    assertThat(p.isPlain(a, 100 + HOUR - 1)).isTrue();
    assertThat(p.isPlain(a, 100 + HOUR)).as("MSE is tried again").isFalse();
    assertThat(p.size()).isZero();
    p.remember(a, 100 + HOUR); // refused again: plain for another hour
    assertThat(p.isPlain(a, 100 + HOUR + 5)).isTrue();
  }

  @Test
  void theLeastRecentlyUsedAreForgottenBeyondTheCapacity() {
    PlaintextPeers p = new PlaintextPeers(2, HOUR);
    p.remember(a, 0);
    p.remember(b, 1);
    assertThat(p.isPlain(a, 2)).isTrue(); // a is now the most recently used
    p.remember(c, 3);
    assertThat(p.size()).isEqualTo(2);
    assertThat(p.isPlain(b, 4)).isFalse();
    assertThat(p.isPlain(a, 4)).isTrue();
    assertThat(p.isPlain(c, 4)).isTrue();
  }

  @Test
  void rejectsNonsenseSettings() {
    assertThatThrownBy(() -> new PlaintextPeers(0, HOUR))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new PlaintextPeers(1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
