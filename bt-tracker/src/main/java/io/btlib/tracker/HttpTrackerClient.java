package io.btlib.tracker;

import io.btlib.metainfo.InfoHash;
import io.btlib.tracker.internal.HttpTrackerUrls;
import io.btlib.tracker.internal.LimitedBodySubscriber;
import io.btlib.tracker.internal.ThreadFactories;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Announces to and scrapes HTTP(S) trackers (BEP 3, BEP 23 compact peers, BEP 7 {@code peers6},
 * BEP 48 scrape) with the JDK's {@link HttpClient}.
 *
 * <pre>{@code
 * try (HttpTrackerClient http = HttpTrackerClient.builder().build()) {
 *   AnnounceResponse r = http.announce(URI.create("http://127.0.0.1:6969/announce"), request).join();
 *   Map<InfoHash, ScrapeStats> s = http.scrape(uri, List.of(hash)).join();
 * }
 * }</pre>
 *
 * <p>The announce sends {@code info_hash} and {@code peer_id} percent-encoded byte for byte,
 * {@code port}, {@code uploaded}, {@code downloaded}, {@code left}, {@code key} (8 hex digits),
 * {@code event} (left out for {@link AnnounceEvent#NONE}), {@code numwant} (left out for -1),
 * {@code compact=1}, {@code no_peer_id=1} and {@code trackerid} when the request has one. The
 * body is parsed by {@link HttpTrackerResponses}. The scrape URL comes from the announce URL by
 * BEP 48's rule ({@link #scrapeUri}); a tracker whose URL does not follow it cannot be scraped.
 *
 * <p>Limits: a body over {@link Builder#maxBodyBytes} is refused as soon as its {@code
 * Content-Length} or its bytes so far exceed it, without reading the rest; connecting is bounded
 * by {@link Builder#connectTimeout}, the whole exchange, body included, by {@link
 * Builder#requestTimeout} (then the future fails with {@link HttpTimeoutException});
 * redirects are followed as {@link HttpClient.Redirect#NORMAL} (never HTTPS to HTTP), at most 5
 * times (the JDK's {@code jdk.httpclient.redirects.retrylimit}). No proxy is used. A non-200
 * status fails with a {@link TrackerException} naming it, unless the body is a bencoded {@code
 * failure reason}, which is reported as such.
 *
 * <p>Threads: the client runs its requests and callbacks on its own pool of daemon threads named
 * {@code bt-tracker-http-N-M} (at most 2, idle ones end after 10 s), which {@link #close()}
 * stops. The JDK's {@code HttpClient} in Java 17 has no {@code close()}: its own selector thread
 * ({@code HttpClient-N-SelectorManager}, a daemon) ends by itself once the client is unreachable
 * and idle; {@link #close()} drops this object's reference to it.
 */
public final class HttpTrackerClient implements TrackerClient {
  private final Duration requestTimeout;
  private final int maxBodyBytes;
  private final String userAgent;
  private final ScheduledExecutorService executor;
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private volatile HttpClient http;

  private HttpTrackerClient(Builder b) {
    this.requestTimeout = b.requestTimeout;
    this.maxBodyBytes = b.maxBodyBytes;
    this.userAgent = b.userAgent;
    ScheduledThreadPoolExecutor pool =
        new ScheduledThreadPoolExecutor(2, ThreadFactories.daemon("bt-tracker-http"));
    pool.setKeepAliveTime(10, TimeUnit.SECONDS);
    pool.allowCoreThreadTimeOut(true);
    pool.setRemoveOnCancelPolicy(true);
    this.executor = pool;
    HttpClient.Builder http = HttpClient.newBuilder()
        .executor(executor)
        .connectTimeout(b.connectTimeout)
        .followRedirects(HttpClient.Redirect.NORMAL)
        .version(HttpClient.Version.HTTP_1_1);
    if (b.sslContext != null) {
      http.sslContext(b.sslContext);
    }
    this.http = http.build();
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The BEP 48 scrape URL for an announce URL, or null if it has none: the last path segment
   * must begin with {@code announce}, which is replaced by {@code scrape}.
   */
  public static URI scrapeUri(URI announce) {
    return HttpTrackerUrls.scrape(announce, List.of()).orElse(null);
  }

  @Override
  public boolean supports(URI tracker) {
    String s = tracker.getScheme();
    if (s == null) {
      return false;
    }
    s = s.toLowerCase(Locale.ROOT);
    return s.equals("http") || s.equals("https");
  }

  @Override
  public CompletableFuture<AnnounceResponse> announce(URI tracker, AnnounceRequest request) {
    Objects.requireNonNull(request, "request");
    return get(tracker, () -> HttpTrackerUrls.announce(tracker, request),
        HttpTrackerResponses::parseAnnounce);
  }

  @Override
  public CompletableFuture<Map<InfoHash, ScrapeStats>> scrape(URI tracker, List<InfoHash> hashes) {
    Objects.requireNonNull(hashes, "hashes");
    if (hashes.isEmpty()) {
      return CompletableFuture.failedFuture(new IllegalArgumentException("no info hashes"));
    }
    for (InfoHash h : hashes) {
      if (!h.isV1()) {
        return CompletableFuture.failedFuture(
            new IllegalArgumentException("info hashes must be 20 bytes, got " + h));
      }
    }
    return get(tracker,
        () -> HttpTrackerUrls.scrape(tracker, hashes).orElseThrow(() -> new IllegalArgumentException(
            "cannot scrape " + tracker + ": its path does not end in announce (BEP 48)")),
        HttpTrackerResponses::parseScrape);
  }

  private <T> CompletableFuture<T> get(
      URI tracker, Supplier<URI> url, Function<byte[], T> parse) {
    Objects.requireNonNull(tracker, "tracker");
    HttpClient client = http;
    if (client == null) {
      return CompletableFuture.failedFuture(new IllegalStateException("closed"));
    }
    if (!supports(tracker) || tracker.getRawAuthority() == null) {
      return CompletableFuture.failedFuture(
          new IllegalArgumentException("not an http(s) tracker URL: " + tracker));
    }
    HttpRequest req;
    try {
      req = HttpRequest.newBuilder(url.get())
          .timeout(requestTimeout)
          .header("User-Agent", userAgent)
          .header("Accept-Encoding", "identity")
          .GET()
          .build();
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(e);
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    pending.add(out);
    out.whenComplete((v, e) -> pending.remove(out));
    if (http == null) { // closed meanwhile: close() may have missed this future
      out.completeExceptionally(new IllegalStateException("closed"));
      return out;
    }
    try {
      CompletableFuture<HttpResponse<byte[]>> exchange =
          client.sendAsync(req, LimitedBodySubscriber.handler(maxBodyBytes));
      // the JDK's timeout ends with the headers; this one bounds the body too (a trickling body)
      ScheduledFuture<?> deadline = executor.schedule(() -> {
        if (out.completeExceptionally(new HttpTimeoutException(
            "no complete response from " + tracker + " within " + requestTimeout))) {
          exchange.cancel(true);
        }
      }, requestTimeout.toNanos(), TimeUnit.NANOSECONDS);
      out.whenComplete((v, e) -> deadline.cancel(false));
      exchange
          .thenApply(resp -> {
            if (resp.statusCode() != 200) {
              try {
                HttpTrackerResponses.parseAnnounce(resp.body());
              } catch (TrackerFailureException refused) {
                throw refused;
              } catch (TrackerException notBencode) {
                // fall through to the status
              }
              throw new TrackerException("", "HTTP status " + resp.statusCode() + " from " + tracker);
            }
            return parse.apply(resp.body());
          })
          .whenComplete((v, e) -> {
            if (e == null) {
              out.complete(v);
            } else {
              out.completeExceptionally(e instanceof CompletionException && e.getCause() != null
                  ? e.getCause() : e);
            }
          });
    } catch (RejectedExecutionException e) {
      out.completeExceptionally(new IllegalStateException("closed"));
    }
    return out;
  }

  /** Fails the pending futures and stops the client's threads. Idempotent. */
  @Override
  public void close() {
    http = null;
    for (CompletableFuture<?> f : pending) {
      f.completeExceptionally(new IllegalStateException("closed"));
    }
    executor.shutdownNow();
  }

  /** Builds an {@link HttpTrackerClient}; setters check their value at once. Not thread-safe. */
  public static final class Builder {
    private Duration connectTimeout = Duration.ofSeconds(15);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private int maxBodyBytes = HttpTrackerResponses.MAX_BODY_BYTES;
    private String userAgent = "bt/0.1";
    private SSLContext sslContext;

    private Builder() {}

    /**
     * The TLS context for {@code https} trackers, e.g. one that trusts a private tracker's own
     * certificate authority; default: the JDK's default context (its trust store, hostname
     * verification on).
     */
    public Builder sslContext(SSLContext context) {
      this.sslContext = Objects.requireNonNull(context, "context");
      return this;
    }

    /** How long connecting may take; default 15 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive("connectTimeout", timeout);
      return this;
    }

    /** How long the whole exchange may take, to the body's last byte; default 30 s. */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = positive("requestTimeout", timeout);
      return this;
    }

    /**
     * The largest response body read, 1 byte to {@link HttpTrackerResponses#MAX_BODY_BYTES}
     * (the default, 2 MiB); a compact reply of 200 peers is about 1.3 KB.
     */
    public Builder maxBodyBytes(int maxBodyBytes) {
      if (maxBodyBytes < 1 || maxBodyBytes > HttpTrackerResponses.MAX_BODY_BYTES) {
        throw new IllegalArgumentException("maxBodyBytes must be in 1.."
            + HttpTrackerResponses.MAX_BODY_BYTES + ", got " + maxBodyBytes);
      }
      this.maxBodyBytes = maxBodyBytes;
      return this;
    }

    /** The {@code User-Agent} header; default {@code bt/0.1}. */
    public Builder userAgent(String userAgent) {
      Objects.requireNonNull(userAgent, "userAgent");
      if (userAgent.isBlank() || userAgent.chars().anyMatch(c -> c < 0x20 || c > 0x7E)) {
        throw new IllegalArgumentException("userAgent must be printable ASCII: " + userAgent);
      }
      this.userAgent = userAgent;
      return this;
    }

    /** Builds the client; it owns its threads until {@link HttpTrackerClient#close()}. */
    public HttpTrackerClient build() {
      return new HttpTrackerClient(this);
    }

    static Duration positive(String what, Duration d) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
