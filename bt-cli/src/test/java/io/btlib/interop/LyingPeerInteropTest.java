package io.btlib.interop;

import static io.btlib.interop.InteropProcesses.assertSameTree;
import static io.btlib.interop.InteropProcesses.awaitListening;
import static io.btlib.interop.InteropProcesses.freePort;
import static io.btlib.interop.InteropProcesses.makeData;
import static io.btlib.interop.InteropProcesses.poll;
import static io.btlib.interop.InteropProcesses.recorder;
import static io.btlib.interop.InteropProcesses.tailOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentListener;
import io.btlib.client.TorrentStatus;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import io.btlib.storage.TorrentCreator;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real client serving corrupt pieces: aria2 seeds a copy in which every other piece has one
 * byte flipped, without checking it ({@code --bt-seed-unverified=true --check-integrity=false});
 * libtorrent seeds the good copy, throttled to 512 KB/s ({@code --upload-limit}, which sets
 * libtorrent's local_upload_rate_limit) so that the liar, which answers a new peer only after
 * about a second, gets to send blocks. bt dials aria2 first and libtorrent once aria2 is
 * connected; it must complete with the right bytes, record hash failures and ban aria2's
 * address, not libtorrent's. Skipped, with the reason printed, where aria2c or libtorrent is
 * missing.
 */
class LyingPeerInteropTest {
  static final int PIECE = 64 * 1024;

  @TempDir Path tmp;

  final InteropProcesses procs = new InteropProcesses();
  final List<String> btEvents = new CopyOnWriteArrayList<>();
  final List<Integer> failedPieces = new CopyOnWriteArrayList<>();
  final List<PeerAddress> banned = new CopyOnWriteArrayList<>();
  Path script;
  String aria2;

  @BeforeEach
  void needsPrograms() throws Exception {
    aria2 = InteropProcesses.assumeProgram("LyingPeerInteropTest", "aria2c", "aria2");
    script = InteropProcesses.assumeLibtorrent("LyingPeerInteropTest");
  }

  @AfterEach
  void killProcesses() throws InterruptedException {
    procs.close();
  }

  @Test
  @Timeout(90)
  void btBansAnAria2SeederServingCorruptPiecesAndCompletesFromLibtorrent() throws Exception {
    Path src = makeData(tmp.resolve("good"), 41, new Object[][] {
        {"a.bin", 700_001}, {"sub/b.bin", 1_234_567}, {"sub/c.txt", 17}, {"z.bin", 65_537},
    });
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    Path liarRoot = tmp.resolve("liar");
    copyTree(src, liarRoot.resolve(src.getFileName()));
    List<Integer> corrupted = corruptEveryOtherPiece(m, liarRoot);
    assertThat(corrupted).hasSizeGreaterThan(5);

    int ariaPort = freePort();
    List<String> cmd = InteropProcesses.aria2(aria2, ariaPort, liarRoot);
    cmd.addAll(List.of("--bt-seed-unverified=true", "--check-integrity=false",
        "--seed-ratio=0.0", "--seed-time=5", torrent.toString()));
    InteropProcesses.Proc liar = procs.start("aria2c", cmd, tmp, null);
    assertThat(awaitListening(ariaPort, Duration.ofSeconds(20))).as(liar::diagnostics).isTrue();
    InteropProcesses.Proc honest = procs.ltSeed(script, torrent, src.getParent(),
        "--upload-limit", "524288");

    PeerAddress liarAddress = PeerAddress.of("127.0.0.1", ariaPort);
    PeerAddress honestAddress = PeerAddress.of("127.0.0.1", honest.port);
    Path dl = tmp.resolve("dl");
    try (Client client = Client.builder().listenAddress(InetAddress.getLoopbackAddress())
        .build()) {
      Torrent t = client.add(m, FileStorage.open(m, dl));
      t.addListener(recorder(btEvents));
      t.addListener(new TorrentListener() {
        @Override
        public void onHashFailed(Torrent torrent, int piece, Set<PeerAddress> contributors,
        Set<String> webSeeds) {
          failedPieces.add(piece);
        }

        @Override
        public void onPeerBanned(Torrent torrent, PeerAddress peer, String reason) {
          banned.add(peer);
        }
      });
      t.addPeer(liarAddress);
      t.start();
      assertThat(poll(() -> btEvents.contains("connected " + liarAddress),
          Duration.ofSeconds(20))).as(() -> "bt never connected to aria2: " + btEvents).isTrue();
      t.addPeer(honestAddress);
      try {
        t.completion().get(60, TimeUnit.SECONDS);
      } catch (TimeoutException | ExecutionException e) {
        fail("bt did not complete: " + e + "\nstatus " + t.status() + "\nbt events " + btEvents
            + "\n" + honest.diagnostics() + "\n" + liar.diagnostics() + "\naria2 log:\n  "
            + tailOf(tmp.resolve("liar-aria2.log"), 30), e);
      }
      TorrentStatus s = t.status();
      System.err.println("LyingPeerInteropTest: corrupted pieces " + corrupted
          + "; hash failures " + failedPieces + "; banned " + banned + "; wasted " + s.wasted()
          + " B");
      assertThat(s.hashFailures()).as(() -> "hash failures; bt events " + btEvents)
          .isGreaterThanOrEqualTo(1);
      assertThat(corrupted).as("every failed piece is one aria2 corrupted")
          .containsAll(failedPieces);
      assertThat(banned).as(() -> "bans; bt events " + btEvents).contains(liarAddress)
          .doesNotContain(honestAddress);
      assertThat(s.bannedPeers()).isEqualTo(banned.size());
    }
    assertSameTree(src, dl.resolve(src.getFileName()));
  }

  static Path copyTree(Path from, Path to) throws IOException {
    List<Path> all;
    try (Stream<Path> s = Files.walk(from)) {
      all = s.toList();
    }
    for (Path p : all) {
      Path q = to.resolve(from.relativize(p).toString());
      if (Files.isDirectory(p)) {
        Files.createDirectories(q);
      } else {
        Files.copy(p, q);
      }
    }
    return to;
  }

  /**
   * Flips one byte in the middle of every other piece of the data under download directory
   * {@code dir}; returns those pieces.
   */
  static List<Integer> corruptEveryOtherPiece(Metainfo m, Path dir) throws IOException {
    List<Integer> pieces = new ArrayList<>();
    for (int piece = 0; piece < m.pieceCount(); piece += 2) {
      long offset = (long) piece * m.pieceLength() + Math.min(m.pieceLength(),
          m.totalSize() - (long) piece * m.pieceLength()) / 2;
      long start = 0;
      for (var f : m.files()) {
        if (offset < start + f.length()) {
          Path file = dir.resolve(f.pathString());
          try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.seek(offset - start);
            int b = raf.read();
            raf.seek(offset - start);
            raf.write(b ^ 0xff);
          }
          pieces.add(piece);
          break;
        }
        start += f.length();
      }
    }
    return pieces;
  }
}
