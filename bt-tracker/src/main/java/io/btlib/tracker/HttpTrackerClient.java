package io.btlib.tracker;

import io.btlib.http.HttpRequest;
import io.btlib.http.HttpTransport;
import io.btlib.http.HttpTransports;
import io.btlib.metainfo.InfoHash;
import io.btlib.tracker.internal.Futures;
import io.btlib.tracker.internal.HttpTrackerUrls;
import io.btlib.tracker.internal.LimitedBody;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Announces to and scrapes HTTP(S) trackers (BEP 3, BEP 23 compact peers, BEP 7 {@code peers6},
 * BEP 48 scrape) over an {@link HttpTransport}: by default {@link HttpTransports#urlConnection()}
 * ({@code HttpURLConnection}, on Android too), or {@link HttpTransports#jdkHttpClient()}, chosen
 * with {@link Builder#httpTransport}.
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
 * Content-Length} or its bytes so far exceed it, without reading the rest (never more than the
 * limit is held); connecting is bounded by {@link Builder#connectTimeout}, the whole exchange, body
 * included, by {@link Builder#requestTimeout} (then the future fails with a {@link
 * java.net.SocketTimeoutException}); redirects are followed, at most 5 requests in all, never HTTPS
 * to HTTP. No proxy is used. A non-200 status fails with a {@link TrackerException} naming it,
 * unless the body is a bencoded {@code failure reason}, which is reported as such.
 *
 * <p>Threads: the transport runs the requests on its own daemon threads named {@code
 * bt-tracker-http-N-M} (at most 8 at a time, idle ones end after 10 s), which {@link #close()}
 * stops; it aborts the requests in flight.
 */
public final class HttpTrackerClient implements TrackerClient {
  private static final AtomicInteger INSTANCES = new AtomicInteger();
  private final Duration requestTimeout;
  private final int maxBodyBytes;
  private final String userAgent;
  private final HttpTransport transport;
  private final Set<CompletableFuture<?>> pending = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  private HttpTrackerClient(Builder b) {
    this.requestTimeout = b.requestTimeout;
    this.maxBodyBytes = b.maxBodyBytes;
    this.userAgent = b.userAgent;
    this.transport = b.httpTransport.create(new HttpTransport.Options(b.connectTimeout,
        b.sslContext, "bt-tracker-http-" + INSTANCES.incrementAndGet(), 8));
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
      return Futures.failed(new IllegalArgumentException("no info hashes"));
    }
    for (InfoHash h : hashes) {
      if (!h.isV1()) {
        return Futures.failed(
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
    if (closed) {
      return Futures.failed(new IllegalStateException("closed"));
    }
    if (!supports(tracker) || tracker.getRawAuthority() == null) {
      return Futures.failed(
          new IllegalArgumentException("not an http(s) tracker URL: " + tracker));
    }
    HttpRequest req;
    try {
      req = HttpRequest.get(url.get(), requestTimeout)
          .withHeader("User-Agent", userAgent)
          .withHeader("Accept-Encoding", "identity");
    } catch (IllegalArgumentException e) {
      return Futures.failed(e);
    }
    CompletableFuture<T> out = new CompletableFuture<>();
    pending.add(out);
    out.whenComplete((v, e) -> pending.remove(out));
    if (closed) { // closed meanwhile: close() may have missed this future
      out.completeExceptionally(new IllegalStateException("closed"));
      return out;
    }
    // the transport bounds the whole exchange, body included, by the request's timeout
    CompletableFuture<LimitedBody.Answer> exchange =
        transport.send(req, resp -> LimitedBody.read(resp, maxBodyBytes));
    out.whenComplete((v, e) -> exchange.cancel(true)); // no-op once the exchange is done
    exchange
        .thenApply(resp -> {
          if (resp.status != 200) {
            try {
              HttpTrackerResponses.parseAnnounce(resp.body);
            } catch (TrackerFailureException refused) {
              throw refused;
            } catch (TrackerException notBencode) {
              // fall through to the status
            }
            throw new TrackerException("", "HTTP status " + resp.status + " from " + tracker);
          }
          return parse.apply(resp.body);
        })
        .whenComplete((v, e) -> {
          if (e == null) {
            out.complete(v);
          } else {
            out.completeExceptionally(e instanceof CompletionException && e.getCause() != null
                ? e.getCause() : e);
          }
        });
    return out;
  }

  /** Fails the pending futures, aborts the requests in flight and stops the threads. Idempotent. */
  @Override
  public void close() {
    closed = true;
    for (CompletableFuture<?> f : pending) {
      f.completeExceptionally(new IllegalStateException("closed"));
    }
    transport.close();
  }
  /** Builds an {@link HttpTrackerClient}; setters check their value at once. Not thread-safe. */
  public static final class Builder {
    private Duration connectTimeout = Duration.ofSeconds(15);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private int maxBodyBytes = HttpTrackerResponses.MAX_BODY_BYTES;
    private String userAgent = "bt/0.1";
    private SSLContext sslContext;
    private HttpTransport.Factory httpTransport = HttpTransports.urlConnection();

    private Builder() {}

    /**
     * What makes the HTTP transport; default {@link HttpTransports#urlConnection()} (runs on
     * Android too); {@link HttpTransports#jdkHttpClient()} uses the JDK's {@code HttpClient}.
     */
    public Builder httpTransport(HttpTransport.Factory factory) {
      this.httpTransport = Objects.requireNonNull(factory, "factory");
      return this;
    }

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
      if (userAgent.trim().isEmpty() || userAgent.chars().anyMatch(c -> c < 0x20 || c > 0x7E)) {
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
