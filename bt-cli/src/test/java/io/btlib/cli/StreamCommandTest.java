package io.btlib.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.FileStorage;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code bt stream}: its usage errors, and a real stream from a seeder on loopback. */
class StreamCommandTest {
  @TempDir Path tmp;

  Path torrent(byte[]... files) throws Exception {
    Path dir = tmp.resolve("seed").resolve("media");
    Files.createDirectories(dir);
    for (int i = 0; i < files.length; i++) {
      Files.write(dir.resolve("f" + i + (i == 0 ? ".mp4" : ".bin")), files[i]);
    }
    Path t = tmp.resolve("t.torrent");
    Run r = Run.bt("create", dir.toString(), "-o", t.toString(), "--piece-length", "16384");
    assertThat(r.code()).as(r.err()).isZero();
    return t;
  }

  @Test
  void helpListsTheCommandAndItsOptions() {
    assertThat(Run.bt("--help").out()).contains("  stream ");
    assertThat(Run.bt("stream", "--help").out()).startsWith("usage: bt stream TORRENT|MAGNET")
        .contains("--file N").contains("--cache-mb").contains("--cache-dir DIR")
        .contains("--peer-port").contains("416");
  }

  @Test
  void cacheMbMustHoldAPieceAndGoesWithoutAnOutputDirectory() throws Exception {
    Path t = torrent(new byte[100]);
    MainTest.assertOneLineError(Run.bt("stream", t.toString(), "--cache-mb", "x"), 2,
        "bt: stream: bad value for --cache-mb");
    MainTest.assertOneLineError(Run.bt("stream", t.toString(), "--cache-mb", "0"), 2,
        "bt: stream: bad value for --cache-mb");
    MainTest.assertOneLineError(Run.bt("stream", t.toString(), "--cache-mb", "1", "-o",
        tmp.resolve("o").toString()), 2, "bt: stream: --cache-mb keeps pieces in memory only");
    Path dir = tmp.resolve("big");
    Files.createDirectories(dir);
    Files.write(dir.resolve("a.bin"), new byte[3 << 20]);
    Path big = tmp.resolve("big.torrent");
    Run c = Run.bt("create", dir.toString(), "-o", big.toString(), "--piece-length",
        String.valueOf(2 << 20));
    assertThat(c.code()).as(c.err()).isZero();
    MainTest.assertOneLineError(Run.bt("stream", big.toString(), "--cache-mb", "1"), 2,
        "bt: stream: --cache-mb 1: less than one piece (2097152 bytes)");
  }

  @Test
  void cacheDirNeedsCacheMbAndADirectory() throws Exception {
    Path t = torrent(new byte[100]);
    MainTest.assertOneLineError(Run.bt("stream", t.toString(), "--cache-dir", tmp.toString()), 2,
        "bt: stream: --cache-dir needs --cache-mb");
    Path file = Files.write(tmp.resolve("plain"), new byte[1]);
    MainTest.assertOneLineError(Run.bt("stream", t.toString(), "--cache-mb", "1", "--cache-dir",
        file.toString()), 2, "bt: stream: --cache-dir " + file + ": not a directory");
    MainTest.assertOneLineError(Run.bt("stream", t.toString(), "--cache-mb", "1", "--cache-dir",
        tmp.resolve("none").toString()), 2, "bt: stream: --cache-dir");
  }

  @Test
  @Timeout(30)
  void aCacheFileGoesAwayAfterwards() throws Exception {
    Path t = torrent(new byte[100]);
    Path cacheDir = Files.createDirectories(tmp.resolve("cache"));
    Run r = Run.bt("stream", t.toString(), "--no-dht", "--timeout", "1", "--json", "--cache-mb",
        "1", "--cache-dir", cacheDir.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("{\"event\":\"listening\"");
    try (var s = Files.list(cacheDir)) {
      assertThat(s).isEmpty();
    }
  }

  @Test
  void aFileOutOfRangeIsAUsageError() throws Exception {
    Path t = torrent(new byte[100], new byte[10]);
    MainTest.assertOneLineError(Run.bt("stream", t.toString(), "--file", "2"), 2,
        "bt: stream: --file 2: the torrent has 2 files (0 to 1)");
    MainTest.assertOneLineError(Run.bt("stream", t.toString(), "--port", "70000"), 2,
        "bt: stream: bad value for --port");
  }

  /** On disk, and through a 1 MiB cache (in memory or a file) holding a third of the first file. */
  @ParameterizedTest
  @ValueSource(strings = {"disk", "memory", "file"})
  @Timeout(60)
  void servesTheFilesWhileTheyDownloadAndStopsWhenInterrupted(String where) throws Exception {
    boolean cache = !where.equals("disk");
    Path cacheDir = Files.createDirectories(tmp.resolve("cache"));
    Random rnd = new Random(7);
    byte[] a = new byte[cache ? 3_000_001 : 700_001];
    byte[] b = new byte[33_333];
    rnd.nextBytes(a);
    rnd.nextBytes(b);
    Path t = torrent(a, b);
    Metainfo m = Metainfo.parse(t);
    try (Client seeder = Client.builder().listenAddress(InetAddress.getLoopbackAddress()).port(0)
        .build()) {
      Torrent st = seeder.add(m, FileStorage.open(m, tmp.resolve("seed")));
      st.start();
      PipedInputStream pipe = new PipedInputStream(1 << 16);
      PrintStream out = new PrintStream(new PipedOutputStream(pipe), true, StandardCharsets.UTF_8);
      PrintStream err = new PrintStream(new java.io.ByteArrayOutputStream(), true,
          StandardCharsets.UTF_8);
      AtomicInteger code = new AtomicInteger(-1);
      Path out1 = tmp.resolve("out");
      List<String> argv = new ArrayList<>(List.of("stream", t.toString(), "--json", "--no-dht",
          cache ? "--cache-mb" : "-o", cache ? "1" : out1.toString(),
          "--peer", "127.0.0.1:" + seeder.listenAddress().getPort()));
      if (where.equals("file")) {
        argv.addAll(List.of("--cache-dir", cacheDir.toString()));
      }
      Thread bt = new Thread(() -> code.set(Main.run(argv.toArray(new String[0]), out, err)));
      bt.start();
      BufferedReader lines = new BufferedReader(new InputStreamReader(pipe, StandardCharsets.UTF_8));
      List<Map<String, Object>> listening = new ArrayList<>();
      while (listening.size() < 2) {
        @SuppressWarnings("unchecked")
        Map<String, Object> e = (Map<String, Object>) TestJson.parse(lines.readLine());
        assertThat(e.get("event")).as("listening events come first").isEqualTo("listening");
        listening.add(e);
      }
      assertThat(listening.get(0)).containsEntry("file", 0L).containsEntry("path", "media/f0.mp4")
          .containsEntry("length", (long) a.length);
      String url = (String) listening.get(0).get("url");
      assertThat(url).matches("http://127\\.0\\.0\\.1:\\d+/0/media/f0\\.mp4");
      Thread drain = new Thread(() -> {
        try {
          lines.transferTo(java.io.Writer.nullWriter());
        } catch (java.io.IOException e) {
          // the command ended
        }
      });
      drain.start();
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      HttpResponse<byte[]> tail = http.send(HttpRequest.newBuilder(URI.create(url))
          .header("Range", "bytes=-1000").build(), HttpResponse.BodyHandlers.ofByteArray());
      assertThat(tail.statusCode()).isEqualTo(206);
      assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(a, a.length - 1000, a.length));
      HttpResponse<byte[]> whole = http.send(HttpRequest.newBuilder(URI.create(url)).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(whole.headers().firstValue("content-type")).contains("video/mp4");
      assertThat(whole.body()).isEqualTo(a);
      HttpResponse<byte[]> second = http.send(HttpRequest.newBuilder(
          URI.create((String) listening.get(1).get("url"))).build(),
          HttpResponse.BodyHandlers.ofByteArray());
      assertThat(second.body()).isEqualTo(b);
      if (where.equals("file")) {
        try (var s = Files.list(cacheDir)) {
          assertThat(s).as("the cache file while streaming").hasSize(1);
        }
      }
      bt.interrupt();
      bt.join(20_000);
      assertThat(code.get()).isEqualTo(130);
      drain.join(5_000);
      try (var s = Files.list(cacheDir)) {
        assertThat(s).as("no cache file left").isEmpty();
      }
    }
  }

  @Test
  @Timeout(30)
  void withoutAnOutputDirectoryTheDataGoesAwayAfterwards() throws Exception {
    Path t = torrent(new byte[100]);
    Path before = Path.of(System.getProperty("java.io.tmpdir"));
    long count;
    try (var s = Files.list(before)) {
      count = s.filter(p -> p.getFileName().toString().startsWith("bt-stream-")).count();
    }
    Run r = Run.bt("stream", t.toString(), "--no-dht", "--timeout", "1", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("{\"event\":\"listening\"");
    try (var s = Files.list(before)) {
      assertThat(s.filter(p -> p.getFileName().toString().startsWith("bt-stream-")).count())
          .isEqualTo(count);
    }
  }
}
