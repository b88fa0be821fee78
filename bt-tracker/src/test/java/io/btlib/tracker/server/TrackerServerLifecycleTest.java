package io.btlib.tracker.server;

import static io.btlib.tracker.server.internal.Requests.announce;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.tracker.HttpTrackerResponses;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class TrackerServerLifecycleTest {
  private static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  private static List<String> trackerThreads() {
    List<String> names = new ArrayList<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().startsWith("bt-tracker-") && t.isAlive()) {
        names.add(t.getName());
      }
    }
    return names;
  }

  @Test
  void closeStopsEveryThreadAndReleasesThePortsForRebinding() throws Exception {
    int http;
    int udp;
    try (TrackerServer s = TrackerServer.builder().build().start()) {
      http = s.httpPort();
      udp = s.udpPort();
      assertThat(trackerThreads())
          .contains("bt-tracker-http-" + http, "bt-tracker-udp-" + udp + "-0");
      try (RawHttp c = new RawHttp(LOOPBACK, http)) {
        c.send("GET " + announce(new byte[20], 1, "") + " HTTP/1.1\r\n\r\n");
        assertThat(c.read().status()).isEqualTo(200);
      }
    }
    assertThat(trackerThreads()).doesNotContain("bt-tracker-http-" + http,
        "bt-tracker-udp-" + udp + "-0", "bt-tracker-sweep-" + http);
    try (TrackerServer again = TrackerServer.builder().httpPort(http).udpPort(udp).build()
        .start()) {
      assertThat(again.httpPort()).isEqualTo(http);
      assertThat(again.udpPort()).isEqualTo(udp);
    }
  }

  @Test
  void openAndCloseManyTimesLeavesNoThreads() throws Exception {
    for (int i = 0; i < 20; i++) {
      TrackerServer.builder().build().start().close();
    }
    assertThat(trackerThreads()).isEmpty();
  }

  @Test
  void closeIsIdempotentAndStartAfterCloseFails() throws Exception {
    TrackerServer s = TrackerServer.builder().build();
    assertThatThrownBy(s::httpPort).isInstanceOf(IllegalStateException.class)
        .hasMessage("not started");
    s.close();
    s.close();
    assertThatThrownBy(s::start).isInstanceOf(IllegalStateException.class).hasMessage("closed");
  }

  @Test
  void aPortInUseFailsStartAndReleasesTheOtherSocket() throws Exception {
    try (TrackerServer first = TrackerServer.builder().build().start()) {
      TrackerServer second = TrackerServer.builder().httpPort(0).udpPort(first.udpPort()).build();
      assertThatThrownBy(second::start).isInstanceOf(java.io.IOException.class);
      second.close();
    }
    assertThat(trackerThreads()).isEmpty();
  }

  @Test
  void disabledProtocolsReportMinusOne() throws Exception {
    try (TrackerServer s = TrackerServer.builder().httpPort(-1).build().start()) {
      assertThat(s.httpPort()).isEqualTo(-1);
      assertThat(s.udpAnnounceUrl()).isEqualTo("udp://127.0.0.1:" + s.udpPort() + "/announce");
      assertThatThrownBy(s::httpAnnounceUrl).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void builderRejectsBadValuesNamingThem() {
    assertThatThrownBy(() -> TrackerServer.builder().httpPort(70000))
        .hasMessageContaining("httpPort");
    assertThatThrownBy(() -> TrackerServer.builder().udpPort(-2)).hasMessageContaining("udpPort");
    assertThatThrownBy(() -> TrackerServer.builder().maxSwarms(0))
        .hasMessageContaining("maxSwarms");
    assertThatThrownBy(() -> TrackerServer.builder().announceInterval(Duration.ZERO))
        .hasMessageContaining("announceInterval");
    assertThatThrownBy(() -> TrackerServer.builder().maxNumwant(5000))
        .hasMessageContaining("maxNumwant");
    assertThatThrownBy(() -> TrackerServer.builder().defaultNumwant(300).build())
        .hasMessageContaining("defaultNumwant");
  }

  @Test
  void manyThreadsAnnouncingOverHttpAndUdpAreAllCounted() throws Exception {
    byte[] hash = new byte[20];
    hash[5] = 9;
    try (TrackerServer s = TrackerServer.builder().build().start()) {
      ExecutorService pool = Executors.newFixedThreadPool(4);
      try {
        List<Future<?>> jobs = new ArrayList<>();
        for (int t = 0; t < 2; t++) {
          int base = 10_000 + t * 1000;
          jobs.add(pool.submit(() -> {
            try (RawHttp c = new RawHttp(LOOPBACK, s.httpPort())) {
              for (int i = 0; i < 200; i++) {
                c.send("GET " + announce(hash, base + i, "") + " HTTP/1.1\r\n\r\n");
                HttpTrackerResponses.parseAnnounce(c.read().body());
              }
            }
            return null;
          }));
        }
        for (int t = 0; t < 2; t++) {
          int base = 20_000 + t * 1000;
          jobs.add(pool.submit(() -> {
            try (DatagramChannel ch = DatagramChannel.open()) {
              ch.connect(new InetSocketAddress(LOOPBACK, s.udpPort()));
              ByteBuffer r = ByteBuffer.allocate(2048);
              ch.write(ByteBuffer.allocate(16).putLong(0x41727101980L).putInt(0).putInt(0).flip());
              ch.read(r.clear());
              long cid = r.getLong(8);
              for (int i = 0; i < 200; i++) {
                ByteBuffer a = ByteBuffer.allocate(98).putLong(cid).putInt(1).putInt(i).put(hash)
                    .put(new byte[20]).putLong(0).putLong(1).putLong(0).putInt(0).putInt(0)
                    .putInt(0).putInt(5).putShort((short) (base + i));
                ch.write(a.flip());
                ch.read(r.clear());
                assertThat(r.getInt(0)).isEqualTo(1);
              }
            }
            return null;
          }));
        }
        for (Future<?> f : jobs) {
          f.get();
        }
      } finally {
        pool.shutdownNow();
      }
      // UDP peers share one address and differ by port, like the HTTP ones
      assertThat(s.peerCount()).isEqualTo(800);
      assertThat(s.swarmCount()).isEqualTo(1);
    }
  }
}
