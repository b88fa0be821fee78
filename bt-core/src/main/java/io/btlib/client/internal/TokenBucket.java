package io.btlib.client.internal;

/**
 * Limits a byte flow to a rate with a burst: a bucket of up to {@code burst} tokens (bytes) that
 * refills at {@code rate} per second. Rate 0 means unlimited.
 *
 * <pre>{@code
 * TokenBucket up = new TokenBucket(500_000, 64 * 1024, now);   // 500 kB/s, 64 KiB bursts
 * long n = up.take(pending, now);                              // send n bytes now (maybe 0)
 * if (n < pending) wakeAt(now + up.nanosUntil(16 * 1024, now));
 * }</pre>
 *
 * <p>Arithmetic is exact: tokens are counted in byte-nanoseconds, so a flow taking everything it
 * can averages the rate with no drift, however often it asks. The bucket starts full. A clock that
 * goes backwards is ignored (no refill until it passes the latest time seen). {@link
 * #setRate(long, long)} and {@link #setBurst(long, long)} take effect at once, with tokens earned
 * so far kept (at most the new burst); a bucket turned from unlimited to limited starts full.
 *
 * <p>Owned by the engine's event-loop thread: not thread-safe, no locks. Time is passed in as the
 * engine's monotonic {@code nowNanos}.
 */
final class TokenBucket {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  /** The largest burst: the bucket counts byte-nanoseconds in a long. */
  public static final long MAX_BURST = Long.MAX_VALUE / NANOS_PER_SECOND;

  private long rate;
  private long burst;
  private long tokens; // byte-nanoseconds
  private long last;

  /**
   * A full bucket.
   *
   * @param bytesPerSecond the rate, 0 for unlimited
   * @param burstBytes the most that can be taken at once after a pause, 1 to {@link #MAX_BURST};
   *     at least the largest chunk the caller wants to move in one go (e.g. a 16 KiB block)
   * @param nowNanos the current time
   */
  public TokenBucket(long bytesPerSecond, long burstBytes, long nowNanos) {
    checkRate(bytesPerSecond);
    checkBurst(burstBytes);
    this.rate = bytesPerSecond;
    this.burst = burstBytes;
    this.tokens = burstBytes * NANOS_PER_SECOND;
    this.last = nowNanos;
  }

  /** The rate in bytes per second; 0 means unlimited. */
  public long rate() {
    return rate;
  }

  /** The burst in bytes. */
  public long burst() {
    return burst;
  }

  /** Whether the bucket limits nothing (rate 0). */
  public boolean isUnlimited() {
    return rate == 0;
  }

  /** Changes the rate from {@code nowNanos} on; 0 makes the bucket unlimited. */
  public void setRate(long bytesPerSecond, long nowNanos) {
    checkRate(bytesPerSecond);
    refill(nowNanos);
    if (rate == 0) {
      tokens = burst * NANOS_PER_SECOND;
    }
    rate = bytesPerSecond;
  }

  /** Changes the burst from {@code nowNanos} on; tokens above it are dropped. */
  public void setBurst(long burstBytes, long nowNanos) {
    checkBurst(burstBytes);
    refill(nowNanos);
    burst = burstBytes;
    tokens = Math.min(tokens, burstBytes * NANOS_PER_SECOND);
  }

  /**
   * Takes up to {@code want} bytes' worth of tokens.
   *
   * @return how many bytes may move now, 0 to {@code want}; {@code want} when unlimited
   */
  public long take(long want, long nowNanos) {
    if (want < 0) {
      throw new IllegalArgumentException("want must be >= 0: " + want);
    }
    if (rate == 0) {
      return want;
    }
    refill(nowNanos);
    long allowed = Math.min(want, tokens / NANOS_PER_SECOND);
    tokens -= allowed * NANOS_PER_SECOND;
    return allowed;
  }

  /** How many bytes could be taken now; {@link Long#MAX_VALUE} when unlimited. */
  public long available(long nowNanos) {
    if (rate == 0) {
      return Long.MAX_VALUE;
    }
    refill(nowNanos);
    return tokens / NANOS_PER_SECOND;
  }

  /**
   * How long until {@code bytes} can be taken, in nanoseconds: 0 if they can now or the bucket is
   * unlimited. A request above the burst is clamped to it, since the bucket never holds more.
   */
  public long nanosUntil(long bytes, long nowNanos) {
    if (bytes < 0) {
      throw new IllegalArgumentException("bytes must be >= 0: " + bytes);
    }
    if (rate == 0) {
      return 0;
    }
    refill(nowNanos);
    long need = Math.min(bytes, burst) * NANOS_PER_SECOND - tokens;
    return need <= 0 ? 0 : (need + rate - 1) / rate;
  }

  private void refill(long now) {
    long elapsed = now - last;
    if (elapsed <= 0) {
      return;
    }
    last = now;
    long full = burst * NANOS_PER_SECOND;
    if (rate == 0) {
      tokens = full;
      return;
    }
    long room = full - tokens;
    // elapsed * rate stays below room here, so it cannot overflow
    if (elapsed >= (room + rate - 1) / rate) {
      tokens = full;
    } else {
      tokens += elapsed * rate;
    }
  }

  private static void checkRate(long bytesPerSecond) {
    if (bytesPerSecond < 0) {
      throw new IllegalArgumentException("rate must be >= 0 (0 = unlimited): " + bytesPerSecond);
    }
  }

  private static void checkBurst(long burstBytes) {
    if (burstBytes < 1 || burstBytes > MAX_BURST) {
      throw new IllegalArgumentException("burst must be in 1.." + MAX_BURST + ": " + burstBytes);
    }
  }

  @Override
  public String toString() {
    return rate == 0 ? "TokenBucket{unlimited}"
        : "TokenBucket{" + rate + " B/s, burst " + burst + ", " + tokens / NANOS_PER_SECOND + "}";
  }
}
