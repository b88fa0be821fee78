package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class PexDueTest {
  private static final long MINUTE = 60_000_000_000L;

  @Test
  void theFirstMessageIsDueWhateverTheClockReads() {
    // now - Long.MIN_VALUE overflows for a clock at or above zero: PEX was never sent
    assertThat(PeerBook.pexDue(Long.MIN_VALUE, 0)).isTrue();
    assertThat(PeerBook.pexDue(Long.MIN_VALUE, 5 * MINUTE)).isTrue();
    assertThat(PeerBook.pexDue(Long.MIN_VALUE, -5 * MINUTE)).isTrue();
    assertThat(PeerBook.pexDue(Long.MIN_VALUE, Long.MAX_VALUE)).isTrue();
  }

  @Test
  void laterOnesAMinuteApart() {
    long sent = 123_000_000_000L;
    assertThat(PeerBook.pexDue(sent, sent + MINUTE - 1)).isFalse();
    assertThat(PeerBook.pexDue(sent, sent + MINUTE)).isTrue();
    assertThat(PeerBook.pexDue(-sent, -sent + MINUTE)).isTrue();
  }
}
