package io.btlib.interop;

import static io.btlib.interop.InteropProcesses.assertSameTree;
import static io.btlib.interop.InteropProcesses.makeData;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.storage.TorrentCreator;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Crash and resume with the real CLI: {@code bt download --json} runs in a child JVM (this JVM's
 * java and class path, main class {@code io.btlib.cli.Main}) against a libtorrent seeder throttled to
 * 2 MiB/s, is killed with SIGKILL ({@link Process#destroyForcibly()}) once its progress shows at
 * least 40% of the pieces, and is started again on the same directory. The second run must
 * complete with the right bytes and fetch only what the first had not verified: its final
 * {@code complete} event's {@code bytes} (payload received in that run) is at most the total
 * less the pieces reported before the kill (minus a slack of {@value #SLACK_PIECES} pieces for
 * pieces verified but not yet written when the kill came). Skipped, with the reason printed,
 * where libtorrent is missing.
 */
class CrashResumeInteropTest {
  static final int PIECE = 64 * 1024;
  static final int SLACK_PIECES = 4;
  static final Pattern HAVE = Pattern.compile("\"have\":(\\d+),\"pieceCount\":(\\d+)");
  static final Pattern BYTES = Pattern.compile("\"bytes\":(\\d+)");

  @TempDir Path tmp;

  final InteropProcesses procs = new InteropProcesses();
  Path script;

  @BeforeEach
  void needsLibtorrent() throws Exception {
    script = InteropProcesses.assumeLibtorrent("CrashResumeInteropTest");
  }

  @AfterEach
  void killProcesses() throws InterruptedException {
    procs.close();
  }

  /** {@code bt ARGS} in a child JVM with this JVM's class path. */
  InteropProcesses.Proc bt(String name, String... args) throws Exception {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> cmd = new ArrayList<>(List.of(java, "-Xmx256m", "-cp",
        System.getProperty("java.class.path"), "io.btlib.cli.Main"));
    cmd.addAll(List.of(args));
    return procs.start(name, cmd, tmp, null);
  }

  @Test
  @Timeout(90)
  void aKilledCliDownloadResumesWithoutFetchingVerifiedPiecesAgain() throws Exception {
    Path src = makeData(tmp.resolve("seed"), 51, new Object[][] {
        {"a.bin", 5_000_003}, {"sub/b.bin", 4_321_987}, {"sub/c.txt", 17},
        {"z/last.bin", 2_654_321},
    });
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    InteropProcesses.Proc seed = procs.ltSeed(script, torrent, src.getParent(),
        "--upload-limit", Integer.toString(2 * 1024 * 1024));
    Path dl = tmp.resolve("dl");
    String[] args = {"download", torrent.toString(), "-o", dl.toString(), "--bind", "127.0.0.1",
        "--peer", "127.0.0.1:" + seed.port, "--no-dht", "--json", "--timeout", "60"};

    InteropProcesses.Proc first = bt("bt download (first run)", args);
    String line = first.awaitLine(l -> {
      Matcher h = HAVE.matcher(l);
      return h.find() && Integer.parseInt(h.group(1)) * 10 >= Integer.parseInt(h.group(2)) * 4;
    }, Duration.ofSeconds(40), "progress of 40%");
    first.process.destroyForcibly(); // SIGKILL on Linux: no shutdown hook, no flush
    first.process.waitFor();
    Matcher h = HAVE.matcher(line);
    assertThat(h.find()).isTrue();
    int haveBeforeKill = Integer.parseInt(h.group(1));
    assertThat(Integer.parseInt(h.group(2))).isEqualTo(m.pieceCount());
    assertThat(haveBeforeKill).as("killed before the end").isLessThan(m.pieceCount());

    InteropProcesses.Proc second = bt("bt download (second run)", args);
    int code = second.awaitExit(Duration.ofSeconds(60), seed::diagnostics);
    assertThat(code).as(second::diagnostics).isZero();
    String complete = second.out.stream().filter(l -> l.contains("\"event\":\"complete\""))
        .findFirst().orElseThrow(() -> new AssertionError("no complete event\n"
            + second.diagnostics()));
    Matcher b = BYTES.matcher(complete);
    assertThat(b.find()).isTrue();
    long fetched = Long.parseLong(b.group(1));
    long bound = m.totalSize() - (long) (haveBeforeKill - SLACK_PIECES) * m.pieceLength();
    System.err.println("CrashResumeInteropTest: " + m.pieceCount() + " pieces, " + haveBeforeKill
        + " reported before SIGKILL; second run fetched " + fetched + " of " + m.totalSize()
        + " B (bound " + bound + ")");
    assertThat(fetched).as("payload fetched by the second run").isPositive()
        .isLessThanOrEqualTo(bound);
    assertSameTree(src, dl.resolve(src.getFileName()));
  }
}
