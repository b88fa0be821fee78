package io.btlib.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.BencodeException;
import io.btlib.bencode.BencodeWriter;
import io.btlib.bencode.Leniency;
import io.btlib.bencode.BInteger;
import io.btlib.metainfo.internal.Merkle;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MetainfoTest {

  // ---- builders for test torrents ----

  static BList path(String... parts) {
    List<BValue> l = new ArrayList<>();
    for (String p : parts) {
      l.add(BString.of(p));
    }
    return BList.of(l);
  }

  static BDict file(long length, String... parts) {
    return BDict.builder().put("length", length).put("path", path(parts)).build();
  }

  static BString pieces(int count) {
    byte[] b = new byte[count * 20];
    new Random(count).nextBytes(b);
    return BString.of(b);
  }

  static BDict.Builder v1Single(long length, int pieceLength) {
    int count = (int) ((length + pieceLength - 1) / pieceLength);
    return BDict.builder().put("name", "file.bin").put("length", length)
        .put("piece length", pieceLength).put("pieces", pieces(count));
  }

  static BDict.Builder v1Multi(int pieceLength, BDict... files) {
    long total = Arrays.stream(files).mapToLong(f -> ((BInteger) f.get("length")).value()).sum();
    int count = (int) ((total + pieceLength - 1) / pieceLength);
    return BDict.builder().put("name", "dir").put("files", BList.of(files))
        .put("piece length", pieceLength).put("pieces", pieces(count));
  }

  static byte[] torrent(BDict info) {
    return BencodeWriter.encode(BDict.builder().put("info", info)
        .put("announce", "http://127.0.0.1:6969/announce").build());
  }

  static MetainfoException parseFails(BDict info) {
    try {
      Metainfo.parse(torrent(info));
    } catch (MetainfoException e) {
      return e;
    }
    throw new AssertionError("expected a MetainfoException");
  }

  // ---- v1 basics ----

  @Test
  void parsesSingleFileV1AndHashesTheExactInfoBytes() throws Exception {
    BDict info = v1Single(100_000, 16384).build();
    byte[] bytes = torrent(info);
    Metainfo m = Metainfo.parse(bytes);
    byte[] expected = MessageDigest.getInstance("SHA-1").digest(BencodeWriter.encode(info));
    assertThat(m.infoHashes().v1()).hasValue(InfoHash.of(expected));
    assertThat(m.infoHashes().v2()).isEmpty();
    assertThat(m.version()).isEqualTo(TorrentVersion.V1);
    assertThat(m.pieceCount()).isEqualTo(7);
    assertThat(m.pieceSize(6)).isEqualTo(100_000 - 6 * 16384);
    assertThat(m.files()).singleElement().satisfies(f -> {
      assertThat(f.path()).containsExactly("file.bin");
      assertThat(f.length()).isEqualTo(100_000);
    });
    assertThat(m.isMultiFile()).isFalse();
    assertThat(m.trackerTiers()).containsExactly(List.of("http://127.0.0.1:6969/announce"));
  }

  @Test
  void parsesMultiFileV1WithOffsetsAcrossPieces() {
    Metainfo m = Metainfo.parse(torrent(v1Multi(16384,
        file(10_000, "a"), file(0, "empty"), file(30_000, "sub", "b")).build()));
    assertThat(m.files()).extracting(FileEntry::pathString)
        .containsExactly("dir/a", "dir/empty", "dir/sub/b");
    assertThat(m.files()).extracting(FileEntry::offset).containsExactly(0L, 10_000L, 10_000L);
    assertThat(m.totalSize()).isEqualTo(40_000);
    assertThat(m.pieceCount()).isEqualTo(3);
    assertThat(m.isMultiFile()).isTrue();
  }

  @Test
  void keepsUnknownKeysAndWritesBackUnchanged() {
    BDict info = v1Single(5, 16384).put("x-unknown", "kept").build();
    byte[] bytes = BencodeWriter.encode(BDict.builder().put("info", info)
        .put("zz custom", BList.of(BInteger.of(1))).put("comment", "hello").build());
    Metainfo m = Metainfo.parse(bytes);
    assertThat(m.root().get("zz custom")).isEqualTo(BList.of(BInteger.of(1)));
    assertThat(m.info().get("x-unknown")).isEqualTo(BString.of("kept"));
    assertThat(m.encode()).isEqualTo(bytes);
    assertThat(m.comment()).hasValue("hello");
  }

  @Test
  void leniencyKeepsTheOriginalInfoBytesForTheHash() throws Exception {
    // unsorted keys inside info: strict rejects; the default reads and hashes the bytes as they are
    String infoText = "d6:lengthi5e4:name1:a6:piecesXX12:piece lengthi16384ee";
    String doc = "d4:info" + infoText.replace("6:piecesXX", "6:pieces20:" + "x".repeat(20)) + "e";
    byte[] bytes = doc.getBytes(StandardCharsets.ISO_8859_1);
    assertThatThrownBy(() -> MetainfoParser.strict().parse(bytes))
        .isInstanceOf(MetainfoException.class).hasCauseInstanceOf(BencodeException.class);
    assertThatThrownBy(() -> Metainfo.parser().lenientBencode(false).build().parse(bytes))
        .isInstanceOf(MetainfoException.class).hasCauseInstanceOf(BencodeException.class);
    Metainfo m = Metainfo.parse(bytes);
    String rawInfo = doc.substring("d4:info".length(), doc.length() - 1);
    byte[] want = MessageDigest.getInstance("SHA-1")
        .digest(rawInfo.getBytes(StandardCharsets.ISO_8859_1));
    assertThat(m.infoHashes().v1()).hasValue(InfoHash.of(want));
    assertThat(m.leniencies()).extracting(Leniency::kind)
        .containsExactly(Leniency.Kind.UNSORTED_KEY);
  }

  @Test
  void aTrailingNewlineIsAcceptedAndReported() {
    byte[] canonical = torrent(v1Single(5, 16384).build());
    byte[] withNewline = Arrays.copyOf(canonical, canonical.length + 1);
    withNewline[canonical.length] = '\n';
    assertThat(Metainfo.parse(canonical).leniencies()).isEmpty();
    Metainfo m = Metainfo.parse(withNewline);
    assertThat(m.infoHashes()).isEqualTo(Metainfo.parse(canonical).infoHashes());
    assertThat(m.leniencies()).singleElement().satisfies(l -> {
      assertThat(l.kind()).isEqualTo(Leniency.Kind.TRAILING_BYTES);
      assertThat(l.offset()).isEqualTo(canonical.length);
    });
    assertThatThrownBy(() -> MetainfoParser.strict().parse(withNewline))
        .isInstanceOf(MetainfoException.class).hasMessageContaining("trailing");
  }

  @Test
  void leniencyNeverRelaxesTheMetainfoRules() {
    BDict info = v1Multi(16384, file(10, "..", "x")).build();
    byte[] canonical = torrent(info);
    byte[] trailing = Arrays.copyOf(canonical, canonical.length + 2);
    trailing[canonical.length] = '\r';
    trailing[canonical.length + 1] = '\n';
    assertThatThrownBy(() -> Metainfo.parse(trailing)).isInstanceOf(MetainfoException.class)
        .hasMessageContaining("info.files[0].path[0]");
  }

  @Test
  void readsTrackerTiersWebSeedsAndOptionalFields() {
    BDict root = BDict.builder().put("info", v1Single(5, 16384).put("private", 1).build())
        .put("announce", "http://a/announce")
        .put("announce-list", BList.of(
            BList.of(BString.of("http://t1/announce"), BString.of("http://t2/announce")),
            BList.of(), BList.of(BString.of("udp://t3:80"), BString.of("http://t1/announce"))))
        .put("url-list", BList.of(BString.of("http://ws/"), BInteger.of(5)))
        .put("creation date", 1_700_000_000L).put("created by", "bt test")
        .put("comment", "c").build();
    Metainfo m = Metainfo.parse(BencodeWriter.encode(root));
    assertThat(m.trackerTiers()).containsExactly(
        List.of("http://t1/announce", "http://t2/announce"), List.of("udp://t3:80"));
    assertThat(m.webSeeds()).containsExactly("http://ws/");
    assertThat(m.warnings()).containsExactly("url-list[1]: ignored, not a byte string");
    assertThat(m.creationDate()).hasValue(Instant.ofEpochSecond(1_700_000_000L));
    assertThat(m.createdBy()).hasValue("bt test");
    assertThat(m.isPrivate()).isTrue();
  }

  @Test
  void dropsMalformedOptionalFieldsWithWarnings() {
    BDict root = BDict.builder().put("info", v1Single(5, 16384).build())
        .put("announce", 7).put("announce-list", "nope").put("creation date", "yesterday")
        .put("comment", BList.of()).build();
    Metainfo m = Metainfo.parse(BencodeWriter.encode(root));
    assertThat(m.trackerTiers()).isEmpty();
    assertThat(m.creationDate()).isEmpty();
    assertThat(m.comment()).isEmpty();
    assertThat(m.warnings()).hasSize(4);
  }

  // ---- hostile and malformed input ----

  @Test
  void rejectsNonBencodeWithTheOffset() {
    assertThatThrownBy(() -> Metainfo.parse("d4:infoi1".getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(MetainfoException.class)
        .satisfies(e -> assertThat(((MetainfoException) e).keyPath()).isEmpty())
        .cause().isInstanceOf(BencodeException.class);
    assertThatThrownBy(() -> Metainfo.parse(new byte[0])).isInstanceOf(MetainfoException.class);
  }

  @Test
  void rejectsANestingBombWithoutStackOverflow() {
    byte[] bomb = new byte[5_000_000];
    Arrays.fill(bomb, (byte) 'l');
    assertThatThrownBy(() -> Metainfo.parse(bomb)).isInstanceOf(MetainfoException.class)
        .hasMessageContaining("nesting");
  }

  @Test
  void rejectsALengthBombBeforeAllocating() {
    byte[] bomb = "d4:infod6:pieces99999999999:".getBytes(StandardCharsets.US_ASCII);
    assertThatThrownBy(() -> Metainfo.parse(bomb)).isInstanceOf(MetainfoException.class);
  }

  @Test
  void rejectsAnInputStreamLargerThanTheLimit() {
    MetainfoParser p = Metainfo.parser().maxBytes(100).build();
    byte[] big = torrent(v1Single(5, 16384).put("pad", "x".repeat(200)).build());
    assertThatThrownBy(() -> p.parse(new ByteArrayInputStream(big)))
        .isInstanceOf(MetainfoException.class).hasMessageContaining("limit of 100");
    assertThatThrownBy(() -> p.parse(big)).isInstanceOf(MetainfoException.class);
  }

  @Test
  void rejectsATopLevelThatIsNotADictionary() {
    assertThatThrownBy(() -> Metainfo.parse("le".getBytes(StandardCharsets.US_ASCII)))
        .isInstanceOf(MetainfoException.class).hasMessageContaining("dictionary");
  }

  @Test
  void rejectsMissingInfo() {
    MetainfoException e = (MetainfoException) org.assertj.core.api.Assertions.catchThrowable(
        () -> Metainfo.parse(BencodeWriter.encode(BDict.builder().put("a", 1).build())));
    assertThat(e.keyPath()).isEqualTo("info");
  }

  @Test
  void rejectsWrongPieceCountNamingTheKey() {
    BDict info = v1Single(100_000, 16384).put("pieces", pieces(6)).build();
    MetainfoException e = parseFails(info);
    assertThat(e.keyPath()).isEqualTo("info.pieces");
    assertThat(e.reason()).contains("6 hashes").contains("make 7");
  }

  @Test
  void rejectsPiecesNotAMultipleOf20() {
    BDict info = v1Single(10, 16384).put("pieces", BString.of(new byte[21])).build();
    assertThat(parseFails(info).reason()).contains("not a multiple of 20");
  }

  @ParameterizedTest
  @ValueSource(longs = {0, -1, (1L << 30) + 1, Long.MAX_VALUE})
  void rejectsAPieceLengthOutOfRange(long pieceLength) {
    BDict info = v1Single(10, 16384).put("piece length", pieceLength).build();
    assertThat(parseFails(info).keyPath()).isEqualTo("info.piece length");
  }

  @Test
  void rejectsNegativeFileLengths() {
    MetainfoException e = parseFails(v1Multi(16384, file(5, "a")).put("files",
        BList.of(file(5, "a"), file(-1, "b"))).build());
    assertThat(e.keyPath()).isEqualTo("info.files[1].length");
  }

  @Test
  void rejectsWrongTypesNamingTheKeyPath() {
    assertThat(parseFails(v1Single(5, 16384).put("length", "5").build()).keyPath())
        .isEqualTo("info.length");
    assertThat(parseFails(v1Single(5, 16384).put("name", 3).build()).keyPath())
        .isEqualTo("info.name");
    BDict bad = v1Multi(16384, file(5, "a")).put("files",
        BList.of(file(5, "a"), BDict.builder().put("length", 1).put("path",
            BList.of(BString.of("ok"), BInteger.of(3))).build())).build();
    assertThat(parseFails(bad).keyPath()).isEqualTo("info.files[1].path[1]");
  }

  @Test
  void rejectsLengthAndFilesTogether() {
    assertThat(parseFails(v1Multi(16384, file(5, "a")).put("length", 5).build().toBuilder()
        .build()).keyPath()).isEqualTo("info.files");
  }

  @Test
  void rejectsUnsupportedMetaVersion() {
    assertThat(parseFails(v1Single(5, 16384).put("meta version", 3).build()).reason())
        .contains("unsupported version 3");
  }

  // ---- path security ----

  @ParameterizedTest
  @ValueSource(strings = {"..", ".", "", "a/b", "a\\b", "/etc", "nul\u0000byte", "tab\there",
      "C:", "c:evil", "CON", "con.txt", "Nul", "COM1", "lpt9.log", "AUX.tar.gz", "PRN "})
  void rejectsUnsafePathComponents(String bad) {
    BDict info = v1Multi(16384, file(5, "ok", bad)).build();
    MetainfoException e = parseFails(info);
    assertThat(e.keyPath()).isEqualTo("info.files[0].path[1]");
  }

  @Test
  void rejectsAnUnsafeTorrentName() {
    assertThat(parseFails(v1Single(5, 16384).put("name", "..").build()).keyPath())
        .isEqualTo("info.name");
    assertThat(parseFails(v1Single(5, 16384).put("name", "/abs").build()).keyPath())
        .isEqualTo("info.name");
  }

  @Test
  void rejectsAnOverlongPathComponent() {
    assertThat(parseFails(v1Multi(16384, file(5, "x".repeat(256))).build()).reason())
        .contains("256 bytes");
    Metainfo.parse(torrent(v1Multi(16384, file(5, "x".repeat(255))).build()));
  }

  @Test
  void acceptsOrdinaryNamesThatLookOdd() {
    Metainfo m = Metainfo.parse(torrent(v1Multi(16384, file(1, "Title: Subtitle"),
        file(1, "...dots"), file(1, "CONSOLE.txt"), file(1, "COM10"), file(1, "日本語.txt"),
        file(1, ".hidden")).build()));
    assertThat(m.files()).hasSize(6);
  }

  @Test
  void rejectsTwoFilesWithOnePath() {
    assertThat(parseFails(v1Multi(16384, file(1, "a"), file(2, "a")).build()).reason())
        .contains("used by two files");
  }

  @Test
  void rejectsAFileThatIsAlsoADirectory() {
    assertThat(parseFails(v1Multi(16384, file(1, "a"), file(2, "a", "b")).build()).reason())
        .contains("both a file and the directory");
  }

  @Test
  void rejectsAnUnsafeSymlinkTarget() {
    BDict link = BDict.builder().put("length", 0).put("path", path("l")).put("attr", "l")
        .put("symlink path", path("..", "etc")).build();
    assertThat(parseFails(v1Multi(16384, file(1, "a"), link).build()).keyPath())
        .isEqualTo("info.files[1].symlink path[0]");
  }

  @Test
  void marksPadFilesAndLegacyPadFiles() {
    BDict pad = BDict.builder().put("length", 16383).put("path", path(".pad", "16383"))
        .put("attr", "p").build();
    Metainfo m = Metainfo.parse(torrent(v1Multi(16384, file(1, "a"), pad,
        file(1, "_____padding_file_0_"), file(5, "b")).build()));
    assertThat(m.files()).extracting(FileEntry::isPad).containsExactly(false, true, true, false);
  }

  @Test
  void prefersUtf8PathsWhenValid() {
    BDict f = BDict.builder().put("length", 1).put("path", path("latin"))
        .put("path.utf-8", path("unicodé")).build();
    Metainfo m = Metainfo.parse(torrent(v1Multi(16384, f).build()));
    assertThat(m.files().get(0).path()).containsExactly("dir", "unicodé");
  }

  // ---- v2 and hybrid ----

  static byte[] sha256(byte[]... parts) throws Exception {
    MessageDigest md = MessageDigest.getInstance("SHA-256");
    for (byte[] p : parts) {
      md.update(p);
    }
    return md.digest();
  }

  /** A v2 torrent of one directory with files of the given lengths, made in code. */
  static BDict v2Root(int pieceLength, boolean hybrid, long... lengths) throws Exception {
    MessageDigest md = Merkle.sha256();
    BDict.Builder tree = BDict.builder();
    BDict.Builder layers = BDict.builder();
    List<BDict> v1Files = new ArrayList<>();
    long v1Total = 0;
    byte[] padHash = Merkle.zeroSubtreeRoot(md, pieceLength / Metainfo.BLOCK_SIZE);
    for (int i = 0; i < lengths.length; i++) {
      long len = lengths[i];
      BDict.Builder leaf = BDict.builder().put("length", len);
      if (len > 0) {
        int pieces = (int) ((len + pieceLength - 1) / pieceLength);
        byte[] layer = new byte[pieces * 32];
        new Random(i).nextBytes(layer);
        byte[] root;
        if (pieces == 1) {
          root = Arrays.copyOf(layer, 32);
        } else {
          root = Merkle.root(md, layer, 0, pieces, 1, padHash);
          layers.put(BString.of(root), BString.of(layer));
        }
        leaf.put("pieces root", BString.of(root));
      }
      tree.put("f" + i, BDict.builder().put("", leaf.build()).build());
      v1Files.add(file(len, "f" + i));
      v1Total += len;
      long rem = len % pieceLength;
      if (hybrid && rem != 0 && i < lengths.length - 1) {
        v1Files.add(BDict.builder().put("length", pieceLength - rem).put("attr", "p")
            .put("path", path(".pad", Long.toString(pieceLength - rem))).build());
        v1Total += pieceLength - rem;
      }
    }
    BDict.Builder info = BDict.builder().put("name", "dir").put("piece length", pieceLength)
        .put("meta version", 2).put("file tree", tree.build());
    if (hybrid) {
      info.put("files", BList.of(v1Files.toArray(new BValue[0])))
          .put("pieces", pieces((int) ((v1Total + pieceLength - 1) / pieceLength)));
    }
    return BDict.builder().put("info", info.build()).put("piece layers", layers.build()).build();
  }

  @Test
  void parsesV2AndChecksPieceLayersAgainstRoots() throws Exception {
    BDict root = v2Root(16384, false, 40_000, 0, 16384, 5);
    Metainfo m = Metainfo.parse(BencodeWriter.encode(root));
    assertThat(m.version()).isEqualTo(TorrentVersion.V2);
    assertThat(m.infoHashes().v2()).hasValue(
        InfoHash.of(sha256(BencodeWriter.encode((BDict) root.get("info")))));
    assertThat(m.pieceCount()).isEqualTo(3 + 0 + 1 + 1);
    assertThat(m.files()).extracting(FileEntry::offset).containsExactly(0L, 49152L, 49152L,
        65536L);
    assertThat(m.hasPieceLayers()).isTrue();
    assertThat(m.pieceLayer(m.files().get(0))).isPresent();
    assertThat(m.pieceLayer(m.files().get(2))).isEmpty();
    assertThat(m.pieceSize(2)).isEqualTo(40_000 - 32768);
    assertThat(m.pieceSize(3)).isEqualTo(16384);
    assertThat(m.pieceSize(4)).isEqualTo(5);
  }

  // ---- what real torrents carry (issue 15) ----

  @Test
  void aSymlinkTakesNoRoomWhateverItsLengthSays() {
    BDict link = BDict.builder().put("length", 425).put("attr", "l")
        .put("path", path("link")).put("symlink path", path("a.bin")).build();
    BDict a = file(425, "a.bin");
    BDict b = file(1000, "b.bin");
    BDict info = BDict.builder().put("name", "dir").put("files", BList.of(a, link, b))
        .put("piece length", 16384).put("pieces", pieces(1)).build();
    Metainfo m = Metainfo.parse(torrent(info));
    assertThat(m.totalSize()).isEqualTo(1425);
    assertThat(m.files()).extracting(FileEntry::length).containsExactly(425L, 0L, 1000L);
    assertThat(m.files()).extracting(FileEntry::offset).containsExactly(0L, 425L, 425L);
    assertThat(m.files().get(1).symlinkTarget()).hasValue(List.of("a.bin"));
  }

  @Test
  void aSymlinkNeedsNoLength() {
    BDict link = BDict.builder().put("attr", "l").put("path", path("link"))
        .put("symlink path", path("a.bin")).build();
    BDict info = BDict.builder().put("name", "dir").put("files", BList.of(file(20_000, "a.bin"),
        link)).put("piece length", 16384).put("pieces", pieces(2)).build();
    Metainfo m = Metainfo.parse(torrent(info));
    assertThat(m.files()).extracting(FileEntry::length).containsExactly(20_000L, 0L);
  }

  @Test
  void aV2SymlinkTakesNoRoomEither() throws Exception {
    BDict root = v2Root(16384, false, 40_000);
    BDict info = (BDict) root.get("info");
    BDict tree = ((BDict) info.get("file tree")).toBuilder().put("link", BDict.builder()
        .put("", BDict.builder().put("length", 99).put("attr", "l")
            .put("symlink path", path("f0")).build()).build()).build();
    BDict withLink = root.toBuilder().put("info", info.toBuilder().put("file tree", tree).build())
        .build();
    Metainfo m = Metainfo.parse(BencodeWriter.encode(withLink));
    assertThat(m.totalSize()).isEqualTo(40_000);
    assertThat(m.files()).filteredOn(f -> f.path().contains("link"))
        .singleElement().satisfies(f -> assertThat(f.length()).isZero());
  }

  @Test
  void aPadFileInAV2FileTreeIsRefused() throws Exception {
    BDict root = v2Root(16384, false, 40_000, 16384);
    BDict info = (BDict) root.get("info");
    BDict tree = (BDict) info.get("file tree");
    BDict f1 = (BDict) ((BDict) tree.get("f1")).get("");
    BDict padded = tree.toBuilder().put("f1", BDict.builder().put("", f1.toBuilder()
        .put("attr", "p").build()).build()).build();
    BDict bad = root.toBuilder().put("info", info.toBuilder().put("file tree", padded).build())
        .build();
    assertThatThrownBy(() -> Metainfo.parse(BencodeWriter.encode(bad)))
        .isInstanceOf(MetainfoException.class)
        .hasMessageContaining("f1").hasMessageContaining("pad file");
  }

  @Test
  void anAllZeroPiecesRootIsRefused() throws Exception {
    BDict root = v2Root(16384, false, 16384);
    BDict info = (BDict) root.get("info");
    BDict tree = (BDict) info.get("file tree");
    BDict f0 = (BDict) ((BDict) tree.get("f0")).get("");
    BDict zeroed = tree.toBuilder().put("f0", BDict.builder().put("", f0.toBuilder()
        .put("pieces root", BString.of(new byte[32])).build()).build()).build();
    BDict bad = root.toBuilder().put("info", info.toBuilder().put("file tree", zeroed).build())
        .build();
    assertThatThrownBy(() -> Metainfo.parse(BencodeWriter.encode(bad)))
        .isInstanceOf(MetainfoException.class).hasMessageContaining("pieces root")
        .hasMessageContaining("all zeros");
  }

  @Test
  void aPieceLayerForARootNoFileHasIsRefused() throws Exception {
    BDict root = v2Root(16384, false, 40_000);
    BDict layers = (BDict) root.get("piece layers");
    byte[] stray = new byte[32];
    stray[0] = 7;
    BDict bad = root.toBuilder().put("piece layers", layers.toBuilder()
        .put(BString.of(stray), BString.of(new byte[96])).build()).build();
    for (boolean lenient : new boolean[] {false, true}) {
      assertThatThrownBy(() -> Metainfo.parser().lenientBencode(lenient).build()
          .parse(BencodeWriter.encode(bad)))
          .isInstanceOf(MetainfoException.class).hasMessageContaining("no file of the torrent");
    }
  }

  @Test
  void aTorrentWithNoDataIsRefused() {
    assertThat(parseFails(v1Single(0, 16384).build()).getMessage()).contains("no data");
    BDict empty = BDict.builder().put("name", "dir").put("files", BList.of(file(0, "a"),
        file(0, "b"))).put("piece length", 16384).put("pieces", BString.of(new byte[0])).build();
    assertThat(parseFails(empty).getMessage()).contains("info.files").contains("no data");
  }

  @Test
  void aPadFileNeedsNoPath() {
    BDict pad = BDict.builder().put("length", 16384 - 1000).put("attr", "p").build();
    BDict emptyPath = BDict.builder().put("length", 16384 - 500).put("attr", "p")
        .put("path", path()).build();
    BDict info = v1Multi(16384, file(1000, "a"), pad, file(500, "b"), emptyPath,
        file(10, "c")).build();
    Metainfo m = Metainfo.parse(torrent(info));
    assertThat(m.files().get(1).path()).containsExactly("dir", ".pad", "15384");
    assertThat(m.files().get(1).isPad()).isTrue();
    assertThat(m.files().get(3).path()).containsExactly("dir", ".pad", "15884");
    assertThat(m.files().get(4).offset()).isEqualTo(2 * 16384);
  }

  @Test
  void rejectsAPieceLayerThatDoesNotHashToItsRoot() throws Exception {
    BDict root = v2Root(16384, false, 40_000);
    BDict layers = (BDict) root.get("piece layers");
    byte[] layer = ((BString) layers.valueAt(0)).bytes();
    layer[5] ^= 1;
    BDict bad = root.toBuilder().put("piece layers",
        BDict.builder().put(layers.keyAt(0), BString.of(layer)).build()).build();
    assertThatThrownBy(() -> Metainfo.parse(BencodeWriter.encode(bad)))
        .isInstanceOf(MetainfoException.class).hasMessageContaining("does not hash");
  }

  @Test
  void rejectsAShortPieceLayerAndAcceptsMissingOnes() throws Exception {
    BDict root = v2Root(16384, false, 40_000, 50_000);
    BDict layers = (BDict) root.get("piece layers");
    BDict shortLayer = root.toBuilder().put("piece layers", BDict.builder()
        .put(layers.keyAt(0), BString.of(new byte[64])).build()).build();
    assertThatThrownBy(() -> Metainfo.parse(BencodeWriter.encode(shortLayer)))
        .hasMessageContaining("is 64 bytes").hasMessageContaining("pieces of 32-byte hashes");
    // some layers, or none: accepted, as libtorrent does; the engine fetches the missing ones
    BDict some = root.toBuilder().put("piece layers", BDict.builder()
        .put(layers.keyAt(1), layers.valueAt(1)).build()).build();
    Metainfo partial = Metainfo.parse(BencodeWriter.encode(some));
    assertThat(partial.files()).extracting(f -> partial.pieceLayer(f).isPresent())
        .containsExactlyInAnyOrder(true, false);
    BDict empty = root.toBuilder().put("piece layers", BDict.empty()).build();
    Metainfo none = Metainfo.parse(BencodeWriter.encode(empty));
    assertThat(none.files()).allSatisfy(f -> assertThat(none.pieceLayer(f)).isEmpty());
    Metainfo absent = Metainfo.parse(BencodeWriter.encode(root.toBuilder().remove("piece layers")
        .build()));
    assertThat(absent.hasPieceLayers()).isFalse();
  }

  @Test
  void rejectsV2PieceLengthThatIsNotAPowerOfTwoOrTooSmall() throws Exception {
    for (int pl : new int[] {8192, 3 * 16384}) {
      BDict root = v2Root(16384, false, 5);
      BDict info = ((BDict) root.get("info")).toBuilder().put("piece length", pl).build();
      assertThatThrownBy(() -> Metainfo.parse(BencodeWriter.encode(root.toBuilder()
          .put("info", info).build())))
          .isInstanceOf(MetainfoException.class).hasMessageContaining("power of two");
    }
  }

  @Test
  void rejectsABadPiecesRoot() throws Exception {
    BDict tree = BDict.builder().put("f", BDict.builder().put("", BDict.builder()
        .put("length", 5).put("pieces root", BString.of(new byte[31])).build()).build()).build();
    BDict info = BDict.builder().put("name", "f").put("piece length", 16384)
        .put("meta version", 2).put("file tree", tree).build();
    assertThat(parseFails(info).keyPath()).isEqualTo("info.file tree.f.\"\".pieces root");
  }

  @Test
  void rejectsUnsafeNamesInTheFileTree() throws Exception {
    BDict leaf = BDict.builder().put("", BDict.builder().put("length", 0).build()).build();
    BDict tree = BDict.builder().put("..", BDict.builder().put("x", leaf).build())
        .put("ok", leaf).build();
    BDict info = BDict.builder().put("name", "d").put("piece length", 16384)
        .put("meta version", 2).put("file tree", tree).build();
    assertThat(parseFails(info).keyPath()).isEqualTo("info.file tree...");
  }

  @Test
  void rejectsAFileTreeNodeMixingFileAndDirectory() {
    BDict node = BDict.builder().put("", BDict.builder().put("length", 0).build())
        .put("child", BDict.builder().put("", BDict.builder().put("length", 0).build()).build())
        .build();
    BDict info = BDict.builder().put("name", "d").put("piece length", 16384)
        .put("meta version", 2).put("file tree", BDict.builder().put("a", node)
            .put("b", node).build()).build();
    assertThat(parseFails(info).reason()).contains("mixed");
  }

  @Test
  void parsesAHybridAndCarriesRootsOnV1Entries() throws Exception {
    Metainfo m = Metainfo.parse(BencodeWriter.encode(v2Root(16384, true, 40_000, 5, 16384)));
    assertThat(m.version()).isEqualTo(TorrentVersion.HYBRID);
    assertThat(m.infoHashes().isHybrid()).isTrue();
    assertThat(m.files()).extracting(FileEntry::pathString)
        .containsExactly("dir/f0", "dir/.pad/9152", "dir/f1", "dir/.pad/16379", "dir/f2");
    assertThat(m.files().get(0).piecesRoot()).isPresent();
    assertThat(m.files().get(1).piecesRoot()).isEmpty();
  }

  @Test
  void aHybridDirectoryHoldingOneFileKeepsItsDirectory() throws Exception {
    // libtorrent makes these: a v1 'files' list of one entry, and a file tree of one file
    Metainfo m = Metainfo.parse(BencodeWriter.encode(v2Root(16384, true, 40_000)));
    assertThat(m.version()).isEqualTo(TorrentVersion.HYBRID);
    assertThat(m.files()).extracting(FileEntry::pathString).containsExactly("dir/f0");
    assertThat(m.files().get(0).piecesRoot()).isPresent();
  }

  @Test
  void rejectsAHybridWhoseV1AndV2PartsDisagree() throws Exception {
    BDict root = v2Root(16384, true, 40_000, 5);
    BDict info = (BDict) root.get("info");
    BList files = (BList) info.get("files");
    // drop the pad: f1 no longer starts on a piece boundary, and the piece count changes
    BList noPad = BList.of(files.get(0), files.get(2));
    BDict bad = info.toBuilder().put("files", noPad).put("pieces", pieces(3)).build();
    assertThatThrownBy(() -> Metainfo.parse(BencodeWriter.encode(root.toBuilder()
        .put("info", bad).build()))).hasMessageContaining("piece boundary");
    // change a v1 length
    BList wrongLength = BList.of(files.get(0), files.get(1), file(6, "f1"));
    BDict bad2 = info.toBuilder().put("files", wrongLength).build();
    assertThatThrownBy(() -> Metainfo.parse(BencodeWriter.encode(root.toBuilder()
        .put("info", bad2).build()))).hasMessageContaining("differs");
  }

  @Test
  void checksAnInfoDictionaryFromPeersAgainstItsHash() throws Exception {
    BDict info = v1Single(100, 16384).build();
    byte[] infoBytes = BencodeWriter.encode(info);
    InfoHash h = InfoHash.of(MessageDigest.getInstance("SHA-1").digest(infoBytes));
    Metainfo m = Metainfo.fromInfoDictionary(infoBytes, InfoHashes.ofV1(h));
    assertThat(m.infoHashes().v1()).hasValue(h);
    InfoHash other = InfoHash.of(new byte[20]);
    assertThatThrownBy(() -> Metainfo.fromInfoDictionary(infoBytes, InfoHashes.ofV1(other)))
        .isInstanceOf(MetainfoException.class).hasMessageContaining("expected");
  }

  @Test
  void aBuiltDictionaryHashesItsCanonicalEncoding() throws Exception {
    BDict info = v1Single(100, 16384).build();
    Metainfo m = Metainfo.of(BDict.builder().put("info", info).build());
    assertThat(m.infoHashes().v1()).hasValue(InfoHash.of(
        MessageDigest.getInstance("SHA-1").digest(BencodeWriter.encode(info))));
  }

  @Test
  void pieceHashAccessorsReadTheRightSlice() {
    BString ps = pieces(7);
    Metainfo m = Metainfo.parse(torrent(v1Single(100_000, 16384).put("pieces", ps).build()));
    byte[] all = ps.bytes();
    assertThat(m.pieceHash(3)).isEqualTo(Arrays.copyOfRange(all, 60, 80));
    assertThat(m.pieceHashMatches(3, Arrays.copyOfRange(all, 60, 80))).isTrue();
    assertThat(m.pieceHashMatches(4, Arrays.copyOfRange(all, 60, 80))).isFalse();
    assertThatThrownBy(() -> m.pieceHash(7)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void fuzzedTorrentsFailOnlyWithMetainfoException() throws Exception {
    byte[][] seeds = {
      torrent(v1Multi(16384, file(10_000, "a"), file(30_000, "sub", "b")).build()),
      BencodeWriter.encode(v2Root(16384, true, 40_000, 5, 16384)),
      BencodeWriter.encode(v2Root(16384, false, 70_000, 0, 3)),
    };
    Random r = new Random(42);
    int cases = Integer.getInteger("bt.fuzz.cases", 20_000);
    for (int i = 0; i < cases; i++) {
      byte[] s = seeds[r.nextInt(seeds.length)].clone();
      int edits = 1 + r.nextInt(4);
      for (int e = 0; e < edits; e++) {
        int at = r.nextInt(s.length);
        switch (r.nextInt(4)) {
          case 0:
            s[at] = (byte) r.nextInt(256);
            break;
          case 1:
            s[at] = (byte) "0123456789:eild-".charAt(r.nextInt(16));
            break;
          case 2:
            s = Arrays.copyOf(s, at);
            break;
          default:
            s[at] = (byte) (s[at] ^ (1 << r.nextInt(8)));
        }
        if (s.length == 0) {
          break;
        }
      }
      try {
        Metainfo m = Metainfo.parse(s);
        m.encode();
      } catch (MetainfoException expected) {
        // fine: rejected with a reason
      } catch (Throwable t) {
        throw new AssertionError("case " + i + " escaped with " + t, t);
      }
    }
  }
}
