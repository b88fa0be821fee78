package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import org.junit.jupiter.api.Test;

class RateLimiterTest {
  static final long S = 1_000_000_000L;
  static final long MS = 1_000_000L;

  @Test
  void grantsTheLeastAndTakesItFromEveryBucket() {
    TokenBucket global = new TokenBucket(1000, 5000, 0);
    TokenBucket torrent = new TokenBucket(1000, 3000, 0);
    TokenBucket peer = new TokenBucket(1000, 8000, 0);
    RateLimiter l = new RateLimiter(global, torrent, peer);
    assertThat(l.available(0)).isEqualTo(3000);
    assertThat(l.take(10_000, 0)).isEqualTo(3000);
    assertThat(global.available(0)).isEqualTo(2000);
    assertThat(torrent.available(0)).isZero();
    assertThat(peer.available(0)).isEqualTo(5000);
    assertThat(l.take(100, 0)).isZero();
    assertThat(global.available(0)).isEqualTo(2000); // nothing taken on a zero grant
  }

  @Test
  void skipsAbsentBucketsAndIsUnlimitedWithoutAny() {
    TokenBucket global = new TokenBucket(1000, 5000, 0);
    RateLimiter l = new RateLimiter(global, null, null);
    assertThat(l.buckets()).containsExactly(global);
    assertThat(l.take(7000, 0)).isEqualTo(5000);
    RateLimiter none = new RateLimiter();
    assertThat(none.take(123_456, 0)).isEqualTo(123_456);
    assertThat(none.nanosUntil(1 << 20, 0)).isZero();
    RateLimiter unlimited = new RateLimiter(new TokenBucket(0, 1, 0));
    assertThat(unlimited.available(0)).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void waitsForTheSlowestBucket() {
    TokenBucket a = new TokenBucket(1000, 1000, 0);
    TokenBucket b = new TokenBucket(100, 1000, 0);
    RateLimiter l = new RateLimiter(a, b);
    l.take(1000, 0);
    assertThat(l.nanosUntil(100, 0)).isEqualTo(S);
  }

  @Test
  void peersSharingAGlobalBucketGetItsRateTogether() {
    TokenBucket global = new TokenBucket(200_000, 32 * 1024, 0);
    TokenBucket fastPeer = new TokenBucket(0, 1, 0);
    TokenBucket slowPeer = new TokenBucket(20_000, 16 * 1024, 0);
    RateLimiter a = new RateLimiter(global, fastPeer);
    RateLimiter b = new RateLimiter(global, slowPeer);
    long gotA = 0;
    long gotB = 0;
    for (long now = 0; now < 100 * S; now += 5 * MS) {
      gotB += b.take(16 * 1024, now);
      gotA += a.take(16 * 1024, now);
    }
    assertThat((gotA + gotB) / 100.0).isCloseTo(200_000, within(2000.0));
    assertThat(gotB / 100.0).isCloseTo(20_000, within(200.0));
  }

  @Test
  void rejectsNegativeWants() {
    RateLimiter l = new RateLimiter(new TokenBucket(1, 1, 0));
    assertThatThrownBy(() -> l.take(-1, 0)).isInstanceOf(IllegalArgumentException.class);
  }
}
