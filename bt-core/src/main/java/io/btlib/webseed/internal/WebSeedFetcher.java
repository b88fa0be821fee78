package io.btlib.webseed.internal;

import io.btlib.http.HttpRequest;
import io.btlib.http.HttpResponse;
import io.btlib.http.HttpTransport;
import io.btlib.webseed.WebSeedConfig;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

/**
 * Fetches byte ranges from web seeds over the configured {@link HttpTransport} (HTTP/1.1, redirects
 * as the transport's contract says: at most 5 requests, never HTTPS to HTTP). Each fetch asks its
 * segments one after another and fills one byte array; what the server sends is checked before it
 * is kept:
 *
 * <ul>
 *   <li>206: {@code Content-Range} must be exactly the range asked, its total (if given) the file's
 *       length, and {@code Content-Length} (if given) the range's length; a body longer than
 *       asked fails (one byte past the range is read to see it), a shorter one at its end.
 *   <li>200 (a server that ignores Range): allowed only when the range ends within {@code
 *       maxWholeFileBytes} of the file's start and {@code Content-Length} (if given) is the
 *       file's length; the bytes before the range are skipped, and the connection is closed as
 *       soon as the range is in, so nothing past it is read.
 *   <li>anything else, or a {@code Content-Encoding} other than identity: fails with a {@link
 *       WebSeedException} carrying the status and {@code Retry-After}.
 * </ul>
 *
 * <p>Time: connecting is bounded by {@code connectTimeout}, each request, body included, by
 * {@code requestTimeout}; the caller bounds the whole fetch by calling {@link Fetch#cancel} at its
 * own deadline (the engine does, on its clock).
 *
 * <p>Threads: the transport, made when the first fetch starts, runs requests on at most {@code
 * 2 * maxRequestsPerSeed} daemon threads named {@code <name>-N}; {@link #close()} closes it, which
 * stops them and aborts what is in flight.
 */
public final class WebSeedFetcher implements AutoCloseable {
  private final WebSeedConfig config;
  private final String name;
  private HttpTransport http;
  private boolean closed;

  /** A fetcher with {@code config}'s limits; its threads are named {@code name-N}. */
  public WebSeedFetcher(WebSeedConfig config, String name) {
    this.config = config;
    this.name = name;
  }

  private synchronized HttpTransport http() {
    if (closed) {
      throw new IllegalStateException("closed");
    }
    if (http == null) {
      http = config.httpTransport().create(new HttpTransport.Options(config.connectTimeout(),
          null, name, Math.min(64, 2 * config.maxRequestsPerSeed())));
    }
    return http;
  }

  /**
   * Starts fetching {@code segments} into a new array of {@code length} bytes (bytes no segment
   * covers stay zero). The result completes on a transport thread, with the array or with the
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

  /** Closes the transport; fetches in flight fail. Idempotent. */
  @Override
  public void close() {
    HttpTransport h;
    synchronized (this) {
      closed = true;
      h = http;
      http = null;
    }
    if (h != null) {
      h.close();
    }
  }

  /** One fetch in flight: its result, and a way to stop it. */
  public static final class Fetch {
    private final List<WebSeedLayout.Segment> segments;
    private final byte[] data;
    private final CompletableFuture<byte[]> result = new CompletableFuture<>();
    private int index;
    private volatile CompletableFuture<?> exchange;

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
        CompletableFuture<?> x = exchange;
        if (x != null) {
          x.cancel(true); // the transport closes the connection
        }
      }
    }

    private void next(HttpTransport http) {
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
        req = HttpRequest.get(s.url(), timeout)
            .withHeader("Range",
                "bytes=" + s.fileOffset() + "-" + (s.fileOffset() + s.length() - 1))
            .withHeader("Accept-Encoding", "identity")
            .withHeader("User-Agent", "bt/0.1");
      } catch (IllegalArgumentException e) {
        result.completeExceptionally(new WebSeedException("bad URL " + s.url() + ": "
            + e.getMessage()));
        return;
      }
      CompletableFuture<Void> x =
          http.send(req, resp -> new RangeReader(s, data, maxWholeFile).read(resp));
      exchange = x;
      if (result.isDone()) { // cancelled meanwhile: cancel() may have missed this exchange
        x.cancel(true);
      }
      x.whenComplete((v, err) -> {
        if (err != null) {
          Throwable t = err instanceof CompletionException && err.getCause() != null
              ? err.getCause() : err;
          result.completeExceptionally(t instanceof IllegalStateException
              ? new WebSeedException("fetcher closed") : t);
        } else {
          next(http);
        }
      });
    }
  }

  /**
   * Checks one answer's status and headers, then copies the range's bytes of its body into the
   * fetch's array, failing on anything that was not asked for.
   */
  static final class RangeReader {
    private final WebSeedLayout.Segment s;
    private final byte[] dst;
    private final long maxWholeFile;

    RangeReader(WebSeedLayout.Segment s, byte[] dst, long maxWholeFile) {
      this.s = s;
      this.dst = dst;
      this.maxWholeFile = maxWholeFile;
    }

    Void read(HttpResponse h) throws IOException {
      int status = h.status();
      String asked = s.fileOffset() + "-" + (s.fileOffset() + s.length() - 1);
      String enc = h.header("Content-Encoding").orElse("identity").trim();
      if (!enc.equalsIgnoreCase("identity")) {
        throw new WebSeedException("answer has Content-Encoding " + enc.toLowerCase(Locale.ROOT)
            + " though identity was asked", status, -1);
      }
      long declared = h.contentLength();
      long skip;
      if (status == 206) {
        ContentRange r = ContentRange.parse(h.header("Content-Range").orElse(null));
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
        String ra = h.header("Retry-After").orElse("").trim();
        if (!ra.isEmpty() && ra.length() < 10 && ra.chars().allMatch(Character::isDigit)) {
          retry = Long.parseLong(ra);
        }
        throw new WebSeedException("HTTP status " + status + " for " + s.url(), status, retry);
      }
      InputStream in = h.body();
      int length = s.length();
      int got = 0;
      while (skip > 0) { // at most maxWholeFileBytes, checked above
        int n = in.read(dst, s.dstOffset(), (int) Math.min(skip, length));
        if (n < 0) {
          throw new WebSeedException("the answer ended " + skip + " bytes before the range");
        }
        skip -= n;
      }
      while (got < length) {
        int n = in.read(dst, s.dstOffset() + got, length - got);
        if (n < 0) {
          throw new WebSeedException("the answer ended after " + got + " of the " + length
              + " bytes asked");
        }
        got += n;
      }
      if (status == 206 && in.read() >= 0) {
        throw new WebSeedException("the answer is longer than the " + length + " bytes asked");
      }
      // a 200 answer is left unread past the range; the transport closes its connection
      return null;
    }
  }
}
