package io.btlib.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.EncryptionPolicy;
import io.btlib.client.Torrent;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import io.btlib.storage.TorrentCreator;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * MSE/PE against libtorrent 2.0 on 127.0.0.1, with libtorrent forcing encryption both ways and
 * allowing only RC4 payload ({@code interop/lt_mse_peer.py}; with the default {@code pe_both}
 * libtorrent may agree on a plain payload after an encrypted handshake). libtorrent reports how
 * each peer connection is encrypted, so the test knows RC4 carried the payload. Skipped where
 * {@code /usr/bin/python3} cannot import {@code libtorrent}.
 */
class EncryptionInteropTest {
  static final String PYTHON = LibtorrentInteropTest.PYTHON;
  static final int PIECE = 64 * 1024;

  static Path script;

  @TempDir Path tmp;

  final List<LibtorrentInteropTest.Lt> processes = new ArrayList<>();

  @BeforeAll
  static void needsLibtorrent() throws Exception {
    String reason = null;
    for (Path d = Path.of("").toAbsolutePath(); d != null && script == null; d = d.getParent()) {
      Path s = d.resolve("interop").resolve("lt_mse_peer.py");
      if (Files.isRegularFile(s)) {
        script = s;
      }
    }
    if (script == null) {
      reason = "interop/lt_mse_peer.py not found above " + Path.of("").toAbsolutePath();
    } else if (!Files.isExecutable(Path.of(PYTHON))) {
      reason = PYTHON + " does not exist";
    } else {
      Process p = new ProcessBuilder(PYTHON, "-c", "import libtorrent").redirectErrorStream(true)
          .start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        reason = PYTHON + " -c 'import libtorrent' hung";
      } else if (p.exitValue() != 0) {
        reason = PYTHON + " cannot import libtorrent: " + out;
      }
    }
    if (reason != null) {
      System.err.println("EncryptionInteropTest skipped: " + reason);
    }
    Assumptions.assumeTrue(reason == null, reason);
  }

  @AfterEach
  void killProcesses() throws InterruptedException {
    for (LibtorrentInteropTest.Lt p : processes) {
      p.close();
    }
  }

  LibtorrentInteropTest.Lt lt(String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, "-u", script.toString()));
    cmd.addAll(List.of(args));
    LibtorrentInteropTest.Lt p = new LibtorrentInteropTest.Lt(cmd);
    processes.add(p);
    return p;
  }

  Metainfo makeTorrent(Path src) throws Exception {
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    return Metainfo.parse(torrent);
  }

  /** libtorrent logged the MSE handshake, and it selected RC4 (and nothing else, ever). */
  static void assertRc4(LibtorrentInteropTest.Lt p) throws Exception {
    long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (p.lines().stream().noneMatch(l -> l.contains("\"event\":\"crypto\""))
        && System.nanoTime() < end) {
      Thread.sleep(50);
    }
    String all = String.join("\n", p.lines());
    assertThat(all).as("libtorrent's MSE handshakes").contains("\"select\":\"rc4\"")
        .doesNotContain("\"rc4\":false").doesNotContain("\"select\":\"plaintext");
  }

  /** libtorrent seeds, forcing RC4; bt downloads with the given outgoing policy. */
  void libtorrentSeedsBtDownloads(EncryptionPolicy out) throws Exception {
    Path src = LibtorrentInteropTest.makeData(tmp.resolve("seed"), 11);
    Metainfo m = makeTorrent(src);
    LibtorrentInteropTest.Lt seed = lt("seed", "--torrent", tmp.resolve("t.torrent").toString(),
        "--dir", src.getParent().toString(), "--port",
        Integer.toString(InteropProcesses.freePort()), "--timeout", "100");
    String line = seed.await("listening", Duration.ofSeconds(20));
    int port = Integer.parseInt(line.replaceAll(".*\"port\":(\\d+).*", "$1"));
    Path dl = tmp.resolve("dl");
    try (Client client = Client.builder().encryption(out, EncryptionPolicy.FORCED).build()) {
      Torrent t = client.add(m, FileStorage.open(m, dl));
      t.addPeer(PeerAddress.of("127.0.0.1", port));
      t.start();
      try {
        t.completion().get(60, TimeUnit.SECONDS);
      } catch (TimeoutException e) {
        throw new AssertionError("bt did not complete: " + t.status() + "\nlibtorrent said:\n"
            + String.join("\n", seed.errLines()), e);
      }
      assertThat(t.status().hashFailures()).isZero();
    }
    InteropProcesses.assertSameTree(src, dl.resolve(src.getFileName()));
    assertRc4(seed);
  }

  @Test
  @Timeout(120)
  void btForcedDownloadsFromLibtorrentForcingRc4() throws Exception {
    libtorrentSeedsBtDownloads(EncryptionPolicy.FORCED);
  }

  @Test
  @Timeout(120)
  void btWithDefaultPolicyDownloadsFromLibtorrentForcingRc4() throws Exception {
    libtorrentSeedsBtDownloads(EncryptionPolicy.ENABLED);
  }

  @Test
  @Timeout(120)
  void libtorrentForcingRc4DownloadsFromBtForced() throws Exception {
    Path src = LibtorrentInteropTest.makeData(tmp.resolve("seed"), 12);
    Metainfo m = makeTorrent(src);
    BitSet all = new BitSet();
    all.set(0, m.pieceCount());
    try (Client client = Client.builder().encryption(EncryptionPolicy.FORCED).build()) {
      client.add(m, FileStorage.open(m, src.getParent()), all).start();
      Path dl = tmp.resolve("dl");
      LibtorrentInteropTest.Lt leech = lt("download", "--torrent",
          tmp.resolve("t.torrent").toString(), "--dir", dl.toString(), "--port",
          Integer.toString(InteropProcesses.freePort()), "--peer",
          "127.0.0.1:" + client.listenAddress().getPort(), "--timeout", "90");
      leech.await("complete", Duration.ofSeconds(90));
      assertThat(leech.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(leech.process.exitValue()).isZero();
      InteropProcesses.assertSameTree(src, dl.resolve(src.getFileName()));
      assertRc4(leech);
    }
  }
}
