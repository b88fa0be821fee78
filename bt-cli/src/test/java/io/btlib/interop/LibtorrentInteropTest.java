package io.btlib.interop;

import static io.btlib.interop.InteropProcesses.assertSameTree;
import static io.btlib.interop.InteropProcesses.freePort;
import static io.btlib.interop.InteropProcesses.tail;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentListener;
import io.btlib.client.TorrentState;
import io.btlib.client.TorrentStatus;
import io.btlib.client.Transport;
import io.btlib.dht.DhtNode;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.storage.FileStorage;
import io.btlib.storage.TorrentCreator;
import io.btlib.tracker.AnnounceEvent;
import io.btlib.tracker.AnnounceRequest;
import io.btlib.tracker.HttpTrackerClient;
import io.btlib.tracker.TrackerPeerSource;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * bt against a real client: libtorrent 2.0 (Debian's python3-libtorrent) on 127.0.0.1, driven by
 * {@code interop/lt_peer.py}. Skipped, with the reason printed, where {@code /usr/bin/python3}
 * cannot import {@code libtorrent}; CI installs the package, so there they run.
 *
 * <p>Every case moves a multi-file torrent of a few MB with sizes that do not line up with pieces
 * (an empty file included) and compares every downloaded file with its source byte for byte.
 *
 * <p>Cases that show known engine bugs run only with {@code -Dbt.interop.knownBugs=true}; each
 * one's documentation says what fails. Diagnose with
 * {@code -Dorg.slf4j.simpleLogger.defaultLogLevel=debug}: a failing case prints bt's events and
 * the tail of lt_peer.py's output (its stderr lists libtorrent's peer errors).
 */
class LibtorrentInteropTest {
  /** Debian's python, the one with the libtorrent module (-Dbt.interop.python overrides it). */
  static final String PYTHON = System.getProperty("bt.interop.python", "/usr/bin/python3");
  static final int PIECE = 64 * 1024;
  static final Pattern EVENT = Pattern.compile("\"event\":\"([a-z]+)\"");

  static Path script;

  @TempDir Path tmp;

  final List<Lt> processes = new ArrayList<>();
  final List<String> btEvents = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void needsLibtorrent() throws Exception {
    String reason = null;
    script = findScript();
    if (script == null) {
      reason = "interop/lt_peer.py not found above " + Path.of("").toAbsolutePath();
    } else if (!Files.isExecutable(Path.of(PYTHON))) {
      reason = PYTHON + " does not exist";
    } else {
      Process p = new ProcessBuilder(PYTHON, "-c", "import libtorrent; print(libtorrent.__version__)")
          .redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        reason = PYTHON + " -c 'import libtorrent' hung";
      } else if (p.exitValue() != 0) {
        String[] lines = out.split("\n");
        reason = PYTHON + " cannot import libtorrent (apt-get install python3-libtorrent): "
            + lines[lines.length - 1];
      } else {
        System.err.println("LibtorrentInteropTest: libtorrent " + out);
      }
    }
    if (reason != null) {
      System.err.println("LibtorrentInteropTest skipped: " + reason);
    }
    Assumptions.assumeTrue(reason == null, reason);
  }

  static Path findScript() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path s = d.resolve("interop").resolve("lt_peer.py");
      if (Files.isRegularFile(s)) {
        return s;
      }
    }
    return null;
  }

  @AfterEach
  void killProcesses() throws InterruptedException {
    for (Lt p : processes) {
      p.close();
    }
  }

  // ---------------------------------------------------------------- the cases

  /** a. libtorrent seeds, bt downloads from a .torrent made by libtorrent or by bt. */
  @ParameterizedTest(name = "torrent made by {0}")
  @ValueSource(strings = {"libtorrent", "bt"})
  @Timeout(120)
  void libtorrentSeedsBtDownloadsV1(String maker) throws Exception {
    Path src = makeData(tmp.resolve("seed"), 1);
    Path torrent = tmp.resolve("t.torrent");
    if (maker.equals("bt")) {
      TorrentCreator.builder(src).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
          .writeTo(torrent);
    } else {
      ltCreate(src, torrent, "--v1");
    }
    Metainfo m = Metainfo.parse(torrent);
    assertThat(m.version()).isEqualTo(TorrentVersion.V1);
    Lt seed = ltSeed(torrent, src.getParent());
    Path dl = tmp.resolve("dl");
    btDownload(m, dl, seed);
    assertSameTree(src, dl.resolve(src.getFileName()));
  }

  /** b. libtorrent seeds, bt downloads knowing only the info hash and the peer. */
  @ParameterizedTest(name = "{0} torrent by magnet")
  @ValueSource(strings = {"--v1", "--hybrid"})
  @Timeout(120)
  void libtorrentSeedsBtDownloadsByMagnet(String format) throws Exception {
    magnetDownload(format);
  }

  /**
   * b'. The same with a v2-only torrent: its info dictionary carries only each file's root, so bt
   * fetches the piece layers from libtorrent (BEP 52 hash request/hashes) before it can check a
   * piece.
   */
  @Test
  @Timeout(120)
  void libtorrentSeedsBtDownloadsV2OnlyByMagnet() throws Exception {
    magnetDownload("--v2");
  }

  void magnetDownload(String format) throws Exception {
    Path src = makeData(tmp.resolve("seed"), 2);
    Path torrent = tmp.resolve("t.torrent");
    ltCreate(src, torrent, format);
    Metainfo m = Metainfo.parse(torrent);
    String xt = m.infoHashes().v1()
        .map(h -> "xt=urn:btih:" + h.hex())
        .orElseGet(() -> "xt=urn:btmh:1220" + m.infoHashes().v2().orElseThrow().hex());
    MagnetLink link = MagnetLink.parse("magnet:?" + xt);
    Lt seed = ltSeed(torrent, src.getParent());
    Path dl = tmp.resolve("dl");
    try (Client client = Client.builder().build()) {
      Torrent t = client.add(link, meta -> FileStorage.open(meta, dl));
      t.addListener(recorder());
      t.addPeer(PeerAddress.of("127.0.0.1", seed.port));
      t.start();
      await(t, seed, Duration.ofSeconds(90));
      Metainfo got = t.metainfo().orElseThrow();
      assertThat(got.infoHashes()).isEqualTo(m.infoHashes());
      assertThat(got.infoBytes()).isEqualTo(m.infoBytes());
      assertThat(t.status().hashFailures()).isZero();
    }
    assertSameTree(src, dl.resolve(src.getFileName()));
  }

  /**
   * c. bt seeds, libtorrent downloads (told the bt peer with --peer). For v2-only torrents
   * libtorrent asks for each file's last piece as if padded to the full piece length (piece 16,
   * offset 0, length 16384 for a 17-byte file); bt answers with the file's bytes and zeros.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"--v1", "--hybrid", "--v2"})
  @Timeout(120)
  void btSeedsLibtorrentDownloads(String format) throws Exception {
    btSeeds(version(format), false);
  }

  static TorrentVersion version(String flag) {
    return flag.equals("--v1") ? TorrentVersion.V1
        : flag.equals("--v2") ? TorrentVersion.V2 : TorrentVersion.HYBRID;
  }

  /** The same with zero-copy uploads: bodies go out with sendfile straight from the files. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"--v1", "--hybrid", "--v2"})
  @Timeout(120)
  void btSeedsLibtorrentDownloadsWithZeroCopyUploads(String format) throws Exception {
    btSeeds(version(format), true);
  }

  void btSeeds(TorrentVersion v, boolean zeroCopy) throws Exception {
    btSeeds(v, zeroCopy, Transport.BOTH);
  }

  /**
   * uTP (BEP 29): a bt seeder that speaks uTP only (no TCP socket at all) and a libtorrent
   * downloader with TCP turned off both ways ({@code enable_*_tcp} false).
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"--v1", "--hybrid", "--v2"})
  @Timeout(120)
  void btSeedsLibtorrentDownloadsOverUtp(String format) throws Exception {
    btSeeds(version(format), false, Transport.UTP);
  }

  /**
   * uTP the other way: libtorrent with TCP off seeds, a bt downloader with its default transports
   * (both) dials TCP, which libtorrent does not take, and falls back to uTP at once.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"--v1", "--hybrid", "--v2"})
  @Timeout(120)
  void libtorrentSeedsBtDownloadsOverUtp(String format) throws Exception {
    Path src = makeData(tmp.resolve("seed"), 6);
    Path torrent = tmp.resolve("t.torrent");
    ltCreate(src, torrent, format);
    Metainfo m = Metainfo.parse(torrent);
    Lt seed = ltSeed(torrent, src.getParent(), "--transport", "utp");
    Path dl = tmp.resolve("dl");
    btDownload(m, dl, seed);
    assertSameTree(src, dl.resolve(src.getFileName()));
  }

  void btSeeds(TorrentVersion v, boolean zeroCopy, Transport transport) throws Exception {
    Path src = makeData(tmp.resolve("seed"), 3);
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(v).pieceLength(PIECE).build().create().writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    Path dl = tmp.resolve("dl");
    try (Client client = Client.builder().zeroCopyUploads(zeroCopy).transport(transport)
        .build()) {
      Torrent t = client.add(m, FileStorage.open(m, src.getParent()));
      t.addListener(recorder());
      t.start();
      t.completion().get(30, TimeUnit.SECONDS); // the recheck found every piece
      Lt leech = start("download", "--torrent", torrent.toString(), "--dir", dl.toString(),
          "--port", Integer.toString(freePort()), "--timeout", "90",
          "--peer", "127.0.0.1:" + client.listenAddress().getPort(),
          "--transport", transport == Transport.UTP ? "utp" : "tcp");
      if (!leech.waitFor(100, TimeUnit.SECONDS)) {
        fail("libtorrent did not finish; bt status " + t.status() + "\n" + diagnostics(leech));
      }
      assertThat(leech.process.exitValue()).as(() -> diagnostics(leech)).isZero();
      assertThat(leech.lines()).as(() -> diagnostics(leech))
          .anyMatch(l -> l.contains("\"complete\""));
      assertThat(leech.lines()).noneMatch(l -> l.contains("\"hashfail\""));
      // status() is a snapshot refreshed on the engine's 100 ms tick: wait for it
      long fileBytes = m.totalSize() - padBytes(m);
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (t.status().uploaded() < fileBytes && System.nanoTime() < end) {
        Thread.sleep(50);
      }
      assertThat(t.status().uploaded()).isGreaterThanOrEqualTo(fileBytes);
    }
    assertSameTree(src, dl.resolve(src.getFileName()));
  }

  /**
   * A bt super-seeder (BEP 16: HaveNone, then HAVE messages one at a time) and two libtorrent
   * downloaders that also know each other: both complete from what bt shows them and from each
   * other, and bt, which refuses requests for pieces it did not show, sends less than the two full
   * copies a plain seeder would.
   */
  @Test
  @Timeout(120)
  void btSuperSeedsTwoLibtorrentDownloaders() throws Exception {
    Path src = makeData(tmp.resolve("seed"), 10);
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    int p1 = freePort();
    int p2 = freePort();
    try (Client client = Client.builder().superSeeding(true).uploadLimit(4 << 20).build()) {
      Torrent t = client.add(m, FileStorage.open(m, src.getParent()));
      t.addListener(recorder());
      t.start();
      t.completion().get(30, TimeUnit.SECONDS); // the recheck found every piece
      String bt = "127.0.0.1:" + client.listenAddress().getPort();
      Lt a = start("download", "--torrent", torrent.toString(), "--dir",
          tmp.resolve("a").toString(), "--port", Integer.toString(p1), "--timeout", "90",
          "--seed-after", "5", "--peer", bt, "--peer", "127.0.0.1:" + p2);
      Lt b = start("download", "--torrent", torrent.toString(), "--dir",
          tmp.resolve("b").toString(), "--port", Integer.toString(p2), "--timeout", "90",
          "--seed-after", "5", "--peer", bt, "--peer", "127.0.0.1:" + p1);
      for (Lt leech : List.of(a, b)) {
        if (!leech.waitFor(100, TimeUnit.SECONDS)) {
          fail("libtorrent did not finish; bt status " + t.status() + "\n" + diagnostics(leech));
        }
        assertThat(leech.process.exitValue()).as(() -> diagnostics(leech)).isZero();
        assertThat(leech.lines()).as(() -> diagnostics(leech))
            .anyMatch(l -> l.contains("\"complete\""));
        assertThat(leech.lines()).noneMatch(l -> l.contains("\"hashfail\""));
      }
      assertThat(t.status().uploaded()).isLessThan(2 * m.totalSize());
    }
    assertSameTree(src, tmp.resolve("a").resolve(src.getFileName()));
    assertSameTree(src, tmp.resolve("b").resolve(src.getFileName()));
  }

  /**
   * c'. bt seeds a v2-only torrent and libtorrent downloads it by magnet link: libtorrent fetches
   * the info dictionary (BEP 9) and then the piece layers from bt (BEP 52 hash requests).
   */
  @Test
  @Timeout(120)
  void btSeedsLibtorrentDownloadsV2OnlyByMagnet() throws Exception {
    Path src = makeData(tmp.resolve("seed"), 9);
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(TorrentVersion.V2).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    Path dl = tmp.resolve("dl");
    try (Client client = Client.builder().build()) {
      Torrent t = client.add(m, FileStorage.open(m, src.getParent()));
      t.addListener(recorder());
      t.start();
      t.completion().get(30, TimeUnit.SECONDS);
      String magnet = "magnet:?xt=urn:btmh:1220" + m.infoHashes().v2().orElseThrow().hex();
      Lt leech = start("download", "--magnet", magnet, "--dir", dl.toString(),
          "--port", Integer.toString(freePort()), "--timeout", "90",
          "--peer", "127.0.0.1:" + client.listenAddress().getPort());
      if (!leech.waitFor(100, TimeUnit.SECONDS)) {
        fail("libtorrent did not finish; bt status " + t.status() + "\n" + diagnostics(leech));
      }
      assertThat(leech.process.exitValue()).as(() -> diagnostics(leech)).isZero();
      assertThat(leech.lines()).noneMatch(l -> l.contains("\"hashfail\""));
    }
    assertSameTree(src, dl.resolve(src.getFileName()));
  }

  /** d. v2 and hybrid torrents made by libtorrent: libtorrent seeds, bt downloads. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"--v2", "--hybrid"})
  @Timeout(120)
  void libtorrentSeedsBtDownloadsV2AndHybrid(String format) throws Exception {
    Path src = makeData(tmp.resolve("seed"), 4);
    Path torrent = tmp.resolve("t.torrent");
    ltCreate(src, torrent, format);
    Metainfo m = Metainfo.parse(torrent);
    assertThat(m.version())
        .isEqualTo(format.equals("--v2") ? TorrentVersion.V2 : TorrentVersion.HYBRID);
    Lt seed = ltSeed(torrent, src.getParent());
    Path dl = tmp.resolve("dl");
    btDownload(m, dl, seed);
    assertSameTree(src, dl.resolve(src.getFileName()));
    try (Stream<Path> s = Files.walk(dl)) {
      assertThat(s.map(p -> dl.relativize(p).toString()))
          .as("pad files are never created").noneMatch(p -> p.contains(".pad"));
    }
  }

  /** bt makes the same v1/v2/hybrid info hashes as libtorrent for the same files. */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"--v1", "--v2", "--hybrid"})
  @Timeout(60)
  void btAndLibtorrentMakeTheSameInfoHashes(String format) throws Exception {
    Path src = makeData(tmp.resolve("seed"), 5);
    Path lt = tmp.resolve("lt.torrent");
    // libtorrent's v1 lists files in directory order unless asked for BEP 52 order; bt always
    // uses BEP 52 order
    ltCreate(src, lt, format, "--canonical");
    TorrentVersion v = format.equals("--v1") ? TorrentVersion.V1
        : format.equals("--v2") ? TorrentVersion.V2 : TorrentVersion.HYBRID;
    Metainfo ours = TorrentCreator.builder(src).format(v).pieceLength(PIECE).build().create();
    assertThat(ours.infoHashes()).isEqualTo(Metainfo.parse(lt).infoHashes());
  }

  // ---------------------------------------------------------------- helpers

  /** Files with sizes that straddle 64 KiB pieces, in nested directories, one empty. */
  // ---------------------------------------------------------------- finding peers (issue 5)

  static DhtNode dhtNode(InetSocketAddress... bootstrap) throws IOException {
    return DhtNode.builder().bindAddress(InetAddress.getLoopbackAddress())
        .bootstrapNodes(List.of(bootstrap)).queryTimeout(Duration.ofSeconds(1))
        .retryInterval(Duration.ofSeconds(1)).rateLimit(10_000, 10_000).build().start();
  }

  /**
   * e. A libtorrent seeder whose DHT is bootstrapped from a bt node is found by a bt downloader
   * through the DHT alone: no --peer, no tracker.
   */
  @Test
  @Timeout(120)
  void btFindsALibtorrentSeederThroughTheDhtAlone() throws Exception {
    Path src = makeData(tmp.resolve("seed"), 6);
    Path torrent = tmp.resolve("t.torrent");
    ltCreate(src, torrent, "--v1");
    Metainfo m = Metainfo.parse(torrent);
    try (DhtNode router = dhtNode()) {
      Lt seed = start("seed", "--torrent", torrent.toString(), "--dir", src.getParent().toString(),
          "--port", Integer.toString(freePort()), "--timeout", "150",
          "--dht-bootstrap", "127.0.0.1:" + router.localAddress().getPort());
      seed.await("listening", Duration.ofSeconds(20));
      Path dl = tmp.resolve("dl");
      try (DhtNode dht = dhtNode(router.localAddress());
          Client client = Client.builder().peerSource(dht).build()) {
        Torrent t = client.add(m, FileStorage.open(m, dl));
        t.addListener(recorder());
        t.start();
        await(t, seed, Duration.ofSeconds(90));
        assertThat(t.status().hashFailures()).isZero();
      }
      assertSameTree(src, dl.resolve(src.getFileName()));
    }
  }

  /** e'. The other way round: a libtorrent downloader finds a bt seeder through the DHT alone. */
  @Test
  @Timeout(120)
  void libtorrentFindsABtSeederThroughTheDhtAlone() throws Exception {
    Path src = makeData(tmp.resolve("seed"), 7);
    Path torrent = tmp.resolve("t.torrent");
    TorrentCreator.builder(src).format(TorrentVersion.V1).pieceLength(PIECE).build().create()
        .writeTo(torrent);
    Metainfo m = Metainfo.parse(torrent);
    Path dl = tmp.resolve("dl");
    try (DhtNode router = dhtNode();
        DhtNode dht = dhtNode(router.localAddress());
        Client client = Client.builder().peerSource(dht).build()) {
      Torrent t = client.add(m, FileStorage.open(m, src.getParent()));
      t.addListener(recorder());
      t.start();
      t.completion().get(30, TimeUnit.SECONDS);
      Lt leech = start("download", "--torrent", torrent.toString(), "--dir", dl.toString(),
          "--port", Integer.toString(freePort()), "--timeout", "90",
          "--dht-bootstrap", "127.0.0.1:" + router.localAddress().getPort());
      if (!leech.waitFor(100, TimeUnit.SECONDS)) {
        fail("libtorrent did not finish; bt status " + t.status() + "\n" + diagnostics(leech));
      }
      assertThat(leech.process.exitValue()).as(() -> diagnostics(leech)).isZero();
    }
    assertSameTree(src, dl.resolve(src.getFileName()));
  }

  /** opentracker loads its whitelist a moment after it starts: announce until it takes ours. */
  static void awaitWhitelist(InfoHash hash, int port) throws Exception {
    URI uri = URI.create("http://127.0.0.1:" + port + "/announce");
    AnnounceRequest probe = AnnounceRequest.builder(hash,
        PeerId.random("-PROBE-", new Random(1)), 1).event(AnnounceEvent.STOPPED).build();
    try (HttpTrackerClient http = HttpTrackerClient.builder().build()) {
      for (int i = 0; ; i++) {
        try {
          http.announce(uri, probe).join();
          return;
        } catch (CompletionException e) {
          if (i >= 100) {
            throw e;
          }
          Thread.sleep(100);
        }
      }
    }
  }

  static String opentracker() {
    for (String p : List.of("/usr/bin/opentracker", "/usr/local/bin/opentracker")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  /**
   * f. bt announces to Debian's opentracker (whitelist-only: the test lists the hash) over HTTP
   * and over UDP, and downloads from the libtorrent seeder it learns about there.
   */
  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"http", "udp"})
  @Timeout(120)
  void btDownloadsFromALibtorrentSeederLearnedFromOpentracker(String scheme) throws Exception {
    String exe = opentracker();
    Assumptions.assumeTrue(exe != null, "opentracker is not installed");
    Path src = makeData(tmp.resolve("seed"), 8);
    Path torrent = tmp.resolve("t.torrent");
    ltCreate(src, torrent, "--v1");
    Metainfo m = Metainfo.parse(torrent);
    Path otDir = tmp.resolve("opentracker");
    Files.createDirectories(otDir);
    Files.setPosixFilePermissions(otDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path list = otDir.resolve("whitelist");
    Files.writeString(list, m.infoHashes().v1().orElseThrow().hex() + "\n");
    Files.setPosixFilePermissions(list, PosixFilePermissions.fromString("rw-r--r--"));
    int port = freePort();
    Process ot = new ProcessBuilder(exe, "-i", "127.0.0.1", "-p", Integer.toString(port), "-P",
        Integer.toString(port), "-d", otDir.toString(), "-w", "/whitelist")
        .redirectErrorStream(true).redirectOutput(otDir.resolve("log").toFile()).start();
    try {
      awaitWhitelist(m.infoHashes().v1().orElseThrow(), port);
      String url = scheme + "://127.0.0.1:" + port + "/announce";
      Lt seed = start("seed", "--torrent", torrent.toString(), "--dir", src.getParent().toString(),
          "--port", Integer.toString(freePort()), "--timeout", "150", "--tracker", url);
      seed.await("listening", Duration.ofSeconds(20));
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (seed.errLines().stream().noneMatch(l -> l.contains("received peers"))) {
        assertThat(System.nanoTime()).as(() -> "libtorrent never announced\n"
            + diagnostics(seed)).isLessThan(end);
        Thread.sleep(50);
      }
      Path dl = tmp.resolve("dl");
      try (TrackerPeerSource trackers = TrackerPeerSource.builder()
              .extraTrackers(List.of(url)).retryBase(Duration.ofSeconds(1), Duration.ofSeconds(2))
              .build();
          Client client = Client.builder().peerSource(trackers).build()) {
        Torrent t = client.add(m, FileStorage.open(m, dl));
        t.addListener(recorder());
        t.start();
        await(t, seed, Duration.ofSeconds(90));
        assertThat(t.status().hashFailures()).isZero();
      }
      assertSameTree(src, dl.resolve(src.getFileName()));
    } finally {
      ot.destroyForcibly();
      ot.waitFor(5, TimeUnit.SECONDS);
    }
  }

  static Path makeData(Path parent, long seed) throws IOException {
    return InteropProcesses.makeData(parent, seed, new Object[][] {
        {"a.bin", 1_000_001}, {"sub/b.bin", 2_345_678}, {"sub/deeper/c.bin", 654_321},
        {"d.txt", 17}, {"e.empty", 0}, {"z/last.bin", 65_537},
    });
  }

  static long padBytes(Metainfo m) {
    return m.files().stream().filter(f -> f.pathString().contains(".pad/"))
        .mapToLong(f -> f.length()).sum();
  }

  void ltCreate(Path src, Path torrent, String... options) throws Exception {
    List<String> a = new ArrayList<>(List.of("create", src.toString(), "-o", torrent.toString(),
        "--piece-length", Integer.toString(PIECE)));
    a.addAll(List.of(options));
    Lt c = start(a.toArray(String[]::new));
    if (!c.waitFor(60, TimeUnit.SECONDS) || c.process.exitValue() != 0) {
      fail("lt_peer.py create failed\n" + diagnostics(c));
    }
  }

  Lt ltSeed(Path torrent, Path dir, String... options) throws Exception {
    List<String> a = new ArrayList<>(List.of("seed", "--torrent", torrent.toString(), "--dir",
        dir.toString(), "--port", Integer.toString(freePort()), "--timeout", "150"));
    a.addAll(List.of(options));
    Lt seed = start(a.toArray(String[]::new));
    String line = seed.await("listening", Duration.ofSeconds(20));
    Matcher mm = Pattern.compile("\"port\":(\\d+)").matcher(line);
    assertThat(mm.find()).isTrue();
    seed.port = Integer.parseInt(mm.group(1));
    return seed;
  }

  void btDownload(Metainfo m, Path dl, Lt seed) throws Exception {
    try (Client client = Client.builder().build()) {
      Torrent t = client.add(m, FileStorage.open(m, dl));
      t.addListener(recorder());
      t.addPeer(PeerAddress.of("127.0.0.1", seed.port));
      t.start();
      await(t, seed, Duration.ofSeconds(90));
      TorrentStatus s = t.status();
      assertThat(s.piecesHave()).isEqualTo(m.pieceCount());
      assertThat(s.hashFailures()).isZero();
      assertThat(s.state()).isNotEqualTo(TorrentState.FAILED);
    }
  }

  void await(Torrent t, Lt peer, Duration d) throws Exception {
    try {
      t.completion().get(d.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException | ExecutionException e) {
      fail("bt did not complete: " + e + "\nstatus " + t.status() + "\nbt events:\n  "
          + String.join("\n  ", btEvents) + "\n" + diagnostics(peer), e);
    }
  }

  TorrentListener recorder() {
    return new TorrentListener() {
      @Override
      public void onStateChanged(Torrent torrent, TorrentState state) {
        btEvents.add("state " + state);
      }

      @Override
      public void onPeerConnected(Torrent torrent, PeerAddress peer) {
        btEvents.add("connected " + peer);
      }

      @Override
      public void onPeerDisconnected(Torrent torrent, PeerAddress peer, String reason) {
        btEvents.add("disconnected " + peer + ": " + reason);
      }

      @Override
      public void onHashFailed(Torrent torrent, int piece, Set<PeerAddress> contributors,
        Set<String> webSeeds) {
        btEvents.add("hash failed " + piece + " from " + contributors);
      }

      @Override
      public void onPeerBanned(Torrent torrent, PeerAddress peer, String reason) {
        btEvents.add("banned " + peer + ": " + reason);
      }

      @Override
      public void onMetadataReceived(Torrent torrent) {
        btEvents.add("metadata received");
      }
    };
  }

  static String diagnostics(Lt p) {
    return "lt_peer.py " + p.args + "\nstdout (last lines):\n  "
        + String.join("\n  ", tail(p.lines(), 10)) + "\nstderr (last lines):\n  "
        + String.join("\n  ", tail(p.errLines(), 30));
  }

  Lt start(String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, "-u", script.toString()));
    cmd.addAll(List.of(args));
    Lt p = new Lt(cmd);
    processes.add(p);
    return p;
  }

  /** One lt_peer.py process; its stdout and stderr are read on threads of their own. */
  static final class Lt {
    final Process process;
    final List<String> args;
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final List<String> out = new CopyOnWriteArrayList<>();
    final List<String> err = new CopyOnWriteArrayList<>();
    final List<Thread> readers = new ArrayList<>();
    int port;

    Lt(List<String> cmd) throws IOException {
      this.args = cmd.subList(3, cmd.size());
      this.process = new ProcessBuilder(cmd).start();
      readers.add(reader(new BufferedReader(new InputStreamReader(process.getInputStream(),
          StandardCharsets.UTF_8)), out, true));
      readers.add(reader(new BufferedReader(new InputStreamReader(process.getErrorStream(),
          StandardCharsets.UTF_8)), err, false));
    }

    private Thread reader(BufferedReader r, List<String> sink, boolean events) {
      Thread t = new Thread(() -> {
        try (r) {
          for (String line; (line = r.readLine()) != null; ) {
            sink.add(line);
            if (events) {
              this.events.add(line);
            }
          }
        } catch (IOException e) {
          // the process went away
        }
      }, "lt_peer-reader");
      t.setDaemon(true);
      t.start();
      return t;
    }

    List<String> lines() {
      return out;
    }

    /**
     * Waits for the process to exit and then for its output to be read to the end, so that
     * {@link #lines()} holds its last line too.
     */
    boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
      if (!process.waitFor(timeout, unit)) {
        return false;
      }
      for (Thread t : readers) {
        t.join(5000);
      }
      return true;
    }

    List<String> errLines() {
      return err;
    }

    /** The next line whose event is {@code name}. */
    String await(String name, Duration d) throws InterruptedException {
      long end = System.nanoTime() + d.toNanos();
      for (long left; (left = end - System.nanoTime()) > 0; ) {
        String line = events.poll(left, TimeUnit.NANOSECONDS);
        if (line == null) {
          break;
        }
        Matcher m = EVENT.matcher(line);
        if (m.find() && m.group(1).equals(name)) {
          return line;
        }
      }
      fail("no " + name + " event from lt_peer.py within " + d + " (alive: " + process.isAlive()
          + ")\n" + diagnostics(this));
      return null;
    }

    void close() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      for (Thread t : readers) {
        t.join(2000);
      }
    }
  }
}
