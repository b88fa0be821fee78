package io.btlib.dht.internal;

import java.net.InetAddress;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A token bucket per source IP for incoming queries: each IP may send {@code burst} queries at once
 * and {@code perSecond} a second after that; the excess is dropped. At most {@link #MAX_TRACKED}
 * IPs are tracked (the least recently seen is forgotten, which only ever lets it send more). Time
 * is given by the caller. Not thread-safe (used by the DHT thread only).
 */
public final class RateLimiter {
  /** How many source IPs are tracked at most. */
  public static final int MAX_TRACKED = 4096;

  private final double perMilli;
  private final double burst;
  private final LinkedHashMap<InetAddress, double[]> buckets =
      new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<InetAddress, double[]> eldest) {
          return size() > MAX_TRACKED;
        }
      };

  /** A limiter allowing {@code perSecond} queries a second per IP with bursts of {@code burst}. */
  public RateLimiter(double perSecond, int burst) {
    if (!(perSecond > 0) || burst < 1) {
      throw new IllegalArgumentException(
          "rate limit must be positive: " + perSecond + "/s, burst " + burst);
    }
    this.perMilli = perSecond / 1000.0;
    this.burst = burst;
  }

  /** Whether a query from {@code ip} at {@code now} may be served; takes a token if so. */
  public boolean tryAcquire(InetAddress ip, long now) {
    double[] b = buckets.get(ip);
    if (b == null) {
      b = new double[] {burst, now};
      buckets.put(ip, b);
    } else {
      b[0] = Math.min(burst, b[0] + Math.max(0, now - (long) b[1]) * perMilli);
      b[1] = now;
    }
    if (b[0] >= 1) {
      b[0] -= 1;
      return true;
    }
    return false;
  }
}
