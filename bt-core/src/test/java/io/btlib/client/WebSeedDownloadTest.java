package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.TestThreads;
import io.btlib.bencode.BDict;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.http.HttpRequest;
import io.btlib.http.HttpTransport;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.webseed.WebSeedConfig;
import io.btlib.webseed.internal.TestWebServer;
import io.btlib.webseed.internal.TestWebServer.Mode;
import java.io.InputStream;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Downloads from web seeds (BEP 19) served by a test HTTP server on 127.0.0.1. */
@Timeout(30)
class WebSeedDownloadTest {
  private final List<AutoCloseable> closeMe = new ArrayList<>();

  @AfterEach
  void tearDown() throws Exception {
    for (int i = closeMe.size() - 1; i >= 0; i--) {
      closeMe.get(i).close();
    }
  }

  private TestWebServer server(Mode mode) throws Exception {
    TestWebServer s = new TestWebServer(mode);
    closeMe.add(s);
    return s;
  }

  private Client client(WebSeedConfig config) {
    Client c = Client.builder().webSeeds(config).build();
    closeMe.add(c);
    return c;
  }

  /** The same torrent with {@code urls} as its url-list. */
  static Metainfo withWebSeeds(Metainfo m, String... urls) {
    List<BValue> list = new ArrayList<>();
    for (String u : urls) {
      list.add(BString.of(u));
    }
    return Metainfo.of(m.root().toBuilder().put("url-list", BList.of(list)).build());
  }

  /** Puts each non-pad file of {@code m}, cut from its piece-aligned stream, under {@code dir}. */
  static void serve(TestWebServer s, String dir, Metainfo m, byte[] stream) {
    for (FileEntry f : m.files()) {
      if (!f.isPad()) {
        byte[] b = new byte[(int) f.length()];
        System.arraycopy(stream, (int) f.offset(), b, 0, b.length);
        s.put(dir + (m.isMultiFile() ? f.pathString() : ""), b);
      }
    }
  }

  /** A v1 torrent of files with these paths (under {@code name}) and contents; .pad/ is BEP 47. */
  static Metainfo v1(String name, int pieceLength, List<String> paths, List<byte[]> contents)
      throws Exception {
    java.io.ByteArrayOutputStream stream = new java.io.ByteArrayOutputStream();
    List<BValue> files = new ArrayList<>();
    for (int i = 0; i < paths.size(); i++) {
      List<BValue> comps = new ArrayList<>();
      for (String c : paths.get(i).split("/")) {
        comps.add(BString.of(c));
      }
      BDict.Builder f = BDict.builder().put("length", contents.get(i).length)
          .put("path", BList.of(comps));
      if (paths.get(i).startsWith(".pad/")) {
        f.put("attr", "p");
      }
      files.add(f.build());
      stream.writeBytes(contents.get(i));
    }
    byte[] data = stream.toByteArray();
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    int pieces = (data.length + pieceLength - 1) / pieceLength;
    byte[] hashes = new byte[20 * pieces];
    for (int p = 0; p < pieces; p++) {
      sha1.update(data, p * pieceLength, Math.min(pieceLength, data.length - p * pieceLength));
      System.arraycopy(sha1.digest(), 0, hashes, 20 * p, 20);
    }
    BDict info = BDict.builder().put("name", name).put("piece length", pieceLength)
        .put("pieces", BString.of(hashes)).put("files", BList.of(files)).build();
    return Metainfo.of(BDict.builder().put("info", info).build());
  }

  static byte[] concat(List<byte[]> parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    parts.forEach(out::writeBytes);
    return out.toByteArray();
  }

  /** Adds, starts and waits for a download of {@code m}; returns its storage. */
  private TestTorrents.ArrayStorage download(Client c, Metainfo m, TorrentListener listener)
      throws Exception {
    TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
    Torrent t = c.add(m, store);
    if (listener != null) {
      t.addListener(listener);
    }
    t.start();
    t.completion().get(20, TimeUnit.SECONDS);
    return store;
  }

  @Test
  void singleFileTorrentDownloadsFromAWebSeedAlone() throws Exception {
    byte[] data = TestTorrents.random(5 * 16384 + 1234, 1); // last piece short
    TestWebServer s = server(Mode.GOOD).put("/seed/file.bin", data);
    Metainfo m = withWebSeeds(TestTorrents.v1(data, 16384), s.base() + "/seed/file.bin");
    Client c = client(WebSeedConfig.DEFAULTS);
    TestTorrents.ArrayStorage store = download(c, m, null);
    assertThat(store.data).isEqualTo(data);
    Torrent t = c.torrents().get(0);
    assertThat(t.status().peers()).isZero();
    assertThat(t.status().downloaded()).isGreaterThanOrEqualTo(data.length);
    assertThat(t.status().hashFailures()).isZero();
    assertThat(s.requests).allMatch(r -> r.startsWith("/seed/file.bin bytes="));
  }

  @Test
  void singleFileUrlEndingInSlashGetsTheTorrentName() throws Exception {
    byte[] data = TestTorrents.random(40_000, 2);
    TestWebServer s = server(Mode.GOOD).put("/dir/swarm", data);
    Metainfo m = withWebSeeds(TestTorrents.v1(data, 16384), s.base() + "/dir/");
    assertThat(download(client(WebSeedConfig.DEFAULTS), m, null).data).isEqualTo(data);
  }

  @Test
  void multiFileTorrentDownloadsAcrossFileBoundariesFromAWebSeedAlone() throws Exception {
    byte[] data = TestTorrents.random(10_000 + 3 + 50_000 + 70_001, 3);
    Metainfo m = TestTorrents.v1(data, 32768, 10_000, 3, 50_000, 70_001);
    TestWebServer s = server(Mode.GOOD);
    serve(s, "/files/", m, data);
    m = withWebSeeds(m, s.base() + "/files"); // no trailing slash: one is added
    // one piece per fetch
    Client c = client(WebSeedConfig.builder().maxRequestBytes(32768).build());
    TestTorrents.ArrayStorage store = download(c, m, null);
    assertThat(store.data).isEqualTo(data);
    // piece 0 spans three files: three requests for it
    assertThat(s.requests).contains("/files/swarm/dir0/f0 bytes=0-9999",
        "/files/swarm/dir1/f1 bytes=0-2", "/files/swarm/dir0/f2 bytes=0-22764");
  }

  @Test
  void consecutivePiecesAreFetchedInOneRangePerFile() throws Exception {
    byte[] data = TestTorrents.random(10_000 + 3 + 50_000 + 70_001, 3);
    Metainfo m = TestTorrents.v1(data, 16384, 10_000, 3, 50_000, 70_001);
    TestWebServer s = server(Mode.GOOD);
    serve(s, "/files/", m, data);
    m = withWebSeeds(m, s.base() + "/files/");
    TestTorrents.ArrayStorage store = download(client(WebSeedConfig.DEFAULTS), m, null);
    assertThat(store.data).isEqualTo(data);
    assertThat(s.requests).containsExactly("/files/swarm/dir0/f0 bytes=0-9999",
        "/files/swarm/dir1/f1 bytes=0-2", "/files/swarm/dir0/f2 bytes=0-49999",
        "/files/swarm/dir1/f3 bytes=0-70000");
  }

  @Test
  void oddFileNamesArePercentEncoded() throws Exception {
    List<String> paths = List.of("sp ace/a b.bin", "100%.bin", "#1?.bin", "ünï cödé+&.bin");
    List<byte[]> contents = List.of(TestTorrents.random(20_000, 4), TestTorrents.random(7, 5),
        TestTorrents.random(30_000, 6), TestTorrents.random(16384, 7));
    Metainfo m = v1("tôp #dir", 16384, paths, contents);
    TestWebServer s = server(Mode.GOOD);
    byte[] data = concat(contents);
    serve(s, "/", m, data);
    m = withWebSeeds(m, s.base() + "/");
    assertThat(download(client(WebSeedConfig.DEFAULTS), m, null).data).isEqualTo(data);
    assertThat(s.requests).anyMatch(r -> r.startsWith("/tôp #dir/#1?.bin "))
        .anyMatch(r -> r.startsWith("/tôp #dir/100%.bin "));
  }

  @Test
  void padFilesAreNeverFetched() throws Exception {
    List<String> paths = List.of("a.bin", ".pad/6384", "b.bin");
    List<byte[]> contents = List.of(TestTorrents.random(10_000, 8), new byte[6384],
        TestTorrents.random(20_000, 9));
    Metainfo m = v1("padded", 16384, paths, contents);
    TestWebServer s = server(Mode.GOOD);
    byte[] data = concat(contents);
    serve(s, "/", m, data);
    m = withWebSeeds(m, s.base());
    assertThat(download(client(WebSeedConfig.DEFAULTS), m, null).data).isEqualTo(data);
    assertThat(s.requests).isNotEmpty().noneMatch(r -> r.contains(".pad"));
  }

  /** Byte j of libtorrent fixture file f (see fixtures/libtorrent/README.md). */
  static byte[] fixtureContent(int f, int size) {
    byte[] b = new byte[size];
    for (int j = 0; j < size; j++) {
      b[j] = (byte) ((j * 31) + (f * 7) + (j >> 8));
    }
    return b;
  }

  static final Map<String, Integer> FIXTURE_FILE = Map.of("single.bin", 0, "multi/a.bin", 1,
      "multi/sub/b.bin", 2, "multi/sub/c.bin", 3, "multi/empty.txt", 4, "multi/z/deep/d.bin", 5);

  private void downloadsFixture(String name) throws Exception {
    Metainfo m;
    try (InputStream in = getClass().getResourceAsStream("/fixtures/libtorrent/" + name)) {
      m = Metainfo.parse(in);
    }
    TestWebServer s = server(Mode.GOOD);
    long end = 0;
    for (FileEntry f : m.files()) {
      end = Math.max(end, f.endOffset());
    }
    byte[] stream = new byte[(int) end];
    for (FileEntry f : m.files()) {
      if (!f.isPad() && f.length() > 0) {
        byte[] b = fixtureContent(FIXTURE_FILE.get(f.pathString()), (int) f.length());
        System.arraycopy(b, 0, stream, (int) f.offset(), b.length);
        s.put("/files/" + f.pathString(), b);
      }
    }
    m = withWebSeeds(m, s.base() + "/files/");
    TestTorrents.ArrayStorage store = download(client(WebSeedConfig.DEFAULTS), m, null);
    assertThat(store.data).isEqualTo(stream);
    assertThat(s.requests).isNotEmpty().noneMatch(r -> r.contains(".pad"));
    assertThat(c0().status().hashFailures()).isZero();
  }

  private Torrent c0() {
    for (AutoCloseable c : closeMe) {
      if (c instanceof Client) {
        return ((Client) c).torrents().get(0);
      }
    }
    throw new AssertionError("no client");
  }

  @Test
  void hybridTorrentWithPadFilesDownloadsFromAWebSeedAlone() throws Exception {
    downloadsFixture("hybrid-multi.torrent");
  }

  @Test
  void v2TorrentDownloadsFromAWebSeedAlone() throws Exception {
    downloadsFixture("v2-multi.torrent");
  }

  @Test
  void aWebSeedAndAPeerTogetherComplete() throws Exception {
    byte[] data = TestTorrents.random(64 * 16384 + 100, 10);
    Metainfo m = TestTorrents.v1(data, 16384);
    TestWebServer s = server(Mode.GOOD).put("/f", data);
    m = withWebSeeds(m, s.base() + "/f");
    // the peer uploads at 256 KiB/s, so it cannot finish the 1 MiB before the web seed is asked
    Client seeder = Client.builder().webSeeds(WebSeedConfig.DISABLED).uploadLimit(256 * 1024)
        .build();
    closeMe.add(seeder);
    Torrent st = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
    st.start();
    st.completion().get(10, TimeUnit.SECONDS);
    Client leecher = client(WebSeedConfig.builder().maxRequestsPerSeed(1).build());
    TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
    Torrent t = leecher.add(m, store);
    t.addPeer(PeerAddress.of(seeder.listenAddress()));
    t.start();
    t.completion().get(20, TimeUnit.SECONDS);
    assertThat(store.data).isEqualTo(data);
    assertThat(s.requests).isNotEmpty();
    assertThat(t.status().hashFailures()).isZero();
  }

  /** Records what a listener hears of web seeds. */
  static final class Heard implements TorrentListener {
    final Map<String, String> dropped = new ConcurrentHashMap<>();
    final List<Set<PeerAddress>> hashFailed = new CopyOnWriteArrayList<>();
    final List<Set<String>> hashFailedWebSeeds = new CopyOnWriteArrayList<>();
    final CountDownLatch drop = new CountDownLatch(1);

    @Override
    public void onWebSeedDropped(Torrent torrent, String url, String reason) {
      dropped.put(url, reason);
      drop.countDown();
    }

    @Override
    public void onHashFailed(Torrent torrent, int piece, Set<PeerAddress> contributors,
        Set<String> webSeeds) {
      hashFailed.add(contributors);
      hashFailedWebSeeds.add(webSeeds);
    }
  }

  /** A download from a misbehaving web seed listed first and a good one: completes, drops it. */
  private Heard badSeedIsDroppedAndTheGoodOneCompletes(Mode mode, WebSeedConfig config)
      throws Exception {
    byte[] data = TestTorrents.random(40 * 16384, 11);
    TestWebServer bad = server(mode).put("/f", data);
    TestWebServer good = server(Mode.GOOD).put("/f", data);
    Metainfo m = withWebSeeds(TestTorrents.v1(data, 16384), bad.base() + "/f",
        good.base() + "/f");
    Heard heard = new Heard();
    TestTorrents.ArrayStorage store = download(client(config), m, heard);
    assertThat(store.data).isEqualTo(data);
    assertThat(heard.drop.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(heard.dropped).containsOnlyKeys(bad.base() + "/f");
    return heard;
  }

  @Test
  void aLyingWebSeedIsDroppedAndTheDownloadCompletesFromAnother() throws Exception {
    Heard heard = badSeedIsDroppedAndTheGoodOneCompletes(Mode.LYING, WebSeedConfig.DEFAULTS);
    assertThat(heard.dropped.values()).allMatch(r -> r.contains("sent bad data 3 times"));
    // the web seed is named by its URL; no peer sent any of it
    assertThat(heard.hashFailed).hasSizeGreaterThanOrEqualTo(3).allMatch(Set::isEmpty);
    assertThat(heard.hashFailedWebSeeds).hasSizeGreaterThanOrEqualTo(3)
        .allMatch(c -> c.size() == 1 && heard.dropped.containsKey(c.iterator().next()));
    assertThat(c0().status().hashFailures()).isGreaterThanOrEqualTo(3);
  }

  @Test
  void aWebSeedThatSendsMoreThanAskedIsDropped() throws Exception {
    Heard heard = badSeedIsDroppedAndTheGoodOneCompletes(Mode.EXTRA_BYTES,
        WebSeedConfig.builder().maxConsecutiveErrors(1).build());
    assertThat(heard.dropped.values()).allMatch(r -> r.contains("the answer has"));
  }

  @Test
  void aSilentWebSeedTimesOutAndIsDropped() throws Exception {
    byte[] data = TestTorrents.random(3 * 16384, 17);
    TestWebServer s = server(Mode.SILENT);
    Metainfo m = withWebSeeds(TestTorrents.v1(data, 16384), s.base() + "/f");
    Heard heard = new Heard();
    Client c = client(WebSeedConfig.builder().maxConsecutiveErrors(1)
        .requestTimeout(Duration.ofMillis(300)).build());
    Torrent t = c.add(m, new TestTorrents.ArrayStorage(m, null));
    t.addListener(heard);
    t.start();
    assertThat(heard.drop.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(heard.dropped.get(s.base() + "/f")).contains("timed out");
    assertThat(s.requests.size()).isLessThanOrEqualTo(3); // one per piece, none after the drop
  }

  @Test
  void aMissingFileIsRetriedWithBackOffThenDropped() throws Exception {
    byte[] data = TestTorrents.random(3 * 16384, 12);
    TestWebServer s = server(Mode.NOT_FOUND);
    Metainfo m = withWebSeeds(TestTorrents.v1(data, 16384), s.base() + "/f");
    Heard heard = new Heard();
    Client c = client(WebSeedConfig.builder().maxConsecutiveErrors(3)
        .retryDelay(Duration.ofMillis(20)).build());
    Torrent t = c.add(m, new TestTorrents.ArrayStorage(m, null));
    t.addListener(heard);
    t.start();
    assertThat(heard.drop.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(heard.dropped.get(s.base() + "/f")).contains("failed 3 times in a row")
        .contains("404");
    assertThat(t.completion()).isNotDone();
    // one request per failure: the other requests in flight fail during the back-off
    assertThat(s.requests.size()).isLessThanOrEqualTo(3 * 3);
  }

  @Test
  void aWholeFileAnswerToARangeRequestStillCompletes() throws Exception {
    byte[] data = TestTorrents.random(10 * 16384 + 5, 13);
    TestWebServer s = server(Mode.IGNORES_RANGE).put("/f", data);
    Metainfo m = withWebSeeds(TestTorrents.v1(data, 16384), s.base() + "/f");
    assertThat(download(client(WebSeedConfig.DEFAULTS), m, null).data).isEqualTo(data);
  }

  @Test
  void aRedirectedWebSeedCompletes() throws Exception {
    byte[] data = TestTorrents.random(4 * 16384, 14);
    TestWebServer s = server(Mode.REDIRECT).put("/f", data);
    Metainfo m = withWebSeeds(TestTorrents.v1(data, 16384), s.base() + "/f");
    assertThat(download(client(WebSeedConfig.DEFAULTS), m, null).data).isEqualTo(data);
    assertThat(s.requests).anyMatch(r -> r.startsWith("/moved/f "));
  }

  @Test
  void aPrivateTorrentUsesItsWebSeeds() throws Exception {
    byte[] data = TestTorrents.random(3 * 16384, 15);
    TestWebServer s = server(Mode.GOOD).put("/f", data);
    Metainfo m = withWebSeeds(TestTorrents.v1(true, data, 16384), s.base() + "/f");
    assertThat(m.isPrivate()).isTrue();
    assertThat(download(client(WebSeedConfig.DEFAULTS), m, null).data).isEqualTo(data);
  }

  @Test
  void closingTheClientStopsTheWebSeedThreads() throws Exception {
    byte[] data = TestTorrents.random(4 * 16384, 18);
    TestWebServer s = server(Mode.GOOD).put("/f", data);
    Metainfo m = withWebSeeds(TestTorrents.v1(data, 16384), s.base() + "/f");
    Client c = Client.builder().build();
    try (c) {
      download(c, m, null);
      assertThat(webSeedThreads()).isPositive();
    }
    assertThat(TestThreads.stillAliveAfterJoining(Set.of(), "bt-webseed-", 5, TimeUnit.SECONDS))
        .isEmpty();
  }

  static long webSeedThreads() {
    return TestThreads.named("bt-webseed-").size();
  }

  @Test
  void theDownloadLimitHoldsBackWebSeedRequests() throws Exception {
    byte[] data = TestTorrents.random(16 * 65536, 19);
    TestWebServer s = server(Mode.GOOD).put("/f", data);
    Metainfo m = withWebSeeds(TestTorrents.v1(data, 65536), s.base() + "/f");
    AtomicLong clock = new AtomicLong(1);
    AtomicInteger sends = new AtomicInteger(); // on the engine thread, as each fetch starts
    HttpTransport.Factory counting = options -> {
      HttpTransport http = WebSeedConfig.DEFAULTS.httpTransport().create(options);
      return new HttpTransport() {
        @Override
        public <T> CompletableFuture<T> send(HttpRequest request, BodyHandler<T> handler) {
          sends.incrementAndGet();
          return http.send(request, handler);
        }

        @Override
        public void close() {
          http.close();
        }
      };
    };
    Client c = Client.builder().ticker(clock::get).downloadLimit(65536) // burst 64 KiB
        .webSeeds(WebSeedConfig.builder().maxRequestBytes(65536).httpTransport(counting).build())
        .build();
    closeMe.add(c);
    TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
    Torrent t = c.add(m, store);
    CountDownLatch firstTwo = new CountDownLatch(2);
    AtomicBoolean clockMoves = new AtomicBoolean();
    t.addListener(new TorrentListener() {
      @Override
      public void onPieceVerified(Torrent torrent, int piece) {
        firstTwo.countDown();
        if (clockMoves.get()) {
          clock.addAndGet(1_000_000_000L); // a second's tokens: 64 KiB, one more piece
        }
      }
    });
    t.start();
    // The clock stands still, so the engine never ticks and the bucket never fills: what it asks
    // for as the two fetches end (it tries for more after each, before the piece is verified) is
    // all it will ask for. The full bucket pays for the first piece, the second goes into debt,
    // then nothing.
    assertThat(firstTwo.await(10, TimeUnit.SECONDS)).isTrue();
    assertThat(sends.get()).isEqualTo(2);
    assertThat(s.requests).hasSize(2);
    // from now on each verified piece moves the clock a second on: the next tick pays the debt
    // and asks for one more piece
    clockMoves.set(true);
    clock.addAndGet(1_000_000_000L);
    t.completion().get(20, TimeUnit.SECONDS);
    assertThat(store.data).isEqualTo(data);
    assertThat(sends.get()).isEqualTo(16);
  }

  @Test
  void aMagnetLinksWebSeedIsUsedOnceTheMetadataArrives() throws Exception {
    byte[] data = TestTorrents.random(6 * 16384 + 77, 20);
    Metainfo m = TestTorrents.v1(data, 16384); // no url-list: the link brings the web seed
    TestWebServer s = server(Mode.GOOD).put("/f", data);
    Client seeder = client(WebSeedConfig.DISABLED);
    Torrent st = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
    // the peer brings the metadata but serves slowly (8 KiB/s), so the web seed is asked first
    // however the two machines' threads are scheduled
    st.setRateLimits(0, 8 * 1024);
    st.start();
    st.completion().get(10, TimeUnit.SECONDS);
    io.btlib.metainfo.MagnetLink link = io.btlib.metainfo.MagnetLink.builder(m.infoHashes())
        .addWebSeed(s.base() + "/f").addPeer(seeder.listenAddress()).build();
    Client leecher = client(WebSeedConfig.DEFAULTS);
    java.util.concurrent.atomic.AtomicReference<TestTorrents.ArrayStorage> store =
        new java.util.concurrent.atomic.AtomicReference<>();
    Torrent t = leecher.add(link, meta -> {
      store.set(new TestTorrents.ArrayStorage(meta, null));
      return store.get();
    });
    t.start();
    t.completion().get(20, TimeUnit.SECONDS);
    assertThat(store.get().data).isEqualTo(data);
    // the web seed is asked as soon as the check ends, before any peer is: it takes it all
    assertThat(s.requests).isNotEmpty();
  }

  @Test
  void disabledWebSeedsAreNeverAsked() throws Exception {
    byte[] data = TestTorrents.random(8 * 16384, 16);
    TestWebServer s = server(Mode.GOOD).put("/f", data);
    Metainfo m = withWebSeeds(TestTorrents.v1(data, 16384), s.base() + "/f");
    Client seeder = client(WebSeedConfig.DISABLED);
    Torrent st = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
    st.start();
    st.completion().get(10, TimeUnit.SECONDS);
    Client leecher = client(WebSeedConfig.DISABLED);
    TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
    Torrent t = leecher.add(m, store);
    t.addPeer(PeerAddress.of(seeder.listenAddress()));
    t.start();
    t.completion().get(20, TimeUnit.SECONDS);
    assertThat(store.data).isEqualTo(data);
    assertThat(s.requests).isEmpty();
  }
}
