package io.btlib.interop;

import static io.btlib.interop.InteropProcesses.assertSameTree;
import static io.btlib.interop.InteropProcesses.awaitHandshake;
import static io.btlib.interop.InteropProcesses.freePort;
import static io.btlib.interop.InteropProcesses.makeData;
import static io.btlib.interop.InteropProcesses.poll;
import static io.btlib.interop.InteropProcesses.recorder;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.client.Transport;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import io.btlib.storage.TorrentCreator;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bt seeds, transmission-cli 3.00 downloads, on 127.0.0.1. transmission never dials 127.x peers
 * (it treats them as martian) but accepts them, so it listens and bt dials it. It runs with a
 * config dir of its own (HOME and -g in the temp dir) whose settings.json turns DHT, LPD, PEX,
 * uTP and port mapping off and binds 127.0.0.1; it does not exit after completing, so its finish
 * script touches a file and the test kills it. The data has no empty file (transmission does
 * not create empty files). Skipped, with the reason printed, where transmission-cli is missing.
 *
 * <p>Timing, observed: transmission answers handshakes about 0.6 s after it starts, and accepts
 * one handshake per IP address at a time, so the test probes with a handshake of its own, waits
 * a second for transmission to drop it, then lets bt dial (a dial refused earlier costs bt's
 * 10 s, then 20 s, redial backoff). Once connected, transmission requests nothing for about 12
 * s (its interest and request refill run on 10-second timers) and then takes the 4 MB in about
 * 2 s. Diagnose with -Dbt.interop.trace=true -Dbt.interop.trLevel=3 (transmission's debug log
 * is printed).
 */
class TransmissionInteropTest {
  static final int PIECE = 64 * 1024;

  @TempDir Path tmp;

  final InteropProcesses procs = new InteropProcesses();
  final List<String> btEvents = new CopyOnWriteArrayList<>();
  String transmission;

  @BeforeEach
  void needsTransmission() {
    transmission = InteropProcesses.assumeProgram("TransmissionInteropTest", "transmission-cli",
        "transmission-cli");
  }

  @AfterEach
  void killProcesses() throws InterruptedException {
    procs.close();
  }

  @Test
  @Timeout(90)
  void transmissionDownloadsAMultiFileTorrentFromABtSeeder() throws Exception {
    transmissionDownloadsFromBt(Transport.BOTH);
  }

  /**
   * uTP: a bt seeder that speaks only uTP (no TCP socket at all) dials transmission, whose uTP is
   * libutp, and transmission downloads everything over it.
   */
  @Test
  @Timeout(90)
  void transmissionDownloadsFromAUtpOnlyBtSeeder() throws Exception {
    transmissionDownloadsFromBt(Transport.UTP);
  }

  void transmissionDownloadsFromBt(Transport transport) throws Exception {
    Path src = makeData(tmp.resolve("seed"), 21);
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    Path dl = tmp.resolve("dl");
    Files.createDirectories(dl);
    Path home = tmp.resolve("transmission");
    Path done = tmp.resolve("finished");
    try (Client client = Client.builder().listenAddress(InetAddress.getLoopbackAddress())
        .transport(transport).build()) {
      Torrent t = client.add(m, FileStorage.open(m, src.getParent()));
      t.addListener(recorder(btEvents));
      t.start();
      t.completion().get(30, TimeUnit.SECONDS); // the recheck found every piece
      int port = freePort();
      List<String> cmd = InteropProcesses.transmission(transmission, home, port, dl, done,
          transport == Transport.UTP);
      cmd.add(torrent.toString());
      InteropProcesses.Proc leech = procs.start("transmission-cli", cmd, home,
          Map.of("HOME", home.toString(), "TR_CURL_VERBOSE", "0"));
      long t0 = System.nanoTime();
      awaitTransmission(port, m, leech);
      long t1 = System.nanoTime();
      t.addPeer(PeerAddress.of("127.0.0.1", port));
      if (!poll(() -> Files.exists(done), Duration.ofSeconds(60))) {
        fail("transmission did not finish; bt status " + t.status() + "\nbt events " + btEvents
            + "\n" + leech.diagnostics());
      }
      long t2 = System.nanoTime();
      System.err.println("TransmissionInteropTest (" + transport + "): serving after "
          + (t1 - t0) / 1_000_000 + " ms, finished " + (t2 - t1) / 1_000_000 + " ms later"
          + (Boolean.getBoolean("bt.interop.trace") ? "\n" + String.join("\n", leech.err) : ""));
      leech.close(); // it keeps seeding otherwise
      assertThat(t.status().hashFailures()).isZero();
    }
    assertSameTree(src, dl.resolve(src.getFileName()));
  }

  /**
   * uTP the other way: transmission seeds (it checks the files it is given, then serves them),
   * a uTP-only bt client dials it over uTP and downloads everything.
   */
  @Test
  @Timeout(90)
  void aUtpOnlyBtClientDownloadsFromATransmissionSeeder() throws Exception {
    Path src = makeData(tmp.resolve("seed"), 22);
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    Path home = tmp.resolve("transmission");
    int port = freePort();
    List<String> cmd = InteropProcesses.transmission(transmission, home, port, src.getParent(),
        tmp.resolve("finished"), true);
    cmd.add(torrent.toString());
    InteropProcesses.Proc seed = procs.start("transmission-cli", cmd, home,
        Map.of("HOME", home.toString(), "TR_CURL_VERBOSE", "0"));
    awaitTransmission(port, m, seed);
    Path dl = tmp.resolve("dl");
    try (Client client = Client.builder().listenAddress(InetAddress.getLoopbackAddress())
        .transport(Transport.UTP).build()) {
      Torrent t = client.add(m, FileStorage.open(m, dl));
      t.addListener(recorder(btEvents));
      t.addPeer(PeerAddress.of("127.0.0.1", port));
      t.start();
      try {
        t.completion().get(60, TimeUnit.SECONDS);
      } catch (java.util.concurrent.TimeoutException | java.util.concurrent.ExecutionException e) {
        fail("bt did not complete: " + e + "; status " + t.status() + "\nbt events " + btEvents
            + "\n" + seed.diagnostics(), e);
      }
      assertThat(t.status().hashFailures()).isZero();
    }
    assertSameTree(src, dl.resolve(src.getFileName()));
  }

  /**
   * Waits until transmission on {@code port} answers a handshake for {@code m}, and then until it
   * has dropped the probe's connection: it accepts one handshake per IP address at a time. The
   * sign is its own status line (printed about once a second: "... of N peers"): one printed
   * after the probe closed that counts no peer.
   */
  static void awaitTransmission(int port, Metainfo m, InteropProcesses.Proc p) throws Exception {
    assertThat(awaitHandshake(port, m.infoHashes().v1().orElseThrow().bytes(),
        Duration.ofSeconds(30))).as(p::diagnostics).isTrue();
    int mark = p.out.size();
    assertThat(poll(() -> {
      for (int i = mark; i < p.out.size(); i++) {
        if (NO_PEERS.matcher(p.out.get(i)).find()) {
          return true;
        }
      }
      return false;
    }, Duration.ofSeconds(20))).as(() -> "the probe was never dropped\n" + p.diagnostics())
        .isTrue();
  }

  /** transmission-cli's status line with no peer connected. */
  static final java.util.regex.Pattern NO_PEERS = java.util.regex.Pattern.compile(" of 0 peer");
}
