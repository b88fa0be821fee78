package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RateMeterTest {
  static final long S = 1_000_000_000L;
  static final long MS = 1_000_000L;
  static final long T0 = -3_333_333_333L;

  @Test
  void steadyFlowReadsItsRate() {
    RateMeter m = new RateMeter(T0);
    long now = T0;
    for (; now - T0 < 10 * S; now += 10 * MS) {
      m.add(100, now); // 10 kB/s
      if (now - T0 >= S) {
        assertThat(m.rate(now)).as("at " + (now - T0)).isCloseTo(10_000, within(110L));
      }
    }
    assertThat(m.total()).isEqualTo(100 * 1000);
  }

  @Test
  void aStoppedFlowFadesToZeroAfterTheWindow() {
    RateMeter m = new RateMeter(0);
    for (long now = 0; now < 10 * S; now += 100 * MS) {
      m.add(1000, now);
    }
    assertThat(m.rate(10 * S)).isCloseTo(10_000, within(200L));
    assertThat(m.rate(12 * S)).isBetween(3000L, 7000L);
    assertThat(m.rate(15 * S)).isZero();
    assertThat(m.rate(100 * S)).isZero();
    assertThat(m.total()).isEqualTo(100_000);
  }

  @Test
  void followsAChangeOfRate() {
    RateMeter m = new RateMeter(0);
    long now = 0;
    for (; now < 10 * S; now += 10 * MS) {
      m.add(100, now);
    }
    for (; now < 20 * S; now += 10 * MS) {
      m.add(500, now);
    }
    assertThat(m.rate(now)).isCloseTo(50_000, within(600L));
  }

  @Test
  void doesNotSpikeRightAfterCreation() {
    RateMeter m = new RateMeter(T0);
    m.add(1000, T0 + MS);
    assertThat(m.rate(T0 + 2 * MS)).isEqualTo(1000); // spread over at least one bucket
    assertThat(new RateMeter(T0).rate(T0)).isZero();
  }

  @Test
  void usesTheTimeSinceCreationWhenShorterThanTheWindow() {
    RateMeter m = new RateMeter(0);
    for (long now = 0; now < 2500 * MS; now += 10 * MS) {
      m.add(10, now);
    }
    assertThat(m.rate(2500 * MS)).isEqualTo(1000);
  }

  @Test
  void honoursCustomBuckets() {
    RateMeter m = new RateMeter(2, 100 * MS, 0);
    m.add(100, 0);
    m.add(100, 150 * MS);
    assertThat(m.rate(150 * MS)).isEqualTo(200 * S / (150 * MS));
    assertThat(m.rate(250 * MS)).isEqualTo(100 * S / (150 * MS)); // the first bucket left
    assertThat(m.rate(400 * MS)).isZero();
  }

  @Test
  void treatsAClockGoingBackwardsAsStandingStill() {
    RateMeter m = new RateMeter(0);
    m.add(1000, 3 * S);
    m.add(1000, 1 * S); // counted at 3 s
    assertThat(m.rate(3 * S)).isEqualTo(2000 * S / (3 * S));
    assertThat(m.total()).isEqualTo(2000);
  }

  @Test
  void rejectsBadArguments() {
    assertThatThrownBy(() -> new RateMeter(0, S, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("buckets");
    assertThatThrownBy(() -> new RateMeter(5, 0, 0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("bucketNanos");
    RateMeter m = new RateMeter(0);
    assertThatThrownBy(() -> m.add(-1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
