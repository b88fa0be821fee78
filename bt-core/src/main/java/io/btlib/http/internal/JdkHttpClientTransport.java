package io.btlib.http.internal;

import io.btlib.http.HttpRequest;
import io.btlib.http.HttpResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpTimeoutException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The transport on the JDK's {@code java.net.http.HttpClient} (HTTP/1.1, redirects {@code NORMAL}:
 * at most 5 requests, the JDK's {@code jdk.httpclient.redirects.retrylimit} default, never HTTPS to
 * HTTP). The client pools connections; it runs its own work on 2 daemon threads {@code
 * <threadName>-client-N} that {@link #close()} stops. In Java 17 the client has no {@code close()}:
 * its selector thread ({@code HttpClient-N-SelectorManager}, a daemon) ends by itself once the
 * client is unreachable and idle.
 *
 * <p>JVM only: Android has no {@code java.net.http}, so the build's Android API check skips this
 * class ({@link JvmOnly}); only {@link JdkHttpClientFactory} makes it.
 */
@JvmOnly
public final class JdkHttpClientTransport extends BlockingTransport {
  private final ThreadPoolExecutor clientThreads;
  private volatile HttpClient http;

  /** A transport with these options. */
  public JdkHttpClientTransport(Options options) {
    super(options);
    AtomicInteger n = new AtomicInteger();
    clientThreads = new ThreadPoolExecutor(2, 2, 10, TimeUnit.SECONDS,
        new java.util.concurrent.LinkedBlockingQueue<>(), r -> {
          Thread t = new Thread(r, options.threadName() + "-client-" + n.incrementAndGet());
          t.setDaemon(true);
          return t;
        });
    clientThreads.allowCoreThreadTimeOut(true);
    HttpClient.Builder b = HttpClient.newBuilder()
        .executor(clientThreads)
        .connectTimeout(options.connectTimeout())
        .followRedirects(HttpClient.Redirect.NORMAL)
        .proxy(HttpClient.Builder.NO_PROXY)
        .version(HttpClient.Version.HTTP_1_1);
    if (options.sslContext() != null) {
      b.sslContext(options.sslContext());
    }
    http = b.build();
  }

  @Override
  protected <T> T exchange(HttpRequest request, BodyHandler<T> handler, Call call)
      throws IOException, InterruptedException {
    HttpClient client = http;
    if (client == null) {
      throw new IllegalStateException("closed");
    }
    java.net.http.HttpRequest.Builder rb = java.net.http.HttpRequest.newBuilder(request.uri())
        .timeout(request.timeout())
        .GET();
    for (Map.Entry<String, String> h : request.headers().entrySet()) {
      rb.header(h.getKey(), h.getValue());
    }
    CompletableFuture<java.net.http.HttpResponse<InputStream>> x =
        client.sendAsync(rb.build(), java.net.http.HttpResponse.BodyHandlers.ofInputStream());
    call.onAbort(() -> x.cancel(true));
    java.net.http.HttpResponse<InputStream> r;
    try {
      r = x.get();
    } catch (CancellationException e) {
      throw new IOException("aborted", e);
    } catch (ExecutionException e) {
      Throwable t = e.getCause();
      if (t instanceof HttpConnectTimeoutException || t instanceof HttpTimeoutException) {
        java.net.SocketTimeoutException s = new java.net.SocketTimeoutException(t.getMessage());
        s.initCause(t);
        throw s;
      }
      if (t instanceof IOException) {
        throw (IOException) t;
      }
      throw new IOException(t);
    }
    InputStream body = r.body();
    // a read blocked on the body ends when the worker is interrupted (see Call.abort)
    call.onAbort(() -> {
      try {
        body.close();
      } catch (IOException ignored) {
        // closing only cancels the subscription
      }
    });
    try (InputStream in = body) {
      return handler.handle(new Response(r));
    }
  }

  @Override
  public void close() {
    http = null;
    super.close();
    clientThreads.shutdownNow();
  }

  @JvmOnly
  private static final class Response implements HttpResponse {
    private final java.net.http.HttpResponse<InputStream> r;

    Response(java.net.http.HttpResponse<InputStream> r) {
      this.r = r;
    }

    @Override
    public URI uri() {
      return r.uri();
    }

    @Override
    public int status() {
      return r.statusCode();
    }

    @Override
    public Optional<String> header(String name) {
      return r.headers().firstValue(name);
    }

    @Override
    public InputStream body() {
      return r.body();
    }
  }
}
