package io.btlib.interop;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.cli.stream.ServedFile;
import io.btlib.cli.stream.StreamServer;
import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import io.btlib.storage.TorrentCreator;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Streaming to real programs: ffmpeg makes a short video (an MP4 with its moov atom at the end, as
 * cameras write it, or an MKV), a libtorrent seeder capped at about twice its bit rate serves it,
 * and {@code ffprobe URL} and {@code ffmpeg -i URL -f null -} read it from bt's streaming server
 * while bt downloads it, and must finish without an error. Skipped, with the reason printed,
 * without ffmpeg or python3-libtorrent. {@code interop/stream.sh} is the long version, with figures.
 */
class StreamInteropTest {
  static final int PIECE = 64 * 1024;

  @TempDir Path tmp;

  final InteropProcesses procs = new InteropProcesses();
  String ffmpeg;
  String ffprobe;
  Path ltScript;

  @BeforeEach
  void needsFfmpegAndLibtorrent() throws Exception {
    ffmpeg = InteropProcesses.assumeProgram("StreamInteropTest", "ffmpeg", "ffmpeg");
    ffprobe = InteropProcesses.assumeProgram("StreamInteropTest", "ffprobe", "ffmpeg");
    ltScript = InteropProcesses.assumeLibtorrent("StreamInteropTest");
  }

  @AfterEach
  void killProcesses() throws InterruptedException {
    procs.close();
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"mp4", "mkv"})
  @Timeout(120)
  void ffprobeAndFfmpegReadTheVideoWhileItDownloads(String kind) throws Exception {
    Path seedDir = tmp.resolve("seed");
    Files.createDirectories(seedDir);
    Path video = seedDir.resolve("video." + kind);
    InteropProcesses.Proc make = procs.start("ffmpeg", List.of(ffmpeg, "-hide_banner", "-nostdin",
        "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc=size=320x240:rate=25", "-f", "lavfi",
        "-i", "sine=frequency=440:sample_rate=48000", "-t", "8", "-c:v", "libx264", "-preset",
        "ultrafast", "-b:v", "500k", "-g", "25", "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a",
        "64k", video.toString()), null, null);
    assertThat(make.awaitExit(Duration.ofSeconds(60), () -> "making the video")).as(
        make.diagnostics()).isZero();
    long bytesPerSecond = Files.size(video) / 8;
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(video).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    InteropProcesses.Proc seed = procs.ltSeed(ltScript, torrent, seedDir, "--upload-limit",
        Long.toString(2 * bytesPerSecond));
    try (Client client = Client.builder().listenAddress(InetAddress.getLoopbackAddress()).build()) {
      Torrent t = client.add(m, FileStorage.open(m, tmp.resolve("dl")));
      t.addPeer(PeerAddress.of("127.0.0.1", seed.port));
      t.start();
      FileEntry f = m.files().get(0);
      ServedFile served = new ServedFile(0, String.join("/", f.path()), f.length(),
          () -> t.newReader(0));
      try (StreamServer server = StreamServer.start(InetAddress.getLoopbackAddress(), 0,
          List.of(served), 8)) {
        String url = server.url(served);
        InteropProcesses.Proc decode = procs.start("ffmpeg -i URL", List.of(ffmpeg, "-hide_banner",
            "-nostdin", "-v", "error", "-i", url, "-f", "null", "-"), null, null);
        InteropProcesses.Proc probe = procs.start("ffprobe URL", List.of(ffprobe, "-v", "error",
            "-show_entries", "format=duration:stream=codec_name", "-of", "csv=p=0", url), null,
            null);
        assertThat(probe.awaitExit(Duration.ofSeconds(60), () -> url)).as(probe.diagnostics())
            .isZero();
        assertThat(probe.err).as(probe.diagnostics()).isEmpty();
        assertThat(String.join(" ", probe.out)).contains("h264").contains("aac");
        boolean probedBeforeComplete = !t.completion().isDone();
        assertThat(decode.awaitExit(Duration.ofSeconds(90), () -> url)).as(decode.diagnostics())
            .isZero();
        assertThat(decode.err).as(decode.diagnostics()).isEmpty();
        t.completion().get();
        assertThat(Files.mismatch(video, tmp.resolve("dl").resolve(video.getFileName())))
            .isEqualTo(-1L);
        List<String> note = new ArrayList<>();
        note.add("ffprobe finished " + (probedBeforeComplete ? "before" : "after")
            + " the download completed");
        System.err.println("StreamInteropTest " + kind + ": " + note);
      }
    }
  }
}
