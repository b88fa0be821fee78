package io.btlib.interop;

import static io.btlib.interop.InteropProcesses.assertSameTree;
import static io.btlib.interop.InteropProcesses.awaitListening;
import static io.btlib.interop.InteropProcesses.freePort;
import static io.btlib.interop.InteropProcesses.makeData;
import static io.btlib.interop.InteropProcesses.recorder;
import static io.btlib.interop.InteropProcesses.tailOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import io.btlib.storage.TorrentCreator;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bt against aria2 1.36 on 127.0.0.1. aria2 cannot be told a peer, so it listens and bt dials
 * it. Skipped, with the reason printed, where aria2c is not installed. Every case compares the
 * downloaded tree with its source byte for byte; a failure prints aria2's output, the tail of its
 * info log and bt's events.
 */
class Aria2InteropTest {
  static final int PIECE = 64 * 1024;

  @TempDir Path tmp;

  final InteropProcesses procs = new InteropProcesses();
  final List<String> btEvents = new CopyOnWriteArrayList<>();
  String aria2;

  @BeforeEach
  void needsAria2() {
    aria2 = InteropProcesses.assumeProgram("Aria2InteropTest", "aria2c", "aria2");
  }

  @AfterEach
  void killProcesses() throws InterruptedException {
    procs.close();
  }

  /** aria2 checks its copy (--check-integrity) and seeds it; bt dials aria2 and downloads. */
  @Test
  @Timeout(90)
  void btDownloadsAMultiFileTorrentFromAnAria2Seeder() throws Exception {
    Path src = makeData(tmp.resolve("seed"), 12);
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    int port = freePort();
    List<String> cmd = InteropProcesses.aria2(aria2, port, src.getParent());
    cmd.addAll(List.of("--check-integrity=true", "--seed-ratio=0.0", "--seed-time=5",
        torrent.toString()));
    InteropProcesses.Proc seed = procs.start("aria2c", cmd, tmp, null);
    assertThat(awaitListening(port, Duration.ofSeconds(20))).as(seed::diagnostics).isTrue();
    Path dl = tmp.resolve("dl");
    try (Client client = Client.builder().listenAddress(InetAddress.getLoopbackAddress())
        .build()) {
      Torrent t = client.add(m, FileStorage.open(m, dl));
      t.addListener(recorder(btEvents));
      t.addPeer(PeerAddress.of("127.0.0.1", port));
      t.start();
      try {
        t.completion().get(60, TimeUnit.SECONDS);
      } catch (TimeoutException | ExecutionException e) {
        fail("bt did not complete: " + e + "\nstatus " + t.status() + "\nbt events " + btEvents
            + "\n" + seed.diagnostics() + "\naria2 log:\n  "
            + tailOf(tmp.resolve("seed-aria2.log"), 40), e);
      }
      assertThat(t.status().hashFailures()).isZero();
      assertThat(t.status().bannedPeers()).isZero();
    }
    assertSameTree(src, dl.resolve(src.getFileName()));
  }

  /**
   * bt seeds, aria2 downloads (bt dials it: aria2 cannot be told a peer). aria2 1.36 announces
   * new pieces with a Bitfield message in the middle of the connection whenever that is no longer
   * than the Have messages it replaces (DefaultBtInteractive::checkHave); bt takes a later Bitfield
   * as Haves, as libtorrent and transmission do (it used to close the connection).
   */
  @Test
  @Timeout(90)
  void aria2DownloadsAMultiFileTorrentFromABtSeeder() throws Exception {
    Path src = makeData(tmp.resolve("seed"), 11);
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    Path dl = tmp.resolve("dl");
    try (Client client = Client.builder().listenAddress(InetAddress.getLoopbackAddress())
        .build()) {
      Torrent t = client.add(m, FileStorage.open(m, src.getParent()));
      t.addListener(recorder(btEvents));
      t.start();
      t.completion().get(30, TimeUnit.SECONDS); // the recheck found every piece
      int port = freePort();
      List<String> cmd = InteropProcesses.aria2(aria2, port, dl);
      cmd.addAll(List.of("--seed-time=0", torrent.toString()));
      InteropProcesses.Proc leech = procs.start("aria2c", cmd, tmp, null);
      assertThat(awaitListening(port, Duration.ofSeconds(20))).as(leech::diagnostics).isTrue();
      t.addPeer(PeerAddress.of("127.0.0.1", port));
      int code = leech.awaitExit(Duration.ofSeconds(60), () -> "bt status " + t.status()
          + "\nbt events " + btEvents + "\naria2 log:\n  "
          + tailOf(tmp.resolve("dl-aria2.log"), 40));
      assertThat(code).as(leech::diagnostics).isZero();
      assertThat(t.status().hashFailures()).isZero();
    }
    assertSameTree(src, dl.resolve(src.getFileName()));
  }
}
