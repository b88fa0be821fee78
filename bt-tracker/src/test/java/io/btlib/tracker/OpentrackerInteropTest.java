package io.btlib.tracker;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.PeerSource;
import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import java.io.File;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Our clients against Debian's opentracker on 127.0.0.1. Skipped when opentracker is not
 * installed. Its build serves only whitelisted hashes; it chroots into {@code -d} and drops to
 * {@code nobody}, so the whitelist is named relative to that directory ({@code /whitelist}), which
 * must be readable by others; it loads the list a moment after starting.
 */
@Timeout(20)
class OpentrackerInteropTest {
  static final InfoHash HASH = InfoHash.fromHex("4f70656e747261636b657220696e7465726f7021");
  static final PeerId A = PeerId.of("-BT0100-aaaaaaaaaaaa".getBytes(StandardCharsets.US_ASCII));
  static final PeerId B = PeerId.of("-BT0100-bbbbbbbbbbbb".getBytes(StandardCharsets.US_ASCII));

  @TempDir Path dir;
  Process tracker;
  int tcpPort;
  int udpPort;

  static String opentracker() {
    for (String p : List.of("/usr/bin/opentracker", "/usr/local/bin/opentracker")) {
      if (new File(p).canExecute()) {
        return p;
      }
    }
    return null;
  }

  @BeforeEach
  void startOpentracker() throws Exception {
    String exe = opentracker();
    Assumptions.assumeTrue(exe != null, "opentracker is not installed");
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path list = dir.resolve("whitelist");
    Files.writeString(list, HASH.hex() + "\n");
    Files.setPosixFilePermissions(list, PosixFilePermissions.fromString("rw-r--r--"));
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"));
        DatagramSocket d = new DatagramSocket(
            new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
      tcpPort = s.getLocalPort();
      udpPort = d.getLocalPort();
    }
    tracker = new ProcessBuilder(exe, "-i", "127.0.0.1", "-p", Integer.toString(tcpPort),
        "-P", Integer.toString(udpPort), "-d", dir.toString(), "-w", "/whitelist")
        .redirectErrorStream(true)
        .redirectOutput(dir.resolve("opentracker.log").toFile())
        .start();
  }

  @AfterEach
  void stopOpentracker() throws InterruptedException {
    if (tracker != null) {
      tracker.destroyForcibly();
      tracker.waitFor(5, TimeUnit.SECONDS);
    }
  }

  static AnnounceRequest request(PeerId id, int port) {
    return AnnounceRequest.builder(HASH, id, port).left(1000).event(AnnounceEvent.STARTED)
        .numWant(50).build();
  }

  /** Announces until the tracker has loaded its whitelist (it refuses the hash until then). */
  static AnnounceResponse announceWhenReady(TrackerClient c, URI uri, AnnounceRequest r)
      throws InterruptedException {
    for (int i = 0; ; i++) {
      try {
        return c.announce(uri, r).join();
      } catch (CompletionException e) {
        // a TrackerException until the whitelist is loaded; ConnectException until it listens
        if (i >= 50 || !(e.getCause() instanceof TrackerException
            || e.getCause() instanceof java.net.ConnectException)) {
          throw e;
        }
        Thread.sleep(100); // not authorized yet, or not listening yet
      }
    }
  }

  void eachSeesTheOther(TrackerClient client, URI uri) throws Exception {
    announceWhenReady(client, uri, request(A, 7001));
    AnnounceResponse b = client.announce(uri, request(B, 7002)).join();
    assertThat(b.peers()).contains(PeerAddress.parse("127.0.0.1:7001"));
    AnnounceResponse a = client.announce(uri, request(A, 7001).withEvent(AnnounceEvent.NONE))
        .join();
    assertThat(a.peers()).contains(PeerAddress.parse("127.0.0.1:7002"));
    assertThat(a.incomplete()).hasValue(2);

    Map<InfoHash, ScrapeStats> s = client.scrape(uri, List.of(HASH)).join();
    assertThat(s).containsKey(HASH);
    assertThat(s.get(HASH).incomplete()).isEqualTo(2);
    assertThat(s.get(HASH).complete()).isZero();
  }

  @Test
  void httpAnnouncesOfTwoPeersSeeEachOtherAndScrapeCountsThem() throws Exception {
    try (HttpTrackerClient http = HttpTrackerClient.builder().build()) {
      eachSeesTheOther(http, URI.create("http://127.0.0.1:" + tcpPort + "/announce"));
    }
  }

  @Test
  void udpAnnouncesOfTwoPeersSeeEachOtherAndScrapeCountsThem() throws Exception {
    try (UdpTrackerClient udp = UdpTrackerClient.builder()
        .bindAddress(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))
        .retransmitBase(Duration.ofMillis(200)).maxRetransmits(3).build()) {
      eachSeesTheOther(udp, URI.create("udp://127.0.0.1:" + udpPort + "/announce"));
    }
  }

  @Test
  void trackerPeerSourcesOfTwoTorrentsFindEachOtherOverUdpAndHttp() throws Exception {
    try (HttpTrackerClient http = HttpTrackerClient.builder().build()) { // wait for the whitelist
      announceWhenReady(http, URI.create("http://127.0.0.1:" + tcpPort + "/announce"),
          request(PeerId.of("-BT0100-cccccccccccc".getBytes(StandardCharsets.US_ASCII)), 7003)
              .withEvent(AnnounceEvent.STOPPED));
    }
    List<List<String>> tiers = List.of(List.of("udp://127.0.0.1:" + udpPort + "/announce"),
        List.of("http://127.0.0.1:" + tcpPort + "/announce"));
    TestContext a = new TestContext(HASH, A, 7001, tiers);
    TestContext b = new TestContext(HASH, B, 7002, tiers);
    try (TrackerPeerSource source = TrackerPeerSource.builder()
        .udpRetransmission(Duration.ofMillis(200), 3).build()) {
      PeerSource.Session sa = source.open(a);
      for (int i = 0; i < 100 && a.peers.isEmpty(); i++) {
        Thread.sleep(20); // a's started is in before b's
      }
      PeerSource.Session sb = source.open(b);
      for (int i = 0; i < 250 && !b.peers.contains(PeerAddress.parse("127.0.0.1:7001")); i++) {
        Thread.sleep(20);
      }
      assertThat(b.peers).contains(PeerAddress.parse("127.0.0.1:7001"));
      sa.close();
      sb.close();
    }
  }
}
