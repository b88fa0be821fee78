package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.TorrentReader;
import org.junit.jupiter.api.Test;

/** The default readahead from a reader's consumption rate, on virtual time. */
class ReadRateTest {
  private static final long S = 1_000_000_000L;

  @Test
  void theDefaultHoldsUntilTwoSecondsOfReading() {
    ReadRate r = new ReadRate();
    assertThat(r.readahead(0)).isEqualTo(TorrentReader.DEFAULT_READAHEAD);
    r.read(50L << 20, 10 * S);
    assertThat(r.readahead(11 * S)).isEqualTo(TorrentReader.DEFAULT_READAHEAD);
  }

  @Test
  void tenSecondsAtTheRateReadBoundedBothWays() {
    ReadRate player = new ReadRate();
    long bitRate = 625_000; // 5 Mbit/s
    for (int i = 0; i <= 30; i++) {
      player.read(bitRate, i * S);
    }
    // 31 s' worth of bytes over 30 s: a little over ten seconds at the bit rate
    assertThat(player.readahead(30 * S)).isEqualTo(31 * bitRate / 3);
    ReadRate slow = new ReadRate();
    slow.read(1000, 0);
    assertThat(slow.readahead(60 * S)).isEqualTo(ReadRate.MIN_READAHEAD);
    ReadRate fast = new ReadRate();
    fast.read(1L << 30, 0);
    assertThat(fast.readahead(3 * S)).isEqualTo(ReadRate.MAX_READAHEAD);
  }
}
