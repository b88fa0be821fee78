package io.btlib.http.internal;

import io.btlib.http.HttpRequest;
import io.btlib.http.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.HttpURLConnection;
import java.net.Proxy;
import java.net.URI;
import java.net.URISyntaxException;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLSocketFactory;

/**
 * The default transport, on {@link HttpURLConnection} (no proxy, redirects followed by this class
 * so that the policy is the same as the JDK client's). Connection reuse is the platform's: a body
 * read to its end and closed returns its connection to the keep-alive cache; one left early is
 * disconnected.
 *
 * <p>Aborting calls {@link HttpURLConnection#disconnect()}. On Android that closes the socket at
 * once. The JDK's implementation cannot interrupt a read in progress on the body (disconnect
 * waits for it), so each connection's read timeout is set to the time left before the request's
 * deadline: an aborted exchange's future fails at once, but its worker thread and socket are
 * released at the latest at that deadline.
 */
public final class UrlConnectionTransport extends BlockingTransport {
  /** Redirects followed per exchange, as the JDK client's default retry limit of 5 requests. */
  static final int MAX_REDIRECTS = 4;
  private final int connectMillis;
  private final SSLSocketFactory sslSockets;

  /** A transport with these options; its threads start with the first exchange. */
  public UrlConnectionTransport(Options options) {
    super(options);
    this.connectMillis = (int) Math.max(1, Math.min(Integer.MAX_VALUE,
        options.connectTimeout().toMillis()));
    this.sslSockets = options.sslContext() == null ? null
        : options.sslContext().getSocketFactory();
  }

  @Override
  protected <T> T exchange(HttpRequest request, BodyHandler<T> handler, Call call)
      throws IOException {
    long deadline = System.nanoTime() + request.timeout().toNanos();
    URI uri = request.uri();
    for (int redirects = 0; ; redirects++) {
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection(Proxy.NO_PROXY);
      call.onAbort(c::disconnect);
      boolean released = false;
      try {
        c.setInstanceFollowRedirects(false);
        c.setUseCaches(false);
        c.setConnectTimeout(connectMillis);
        // a safety net under the deadline, which closes the connection itself
        long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
        c.setReadTimeout((int) Math.min(Integer.MAX_VALUE, left));
        if (sslSockets != null && c instanceof HttpsURLConnection) {
          ((HttpsURLConnection) c).setSSLSocketFactory(sslSockets);
        }
        for (Map.Entry<String, String> h : request.headers().entrySet()) {
          c.setRequestProperty(h.getKey(), h.getValue());
        }
        int status = c.getResponseCode();
        if (status < 100) {
          throw new IOException("no valid HTTP status line from " + uri);
        }
        URI next = redirect(uri, status, c.getHeaderField("Location"));
        if (next != null && redirects < MAX_REDIRECTS) {
          drain(c);
          released = true;
          uri = next;
          continue;
        }
        InputStream raw = status >= 400 ? c.getErrorStream() : c.getInputStream();
        EofStream body = new EofStream(raw != null ? raw
            : new java.io.ByteArrayInputStream(new byte[0]));
        T value = handler.handle(new Response(uri, status, c, body));
        if (body.eof) {
          body.close(); // back to the keep-alive cache
          released = true;
        } // else the finally disconnects: nothing past what the handler read is read
        return value;
      } finally {
        if (!released) {
          c.disconnect();
        }
      }
    }
  }

  /** The redirect target, or null if this answer is not a redirect to follow. */
  static URI redirect(URI from, int status, String location) throws IOException {
    if (status != 301 && status != 302 && status != 303 && status != 307 && status != 308
        || location == null) {
      return null;
    }
    URI to;
    try {
      to = from.resolve(new URI(location.trim()));
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new IOException("bad redirect Location from " + from + ": " + location);
    }
    String scheme = to.getScheme() == null ? "" : to.getScheme().toLowerCase(Locale.ROOT);
    if (!(scheme.equals("http") || scheme.equals("https")) || to.getHost() == null) {
      throw new IOException("bad redirect Location from " + from + ": " + location);
    }
    if (from.getScheme().equalsIgnoreCase("https") && scheme.equals("http")) {
      return null; // never from https to http: the handler sees the redirect itself
    }
    return to;
  }

  private static void drain(HttpURLConnection c) throws IOException {
    InputStream in = c.getErrorStream();
    if (in == null) {
      try {
        in = c.getInputStream();
      } catch (IOException e) {
        return;
      }
    }
    try (InputStream body = in) {
      byte[] skip = new byte[512];
      int total = 0;
      int n;
      while (total < 4096 && (n = body.read(skip)) >= 0) {
        total += n;
      }
    }
  }

  /** Remembers whether the end of the body was seen. */
  private static final class EofStream extends java.io.FilterInputStream {
    volatile boolean eof;

    EofStream(InputStream in) {
      super(in);
    }

    @Override
    public int read() throws IOException {
      int b = super.read();
      if (b < 0) {
        eof = true;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      int n = super.read(b, off, len);
      if (n < 0) {
        eof = true;
      }
      return n;
    }
  }

  private static final class Response implements HttpResponse {
    private final URI uri;
    private final int status;
    private final HttpURLConnection c;
    private final InputStream body;

    Response(URI uri, int status, HttpURLConnection c, InputStream body) {
      this.uri = uri;
      this.status = status;
      this.c = c;
      this.body = body;
    }

    @Override
    public URI uri() {
      return uri;
    }

    @Override
    public int status() {
      return status;
    }

    @Override
    public Optional<String> header(String name) {
      // getHeaderField(String) is case-insensitive and gives the last value; take the first
      for (Map.Entry<String, java.util.List<String>> e : c.getHeaderFields().entrySet()) {
        if (e.getKey() != null && e.getKey().equalsIgnoreCase(name) && !e.getValue().isEmpty()) {
          return Optional.ofNullable(e.getValue().get(0));
        }
      }
      return Optional.empty();
    }

    @Override
    public InputStream body() {
      return body;
    }
  }
}
