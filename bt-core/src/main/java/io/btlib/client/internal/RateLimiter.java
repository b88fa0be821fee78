package io.btlib.client.internal;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Chains {@link TokenBucket}s, typically the client's global bucket, the torrent's, and optionally
 * the peer's: a request is granted the least any bucket allows, and that amount is taken from each.
 *
 * <pre>{@code
 * RateLimiter down = new RateLimiter(globalDown, torrentDown, null);   // no per-peer limit
 * long n = down.take(16 * 1024, now);
 * if (n == 0) wakeAt(now + down.nanosUntil(16 * 1024, now));
 * }</pre>
 *
 * <p>Buckets may be shared by many limiters (one per peer over the same global bucket). There is no
 * fairness: whoever asks first gets the tokens. Owned by the engine's event-loop thread: not
 * thread-safe, no locks.
 */
public final class RateLimiter {
  private final TokenBucket[] buckets;

  /** A limiter over {@code buckets}, in any order; null entries (an absent limit) are skipped. */
  public RateLimiter(TokenBucket... buckets) {
    List<TokenBucket> list = new ArrayList<>();
    for (TokenBucket b : buckets) {
      if (b != null) {
        list.add(b);
      }
    }
    this.buckets = list.toArray(new TokenBucket[0]);
  }

  /** The buckets, nulls left out. */
  public List<TokenBucket> buckets() {
    return List.copyOf(Arrays.asList(buckets));
  }

  /**
   * Takes up to {@code want} bytes from every bucket.
   *
   * @return the bytes granted: the least of {@code want} and what each bucket has
   */
  public long take(long want, long nowNanos) {
    if (want < 0) {
      throw new IllegalArgumentException("want must be >= 0: " + want);
    }
    long grant = Math.min(want, available(nowNanos));
    if (grant > 0) {
      for (TokenBucket b : buckets) {
        b.take(grant, nowNanos);
      }
    }
    return grant;
  }

  /** The least any bucket has now; {@link Long#MAX_VALUE} when all are unlimited (or none). */
  public long available(long nowNanos) {
    long min = Long.MAX_VALUE;
    for (TokenBucket b : buckets) {
      min = Math.min(min, b.available(nowNanos));
    }
    return min;
  }

  /** How long until every bucket has {@code bytes} (each clamped to its burst), in nanoseconds. */
  public long nanosUntil(long bytes, long nowNanos) {
    long max = 0;
    for (TokenBucket b : buckets) {
      max = Math.max(max, b.nanosUntil(bytes, nowNanos));
    }
    return max;
  }

  @Override
  public String toString() {
    return "RateLimiter" + Arrays.toString(buckets);
  }
}
