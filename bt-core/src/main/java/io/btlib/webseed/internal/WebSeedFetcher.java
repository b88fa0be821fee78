package io.btlib.webseed.internal;

import io.btlib.webseed.WebSeedConfig;
import java.io.IOException;
import java.time.Duration;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Flow;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Fetches byte ranges from web seeds with the JDK's {@link HttpClient} (HTTP/1.1, redirects
 * followed as {@link HttpClient.Redirect#NORMAL}: at most 5, never HTTPS to HTTP). Each fetch
 * asks its segments one after another and fills one byte array; what the server sends is checked
 * before it is kept:
 *
 * <ul>
 *   <li>206: {@code Content-Range} must be exactly the range asked, its total (if given) the file's
 *       length, and {@code Content-Length} (if given) the range's length; a body longer than
 *       asked fails as soon as the extra byte arrives, a shorter one at its end.
 *   <li>200 (a server that ignores Range): allowed only when the range ends within {@code
 *       maxWholeFileBytes} of the file's start and {@code Content-Length} (if given) is the
 *       file's length; the bytes before the range are skipped, and the body is cancelled (the
 *       connection closed) as soon as the range is in, so nothing past it is read.
 *   <li>anything else, or a {@code Content-Encoding} other than identity: fails with a {@link
 *       WebSeedException} carrying the status and {@code Retry-After}.
 * </ul>
 *
 * <p>Time: connecting is bounded by {@code connectTimeout}, the wait for the headers by {@code
 * requestTimeout}; the caller bounds the whole fetch by calling {@link Fetch#cancel} at its own
 * deadline (the engine does, on its clock).
 *
 * <p>Threads: requests and callbacks run on this fetcher's pool of at most 2 daemon threads named
 * {@code <name>-N}, idle ones ending after 10 s; {@link #close()} stops it and cancels what is in
 * flight. The JDK's {@code HttpClient} in Java 17 has no {@code close()}: its own selector thread
 * ({@code HttpClient-N-SelectorManager}, a daemon) ends by itself once the client is unreachable;
 * the client is made only when the first fetch starts.
 */
public final class WebSeedFetcher implements AutoCloseable {
  private final WebSeedConfig config;
  private final String name;
  private ThreadPoolExecutor executor;
  private HttpClient http;
  private boolean closed;

  /** A fetcher with {@code config}'s limits; its threads are named {@code name-N}. */
  public WebSeedFetcher(WebSeedConfig config, String name) {
    this.config = config;
    this.name = name;
  }

  private synchronized HttpClient http() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    if (http == null) {
      AtomicInteger n = new AtomicInteger();
      executor = new ThreadPoolExecutor(2, 2, 10, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
          r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
          });
      executor.allowCoreThreadTimeOut(true);
      http = HttpClient.newBuilder()
          .executor(executor)
          .connectTimeout(config.connectTimeout())
          .followRedirects(HttpClient.Redirect.NORMAL)
          .version(HttpClient.Version.HTTP_1_1)
          .build();
    }
    return http;
  }

  /**
   * Starts fetching {@code segments} into a new array of {@code length} bytes (bytes no segment
   * covers stay zero). The result completes on this fetcher's thread, with the array or with the
   * failure ({@link WebSeedException}, or an {@link IOException} of the transport).
   *
   * @throws IllegalStateException if closed
   */
  public Fetch fetch(List<WebSeedLayout.Segment> segments, int length) {
    Fetch f = new Fetch(List.copyOf(segments), new byte[length], config.requestTimeout(),
        config.maxWholeFileBytes());
    f.next(http());
    return f;
  }

  /** Stops the threads; fetches in flight fail. Idempotent. */
  @Override
  public void close() {
    ThreadPoolExecutor e;
    synchronized (this) {
      closed = true;
      e = executor;
      executor = null;
      http = null;
    }
    if (e != null) {
      e.shutdownNow();
    }
  }

  /** One fetch in flight: its result, and a way to stop it. */
  public static final class Fetch {
    private final List<WebSeedLayout.Segment> segments;
    private final byte[] data;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private int index;
    private volatile CompletableFuture<?> exchange;
    private volatile RangeSubscriber body;

    private final Duration timeout;
    private final long maxWholeFile;

    Fetch(List<WebSeedLayout.Segment> segments, byte[] data, Duration timeout,
        long maxWholeFile) {
      this.segments = segments;
      this.data = data;
      this.timeout = timeout;
      this.maxWholeFile = maxWholeFile;
    }

    /** Completes with the filled array, or fails. */
    public CompletableFuture<byte[]> result() {
      return result;
    }

    /** Stops the fetch: the result fails with {@code why} (nothing happens if it is done). */
    public void cancel(String why) {
      if (result.completeExceptionally(new WebSeedException(why))) {
        RangeSubscriber b = body;
        if (b != null) {
          b.cancel();
        }
        CompletableFuture<?> x = exchange;
        if (x != null) {
          x.cancel(true);
        }
      }
    }

    private void next(HttpClient http) {
      if (result.isDone()) {
        return;
      }
      if (index == segments.size()) {
        result.complete(data);
        return;
      }
      WebSeedLayout.Segment s = segments.get(index++);
      HttpRequest req;
      try {
        req = HttpRequest.newBuilder(s.url())
            .timeout(timeout)
            .header("Range", "bytes=" + s.fileOffset() + "-" + (s.fileOffset() + s.length() - 1))
            .header("Accept-Encoding", "identity")
            .header("User-Agent", "bt/0.1")
            .GET()
            .build();
      } catch (IllegalArgumentException e) {
        result.completeExceptionally(new WebSeedException("bad URL " + s.url() + ": "
            + e.getMessage()));
        return;
      }
      try {
        CompletableFuture<HttpResponse<Void>> x = http.sendAsync(req, info -> {
          RangeSubscriber r = new RangeSubscriber(s, data, info.statusCode(), info.headers(),
              maxWholeFile);
          body = r;
          return r;
        });
        exchange = x;
        x.whenComplete((resp, err) -> {
          if (err != null) {
            Throwable t = err instanceof CompletionException && err.getCause() != null
                ? err.getCause() : err;
            result.completeExceptionally(t);
          } else {
            next(http);
          }
        });
      } catch (RejectedExecutionException | IllegalStateException e) {
        result.completeExceptionally(new WebSeedException("fetcher closed"));
      }
    }
  }

  /**
   * Checks one answer's status and headers, then copies the range's bytes of its body into the
   * fetch's array, failing on anything that was not asked for.
   */
  static final class RangeSubscriber implements HttpResponse.BodySubscriber<Void> {
    private final CompletableFuture<Void> done = new CompletableFuture<>();
    private final byte[] dst;
    private final int dstOffset;
    private final int length;
    private long skip;
    private int got;
    private final boolean whole;
    private volatile Flow.Subscription subscription;
    private volatile boolean cancelled;

    RangeSubscriber(WebSeedLayout.Segment s, byte[] dst, int status, HttpHeaders h,
        long maxWholeFile) {
      this.dst = dst;
      this.dstOffset = s.dstOffset();
      this.length = s.length();
      this.whole = status == 200;
      String asked = s.fileOffset() + "-" + (s.fileOffset() + s.length() - 1);
      try {
        String enc = h.firstValue("Content-Encoding").orElse("identity").trim();
        if (!enc.equalsIgnoreCase("identity")) {
          throw new WebSeedException("answer has Content-Encoding " + enc.toLowerCase(Locale.ROOT)
              + " though identity was asked", status, -1);
        }
        long declared = h.firstValueAsLong("Content-Length").orElse(-1);
        if (status == 206) {
          ContentRange r = ContentRange.parse(h.firstValue("Content-Range").orElse(null));
          if (r.first() != s.fileOffset() || r.last() != s.fileOffset() + s.length() - 1) {
            throw new WebSeedException("asked bytes " + asked + " of " + s.url() + ", got "
                + r.first() + "-" + r.last(), status, -1);
          }
          if (r.total() >= 0 && r.total() != s.fileLength()) {
            throw new WebSeedException(s.url() + " is " + r.total() + " bytes, the torrent says "
                + s.fileLength(), status, -1);
          }
          if (declared >= 0 && declared != s.length()) {
            throw new WebSeedException("asked " + s.length() + " bytes of " + s.url()
                + ", the answer has " + declared, status, -1);
          }
          skip = 0;
        } else if (status == 200) {
          if (s.fileOffset() + s.length() > maxWholeFile) {
            throw new WebSeedException(s.url() + " ignored the Range " + asked
                + "; reading the whole file that far is over the limit of " + maxWholeFile,
                status, -1);
          }
          if (declared >= 0 && declared != s.fileLength()) {
            throw new WebSeedException(s.url() + " is " + declared + " bytes, the torrent says "
                + s.fileLength(), status, -1);
          }
          skip = s.fileOffset();
        } else {
          long retry = -1;
          String ra = h.firstValue("Retry-After").orElse("").trim();
          if (!ra.isEmpty() && ra.length() < 10 && ra.chars().allMatch(Character::isDigit)) {
            retry = Long.parseLong(ra);
          }
          throw new WebSeedException("HTTP status " + status + " for " + s.url(), status, retry);
        }
      } catch (WebSeedException e) {
        done.completeExceptionally(e);
      }
    }

    void cancel() {
      cancelled = true;
      Flow.Subscription sub = subscription;
      if (sub != null) {
        sub.cancel();
      }
    }

    @Override
    public CompletableFuture<Void> getBody() {
      return done;
    }

    @Override
    public void onSubscribe(Flow.Subscription sub) {
      this.subscription = sub;
      if (done.isDone() || cancelled) {
        sub.cancel();
      } else {
        sub.request(Long.MAX_VALUE);
      }
    }

    @Override
    public void onNext(List<ByteBuffer> items) {
      if (done.isDone() || cancelled) {
        return;
      }
      for (ByteBuffer b : items) {
        if (skip > 0) {
          int n = (int) Math.min(skip, b.remaining());
          b.position(b.position() + n);
          skip -= n;
        }
        int n = b.remaining();
        if (n == 0) {
          continue;
        }
        if (got + (long) n > length) {
          if (!whole) {
            subscription.cancel();
            done.completeExceptionally(new WebSeedException("the answer is longer than the "
                + length + " bytes asked"));
            return;
          }
          n = length - got;
        }
        b.get(dst, dstOffset + got, n);
        got += n;
        if (whole && got == length) {
          subscription.cancel(); // nothing past the range is read
          done.complete(null);
          return;
        }
      }
    }

    @Override
    public void onError(Throwable t) {
      done.completeExceptionally(t);
    }

    @Override
    public void onComplete() {
      if (got != length) {
        done.completeExceptionally(new WebSeedException("the answer ended after " + got
            + " of the " + length + " bytes asked"));
      } else {
        done.complete(null);
      }
    }
  }
}
