package io.btlib.tracker.server;

import static io.btlib.tracker.server.internal.Requests.announce;
import static io.btlib.tracker.server.internal.Requests.pct;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.tracker.AnnounceResponse;
import io.btlib.tracker.HttpTrackerResponses;
import io.btlib.tracker.ScrapeStats;
import io.btlib.tracker.TrackerFailureException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class TrackerServerHttpTest {
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  static final byte[] HASH = new byte[20];

  static {
    Arrays.fill(HASH, (byte) 0x5A);
    HASH[7] = '&';
  }

  private TrackerServer server;

  @AfterEach
  void closeServer() {
    if (server != null) {
      server.close();
    }
  }

  private TrackerServer start(TrackerServer.Builder b) throws Exception {
    server = b.udpPort(-1).build().start();
    return server;
  }

  private static String get(String target) {
    return "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n";
  }

  @Test
  void servesAnAnnounceToJavasHttpClient() throws Exception {
    start(TrackerServer.builder());
    HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    String base = server.httpAnnounceUrl().replace("/announce", "");
    for (int port = 6881; port <= 6882; port++) {
      HttpResponse<byte[]> r = client.send(
          HttpRequest.newBuilder(URI.create(base + announce(HASH, port, "&compact=1"))).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(r.statusCode()).isEqualTo(200);
      AnnounceResponse a = HttpTrackerResponses.parseAnnounce(r.body());
      assertThat(a.peers()).hasSize(port - 6881);
    }
    HttpResponse<byte[]> s = client.send(
        HttpRequest.newBuilder(URI.create(base + "/scrape?info_hash=" + pct(HASH))).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertThat(HttpTrackerResponses.parseScrape(s.body()))
        .containsEntry(InfoHash.of(HASH), ScrapeStats.of(0, 2, 0));
  }

  @Test
  void keepsTheConnectionAliveAndAnswersPipelinedRequestsInOrder() throws Exception {
    start(TrackerServer.builder());
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send(get(announce(HASH, 1, "")));
      assertThat(c.read().status()).isEqualTo(200);
      c.send(get(announce(HASH, 2, "")) + get(announce(HASH, 3, "")) + get("/nope"));
      RawHttp.Response r2 = c.read();
      RawHttp.Response r3 = c.read();
      assertThat(HttpTrackerResponses.parseAnnounce(r2.body()).peers()).hasSize(1);
      assertThat(HttpTrackerResponses.parseAnnounce(r3.body()).peers()).hasSize(2);
      assertThat(c.read().status()).isEqualTo(404);
      c.send("GET " + announce(HASH, 4, "") + " HTTP/1.0\r\n\r\n");
      RawHttp.Response last = c.read();
      assertThat(last.head()).contains("Connection: close");
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void answersMalformedAnnouncesWithAFailureReasonAndKeepsTheConnection() throws Exception {
    start(TrackerServer.builder());
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send(get("/announce?info_hash=%00%01&port=1"));
      RawHttp.Response r = c.read();
      assertThat(r.status()).isEqualTo(200);
      assertThat(new String(r.body(), ISO_8859_1))
          .isEqualTo("d14:failure reason33:info_hash must be 20 bytes, got 2e");
      c.send(get(announce(HASH, 1, "&port=99999")));
      try {
        HttpTrackerResponses.parseAnnounce(c.read().body());
        throw new AssertionError("no failure");
      } catch (TrackerFailureException e) {
        assertThat(e.failureReason()).contains("bad port");
      }
    }
  }

  @Test
  void rejectsAnOversizedRequestLineWith414AndCloses() throws Exception {
    start(TrackerServer.builder());
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send("GET /announce?" + "a".repeat(6000));
      assertThat(c.read().status()).isEqualTo(414);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void rejectsOversizedHeadersWith431AndCloses() throws Exception {
    start(TrackerServer.builder());
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      StringBuilder sb = new StringBuilder("GET /announce HTTP/1.1\r\n");
      for (int i = 0; i < 200; i++) {
        sb.append("X-Filler-").append(i).append(": ").append("v".repeat(60)).append("\r\n");
      }
      c.send(sb.toString());
      assertThat(c.read().status()).isEqualTo(431);
      assertThat(c.closedByServer()).isTrue();
    }
  }

  @Test
  void rejectsGarbageWith400AndKeepsServingOthers() throws Exception {
    start(TrackerServer.builder());
    byte[] junk = new byte[3000];
    new Random(7).nextBytes(junk);
    junk[0] = 0;
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send(junk);
      assertThat(c.read().status()).isEqualTo(400);
      assertThat(c.closedByServer()).isTrue();
    }
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send("POST /announce HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc");
      assertThat(c.read().status()).isEqualTo(405);
    }
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send(get(announce(HASH, 1, "")));
      assertThat(c.read().status()).isEqualTo(200);
    }
  }

  @Test
  void closesASlowClientAfterTheTimeout() throws Exception {
    start(TrackerServer.builder().httpTimeout(Duration.ofMillis(300)));
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send("GET /announce?info_hash=");
      assertThat(c.closedByServer()).isTrue();
    }
    try (RawHttp idle = new RawHttp(LOOPBACK, server.httpPort())) {
      assertThat(idle.closedByServer()).as("an idle connection is closed too").isTrue();
    }
  }

  @Test
  void closesConnectionsBeyondTheCap() throws Exception {
    start(TrackerServer.builder().maxHttpConnections(2));
    try (RawHttp a = new RawHttp(LOOPBACK, server.httpPort());
        RawHttp b = new RawHttp(LOOPBACK, server.httpPort())) {
      a.send(get(announce(HASH, 1, "")));
      b.send(get(announce(HASH, 2, "")));
      assertThat(a.read().status()).isEqualTo(200);
      assertThat(b.read().status()).isEqualTo(200);
      try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
        assertThat(c.closedByServer()).isTrue();
      }
    }
  }

  @Test
  void idleSocketsHoldingEverySlotGiveWayToANewClient() throws Exception {
    start(TrackerServer.builder().maxHttpConnections(2));
    try (RawHttp idle1 = new RawHttp(LOOPBACK, server.httpPort());
        RawHttp idle2 = new RawHttp(LOOPBACK, server.httpPort())) {
      Thread.sleep(1300); // past the grace period: they have sent nothing
      try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
        c.send(get(announce(HASH, 3, "")));
        assertThat(c.read().status()).isEqualTo(200);
      }
      assertThat(idle1.closedByServer()).as("the oldest idle socket lost its slot").isTrue();
    }
  }

  @Test
  void expiresPeersAfterTwiceTheIntervalOnTheInjectedClock() throws Exception {
    AtomicLong now = new AtomicLong();
    start(TrackerServer.builder().announceInterval(Duration.ofMinutes(10)).ticker(now::get));
    // a connection per announce: the injected clock also drives the idle-connection timeout
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send(get(announce(HASH, 1, "")));
      c.read();
    }
    now.addAndGet(Duration.ofMinutes(19).toNanos());
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send(get(announce(HASH, 2, "")));
      assertThat(HttpTrackerResponses.parseAnnounce(c.read().body()).peers()).hasSize(1);
    }
    now.addAndGet(Duration.ofMinutes(2).toNanos()); // peer 1 is now 21 minutes old
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send(get(announce(HASH, 3, "")));
      assertThat(HttpTrackerResponses.parseAnnounce(c.read().body()).peers())
          .containsExactly(PeerAddress.of("127.0.0.1", 2));
    }
  }

  @Test
  void aShortIntervalDoesNotExpirePeersBeforeClientsMayReannounce() throws Exception {
    AtomicLong now = new AtomicLong();
    start(TrackerServer.builder().announceInterval(Duration.ofSeconds(2)).ticker(now::get));
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send(get(announce(HASH, 1, "")));
      c.read();
    }
    now.addAndGet(Duration.ofMinutes(3).toNanos()); // bt re-announces after 1 min at the soonest
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send(get(announce(HASH, 2, "")));
      assertThat(HttpTrackerResponses.parseAnnounce(c.read().body()).peers())
          .containsExactly(PeerAddress.of("127.0.0.1", 1));
    }
    now.addAndGet(Duration.ofMinutes(8).toNanos()); // peer 1: 11 minutes, past the 10 minute floor
    try (RawHttp c = new RawHttp(LOOPBACK, server.httpPort())) {
      c.send(get(announce(HASH, 3, "")));
      assertThat(HttpTrackerResponses.parseAnnounce(c.read().body()).peers())
          .containsExactly(PeerAddress.of("127.0.0.1", 2));
    }
  }

  @Test
  void givesIpv6PeersInPeers6OverIpv6() throws Exception {
    InetAddress v6 = InetAddress.getByName("::1");
    try (ServerSocket probe = new ServerSocket(0, 1, v6)) {
      probe.getLocalPort();
    } catch (java.io.IOException e) {
      Assumptions.abort("no ::1 here: " + e);
    }
    start(TrackerServer.builder().bindAddress(v6));
    assertThat(server.httpAnnounceUrl()).startsWith("http://[0:0:0:0:0:0:0:1]:");
    try (RawHttp c = new RawHttp(v6, server.httpPort())) {
      c.send(get(announce(HASH, 1, "")));
      c.read();
      c.send(get(announce(HASH, 2, "")));
      String body = new String(c.read().body(), ISO_8859_1);
      assertThat(body).contains("5:peers0:6:peers618:");
      c.send(get(announce(HASH, 3, "&compact=1")));
      assertThat(HttpTrackerResponses.parseAnnounce(c.read().body()).peers())
          .containsExactlyInAnyOrder(PeerAddress.of("::1", 1), PeerAddress.of("::1", 2));
    }
  }
}
