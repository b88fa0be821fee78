package io.btlib.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

/** The {@link HttpTransport} contract against hostile loopback servers, for both transports. */
@Timeout(40)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"urlConnection", "jdkHttpClient"})
class HttpTransportTest {
  @Parameter
  String transportName;

  private RawServer server;
  private HttpTransport transport;

  private HttpTransport transport() {
    return transport(4);
  }

  private HttpTransport transport(int maxConcurrent) {
    HttpTransport.Factory f = transportName.equals("urlConnection")
        ? HttpTransports.urlConnection() : HttpTransports.jdkHttpClient();
    transport = f.create(new HttpTransport.Options(Duration.ofSeconds(5), null,
        "bt-http-test-" + transportName, maxConcurrent));
    return transport;
  }

  @AfterEach
  void tearDown() throws IOException {
    if (transport != null) {
      transport.close();
    }
    if (server != null) {
      server.close();
    }
  }

  private static boolean ok(java.io.OutputStream out, String body) throws IOException {
    RawServer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
    return true;
  }

  private static String readAll(HttpResponse r) throws IOException {
    try (InputStream in = r.body()) {
      return new String(in.readAllBytes(), StandardCharsets.ISO_8859_1);
    }
  }

  private static Throwable failure(CompletableFuture<?> f) {
    Throwable t = f.handle((v, e) -> e).join();
    assertThat(t).as("the exchange should have failed").isNotNull();
    return t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
  }

  private static HttpRequest get(URI uri, long timeoutMillis) {
    return HttpRequest.get(uri, Duration.ofMillis(timeoutMillis));
  }

  @Test
  void sendsTheHeadersAndHandsOverStatusHeadersAndBody() {
    server = startServer((head, in, out) -> {
      RawServer.write(out, "HTTP/1.1 206 Partial Content\r\nContent-Range: bytes 0-4/10\r\n"
          + "X-Two: a\r\nContent-Length: 5\r\n\r\nhello");
      return true;
    });
    HttpRequest req = get(server.uri("/f.bin"), 5000).withHeader("Range", "bytes=0-4")
        .withHeader("User-Agent", "bt/test");
    String got = transport().send(req, r -> r.status() + " " + r.header("content-range").get()
        + " " + r.contentLength() + " " + r.header("X-None").isPresent() + " " + readAll(r))
        .join();
    assertThat(got).isEqualTo("206 bytes 0-4/10 5 false hello");
    assertThat(server.heads.get(0)).startsWith("GET /f.bin HTTP/1.1\r\n")
        .containsIgnoringCase("\r\nRange: bytes=0-4\r\n")
        .containsIgnoringCase("\r\nUser-Agent: bt/test\r\n");
  }

  @Test
  void reusesTheConnectionForABodyReadToItsEnd() {
    server = startServer((head, in, out) -> ok(out, "abc"));
    HttpTransport t = transport();
    for (int i = 0; i < 3; i++) {
      assertThat(t.send(get(server.uri("/" + i), 5000), HttpTransportTest::readAll).join())
          .isEqualTo("abc");
    }
    assertThat(server.heads).hasSize(3);
    assertThat(server.connections.get()).isEqualTo(1);
  }

  @Test
  void aBodyThatStopsBeforeItsEndPastTheTimeoutFailsAndClosesTheConnection() throws Exception {
    server = startServer((head, in, out) -> {
      RawServer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nd");
      return server.stall(in);
    });
    CompletableFuture<String> f = transport().send(get(server.uri("/slow"), 300),
        HttpTransportTest::readAll);
    assertThat(failure(f)).isInstanceOf(SocketTimeoutException.class)
        .hasMessageContaining("no complete response from " + server.uri("/slow"));
    assertThat(server.clientClosed.await(20, TimeUnit.SECONDS)).isTrue();
  }

  @Test
  void aServerThatNeverAnswersTimesOut() {
    server = startServer((head, in, out) -> server.stall(in));
    assertThat(failure(transport().send(get(server.uri("/"), 200), HttpTransportTest::readAll)))
        .isInstanceOf(SocketTimeoutException.class);
  }

  @Test
  void aTruncatedBodyFailsTheHandlersRead() {
    server = startServer((head, in, out) -> {
      RawServer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789");
      return false; // closes after 10 of the 100 bytes
    });
    CompletableFuture<byte[]> f = transport().send(get(server.uri("/"), 5000), r -> {
      byte[] b = new byte[100];
      new DataInputStream(r.body()).readFully(b);
      return b;
    });
    assertThat(failure(f)).isInstanceOf(IOException.class);
  }

  @Test
  void aTruncatedChunkedBodyFailsTheHandlersRead() {
    server = startServer((head, in, out) -> {
      RawServer.write(out, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab");
      return false;
    });
    assertThat(failure(transport().send(get(server.uri("/"), 5000), HttpTransportTest::readAll)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void garbageInsteadOfAStatusLineFails() {
    server = startServer((head, in, out) -> {
      RawServer.write(out, "HELLO THERE\r\n\r\n");
      return false;
    });
    assertThat(failure(transport().send(get(server.uri("/"), 5000), HttpTransportTest::readAll)))
        .isInstanceOf(IOException.class);
  }

  @Test
  void anErrorStatusIsHandedOverWithItsBody() {
    server = startServer((head, in, out) -> {
      RawServer.write(out, "HTTP/1.1 503 Busy\r\nRetry-After: 7\r\nContent-Length: 4\r\n\r\nbusy");
      return true;
    });
    assertThat(transport().send(get(server.uri("/"), 5000),
        r -> r.status() + " " + r.header("Retry-After").get() + " " + readAll(r)).join())
        .isEqualTo("503 7 busy");
  }

  @Test
  void followsRedirectsUpToFiveRequestsThenHandsOverTheLastAnswer() {
    server = startServer((head, in, out) -> {
      RawServer.write(out, "HTTP/1.1 302 Found\r\nLocation: /loop\r\nContent-Length: 0\r\n\r\n");
      return true;
    });
    int status = transport().send(get(server.uri("/start"), 5000), HttpResponse::status).join();
    assertThat(status).isEqualTo(302);
    assertThat(server.heads).hasSize(5);
    assertThat(server.heads.get(4)).startsWith("GET /loop ");
  }

  @Test
  void followsARelativeRedirectAndReportsTheFinalUri() {
    server = startServer((head, in, out) -> {
      if (head.startsWith("GET /old ")) {
        RawServer.write(out,
            "HTTP/1.1 301 Moved\r\nLocation: new?x=1\r\nContent-Length: 0\r\n\r\n");
        return true;
      }
      return ok(out, "here");
    });
    String got = transport().send(get(server.uri("/old"), 5000), r -> r.uri() + " " + readAll(r))
        .join();
    assertThat(got).isEqualTo(server.uri("/new?x=1") + " here");
  }

  @Test
  void cancellingTheFutureAbortsTheExchange() throws Exception {
    CountDownLatch inBody = new CountDownLatch(1);
    server = startServer((head, in, out) -> {
      RawServer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nd");
      return server.stall(in);
    });
    HttpTransport t = transport(1);
    // 3 s: the JDK's HttpURLConnection releases an aborted read by its deadline (see its doc)
    CompletableFuture<String> f = t.send(get(server.uri("/"), 3000), r -> {
      inBody.countDown();
      return readAll(r);
    });
    assertThat(inBody.await(10, TimeUnit.SECONDS)).isTrue();
    f.cancel(true);
    assertThat(failure(f)).isInstanceOf(java.util.concurrent.CancellationException.class);
    assertThat(server.clientClosed.await(20, TimeUnit.SECONDS)).isTrue();
    // the only worker is free again: a second exchange gets through
    server.script = (head, in, out) -> ok(out, "next");
    assertThat(t.send(get(server.uri("/2"), 5000), HttpTransportTest::readAll).join())
        .isEqualTo("next");
  }

  @Test
  void closeFailsWhatIsInFlightStopsTheThreadsAndRefusesLaterSends() throws Exception {
    CountDownLatch inBody = new CountDownLatch(1);
    server = startServer((head, in, out) -> {
      RawServer.write(out, "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nd");
      return server.stall(in);
    });
    HttpTransport t = transport();
    CompletableFuture<String> f = t.send(get(server.uri("/"), 3000), r -> {
      inBody.countDown();
      return readAll(r);
    });
    assertThat(inBody.await(10, TimeUnit.SECONDS)).isTrue();
    t.close();
    assertThat(failure(f)).isInstanceOf(IllegalStateException.class).hasMessage("closed");
    assertThat(server.clientClosed.await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(failure(t.send(get(server.uri("/"), 5000), HttpResponse::status)))
        .isInstanceOf(IllegalStateException.class);
    String prefix = "bt-http-test-" + transportName + "-";
    for (Thread th : Thread.getAllStackTraces().keySet()) {
      if (th.getName().startsWith(prefix)) {
        th.join(); // the test's @Timeout bounds this wait
      }
    }
  }

  @Test
  void theHandlersExceptionFailsTheFutureAsThrown() {
    server = startServer((head, in, out) -> ok(out, "x"));
    IOException boom = new IOException("boom");
    assertThat(failure(transport().send(get(server.uri("/"), 5000), r -> {
      throw boom;
    }))).isSameAs(boom);
  }

  @Test
  void aRefusedConnectionFailsWithAnIoException() throws IOException {
    server = startServer((head, in, out) -> false);
    URI dead = server.uri("/");
    server.close();
    server = null;
    assertThat(failure(transport().send(get(dead, 5000), HttpResponse::status)))
        .isInstanceOf(IOException.class);
  }

  private static RawServer startServer(RawServer.Script script) {
    try {
      return new RawServer(script);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void requestsAreCheckedWhenMade() {
    URI ok = URI.create("http://127.0.0.1/");
    assertThatThrownBy(() -> HttpRequest.get(URI.create("ftp://127.0.0.1/"), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("ftp://127.0.0.1/");
    assertThatThrownBy(() -> HttpRequest.get(URI.create("/relative"), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> HttpRequest.get(ok, Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("PT0S");
    assertThatThrownBy(() -> HttpRequest.get(ok, Duration.ofSeconds(1))
        .withHeader("X", "a\r\nInjected: yes"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("header X");
    assertThatThrownBy(() -> HttpRequest.get(ok, Duration.ofSeconds(1)).withHeader("A B", "x"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not a token");
    Map<String, String> h = new java.util.HashMap<>(Map.of("A", "1"));
    HttpRequest r = new HttpRequest(ok, h, Duration.ofSeconds(1));
    h.put("B", "2");
    assertThat(r.headers()).containsExactly(Map.entry("A", "1"));
    assertThatThrownBy(() -> r.headers().put("C", "3"))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
