package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.hash.PieceVerifier;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class TorrentCreatorTest {
  @TempDir Path tmp;

  private static final Instant DATE = Instant.ofEpochSecond(1700000000L);

  // ---------------------------------------------------------------- helpers

  private static byte[] random(long seed, int n) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  private Path write(String rel, byte[] content) throws IOException {
    Path p = tmp.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.write(p, content);
    return p;
  }

  /** A directory whose files make pieces cross file boundaries, with an empty file. */
  private Path mixedDir() throws IOException {
    write("d/a.bin", random(1, 100_000));
    write("d/b/empty", new byte[0]);
    write("d/b/c.bin", random(2, 16_384 * 3));
    write("d/b/tiny", random(3, 7));
    write("d/z.bin", random(4, 200_001));
    return tmp.resolve("d");
  }

  private static TorrentCreator.Builder fixed(Path source) {
    return TorrentCreator.builder(source).creationDate(DATE);
  }

  /** The piece-aligned stream of a torrent made from files under {@code root}: pads as zeros. */
  private static byte[] stream(Metainfo m, Path root) throws IOException {
    long end = 0;
    for (FileEntry f : m.files()) {
      end = Math.max(end, f.offset() + (m.version() == TorrentVersion.V2
          ? (f.length() + m.pieceLength() - 1) / m.pieceLength() * m.pieceLength() : f.length()));
    }
    byte[] s = new byte[(int) end];
    for (FileEntry f : m.files()) {
      if (f.isPad()) {
        continue;
      }
      Path p = root;
      for (String c : f.path()) {
        p = p.resolve(c);
      }
      byte[] c = Files.readAllBytes(p);
      System.arraycopy(c, 0, s, (int) f.offset(), c.length);
    }
    return s;
  }

  private static void assertEveryPieceVerifies(Metainfo m, Path root) throws IOException {
    byte[] s = stream(m, root);
    PieceVerifier v = PieceVerifier.of(m);
    for (int p = 0; p < m.pieceCount(); p++) {
      assertThat(v.canVerify(p)).as("piece %d checkable", p).isTrue();
      ByteBuffer piece = ByteBuffer.wrap(s, (int) ((long) p * m.pieceLength()), m.pieceSize(p));
      assertThat(v.verify(p, piece)).as("piece %d of %s", p, m).isTrue();
    }
  }

  // ---------------------------------------------------------------- hashes

  @ParameterizedTest
  @EnumSource(TorrentVersion.class)
  void everyPieceVerifiesAgainstTheFiles(TorrentVersion format) throws IOException {
    Path d = mixedDir();
    for (int pl : new int[] {16_384, 32_768, 65_536, 262_144}) {
      Metainfo m = fixed(d).format(format).pieceLength(pl).build().create();
      assertThat(m.version()).isEqualTo(format);
      if (format.hasV2()) {
        assertThat(m.hasPieceLayers()).isTrue();
      }
      assertEveryPieceVerifies(m, tmp);
    }
  }

  @ParameterizedTest
  @EnumSource(TorrentVersion.class)
  void singleFileVerifies(TorrentVersion format) throws IOException {
    Path f = write("s.bin", random(9, 1_000_003));
    Metainfo m = fixed(f).format(format).pieceLength(65_536).build().create();
    assertThat(m.isMultiFile()).isFalse();
    assertThat(m.files()).hasSize(1);
    assertThat(m.info().containsKey("length")).isEqualTo(format.hasV1());
    assertThat(m.info().containsKey("files")).isFalse();
    assertEveryPieceVerifies(m, tmp);
  }

  @ParameterizedTest
  @EnumSource(TorrentVersion.class)
  void threadCountDoesNotChangeTheOutput(TorrentVersion format) throws IOException {
    Path d = mixedDir();
    for (int i = 0; i < 40; i++) {
      write("d/many/f" + i, random(100 + i, 1000 * i + 1));
    }
    byte[] one = fixed(d).format(format).pieceLength(16_384).threads(1).build().create().encode();
    for (int threads : new int[] {2, 3, 8}) {
      byte[] more = fixed(d).format(format).pieceLength(16_384).threads(threads).build().create()
          .encode();
      assertThat(more).as("%d threads", threads).isEqualTo(one);
    }
  }

  @Test
  void creatingTwiceGivesIdenticalBytes() throws IOException {
    Path d = mixedDir();
    TorrentCreator c = fixed(d).format(TorrentVersion.HYBRID).tracker("http://t/a").build();
    assertThat(c.create().encode()).isEqualTo(c.create().encode());
    TorrentCreator noDate = c.toBuilder().noCreationDate().build();
    assertThat(noDate.create().encode()).isEqualTo(noDate.create().encode());
  }

  @Test
  void largeFileUsesManyTasksAndStillVerifies() throws IOException {
    Path f = write("big.bin", random(5, 9 << 20));
    for (TorrentVersion format : TorrentVersion.values()) {
      Metainfo m = fixed(f).format(format).pieceLength(16_384).threads(4).build().create();
      assertThat(m.pieceCount()).isEqualTo(9 * 64);
      assertEveryPieceVerifies(m, tmp);
    }
  }

  // ---------------------------------------------------------------- layout

  @Test
  void hybridPutsPadsAfterEveryUnalignedFileIncludingTheLast() throws IOException {
    Path d = mixedDir();
    Metainfo m = fixed(d).format(TorrentVersion.HYBRID).pieceLength(16_384).build().create();
    List<String> shape = new ArrayList<>();
    for (FileEntry f : m.files()) {
      shape.add(f.pathString() + ":" + f.length());
    }
    // a.bin 100000 -> pad 14688; b/c.bin ends on a boundary; b/empty gets none; z.bin is last
    assertThat(shape).containsExactly("d/a.bin:100000", "d/.pad/14688:14688", "d/b/c.bin:49152",
        "d/b/empty:0", "d/b/tiny:7", "d/.pad/16377:16377", "d/z.bin:200001",
        "d/.pad/12991:12991");
    BDict pad = (BDict) ((BList) m.info().get("files")).get(1);
    assertThat(((BString) pad.get("attr")).utf8()).isEqualTo("p");
  }

  @Test
  void v1AndV2HaveNoPadFiles() throws IOException {
    Path d = mixedDir();
    for (TorrentVersion format : List.of(TorrentVersion.V1, TorrentVersion.V2)) {
      Metainfo m = fixed(d).format(format).build().create();
      assertThat(m.files()).noneMatch(FileEntry::isPad).hasSize(5);
    }
  }

  @Test
  void emptyFileIsALeafWithoutPiecesRoot() throws IOException {
    Path d = mixedDir();
    Metainfo m = fixed(d).format(TorrentVersion.V2).build().create();
    BDict tree = (BDict) m.info().get("file tree");
    BDict leaf = (BDict) ((BDict) ((BDict) tree.get("b")).get("empty")).get("");
    assertThat(leaf.keys()).containsExactly(BString.of("length"));
    assertThat(m.files().stream().filter(f -> f.length() == 0)).singleElement()
        .satisfies(f -> assertThat(f.piecesRoot()).isEmpty());
  }

  @Test
  void pieceLayersOnlyForFilesLargerThanOnePiece() throws IOException {
    Path d = mixedDir();
    Metainfo m = fixed(d).format(TorrentVersion.V2).pieceLength(65_536).build().create();
    BDict layers = (BDict) m.root().get("piece layers");
    // a.bin (100000) and z.bin (200001) have layers; c.bin (49152) and tiny fit in one piece
    assertThat(layers.size()).isEqualTo(2);
    for (FileEntry f : m.files()) {
      assertThat(m.pieceLayer(f).isPresent()).as(f.pathString()).isEqualTo(f.length() > 65_536);
    }
  }

  @Test
  void filesAreInUtf8ByteOrderComponentByComponent() throws IOException {
    write("o/\uFF21", new byte[] {1}); // U+FF21: UTF-8 EF BC A1
    write("o/\uD83D\uDE00", new byte[] {2}); // U+1F600: UTF-8 F0 9F 98 80, but UTF-16 D83D < FF21
    write("o/a.bin", new byte[] {3});
    write("o/a/x", new byte[] {4});
    write("o/B", new byte[] {5});
    for (TorrentVersion format : TorrentVersion.values()) {
      Metainfo m = fixed(tmp.resolve("o")).format(format).build().create();
      assertThat(m.files().stream().filter(f -> !f.isPad()).map(FileEntry::pathString))
          .containsExactly("o/B", "o/a/x", "o/a.bin", "o/\uFF21", "o/\uD83D\uDE00");
    }
  }

  @Test
  void hiddenFilesAreIncludedWithoutAttribute() throws IOException {
    write("h/.hidden", new byte[] {1, 2});
    write("h/.git/config", new byte[] {3});
    write("h/v", new byte[] {4});
    Metainfo m = fixed(tmp.resolve("h")).build().create();
    assertThat(m.files()).extracting(FileEntry::pathString)
        .containsExactly("h/.git/config", "h/.hidden", "h/v");
    assertThat(m.files()).noneMatch(FileEntry::isHidden);
  }

  @Test
  void symbolicLinksAndEmptyDirectoriesAreSkipped() throws IOException {
    Path target = write("l/real", new byte[] {1, 2, 3});
    Files.createDirectories(tmp.resolve("l/emptydir/deeper"));
    Files.createSymbolicLink(tmp.resolve("l/link"), target);
    Files.createSymbolicLink(tmp.resolve("l/dirlink"), tmp.resolve("l/emptydir"));
    Files.createSymbolicLink(tmp.resolve("l/dangling"), tmp.resolve("nowhere"));
    Metainfo m = fixed(tmp.resolve("l")).build().create();
    assertThat(m.files()).extracting(FileEntry::pathString).containsExactly("l/real");
  }

  @Test
  void linkGivenAsTheSourceIsFollowed() throws IOException {
    Path target = write("t.bin", random(1, 1000));
    Path link = Files.createSymbolicLink(tmp.resolve("link.bin"), target);
    Metainfo m = fixed(link).build().create();
    assertThat(m.name()).isEqualTo("link.bin");
    assertThat(m.totalSize()).isEqualTo(1000);
  }

  @Test
  void linkToADirectoryGivenAsTheSourceIsFollowed() throws IOException {
    write("real/a", new byte[] {1});
    write("real/sub/b", new byte[] {2, 3});
    Path link = Files.createSymbolicLink(tmp.resolve("alias"), tmp.resolve("real"));
    Metainfo m = fixed(link).build().create();
    assertThat(m.name()).isEqualTo("alias");
    assertThat(m.files()).extracting(FileEntry::pathString).containsExactly("alias/a", "alias/sub/b");
  }

  @Test
  void ownerExecutableFilesGetAttributeX() throws IOException {
    Path x = write("x/run.sh", "#!/bin/sh\n".getBytes());
    Path g = write("x/group-only", new byte[] {1});
    write("x/plain", new byte[] {2});
    try {
      Files.setPosixFilePermissions(x, PosixFilePermissions.fromString("rwxr-xr-x"));
      Files.setPosixFilePermissions(g, PosixFilePermissions.fromString("rw-r-xr-x"));
    } catch (UnsupportedOperationException e) {
      return; // no POSIX permissions here
    }
    for (TorrentVersion format : TorrentVersion.values()) {
      Metainfo m = fixed(tmp.resolve("x")).format(format).build().create();
      Map<String, Boolean> exec = new TreeMap<>();
      m.files().stream().filter(f -> !f.isPad())
          .forEach(f -> exec.put(f.pathString(), f.isExecutable()));
      assertThat(exec).containsExactly(Map.entry("x/group-only", false),
          Map.entry("x/plain", false), Map.entry("x/run.sh", true));
    }
    Metainfo single = fixed(x).build().create();
    assertThat(((BString) single.info().get("attr")).utf8()).isEqualTo("x");
  }

  // ---------------------------------------------------------------- metadata

  @Test
  void oneTrackerIsAnnounceOnlyAndSeveralMakeTiers() throws IOException {
    Path f = write("f.bin", random(1, 100));
    Metainfo one = fixed(f).tracker("http://a/announce").build().create();
    assertThat(((BString) one.root().get("announce")).utf8()).isEqualTo("http://a/announce");
    assertThat(one.root().containsKey("announce-list")).isFalse();

    Metainfo tiers = fixed(f).tracker("http://a/announce").tracker("udp://b:6969")
        .trackerTier(List.of("http://c/1", "http://c/2")).build().create();
    assertThat(((BString) tiers.root().get("announce")).utf8()).isEqualTo("http://a/announce");
    assertThat(tiers.trackerTiers()).containsExactly(List.of("http://a/announce"),
        List.of("udp://b:6969"), List.of("http://c/1", "http://c/2"));

    Metainfo none = fixed(f).build().create();
    assertThat(none.root().containsKey("announce")).isFalse();
    assertThat(none.trackerTiers()).isEmpty();
  }

  @Test
  void webSeedsPrivateCommentAndCreator() throws IOException {
    Path f = write("f.bin", random(1, 100));
    Metainfo one = fixed(f).webSeed("http://w/1").privateTorrent(true).comment("hi é")
        .createdBy("me").build().create();
    assertThat(one.root().get("url-list")).isInstanceOf(BString.class);
    assertThat(one.webSeeds()).containsExactly("http://w/1");
    assertThat(one.isPrivate()).isTrue();
    assertThat(one.comment()).contains("hi é");
    assertThat(one.createdBy()).contains("me");
    assertThat(one.creationDate()).contains(DATE);

    Metainfo two = fixed(f).webSeed("http://w/1").webSeed("http://w/2").createdBy(null).build()
        .create();
    assertThat(two.root().get("url-list")).isInstanceOf(BList.class);
    assertThat(two.webSeeds()).containsExactly("http://w/1", "http://w/2");
    assertThat(two.isPrivate()).isFalse();
    assertThat(two.info().containsKey("private")).isFalse();
    assertThat(two.createdBy()).isEmpty();
    assertThat(two.comment()).isEmpty();
  }

  @Test
  void defaultCreatorNamesBt() throws IOException {
    Path f = write("f.bin", random(1, 100));
    Metainfo m = TorrentCreator.builder(f).build().create();
    assertThat(m.createdBy()).hasValueSatisfying(c -> assertThat(c).startsWith("bt"));
  }

  @Test
  void creationDateComesFromTheInjectedClock() throws IOException {
    Path f = write("f.bin", random(1, 100));
    Instant now = Instant.parse("2030-01-02T03:04:05.678Z");
    Metainfo m = TorrentCreator.builder(f).clock(() -> now).build().create();
    assertThat(m.creationDate()).contains(Instant.parse("2030-01-02T03:04:05Z"));
    assertThat(TorrentCreator.builder(f).clock(() -> now).noCreationDate().build().create()
        .creationDate()).isEmpty();
    assertThat(TorrentCreator.builder(f).creationDate(null).build().create().root()
        .containsKey("creation date")).isFalse();
  }

  // ---------------------------------------------------------------- piece length

  @Test
  void autoPieceLengthFollowsTheTable() {
    long mib = 1L << 20;
    assertThat(TorrentCreator.autoPieceLength(1)).isEqualTo(32 * 1024);
    assertThat(TorrentCreator.autoPieceLength(50 * mib)).isEqualTo(32 * 1024);
    assertThat(TorrentCreator.autoPieceLength(50 * mib + 1)).isEqualTo(64 * 1024);
    assertThat(TorrentCreator.autoPieceLength(150 * mib + 1)).isEqualTo(128 * 1024);
    assertThat(TorrentCreator.autoPieceLength(350 * mib + 1)).isEqualTo(256 * 1024);
    assertThat(TorrentCreator.autoPieceLength(512 * mib + 1)).isEqualTo(512 * 1024);
    assertThat(TorrentCreator.autoPieceLength(1024 * mib)).isEqualTo(512 * 1024);
    assertThat(TorrentCreator.autoPieceLength(1024 * mib + 1)).isEqualTo(1 << 20);
    assertThat(TorrentCreator.autoPieceLength(4096 * mib)).isEqualTo(2 << 20);
    assertThat(TorrentCreator.autoPieceLength(4096 * mib + 1)).isEqualTo(4 << 20);
    assertThat(TorrentCreator.autoPieceLength(16384 * mib + 1)).isEqualTo(16 << 20);
    assertThat(TorrentCreator.autoPieceLength(Long.MAX_VALUE)).isEqualTo(16 << 20);
  }

  @Test
  void pieceLengthIsChosenWhenNotSet() throws IOException {
    Path f = tmp.resolve("sparse.bin");
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
      r.setLength(60L << 20); // sparse zeros
    }
    TorrentCreator.Handle h = fixed(f).format(TorrentVersion.V2).build().start();
    assertThat(h.pieceLength()).isEqualTo(64 * 1024);
    assertThat(h.result().join().pieceLength()).isEqualTo(64 * 1024);
    assertThat(fixed(write("small", new byte[10])).build().create().pieceLength())
        .isEqualTo(32 * 1024);
  }

  @Test
  void badSettingsAreRejectedAtOnce() {
    TorrentCreator.Builder b = TorrentCreator.builder(tmp);
    assertThatThrownBy(() -> b.pieceLength(16_383)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("16383");
    assertThatThrownBy(() -> b.pieceLength(3 * 16_384))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("power of two");
    assertThatThrownBy(() -> b.pieceLength(Integer.MIN_VALUE))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.threads(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("0");
    assertThatThrownBy(() -> b.tracker("no-scheme")).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no-scheme");
    assertThatThrownBy(() -> b.webSeed("http://bad url/"))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.trackerTier(List.of())).isInstanceOf(IllegalArgumentException.class);
  }

  // ---------------------------------------------------------------- failures

  @Test
  void emptyDirectoryFailsClearly() throws IOException {
    Files.createDirectories(tmp.resolve("e/sub/deeper"));
    Files.createSymbolicLink(tmp.resolve("e/link"), tmp.resolve("e/sub"));
    assertThatThrownBy(() -> TorrentCreator.builder(tmp.resolve("e")).build().create())
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining("no files to make a torrent of");
  }

  @Test
  void zeroByteSingleFileFailsClearly() throws IOException {
    Path f = write("zero", new byte[0]);
    assertThatThrownBy(() -> TorrentCreator.builder(f).build().create())
        .isInstanceOf(FileSystemException.class).hasMessageContaining("holds no data");
  }

  @Test
  void directoryOfOnlyEmptyFilesFailsClearly() throws IOException {
    write("ze/a", new byte[0]);
    write("ze/b/c", new byte[0]);
    assertThatThrownBy(() -> TorrentCreator.builder(tmp.resolve("ze")).build().create())
        .isInstanceOf(FileSystemException.class).hasMessageContaining("holds no data");
  }

  @Test
  void missingSourceIsNoSuchFile() {
    assertThatThrownBy(() -> TorrentCreator.builder(tmp.resolve("missing")).build().create())
        .isInstanceOf(NoSuchFileException.class);
  }

  @Test
  void nameATorrentCannotCarryFailsNamingTheFile() throws IOException {
    write("n/ok", new byte[] {1});
    write("n/sub/CON.txt", new byte[] {1});
    assertThatThrownBy(() -> TorrentCreator.builder(tmp.resolve("n")).build().create())
        .isInstanceOf(FileSystemException.class)
        .hasMessageContaining("CON.txt").hasMessageContaining("reserved device name");
  }

  @Test
  void hybridOfADirectoryWithOneFileIsRefused() throws IOException {
    write("one/a.bin", random(1, 100));
    Path d = tmp.resolve("one");
    assertThatThrownBy(() -> fixed(d).format(TorrentVersion.HYBRID).build().create())
        .isInstanceOf(FileSystemException.class).hasMessageContaining("ambiguous");
    // v1 keeps the directory; v2 (like libtorrent) reads back as the single file
    assertThat(fixed(d).build().create().files().get(0).pathString()).isEqualTo("one/a.bin");
    assertThat(fixed(d).format(TorrentVersion.V2).build().create().files().get(0).pathString())
        .isEqualTo("a.bin");
  }

  // ---------------------------------------------------------------- progress, cancellation

  @ParameterizedTest
  @EnumSource(TorrentVersion.class)
  void progressRisesToTheTotal(TorrentVersion format) throws IOException {
    Path d = mixedDir();
    write("d/big", random(7, 3 << 20));
    List<long[]> calls = new CopyOnWriteArrayList<>();
    AtomicBoolean overlap = new AtomicBoolean();
    AtomicBoolean inside = new AtomicBoolean();
    Metainfo m = fixed(d).format(format).pieceLength(16_384).threads(3)
        .listener(new CreateListener() {
          @Override
          public void onProgress(long bytesHashed, long totalBytes) {
            if (!inside.compareAndSet(false, true)) {
              overlap.set(true);
            }
            calls.add(new long[] {bytesHashed, totalBytes});
            inside.set(false);
          }
        }).build().create();
    long total = 0;
    for (FileEntry f : m.files()) {
      total += f.isPad() ? 0 : f.length();
    }
    assertThat(overlap).isFalse();
    assertThat(calls).hasSizeGreaterThan(2);
    for (int i = 0; i < calls.size(); i++) {
      assertThat(calls.get(i)[1]).isEqualTo(total);
      if (i > 0) {
        assertThat(calls.get(i)[0]).isGreaterThan(calls.get(i - 1)[0]);
      }
    }
    assertThat(calls.get(calls.size() - 1)[0]).isEqualTo(total);
  }

  private Path sparse(String name, long size) throws IOException {
    Path f = tmp.resolve(name);
    try (RandomAccessFile r = new RandomAccessFile(f.toFile(), "rw")) {
      r.setLength(size);
    }
    return f;
  }

  @ParameterizedTest
  @EnumSource(TorrentVersion.class)
  void cancelStopsMidway(TorrentVersion format) throws Exception {
    Path f = sparse("huge.bin", 8L << 30); // far more than the test will hash
    AtomicReference<TorrentCreator.Handle> handle = new AtomicReference<>();
    TorrentCreator c = fixed(f).format(format).threads(2).listener(new CreateListener() {
      @Override
      public void onProgress(long bytesHashed, long totalBytes) {
        if (bytesHashed > (4 << 20)) {
          handle.get().cancel();
        }
      }
    }).build();
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      TorrentCreator.Handle h = c.start();
      handle.set(h);
      assertThatThrownBy(() -> h.result().join()).isInstanceOf(CancellationException.class);
      h.awaitThreads();
      assertThat(h.isCancelled()).isTrue();
      assertThat(h.bytesHashed()).isLessThan(h.totalBytes());
    });
  }

  @Test
  void cancellingTheFutureStopsTheWorkers() throws Exception {
    Path f = sparse("huge.bin", 8L << 30);
    TorrentCreator.Handle h = fixed(f).threads(2).build().start();
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      while (h.bytesHashed() == 0) {
        Thread.onSpinWait();
      }
      assertThat(h.result().cancel(true)).isTrue();
      h.awaitThreads();
      assertThat(h.isCancelled()).isTrue();
      assertThat(h.bytesHashed()).isLessThan(h.totalBytes());
    });
  }

  @Test
  void closeCancelsARunningCreationAndEndsItsThreads() throws Exception {
    Path f = sparse("huge.bin", 8L << 30);
    TorrentCreator.Handle h = fixed(f).threads(2).build().start();
    assertTimeoutPreemptively(Duration.ofSeconds(30), () -> {
      try (h) {
        while (h.bytesHashed() == 0) {
          Thread.onSpinWait();
        }
      }
    });
    assertThat(h.isCancelled()).isTrue();
    assertThat(h.result()).isCompletedExceptionally();
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().startsWith("bt-create-") && t.isAlive());
    h.close(); // idempotent
  }

  @Test
  void closeAfterSuccessKeepsTheResult() throws IOException {
    Path f = write("f.bin", random(1, 100_000));
    TorrentCreator.Handle h = fixed(f).build().start();
    Metainfo m = h.result().join();
    h.close();
    assertThat(h.isCancelled()).isFalse();
    assertThat(h.result().join()).isSameAs(m);
  }

  @Test
  void interruptingCreateThrowsCancellation() throws Exception {
    Path f = sparse("huge.bin", 8L << 30);
    AtomicReference<Thread> caller = new AtomicReference<>();
    AtomicReference<Throwable> thrown = new AtomicReference<>();
    AtomicBoolean stillInterrupted = new AtomicBoolean();
    TorrentCreator c = fixed(f).threads(1).listener(new CreateListener() {
      @Override
      public void onProgress(long bytesHashed, long totalBytes) {
        caller.get().interrupt();
      }
    }).build();
    Thread t = new Thread(() -> {
      try {
        c.create();
      } catch (Throwable e) {
        thrown.set(e);
        stillInterrupted.set(Thread.currentThread().isInterrupted());
      }
    });
    caller.set(t);
    t.start();
    t.join(30_000);
    assertThat(t.isAlive()).isFalse();
    assertThat(thrown.get()).isInstanceOf(CancellationException.class);
    assertThat(stillInterrupted).isTrue();
  }

  @Test
  void listenerThatThrowsDoesNotStopTheCreation() throws IOException {
    Path f = write("f.bin", random(1, 1 << 20));
    Metainfo m = fixed(f).listener(new CreateListener() {
      @Override
      public void onProgress(long bytesHashed, long totalBytes) {
        throw new IllegalStateException("boom");
      }
    }).build().create();
    assertThat(m.totalSize()).isEqualTo(1 << 20);
  }
}
