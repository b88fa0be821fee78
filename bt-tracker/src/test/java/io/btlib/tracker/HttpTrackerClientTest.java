package io.btlib.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.http.HttpTransport;
import io.btlib.http.HttpTransports;
import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(10)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"urlConnection", "jdkHttpClient"})
class HttpTrackerClientTest {
  /** The transport under test: every test runs against both built-in ones. */
  @Parameter
  String transportName;

  HttpTransport.Factory transport() {
    return transportName.equals("urlConnection")
        ? HttpTransports.urlConnection() : HttpTransports.jdkHttpClient();
  }

  /** A hash with bytes that must be escaped (0x00, 0x20, 0xFF) and ones that must not ('~'). */
  static final InfoHash HASH = InfoHash.of(HexFormat.of().parseHex(
      "00207eff41612d2e5f3025262b2f3f0102037a39"));
  static final PeerId PEER = PeerId.of("-BT0100-~ a%b&c=d\u00ffxy".getBytes(StandardCharsets.ISO_8859_1));

  HttpServer server;
  HttpTrackerClient client;
  final List<URI> requests = new CopyOnWriteArrayList<>();
  volatile Handler handler = ex -> reply(ex, 200, Bodies.body("d8:intervali1800e5:peers0:e"));
  final CountDownLatch release = new CountDownLatch(1);

  interface Handler {
    void handle(HttpExchange ex) throws IOException;
  }

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/", ex -> {
      requests.add(ex.getRequestURI());
      try {
        handler.handle(ex);
      } finally {
        ex.close();
      }
    });
    server.start();
    client = HttpTrackerClient.builder().httpTransport(transport())
        .requestTimeout(Duration.ofSeconds(5)).build();
  }

  @AfterEach
  void stop() {
    release.countDown();
    client.close();
    server.stop(0);
  }

  URI url(String path) {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  static void reply(HttpExchange ex, int status, byte[] body) throws IOException {
    ex.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    try (OutputStream out = ex.getResponseBody()) {
      out.write(body);
    }
  }

  static AnnounceRequest.Builder request() {
    return AnnounceRequest.builder(HASH, PEER, 6881).uploaded(1).downloaded(2).left(3);
  }

  static Throwable cause(Throwable t) {
    return t instanceof CompletionException ? t.getCause() : t;
  }

  @Test
  void sendsTheExactQueryWithRawBytesPercentEncoded() {
    AnnounceRequest r = request().event(AnnounceEvent.STARTED).numWant(30).key(0xCAFE0001)
        .trackerId("id\u00ff").build();
    client.announce(url("/announce"), r).join();
    assertThat(requests.get(0).getRawPath()).isEqualTo("/announce");
    assertThat(requests.get(0).getRawQuery()).isEqualTo(
        "info_hash=%00%20~%FFAa-._0%25%26%2B%2F%3F%01%02%03z9"
            + "&peer_id=-BT0100-~%20a%25b%26c%3Dd%FFxy"
            + "&port=6881&uploaded=1&downloaded=2&left=3&key=CAFE0001&event=started&numwant=30"
            + "&compact=1&no_peer_id=1&trackerid=id%FF");
  }

  @Test
  void keepsAnExistingQueryAndLeavesOutEventNoneAndDefaultNumWant() {
    client.announce(url("/a/announce.php?passkey=s3cr3t"), request().numWant(-1).build()).join();
    String q = requests.get(0).getRawQuery();
    assertThat(q).startsWith("passkey=s3cr3t&info_hash=");
    assertThat(q).doesNotContain("event=").doesNotContain("numwant=").doesNotContain("trackerid");
  }

  @Test
  void parsesCompactDictionaryAndIpv6Peers() {
    handler = ex -> reply(ex, 200, Bodies.body("d8:intervali900e12:min intervali300e",
        "10:tracker id3:xyz8:completei5e10:incompletei6e",
        "5:peers12:", Bodies.hex("7f0000011ae1 7f0000021ae2"),
        "6:peers618:", Bodies.hex("00000000000000000000000000000001 1ae3"), "e"));
    AnnounceResponse r = client.announce(url("/announce"), request().build()).join();
    assertThat(r.interval()).isEqualTo(Duration.ofSeconds(900));
    assertThat(r.minInterval()).contains(Duration.ofSeconds(300));
    assertThat(r.trackerId()).contains("xyz");
    assertThat(r.complete()).hasValue(5);
    assertThat(r.peers()).containsExactly(PeerAddress.parse("127.0.0.1:6881"),
        PeerAddress.parse("127.0.0.2:6882"), PeerAddress.parse("[::1]:6883"));

    handler = ex -> reply(ex, 200, Bodies.body(
        "d8:intervali60e5:peersld2:ip9:127.0.0.34:porti7000eeee"));
    assertThat(client.announce(url("/announce"), request().build()).join().peers())
        .containsExactly(PeerAddress.parse("127.0.0.3:7000"));
  }

  @Test
  void reportsTheFailureReason() {
    handler = ex -> reply(ex, 200, HttpTrackerResponses.encodeFailure("unregistered torrent"));
    assertThatThrownBy(() -> client.announce(url("/announce"), request().build()).join())
        .satisfies(t -> assertThat(cause(t)).isInstanceOf(TrackerFailureException.class)
            .extracting(e -> ((TrackerFailureException) e).failureReason())
            .isEqualTo("unregistered torrent"));
  }

  @Test
  void reportsTheFailureReasonEvenWithAnErrorStatus() {
    handler = ex -> reply(ex, 400, HttpTrackerResponses.encodeFailure("bad passkey"));
    assertThatThrownBy(() -> client.announce(url("/announce"), request().build()).join())
        .satisfies(t -> assertThat(cause(t)).isInstanceOf(TrackerFailureException.class));
  }

  @Test
  void failsOnAnErrorStatusNamingIt() {
    handler = ex -> reply(ex, 404, Bodies.body("<html>not found</html>"));
    assertThatThrownBy(() -> client.announce(url("/announce"), request().build()).join())
        .satisfies(t -> assertThat(cause(t)).isInstanceOf(TrackerException.class)
            .hasMessageContaining("HTTP status 404"));
  }

  @Test
  void rejectsABodyWhoseContentLengthIsOverTheLimit() {
    try (HttpTrackerClient small = HttpTrackerClient.builder().httpTransport(transport())
        .maxBodyBytes(1000).build()) {
      handler = ex -> reply(ex, 200, new byte[5000]);
      assertThatThrownBy(() -> small.announce(url("/announce"), request().build()).join())
          .satisfies(t -> assertThat(cause(t)).isInstanceOf(TrackerException.class)
              .hasMessageContaining("over the limit of 1000"));
    }
  }

  @Test
  void rejectsAChunkedBodyThatGrowsOverTheLimitWithoutReadingItAll() {
    handler = ex -> {
      ex.sendResponseHeaders(200, 0); // chunked: no length announced
      OutputStream out = ex.getResponseBody();
      byte[] chunk = new byte[64 * 1024];
      try {
        for (int i = 0; i < 1024; i++) { // 64 MiB if the client kept reading
          out.write(chunk);
        }
        out.close();
      } catch (IOException expected) {
        // the client hung up
      }
    };
    assertThatThrownBy(() -> client.announce(url("/announce"), request().build()).join())
        .satisfies(t -> assertThat(cause(t)).isInstanceOf(TrackerException.class)
            .hasMessageContaining("over the limit of " + HttpTrackerResponses.MAX_BODY_BYTES));
  }

  @Test
  void timesOutOnATrackerThatDoesNotAnswer() {
    handler = ex -> {
      try {
        release.await(8, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    try (HttpTrackerClient quick =
        HttpTrackerClient.builder().httpTransport(transport())
            .requestTimeout(Duration.ofMillis(200)).build()) {
      assertThatThrownBy(() -> quick.announce(url("/announce"), request().build()).join())
          .satisfies(t -> assertThat(cause(t)).isInstanceOf(SocketTimeoutException.class));
    }
  }

  @Test
  void timesOutOnABodyThatTricklesAfterTheHeaders() {
    handler = ex -> {
      ex.sendResponseHeaders(200, 100);
      ex.getResponseBody().write('d');
      ex.getResponseBody().flush();
      try {
        release.await(8, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    try (HttpTrackerClient quick =
        HttpTrackerClient.builder().httpTransport(transport())
            .requestTimeout(Duration.ofMillis(300)).build()) {
      assertThatThrownBy(() -> quick.announce(url("/announce"), request().build()).join())
          .satisfies(t -> assertThat(cause(t)).isInstanceOf(SocketTimeoutException.class)
              .hasMessageContaining("no complete response"));
    }
  }

  @Test
  void followsARedirect() {
    handler = ex -> {
      if (ex.getRequestURI().getPath().equals("/old/announce")) {
        ex.getResponseHeaders().add("Location", url("/new/announce?" + ex.getRequestURI()
            .getRawQuery()).toString());
        reply(ex, 302, new byte[0]);
      } else {
        reply(ex, 200, Bodies.body("d8:intervali60e5:peers6:", Bodies.hex("7f0000011ae1"), "e"));
      }
    };
    AnnounceResponse r = client.announce(url("/old/announce"), request().build()).join();
    assertThat(r.peers()).containsExactly(PeerAddress.parse("127.0.0.1:6881"));
    assertThat(requests).extracting(URI::getPath).containsExactly("/old/announce", "/new/announce");
  }

  @Test
  void stopsFollowingARedirectLoop() {
    handler = ex -> {
      ex.getResponseHeaders().add("Location", url("/loop/announce").toString());
      reply(ex, 302, new byte[0]);
    };
    assertThatThrownBy(() -> client.announce(url("/loop/announce"), request().build()).join())
        .satisfies(t -> assertThat(cause(t)).isInstanceOf(TrackerException.class)
            .hasMessageContaining("HTTP status 302"));
    assertThat(requests.size()).isBetween(2, 10);
  }

  @Test
  void derivesTheScrapeUrlByBep48() {
    assertThat(HttpTrackerClient.scrapeUri(URI.create("http://t.example/announce")))
        .isEqualTo(URI.create("http://t.example/scrape"));
    assertThat(HttpTrackerClient.scrapeUri(URI.create("http://t.example:80/x/announce.php?k=1")))
        .isEqualTo(URI.create("http://t.example:80/x/scrape.php?k=1"));
    assertThat(HttpTrackerClient.scrapeUri(URI.create("https://t.example/x/announce/")))
        .isNull();
    assertThat(HttpTrackerClient.scrapeUri(URI.create("http://t.example/a")))
        .isNull();
    assertThat(HttpTrackerClient.scrapeUri(URI.create("http://t.example/x%20announce")))
        .isNull();
  }

  @Test
  void scrapesWithEveryHashInTheQuery() {
    InfoHash other = InfoHash.fromHex("0101010101010101010101010101010101010101");
    handler = ex -> reply(ex, 200, HttpTrackerResponses.encodeScrape(
        Map.of(HASH, ScrapeStats.of(1, 2, 3))));
    Map<InfoHash, ScrapeStats> s =
        client.scrape(url("/t/announce?k=1"), List.of(HASH, other)).join();
    assertThat(s).containsExactly(Map.entry(HASH, ScrapeStats.of(1, 2, 3)));
    assertThat(requests.get(0).getPath()).isEqualTo("/t/scrape");
    assertThat(requests.get(0).getRawQuery()).isEqualTo(
        "k=1&info_hash=%00%20~%FFAa-._0%25%26%2B%2F%3F%01%02%03z9&info_hash=" + "%01".repeat(20));
  }

  @Test
  void refusesToScrapeATrackerWithoutTheAnnounceConvention() {
    assertThatThrownBy(() -> client.scrape(url("/tracker"), List.of(HASH)).join())
        .satisfies(t -> assertThat(cause(t)).isInstanceOf(IllegalArgumentException.class)
            .hasMessageContaining("BEP 48"));
    assertThat(requests).isEmpty();
  }

  @Test
  void closeFailsPendingRequestsAndLaterOnes() throws Exception {
    CountDownLatch arrived = new CountDownLatch(1);
    handler = ex -> {
      arrived.countDown();
      try {
        release.await(8, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
    var pending = client.announce(url("/announce"), request().build());
    assertThat(arrived.await(5, TimeUnit.SECONDS)).isTrue();
    client.close();
    assertThatThrownBy(pending::join)
        .satisfies(t -> assertThat(cause(t)).isInstanceOf(IllegalStateException.class));
    assertThatThrownBy(() -> client.announce(url("/announce"), request().build()).join())
        .satisfies(t -> assertThat(cause(t)).hasMessage("closed"));
  }

  @Test
  void announcesToAnIpv6Tracker() throws IOException {
    HttpServer v6;
    try {
      v6 = HttpServer.create(new InetSocketAddress("::1", 0), 0);
    } catch (IOException e) {
      org.junit.jupiter.api.Assumptions.abort("no IPv6 loopback here: " + e);
      return;
    }
    v6.createContext("/", ex -> {
      reply(ex, 200, Bodies.body("d8:intervali60e6:peers618:",
          Bodies.hex("00000000000000000000000000000001 1ae1"), "e"));
      ex.close();
    });
    v6.start();
    try {
      URI uri = URI.create("http://[::1]:" + v6.getAddress().getPort() + "/announce");
      assertThat(client.announce(uri, request().build()).join().peers())
          .containsExactly(PeerAddress.parse("[::1]:6881"));
    } finally {
      v6.stop(0);
    }
  }

  @Test
  void rejectsUrlsItCannotUse() {
    assertThat(client.supports(URI.create("udp://127.0.0.1:1"))).isFalse();
    assertThatThrownBy(() -> client.announce(URI.create("udp://127.0.0.1:1"), request().build())
        .join()).satisfies(t -> assertThat(cause(t)).isInstanceOf(IllegalArgumentException.class));
  }
}
