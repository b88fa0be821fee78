package io.btlib.client.internal;

import java.util.Arrays;

/**
 * Measures a byte flow's rate as a moving average over a window of fixed buckets (by default five
 * buckets of one second), and its total: for peers' download and upload rates and torrent totals.
 *
 * <pre>{@code
 * RateMeter down = new RateMeter(now);
 * down.add(block.length, now);          // on each payload block
 * long bytesPerSecond = down.rate(now);
 * }</pre>
 *
 * <p>The rate is the bytes in the window's buckets (the current, partial one included) divided by
 * the time they span: from the start of the oldest bucket (or the meter's creation, if later) to
 * now, but at least one bucket, so the first moments after creation do not report spikes. A steady
 * flow reads exactly its rate once a bucket has passed; a flow that stops reads 0 after the window.
 * A clock that goes backwards is treated as standing still. O(buckets) per {@code rate}, O(1) per
 * {@code add}; memory two longs per bucket.
 *
 * <p>Owned by the engine's event-loop thread: not thread-safe, no locks. Time is passed in as the
 * engine's monotonic {@code nowNanos}.
 */
final class RateMeter {
  /** The default number of buckets. */
  public static final int DEFAULT_BUCKETS = 5;

  /** The default bucket length: one second. */
  public static final long DEFAULT_BUCKET_NANOS = 1_000_000_000L;

  private final long bucketNanos;
  private final long[] sums;
  private final long[] ids; // the bucket number each slot holds
  private final long start;
  private long latest;
  private long total;

  /** A meter with {@link #DEFAULT_BUCKETS} buckets of {@link #DEFAULT_BUCKET_NANOS}. */
  public RateMeter(long nowNanos) {
    this(DEFAULT_BUCKETS, DEFAULT_BUCKET_NANOS, nowNanos);
  }

  /**
   * A meter whose window is {@code buckets} buckets of {@code bucketNanos} each.
   *
   * @throws IllegalArgumentException if {@code buckets} or {@code bucketNanos} is below 1
   */
  public RateMeter(int buckets, long bucketNanos, long nowNanos) {
    if (buckets < 1) {
      throw new IllegalArgumentException("buckets must be >= 1: " + buckets);
    }
    if (bucketNanos < 1) {
      throw new IllegalArgumentException("bucketNanos must be >= 1: " + bucketNanos);
    }
    this.bucketNanos = bucketNanos;
    this.sums = new long[buckets];
    this.ids = new long[buckets];
    Arrays.fill(ids, Long.MIN_VALUE);
    this.start = nowNanos;
    this.latest = nowNanos;
  }

  /** Counts {@code bytes} moved at {@code nowNanos}. */
  public void add(long bytes, long nowNanos) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0: " + bytes);
    }
    long now = advance(nowNanos);
    long id = Math.floorDiv(now, bucketNanos);
    int slot = (int) Math.floorMod(id, (long) sums.length);
    if (ids[slot] != id) {
      ids[slot] = id;
      sums[slot] = 0;
    }
    sums[slot] += bytes;
    total += bytes;
  }

  /** The average rate over the window, in bytes per second. */
  public long rate(long nowNanos) {
    long now = advance(nowNanos);
    long id = Math.floorDiv(now, bucketNanos);
    long sum = 0;
    for (int i = 0; i < sums.length; i++) {
      long age = id - ids[i];
      if (ids[i] != Long.MIN_VALUE && age >= 0 && age < sums.length) {
        sum += sums[i];
      }
    }
    if (sum == 0) {
      return 0;
    }
    long span = (sums.length - 1) * bucketNanos + (now - id * bucketNanos);
    span = Math.max(bucketNanos, Math.min(span, now - start));
    return (long) (sum * 1e9 / span);
  }

  /** All bytes counted since creation. */
  public long total() {
    return total;
  }

  private long advance(long nowNanos) {
    if (nowNanos - latest > 0) {
      latest = nowNanos;
    }
    return latest;
  }

  @Override
  public String toString() {
    return "RateMeter{total " + total + "}";
  }
}
