package io.btlib.cli.stream;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The server on a real socket on 127.0.0.1, with in-memory files. */
@Timeout(60)
class StreamServerTest {
  static final byte[] MOVIE = bytes(300_000, 1);
  static final byte[] SONG = bytes(1_000, 2);

  final List<BytesChannel> opened = new CopyOnWriteArrayList<>();
  CountDownLatch gate = new CountDownLatch(0);
  long gateAt = Long.MAX_VALUE;
  ServedFile movie;
  ServedFile song;
  StreamServer server;

  static byte[] bytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  @BeforeEach
  void start() throws IOException {
    movie = new ServedFile(0, "dir/My Movie ü.mp4", MOVIE.length, () -> track(MOVIE));
    song = new ServedFile(3, "song.FLAC", SONG.length, () -> track(SONG));
    server = StreamServer.start(InetAddress.getLoopbackAddress(), 0, List.of(movie, song), 4);
  }

  BytesChannel track(byte[] data) {
    BytesChannel c = new BytesChannel(data, gateAt, gate);
    synchronized (opened) {
      opened.add(c);
      opened.notifyAll();
    }
    return c;
  }

  @AfterEach
  void stop() {
    server.close();
  }

  // ------------------------------------------------------------------ through HttpClient

  @Test
  void servesAWholeFileWithItsTypeAndLength() throws Exception {
    HttpResponse<byte[]> r = get(server.url(movie), null);
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.headers().firstValue("content-type")).contains("video/mp4");
    assertThat(r.headers().firstValue("accept-ranges")).contains("bytes");
    assertThat(r.headers().firstValue("content-length")).contains("300000");
    assertThat(r.body()).isEqualTo(MOVIE);
    assertThat(get(server.url(song), null).headers().firstValue("content-type"))
        .contains("audio/flac");
  }

  @Test
  void urlEncodesEverySegmentAndDecodesBack() {
    assertThat(server.url(movie)).matches("http://127\\.0\\.0\\.1:\\d+/0/dir/My%20Movie%20%C3%BC\\.mp4");
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "bytes=0-0|0|0", "bytes=100-199|100|199", "bytes=299000-|299000|299999",
      "bytes=-500|299500|299999", "bytes=65530-200000|65530|200000",
      "bytes=299999-400000|299999|299999"})
  void servesARangeAsPartialContent(String range, long first, long last) throws Exception {
    HttpResponse<byte[]> r = get(server.url(movie), range);
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.headers().firstValue("content-range"))
        .contains("bytes " + first + "-" + last + "/300000");
    assertThat(r.headers().firstValue("content-length")).contains(Long.toString(last - first + 1));
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(MOVIE, (int) first, (int) last + 1));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource({"bytes=300000-", "bytes=-0", "bytes=9-3", "bytes=abc"})
  void refusesABadRangeWith416(String range) throws Exception {
    HttpResponse<byte[]> r = get(server.url(movie), range);
    assertThat(r.statusCode()).isEqualTo(416);
    assertThat(r.headers().firstValue("content-range")).contains("bytes */300000");
  }

  @Test
  void severalRangesGetTheWholeFile() throws Exception {
    HttpResponse<byte[]> r = get(server.url(movie), "bytes=0-9,100-109");
    assertThat(r.statusCode()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(MOVIE);
  }

  @Test
  void rootListsTheFiles() throws Exception {
    HttpResponse<byte[]> r = get("http://127.0.0.1:" + server.address().getPort() + "/", null);
    assertThat(new String(r.body(), StandardCharsets.UTF_8))
        .isEqualTo("/0/dir/My%20Movie%20%C3%BC.mp4\t300000\n/3/song.FLAC\t1000\n");
  }

  static HttpResponse<byte[]> get(String url, String range) throws Exception {
    HttpClient c = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (range != null) {
      b.header("Range", range);
    }
    return c.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }

  // ------------------------------------------------------------------ raw sockets

  /** One response read off a raw socket: status, headers by lower-case name, body. */
  record Response(int status, Map<String, String> headers, byte[] body) {
    String header(String name) {
      return headers.get(name);
    }
  }

  Socket connect() throws IOException {
    Socket s = new Socket(InetAddress.getLoopbackAddress(), server.address().getPort());
    s.setSoTimeout(20_000);
    return s;
  }

  String path(ServedFile f) {
    return server.url(f).replaceFirst("^http://[^/]+", "");
  }

  static void send(Socket s, String request) throws IOException {
    OutputStream out = s.getOutputStream();
    out.write(request.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  /** Reads a response; a HEAD's has no body, whatever its Content-Length says. */
  static Response read(Socket s, boolean head) throws IOException {
    InputStream in = s.getInputStream();
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    List<String> lines = new java.util.ArrayList<>();
    while (true) {
      int b = in.read();
      if (b < 0) {
        throw new java.io.EOFException("closed after " + lines);
      }
      if (b == '\n') {
        String l = line.toString(StandardCharsets.ISO_8859_1).replaceAll("\r$", "");
        line.reset();
        if (l.isEmpty()) {
          break;
        }
        lines.add(l);
      } else {
        line.write(b);
      }
    }
    Map<String, String> headers = new LinkedHashMap<>();
    for (String l : lines.subList(1, lines.size())) {
      int c = l.indexOf(':');
      headers.put(l.substring(0, c).toLowerCase(Locale.ROOT), l.substring(c + 1).strip());
    }
    int status = Integer.parseInt(lines.get(0).split(" ")[1]);
    int length = head ? 0 : Integer.parseInt(headers.getOrDefault("content-length", "0"));
    return new Response(status, headers, in.readNBytes(length));
  }

  /** Whether the server closed the connection (the next read sees the end of stream). */
  static boolean closedByServer(Socket s) throws IOException {
    try {
      return s.getInputStream().read() < 0;
    } catch (java.net.SocketException e) {
      return true; // reset
    }
  }

  @Test
  void keepsAliveForSeveralRequestsOnOneConnection() throws Exception {
    try (Socket s = connect()) {
      String p = path(movie);
      send(s, "GET " + p + " HTTP/1.1\r\nHost: a\r\nRange: bytes=10-19\r\n\r\n");
      Response r1 = read(s, false);
      assertThat(r1.status()).isEqualTo(206);
      assertThat(r1.body()).isEqualTo(Arrays.copyOfRange(MOVIE, 10, 20));
      send(s, "HEAD " + p + " HTTP/1.1\r\nHost: a\r\n\r\n");
      Response r2 = read(s, true);
      assertThat(r2.status()).isEqualTo(200);
      assertThat(r2.header("content-length")).isEqualTo("300000");
      assertThat(r2.header("accept-ranges")).isEqualTo("bytes");
      // two pipelined requests, the second a 404, then a whole file
      send(s, "GET /9/nope HTTP/1.1\r\nHost: a\r\n\r\nGET " + path(song) + " HTTP/1.1\r\nHost: a\r\n\r\n");
      assertThat(read(s, false).status()).isEqualTo(404);
      Response r4 = read(s, false);
      assertThat(r4.status()).isEqualTo(200);
      assertThat(r4.body()).isEqualTo(SONG);
      send(s, "GET " + p + " HTTP/1.1\r\nHost: a\r\nRange: bytes=-3\r\nConnection: close\r\n\r\n");
      Response r5 = read(s, false);
      assertThat(r5.body()).isEqualTo(Arrays.copyOfRange(MOVIE, 299_997, 300_000));
      assertThat(r5.header("connection")).isEqualTo("close");
      assertThat(closedByServer(s)).isTrue();
    }
    assertThat(opened).allSatisfy(c -> assertThat(c.isOpen()).isFalse());
  }

  @Test
  void headSendsNoBodyAndIgnoresRange() throws Exception {
    try (Socket s = connect()) {
      send(s, "HEAD " + path(movie) + " HTTP/1.1\r\nHost: a\r\nRange: bytes=0-9\r\n\r\n");
      Response r = read(s, true);
      assertThat(r.status()).isEqualTo(200);
      assertThat(r.header("content-length")).isEqualTo("300000");
      // the next bytes on the connection are the next response, not a body
      send(s, "GET /nope HTTP/1.1\r\nHost: a\r\n\r\n");
      assertThat(read(s, false).status()).isEqualTo(404);
    }
    assertThat(opened).isEmpty();
  }

  @Test
  void http10ClosesUnlessAskedToKeepAlive() throws Exception {
    try (Socket s = connect()) {
      send(s, "GET " + path(song) + " HTTP/1.0\r\n\r\n");
      assertThat(read(s, false).body()).isEqualTo(SONG);
      assertThat(closedByServer(s)).isTrue();
    }
    try (Socket s = connect()) {
      send(s, "GET " + path(song) + " HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
      Response r = read(s, false);
      assertThat(r.header("connection")).isEqualTo("keep-alive");
      send(s, "GET " + path(song) + " HTTP/1.0\r\n\r\n");
      assertThat(read(s, false).body()).isEqualTo(SONG);
    }
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "404|GET /../../etc/passwd HTTP/1.1",
      "404|GET /0/../0/dir/My%20Movie%20%C3%BC.mp4 HTTP/1.1",
      "404|GET /0/dir/My%20Movie%20%C3%BC.mp4x HTTP/1.1",
      "400|GET /0/dir/My Movie.mp4 HTTP/1.1",
      "404|GET /1/song.FLAC HTTP/1.1",
      "404|GET /3/song.flac HTTP/1.1",
      "404|GET /3 HTTP/1.1",
      "404|GET /-3/song.FLAC HTTP/1.1",
      "404|GET /99999999999/song.FLAC HTTP/1.1",
      "404|GET /3/song.FLAC/ HTTP/1.1",
      "404|GET /3//song.FLAC HTTP/1.1",
      "400|GET /3/%zz HTTP/1.1",
      "400|GET /3/%C3 HTTP/1.1",
      "400|GET /3/%C3%28 HTTP/1.1",
      "400|GET /3/song.FLAC% HTTP/1.1",
      "400|GET http://a/3/song.FLAC HTTP/1.1",
      "400|GET * HTTP/1.1",
      "405|POST /3/song.FLAC HTTP/1.1",
      "405|DELETE / HTTP/1.1",
      "505|GET / HTTP/3.0",
  })
  void refusesHostileRequestsAndGoesOn(int status, String request) throws Exception {
    refusesAndGoesOn(status, request + "\r\nHost: a\r\n\r\n");
  }

  @Test
  void refusesBinaryAndBadFieldsAndGoesOn() throws Exception {
    refusesAndGoesOn(400, "\u0000\u0001\u0002\r\n\r\n");
    refusesAndGoesOn(400, "GET /3/song.FLAC HTTP/1.1\r\nHost: a\r\nBad Header: x\r\n\r\n");
    refusesAndGoesOn(400, "GET /3/song.FLAC HTTP/1.1\r\nHost: a\r\n folded\r\n\r\n");
    refusesAndGoesOn(400, "GET /3/song.FLAC HTTP/1.1\r\n\r\n");
  }

  void refusesAndGoesOn(int status, String req) throws Exception {
    try (Socket s = connect()) {
      send(s, req);
      assertThat(read(s, false).status()).isEqualTo(status);
    }
    assertServes();
  }

  @Test
  void refusesOversizedHeadsAndGoesOn() throws Exception {
    try (Socket s = connect()) {
      send(s, "GET /" + "a".repeat(10_000) + " HTTP/1.1\r\nHost: a\r\n\r\n");
      assertThat(read(s, false).status()).isEqualTo(414);
      assertThat(closedByServer(s)).isTrue();
    }
    try (Socket s = connect()) {
      send(s, "GET / HTTP/1.1\r\nHost: a\r\nCookie: " + "c".repeat(40_000) + "\r\n\r\n");
      assertThat(read(s, false).status()).isEqualTo(431);
    }
    try (Socket s = connect()) {
      send(s, "GET / HTTP/1.1\r\nHost: a\r\n" + "X: y\r\n".repeat(500) + "\r\n");
      assertThat(read(s, false).status()).isEqualTo(431);
    }
    assertServes();
  }

  @Test
  void aRequestWithABodyIsAnsweredThenClosed() throws Exception {
    try (Socket s = connect()) {
      send(s, "GET " + path(song) + " HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\n\r\nabcd");
      Response r = read(s, false);
      assertThat(r.body()).isEqualTo(SONG);
      assertThat(r.header("connection")).isEqualTo("close");
      assertThat(closedByServer(s)).isTrue();
    }
  }

  @Test
  void aClientLeavingWhileABodyWaitsForBytesReleasesItsChannel() throws Exception {
    server.close();
    gate = new CountDownLatch(1);
    gateAt = 100_000; // bytes from here on "are not verified yet"
    server = StreamServer.start(InetAddress.getLoopbackAddress(), 0, List.of(movie, song), 4);
    try (Socket s = connect()) {
      send(s, "GET " + path(movie) + " HTTP/1.1\r\nHost: a\r\n\r\n");
      InputStream in = s.getInputStream();
      byte[] got = in.readNBytes(1000); // the head and the start of the body arrive
      assertThat(got).hasSize(1000);
    }
    assertThat(awaitOpened(1).closed().await(20, TimeUnit.SECONDS)).isTrue();
    assertThat(server.awaitNoConnections(20_000)).isTrue();
    assertThat(server.connections()).isZero();
    assertServes();
  }

  @Test
  void closeEndsAReadBlockedInAChannel() throws Exception {
    server.close();
    gate = new CountDownLatch(1);
    gateAt = 0;
    server = StreamServer.start(InetAddress.getLoopbackAddress(), 0, List.of(movie, song), 4);
    try (Socket s = connect()) {
      send(s, "GET " + path(movie) + " HTTP/1.1\r\nHost: a\r\n\r\n");
      assertThat(read(s, true).status()).isEqualTo(200);
      BytesChannel c = awaitOpened(1);
      server.close();
      assertThat(c.closed().await(20, TimeUnit.SECONDS)).isTrue();
      assertThat(closedByServer(s)).isTrue();
    }
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(
        t -> t.getName().startsWith("bt-http-") && t.isAlive());
  }

  @Test
  void connectionsOverTheLimitGet503() throws Exception {
    server.close();
    server = StreamServer.start(InetAddress.getLoopbackAddress(), 0, List.of(movie, song), 1);
    try (Socket first = connect()) {
      send(first, "HEAD / HTTP/1.1\r\nHost: a\r\n\r\n");
      assertThat(read(first, true).status()).isEqualTo(200); // its thread is taken now
      try (Socket second = connect()) {
        assertThat(read(second, false).status()).isEqualTo(503);
      }
    }
  }

  BytesChannel awaitOpened(int n) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    synchronized (opened) {
      while (opened.size() < n && end - System.nanoTime() > 0) {
        opened.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())));
      }
    }
    assertThat(opened).hasSizeGreaterThanOrEqualTo(n);
    return opened.get(n - 1);
  }

  void assertServes() throws Exception {
    HttpResponse<byte[]> r = get(server.url(song), "bytes=1-2");
    assertThat(r.statusCode()).isEqualTo(206);
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(SONG, 1, 3));
  }
}
