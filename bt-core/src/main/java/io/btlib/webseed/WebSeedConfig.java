package io.btlib.webseed;

import io.btlib.http.HttpTransport;
import io.btlib.http.HttpTransports;
import io.btlib.metainfo.Metainfo;
import java.time.Duration;
import java.util.Objects;

/**
 * How a client uses web seeds (BEP 19): an immutable value; {@link #DEFAULTS} or {@link
 * #builder()}.
 *
 * <pre>{@code
 * Client.builder().webSeeds(WebSeedConfig.builder().maxRequestsPerSeed(2).build()).build();
 * Client.builder().webSeeds(WebSeedConfig.DISABLED).build();
 * }</pre>
 *
 * <p>A web seed that fails (an HTTP error, a timeout, a malformed answer) is retried after a
 * back-off that doubles from {@code retryDelay} up to {@code maxRetryDelay}; after {@code
 * maxConsecutiveErrors} failures in a row, or {@code maxHashFailures} pieces that it alone sent and
 * that failed their hash check, it is dropped for the rest of the torrent's run.
 *
 * @param enabled whether web seeds are used at all (default true)
 * @param maxRequestsPerSeed HTTP requests in flight per web seed, 1 to 16 (default 4)
 * @param maxRequestBytes the most piece bytes one request asks for, a multiple of 16 KiB from 16
 *     KiB to 16 MiB (default 1 MiB); a piece longer than this is fetched in runs of blocks
 * @param connectTimeout the bound on connecting (default 10 s)
 * @param requestTimeout the bound on one whole request, body included (default 30 s)
 * @param retryDelay the first back-off after a failure (default 2 s)
 * @param maxRetryDelay the longest back-off (default 5 min)
 * @param maxConsecutiveErrors failures in a row that drop a web seed, at least 1 (default 5)
 * @param maxHashFailures hash failures of pieces it alone sent that drop a web seed, at least 1
 *     (default 3)
 * @param maxWholeFileBytes when a server answers a Range request with the whole file (status 200),
 *     the most bytes read of it to reach the range (default 4 MiB); a range that ends further into
 *     the file fails the request instead
 * @param httpTransport makes the HTTP transport web seeds are fetched with (default {@link
 *     HttpTransports#urlConnection()}; {@link HttpTransports#jdkHttpClient()} on a JVM that has
 *     {@code java.net.http})
 */
public record WebSeedConfig(
    boolean enabled,
    int maxRequestsPerSeed,
    int maxRequestBytes,
    Duration connectTimeout,
    Duration requestTimeout,
    Duration retryDelay,
    Duration maxRetryDelay,
    int maxConsecutiveErrors,
    int maxHashFailures,
    long maxWholeFileBytes,
    HttpTransport.Factory httpTransport) {

  /** The defaults: enabled, 4 requests per seed, 1 MiB per request. */
  public static final WebSeedConfig DEFAULTS = builder().build();

  /** The defaults, disabled: web seeds are ignored. */
  public static final WebSeedConfig DISABLED = builder().enabled(false).build();

  /** Checks the values. */
  public WebSeedConfig {
    checkRequests(maxRequestsPerSeed);
    checkRequestBytes(maxRequestBytes);
    positive("connectTimeout", connectTimeout);
    positive("requestTimeout", requestTimeout);
    positive("retryDelay", retryDelay);
    positive("maxRetryDelay", maxRetryDelay);
    if (maxRetryDelay.compareTo(retryDelay) < 0) {
      throw new IllegalArgumentException("maxRetryDelay " + maxRetryDelay
          + " is shorter than retryDelay " + retryDelay);
    }
    atLeastOne("maxConsecutiveErrors", maxConsecutiveErrors);
    atLeastOne("maxHashFailures", maxHashFailures);
    checkWholeFile(maxWholeFileBytes);
    Objects.requireNonNull(httpTransport, "httpTransport");
  }

  private static int checkRequests(int n) {
    if (n < 1 || n > 16) {
      throw new IllegalArgumentException("maxRequestsPerSeed must be in [1, 16]: " + n);
    }
    return n;
  }

  private static int checkRequestBytes(int n) {
    int block = Metainfo.BLOCK_SIZE;
    if (n < block || n > (16 << 20) || n % block != 0) {
      throw new IllegalArgumentException("maxRequestBytes must be a multiple of " + block + " in ["
          + block + ", " + (16 << 20) + "]: " + n);
    }
    return n;
  }

  private static int atLeastOne(String what, int n) {
    if (n < 1) {
      throw new IllegalArgumentException(what + " must be >= 1: " + n);
    }
    return n;
  }

  private static long checkWholeFile(long n) {
    if (n < 0) {
      throw new IllegalArgumentException("maxWholeFileBytes must be >= 0: " + n);
    }
    return n;
  }

  private static Duration positive(String what, Duration d) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + d);
    }
    return d;
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder starting from these values. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.enabled = enabled;
    b.maxRequestsPerSeed = maxRequestsPerSeed;
    b.maxRequestBytes = maxRequestBytes;
    b.connectTimeout = connectTimeout;
    b.requestTimeout = requestTimeout;
    b.retryDelay = retryDelay;
    b.maxRetryDelay = maxRetryDelay;
    b.maxConsecutiveErrors = maxConsecutiveErrors;
    b.maxHashFailures = maxHashFailures;
    b.maxWholeFileBytes = maxWholeFileBytes;
    b.httpTransport = httpTransport;
    return b;
  }

  /**
   * Builds a {@link WebSeedConfig}: each setter rejects a bad value at once ({@link
   * IllegalArgumentException} naming it); {@link #build()} checks that {@code maxRetryDelay} is
   * not shorter than {@code retryDelay}. Not thread-safe.
   */
  public static final class Builder {
    private boolean enabled = true;
    private int maxRequestsPerSeed = 4;
    private int maxRequestBytes = 1 << 20;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration retryDelay = Duration.ofSeconds(2);
    private Duration maxRetryDelay = Duration.ofMinutes(5);
    private int maxConsecutiveErrors = 5;
    private int maxHashFailures = 3;
    private long maxWholeFileBytes = 4L << 20;
    private HttpTransport.Factory httpTransport = HttpTransports.urlConnection();

    private Builder() {}

    /** Whether web seeds are used (default true). */
    public Builder enabled(boolean enabled) {
      this.enabled = enabled;
      return this;
    }

    /** HTTP requests in flight per web seed, 1 to 16 (default 4). */
    public Builder maxRequestsPerSeed(int n) {
      this.maxRequestsPerSeed = checkRequests(n);
      return this;
    }

    /** The most piece bytes one request asks for (default 1 MiB); see the record's doc. */
    public Builder maxRequestBytes(int n) {
      this.maxRequestBytes = checkRequestBytes(n);
      return this;
    }

    /** The bound on connecting (default 10 s). */
    public Builder connectTimeout(Duration d) {
      this.connectTimeout = positive("connectTimeout", d);
      return this;
    }

    /** The bound on one whole request, body included (default 30 s). */
    public Builder requestTimeout(Duration d) {
      this.requestTimeout = positive("requestTimeout", d);
      return this;
    }

    /** The first back-off after a failure (default 2 s); it doubles up to the maximum. */
    public Builder retryDelay(Duration d) {
      this.retryDelay = positive("retryDelay", d);
      return this;
    }

    /** The longest back-off (default 5 min). */
    public Builder maxRetryDelay(Duration d) {
      this.maxRetryDelay = positive("maxRetryDelay", d);
      return this;
    }

    /** Failures in a row that drop a web seed (default 5). */
    public Builder maxConsecutiveErrors(int n) {
      this.maxConsecutiveErrors = atLeastOne("maxConsecutiveErrors", n);
      return this;
    }

    /** Hash failures of pieces a web seed alone sent that drop it (default 3). */
    public Builder maxHashFailures(int n) {
      this.maxHashFailures = atLeastOne("maxHashFailures", n);
      return this;
    }

    /** The most bytes read of a whole-file answer to a Range request (default 4 MiB). */
    public Builder maxWholeFileBytes(long n) {
      this.maxWholeFileBytes = checkWholeFile(n);
      return this;
    }

    /**
     * What makes the HTTP transport (default {@link HttpTransports#urlConnection()}, which runs
     * on Android too; {@link HttpTransports#jdkHttpClient()} uses the JDK's {@code HttpClient}).
     * The client makes one transport per torrent when its first web seed request starts.
     */
    public Builder httpTransport(HttpTransport.Factory factory) {
      this.httpTransport = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /**
     * The config.
     *
     * @throws IllegalArgumentException naming the value out of range
     */
    public WebSeedConfig build() {
      return new WebSeedConfig(enabled, maxRequestsPerSeed, maxRequestBytes, connectTimeout,
          requestTimeout, retryDelay, maxRetryDelay, maxConsecutiveErrors, maxHashFailures,
          maxWholeFileBytes, httpTransport);
    }
  }
}
