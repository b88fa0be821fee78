package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.Random;
import org.junit.jupiter.api.Test;

class TokenBucketTest {
  static final long S = 1_000_000_000L;
  static final long MS = 1_000_000L;
  // a clock that does not start at zero, as System.nanoTime need not
  static final long T0 = -7_777_777_777L;

  @Test
  void startsFullAndAllowsABurst() {
    TokenBucket t = new TokenBucket(1000, 5000, T0);
    assertThat(t.take(10_000, T0)).isEqualTo(5000);
    assertThat(t.take(1, T0)).isZero();
    assertThat(t.available(T0)).isZero();
  }

  @Test
  void refillsAtTheRateUpToTheBurst() {
    TokenBucket t = new TokenBucket(1000, 5000, T0);
    t.take(5000, T0);
    assertThat(t.available(T0 + S / 2)).isEqualTo(500);
    assertThat(t.take(300, T0 + S / 2)).isEqualTo(300);
    assertThat(t.available(T0 + S)).isEqualTo(700);
    assertThat(t.available(T0 + 100 * S)).isEqualTo(5000);
  }

  @Test
  void countsFractionsOfABytes() {
    TokenBucket t = new TokenBucket(3, 10, T0);
    t.take(10, T0);
    long total = 0;
    for (long now = T0; now <= T0 + 10 * S; now += MS) {
      total += t.take(100, now); // a third of a byte per millisecond, never lost
    }
    assertThat(total).isEqualTo(30);
  }

  @Test
  void longRunAverageEqualsTheRateWithinOnePercent() {
    Random r = new Random(42);
    long rate = 100_000;
    TokenBucket t = new TokenBucket(rate, 16 * 1024, T0);
    long now = T0;
    long total = 0;
    while (now - T0 < 100 * S) {
      now += r.nextLong(100_000, 20 * MS); // irregular wake-ups
      total += t.take(r.nextLong(1, 50_000), now);
    }
    double seconds = (now - T0) / 1e9;
    assertThat(total / seconds).isCloseTo(rate, within(rate * 0.01));
  }

  @Test
  void consumerScheduledByNanosUntilGetsTheRate() {
    long rate = 1_000_000;
    int chunk = 16 * 1024;
    TokenBucket t = new TokenBucket(rate, 64 * 1024, T0);
    long now = T0;
    long total = 0;
    int wakeUps = 0;
    while (now - T0 < 60 * S) {
      long got = t.take(chunk, now);
      total += got;
      if (got < chunk) {
        assertThat(got).isZero(); // whole chunks, since we wait for them
      }
      now += Math.max(1, t.nanosUntil(chunk, now));
      wakeUps++;
    }
    assertThat(total / ((now - T0) / 1e9)).isCloseTo(rate, within(rate * 0.01));
    assertThat(wakeUps).isLessThan(2 * (int) (60 * rate / chunk)); // no busy waiting
  }

  @Test
  void nanosUntilIsExactAndClampedToTheBurst() {
    TokenBucket t = new TokenBucket(1000, 2000, T0);
    assertThat(t.nanosUntil(2000, T0)).isZero();
    t.take(2000, T0);
    assertThat(t.nanosUntil(1000, T0)).isEqualTo(S);
    assertThat(t.nanosUntil(1, T0)).isEqualTo(MS);
    assertThat(t.nanosUntil(1_000_000, T0)).isEqualTo(2 * S); // clamped to the burst
    assertThat(t.nanosUntil(500, T0 + S / 4)).isEqualTo(S / 4);
    assertThat(t.take(500, T0 + S / 2)).isEqualTo(500);
  }

  @Test
  void unlimitedAllowsEverything() {
    TokenBucket t = new TokenBucket(0, 1, T0);
    assertThat(t.isUnlimited()).isTrue();
    assertThat(t.take(Long.MAX_VALUE, T0)).isEqualTo(Long.MAX_VALUE);
    assertThat(t.available(T0)).isEqualTo(Long.MAX_VALUE);
    assertThat(t.nanosUntil(1 << 30, T0)).isZero();
    assertThat(t.toString()).contains("unlimited");
  }

  @Test
  void rateChangesMidway() {
    TokenBucket t = new TokenBucket(100_000, 10_000, T0);
    long now = T0;
    long first = 0;
    long second = 0;
    for (; now - T0 < 50 * S; now += 10 * MS) {
      first += t.take(1_000_000, now);
    }
    t.setRate(20_000, now);
    assertThat(t.rate()).isEqualTo(20_000);
    for (; now - T0 < 100 * S; now += 10 * MS) {
      second += t.take(1_000_000, now);
    }
    assertThat(first / 50.0).isCloseTo(100_000, within(1000.0));
    assertThat(second / 50.0).isCloseTo(20_000, within(200.0));
  }

  @Test
  void turningLimitedStartsFullAndUnlimitedStopsCounting() {
    TokenBucket t = new TokenBucket(0, 4000, T0);
    t.take(1_000_000, T0);
    t.setRate(1000, T0);
    assertThat(t.take(10_000, T0)).isEqualTo(4000);
    t.setRate(0, T0 + S);
    assertThat(t.take(10_000, T0 + S)).isEqualTo(10_000);
  }

  @Test
  void smallerBurstDropsExtraTokens() {
    TokenBucket t = new TokenBucket(1000, 4000, T0);
    t.setBurst(1500, T0);
    assertThat(t.burst()).isEqualTo(1500);
    assertThat(t.available(T0)).isEqualTo(1500);
    t.take(1500, T0);
    t.setBurst(9000, T0 + S);
    assertThat(t.available(T0 + S)).isEqualTo(1000);
  }

  @Test
  void ignoresAClockGoingBackwards() {
    TokenBucket t = new TokenBucket(1000, 4000, T0);
    t.take(4000, T0 + S);
    assertThat(t.available(T0)).isZero();
    assertThat(t.available(T0 + S)).isZero();
    assertThat(t.available(T0 + 2 * S)).isEqualTo(1000);
  }

  @Test
  void survivesHugeRatesAndPauses() {
    TokenBucket t = new TokenBucket(Long.MAX_VALUE / 2, TokenBucket.MAX_BURST, T0);
    t.take(Long.MAX_VALUE, T0);
    assertThat(t.available(T0 + Long.MAX_VALUE / 2)).isEqualTo(TokenBucket.MAX_BURST);
    TokenBucket slow = new TokenBucket(1, 1, T0);
    slow.take(1, T0);
    assertThat(slow.available(T0 + Long.MAX_VALUE)).isEqualTo(1);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new TokenBucket(-1, 1, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("-1");
    assertThatThrownBy(() -> new TokenBucket(1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("burst");
    assertThatThrownBy(() -> new TokenBucket(1, TokenBucket.MAX_BURST + 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    TokenBucket t = new TokenBucket(1, 1, 0);
    assertThatThrownBy(() -> t.take(-5, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-5");
    assertThatThrownBy(() -> t.nanosUntil(-5, 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> t.setRate(-2, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
