package io.btlib.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.PeerSource;
import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class TrackerPeerSourceTest {
  static final InfoHash HASH = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");
  static final PeerId PEER = PeerId.fromHex("2d4254303130302d000102030405060708090a0b");

  HttpServer server;
  final BlockingQueue<String> queries = new LinkedBlockingQueue<>();
  final CountDownLatch release = new CountDownLatch(1);
  volatile boolean hang;

  @BeforeEach
  void startServer() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext("/announce", ex -> {
      queries.add(ex.getRequestURI().getRawQuery());
      if (hang) {
        try {
          release.await(8, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] body = Bodies.body("d8:intervali1800e5:peers6:", Bodies.hex("7f0000011ae1"), "e");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @AfterEach
  void stopServer() {
    release.countDown();
    server.stop(0);
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/announce";
  }

  String nextQuery() throws InterruptedException {
    String q = queries.poll(5, TimeUnit.SECONDS);
    assertThat(q).as("an announce").isNotNull();
    return q;
  }

  static long ownThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith("bt-tracker-")).count();
  }

  @Test
  void announcesStartedCompletedAndStoppedAndReportsPeers() throws Exception {
    TestContext ctx = new TestContext(HASH, PEER, 6881, List.of(List.of(url())));
    try (TrackerPeerSource source = TrackerPeerSource.builder().build()) {
      PeerSource.Session session = source.open(ctx);
      assertThat(nextQuery()).contains("event=started").contains("left=1000");
      for (int i = 0; i < 100 && ctx.peers.isEmpty(); i++) {
        Thread.sleep(20);
      }
      assertThat(ctx.peers).containsExactly(PeerAddress.parse("127.0.0.1:6881"));
      ctx.left = 0;
      session.completed();
      assertThat(nextQuery()).contains("event=completed").contains("left=0");
      session.close();
      assertThat(nextQuery()).contains("event=stopped");
      session.close(); // idempotent
    }
    assertThat(queries).isEmpty();
  }

  @Test
  void closeSendsStoppedForOpenSessionsAndStopsEveryThread() throws Exception {
    TestContext ctx = new TestContext(HASH, PEER, 6881, List.of(List.of(url())));
    TrackerPeerSource source = TrackerPeerSource.builder().build();
    source.open(ctx);
    assertThat(nextQuery()).contains("event=started");
    source.close();
    assertThat(nextQuery()).contains("event=stopped");
    source.close();
    for (int i = 0; i < 100 && ownThreads() > 0; i++) {
      Thread.sleep(20);
    }
    assertThat(ownThreads()).isZero();
  }

  @Test
  void openAndCloseDoNotWaitForAHangingTracker() throws Exception {
    hang = true;
    TestContext ctx = new TestContext(HASH, PEER, 6881, List.of(List.of(url())));
    TrackerPeerSource source = TrackerPeerSource.builder()
        .stoppedTimeout(Duration.ofMillis(200)).build();
    for (int i = 0; i < 20; i++) {
      source.open(ctx).close();
    }
    PeerSource.Session s = source.open(ctx);
    nextQuery();
    s.close(); // returns at once; the stopped announce hangs on the tracker
    source.close(); // gives up on it after the stopped timeout (the class @Timeout bounds this)
    for (int i = 0; i < 150 && ownThreads() > 0; i++) {
      Thread.sleep(20);
    }
    assertThat(ownThreads()).isZero();
  }
}
