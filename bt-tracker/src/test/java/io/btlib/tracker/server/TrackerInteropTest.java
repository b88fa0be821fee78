package io.btlib.tracker.server;

import static io.btlib.tracker.server.internal.Requests.pct;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.InfoHash;
import io.btlib.tracker.HttpTrackerResponses;
import io.btlib.tracker.ScrapeStats;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real clients through a bt tracker on 127.0.0.1: libtorrent (Debian's python3-libtorrent) seeds
 * a v1 torrent whose only tracker is the bt server, aria2c downloads it, learning the seeder from
 * the tracker alone (DHT, LPD and PEX off). Skipped where either program is missing.
 */
@Timeout(90)
class TrackerInteropTest {
  private static final String PYTHON = "/usr/bin/python3";
  private static final String ARIA2C = "/usr/bin/aria2c";
  private static String skipReason;

  @TempDir Path dir;
  private final List<Process> processes = new ArrayList<>();
  private TrackerServer server;

  @BeforeAll
  static void findPrograms() {
    try {
      Process p = new ProcessBuilder(PYTHON, "-c", "import libtorrent").redirectErrorStream(true)
          .start();
      if (!p.waitFor(20, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        skipReason = PYTHON + " cannot import libtorrent";
      } else if (!new File(ARIA2C).canExecute()) {
        skipReason = "no " + ARIA2C;
      }
    } catch (IOException e) {
      skipReason = "no " + PYTHON + ": " + e.getMessage();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      skipReason = "interrupted";
    }
  }

  @AfterEach
  void stopAll() throws Exception {
    for (Process p : processes) {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
      p.waitFor(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aria2DownloadsFromLibtorrentThroughTheHttpTracker() throws Exception {
    transfer(false);
  }

  @Test
  void aria2DownloadsFromLibtorrentThroughTheUdpTracker() throws Exception {
    transfer(true);
  }

  private void transfer(boolean udp) throws Exception {
    Assumptions.assumeTrue(skipReason == null, () -> skipReason);
    server = TrackerServer.builder().build().start();
    String url = udp ? server.udpAnnounceUrl() : server.httpAnnounceUrl();

    Path seedDir = Files.createDirectories(dir.resolve("seed"));
    byte[] data = new byte[3 * 1024 * 1024 + 12345];
    new Random(5).nextBytes(data);
    Files.write(seedDir.resolve("payload.bin"), data);
    Path script = dir.resolve("lt_tracker_peer.py");
    try (InputStream in = getClass().getResourceAsStream("lt_tracker_peer.py")) {
      Files.copy(in, script);
    }
    Path torrent = dir.resolve("payload.torrent");
    Process create = start(dir.resolve("create.log"), PYTHON, script.toString(), "create",
        seedDir.resolve("payload.bin").toString(), url, torrent.toString());
    assertThat(create.waitFor(30, TimeUnit.SECONDS)).isTrue();
    assertThat(create.exitValue()).as(log(dir.resolve("create.log"))).isZero();

    Path seedLog = dir.resolve("seed.log");
    start(seedLog, PYTHON, script.toString(), "seed", torrent.toString(), seedDir.toString(),
        "80");
    for (int i = 0; i < 300 && server.peerCount() == 0; i++) {
      Thread.sleep(100);
    }
    assertThat(server.peerCount()).as("libtorrent announced; its log:\n" + log(seedLog))
        .isEqualTo(1);

    Path dlDir = Files.createDirectories(dir.resolve("dl"));
    Path ariaLog = dir.resolve("aria2.log");
    // aria2 speaks UDP tracker only through its DHT socket: for the UDP case the DHT is on, bound
    // to 127.0.0.1 with no entry point and a fresh routing table, so it can reach nobody
    List<String> dht = udp
        ? List.of("--enable-dht=true", "--dht-listen-port=" + freePort(),
            "--dht-file-path=" + dir.resolve("dht.dat"))
        : List.of("--enable-dht=false");
    List<String> cmd = new ArrayList<>(List.of(ARIA2C, "--dir=" + dlDir));
    cmd.addAll(dht);
    cmd.addAll(List.of("--enable-dht6=false", "--bt-enable-lpd=false",
        "--enable-peer-exchange=false",
        "--interface=127.0.0.1", "--disable-ipv6=true", "--seed-time=0",
        "--listen-port=" + freePort(), "--file-allocation=none", "--summary-interval=0",
        "--console-log-level=notice", "--bt-stop-timeout=60", "--check-certificate=false",
        torrent.toString()));
    Process aria = start(ariaLog, cmd.toArray(new String[0]));
    assertThat(aria.waitFor(75, TimeUnit.SECONDS)).as(log(ariaLog)).isTrue();
    assertThat(aria.exitValue()).as("aria2c log:\n" + log(ariaLog) + "\nseed log:\n"
        + log(seedLog)).isZero();
    byte[] got = Files.readAllBytes(dlDir.resolve("payload.bin"));
    assertThat(MessageDigest.getInstance("SHA-256").digest(got))
        .isEqualTo(MessageDigest.getInstance("SHA-256").digest(data));
    if (!udp) {
      byte[] hash = infoHashOf(dir, script, torrent);
      HttpResponse<byte[]> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
          server.httpAnnounceUrl().replace("/announce", "/scrape?info_hash=" + pct(hash))))
          .build(), HttpResponse.BodyHandlers.ofByteArray());
      ScrapeStats s = HttpTrackerResponses.parseScrape(r.body()).get(InfoHash.of(hash));
      assertThat(s.complete()).as("the libtorrent seeder").isGreaterThanOrEqualTo(1);
      assertThat(s.downloaded()).as("aria2's completed event").isEqualTo(1);
    }
  }

  private byte[] infoHashOf(Path dir, Path script, Path torrent) throws Exception {
    Process p = new ProcessBuilder(PYTHON, "-c",
        "import libtorrent as lt,sys; print(str(lt.torrent_info(sys.argv[1]).info_hash()))",
        torrent.toString()).redirectErrorStream(true).start();
    processes.add(p);
    String out = new String(p.getInputStream().readAllBytes()).trim();
    assertThat(p.waitFor(20, TimeUnit.SECONDS)).isTrue();
    return InfoHash.fromHex(out).bytes();
  }

  private Process start(Path logFile, String... cmd) throws IOException {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(logFile.toFile()).start();
    processes.add(p);
    return p;
  }

  private static String log(Path p) {
    try {
      return Files.exists(p) ? Files.readString(p) : "(no log)";
    } catch (IOException e) {
      return "(unreadable log: " + e + ")";
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }
}
