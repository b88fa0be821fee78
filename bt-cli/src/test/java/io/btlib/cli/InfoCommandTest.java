package io.btlib.cli;

import static io.btlib.cli.MainTest.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import io.btlib.metainfo.InfoHash;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class InfoCommandTest {
  /** libtorrent-made fixtures; surefire runs in the bt-cli module directory. */
  static final Path FIXTURES = Path.of("../bt-core/src/test/resources/fixtures/libtorrent");

  static final List<String> KEYS = List.of("name", "infoHashV1", "infoHashV2", "pieceLength",
      "pieceCount", "totalSize", "private", "trackers", "webSeeds", "files", "creationDate",
      "comment", "createdBy", "leniencies");

  @TempDir Path tmp;

  record Expected(String torrent, String v1, String v2, long pieceLength, long pieceCount,
      long totalSize, String name, String magnet) {}

  static List<Expected> expected() throws IOException {
    List<Expected> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(FIXTURES.resolve("expected.tsv"));
    assertThat(lines.get(0)).isEqualTo(
        "torrent\tv1_info_hash\tv2_info_hash\tpiece_length\tnum_pieces\ttotal_size\tnum_files\tname\tmagnet");
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      String[] c = line.split("\t", -1);
      out.add(new Expected(c[0], dash(c[1]), dash(c[2]), Long.parseLong(c[3]),
          Long.parseLong(c[4]), Long.parseLong(c[5]), c[7], c[8]));
    }
    assertThat(out).hasSizeGreaterThanOrEqualTo(7);
    return out;
  }

  private static String dash(String s) {
    return s.equals("-") ? null : s;
  }

  /** The non-pad and pad files libtorrent lists for {@code torrent}, as {@code {path, length, pad}}. */
  static List<Map<String, Object>> expectedFiles(String torrent) throws IOException {
    List<Map<String, Object>> out = new ArrayList<>();
    for (String line : Files.readAllLines(FIXTURES.resolve("files.tsv"))) {
      String[] c = line.split("\t", -1);
      if (c[0].equals(torrent)) {
        Map<String, Object> f = new LinkedHashMap<>();
        f.put("path", c[2]);
        f.put("length", Long.parseLong(c[3]));
        f.put("pad", c[4].equals("1"));
        out.add(f);
      }
    }
    return out;
  }

  static Map<String, Object> infoJson(String arg) {
    Run r = Run.bt("info", "--json", arg);
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).endsWith("\n");
    assertThat(r.out().lines().count()).isEqualTo(1);
    Map<String, Object> o = TestJson.parseObject(r.out());
    assertThat(o.keySet()).containsExactlyElementsOf(KEYS);
    return o;
  }

  // ---------------------------------------------------------------- libtorrent acceptance

  @ParameterizedTest
  @MethodSource("expected")
  void torrentJsonMatchesLibtorrent(Expected e) throws IOException {
    Map<String, Object> o = infoJson(FIXTURES.resolve(e.torrent()).toString());
    assertThat(o.get("infoHashV1")).isEqualTo(e.v1());
    assertThat(o.get("infoHashV2")).isEqualTo(e.v2());
    assertThat(o.get("name")).isEqualTo(e.name());
    assertThat(o.get("pieceLength")).isEqualTo(e.pieceLength());
    assertThat(o.get("pieceCount")).isEqualTo(e.pieceCount());
    List<Map<String, Object>> files = expectedFiles(e.torrent());
    if (e.v1() == null) {
      // libtorrent lists virtual pad files (and counts their bytes) for v2-only torrents; the
      // torrent itself has none.
      files.removeIf(f -> (Boolean) f.get("pad"));
    } else {
      assertThat(o.get("totalSize")).isEqualTo(e.totalSize());
    }
    assertThat(o.get("files")).isEqualTo(files);
    assertThat(o.get("totalSize")).isEqualTo(
        files.stream().mapToLong(f -> (Long) f.get("length")).sum());
  }

  @ParameterizedTest
  @MethodSource("expected")
  void magnetJsonMatchesLibtorrent(Expected e) {
    Map<String, Object> o = infoJson(e.magnet());
    assertThat(o.get("infoHashV1")).isEqualTo(e.v1());
    assertThat(o.get("infoHashV2")).isEqualTo(e.v2());
    assertThat(o.get("name")).isEqualTo(e.name());
    assertThat((List<?>) o.get("trackers")).hasSize(1);
    for (String k : List.of("pieceLength", "pieceCount", "totalSize", "private", "files",
        "creationDate", "comment", "createdBy")) {
      assertThat(o.get(k)).as(k).isNull();
    }
  }

  @ParameterizedTest
  @MethodSource("expected")
  void base32MagnetGivesTheSameV1Hash(Expected e) {
    if (e.v1() == null) {
      return;
    }
    String base32 = InfoHash.fromHex(e.v1()).base32();
    Map<String, Object> o = infoJson("magnet:?xt=urn:btih:" + base32);
    assertThat(o.get("infoHashV1")).isEqualTo(e.v1());
    assertThat(o.get("infoHashV2")).isNull();
    Map<String, Object> lower = infoJson("magnet:?xt=urn:btih:" + base32.toLowerCase());
    assertThat(lower.get("infoHashV1")).isEqualTo(e.v1());
  }

  // ---------------------------------------------------------------- JSON structure

  @Test
  void torrentJsonHasEveryField() {
    Map<String, Object> o = infoJson(FIXTURES.resolve("v1-multi.torrent").toString());
    assertThat(o.get("name")).isEqualTo("multi");
    assertThat(o.get("infoHashV1")).isEqualTo("af08feb662a40916a5ae22351c587992e0e43a6f");
    assertThat(o.get("infoHashV2")).isNull();
    assertThat(o.get("pieceLength")).isEqualTo(32768L);
    assertThat(o.get("pieceCount")).isEqualTo(5L);
    assertThat(o.get("totalSize")).isEqualTo(143335L);
    assertThat(o.get("private")).isIn(true, false);
    assertThat(o.get("trackers")).isEqualTo(List.of(
        List.of("http://127.0.0.1:6969/announce"), List.of("udp://127.0.0.1:6969/announce")));
    assertThat(o.get("webSeeds")).isEqualTo(List.of("http://127.0.0.1:8080/files/"));
    assertThat(o.get("creationDate")).isEqualTo(1700000000L);
    assertThat(o.get("comment")).isEqualTo("bt fixture");
    assertThat(o.get("createdBy")).isEqualTo("bt make_fixtures.py");
    assertThat((List<?>) o.get("files")).hasSize(5).first().isEqualTo(
        Map.of("path", "multi/a.bin", "length", 40000L, "pad", false));
  }

  @Test
  void hybridJsonMarksPadFiles() {
    Map<String, Object> o = infoJson(FIXTURES.resolve("hybrid-multi.torrent").toString());
    @SuppressWarnings("unchecked")
    List<Map<String, Object>> files = (List<Map<String, Object>>) o.get("files");
    assertThat(files).filteredOn(f -> (Boolean) f.get("pad")).isNotEmpty()
        .allSatisfy(f -> assertThat((String) f.get("path")).startsWith("multi/.pad/"));
  }

  private Path write(String name, byte[] bytes) throws IOException {
    Path p = tmp.resolve(name);
    Files.write(p, bytes);
    return p;
  }

  private static Map<String, Object> singleFileInfo(String name, long length, int pieceLength,
      int hashes) {
    Map<String, Object> info = new LinkedHashMap<>();
    info.put("name", name);
    info.put("length", length);
    info.put("piece length", pieceLength);
    info.put("pieces", new byte[20 * hashes]);
    return info;
  }

  @Test
  void minimalTorrentHasNullsForAbsentFieldsAndEscapedText() throws IOException {
    String comment = "say \"hi\"\\ \n\t\u0001 é 漢 \uD83D\uDE00";
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("info", singleFileInfo("naïve \"file\".bin", 5, 16384, 1));
    root.put("comment", comment);
    Path p = write("min.torrent", TestBencode.encode(root));
    Run r = Run.bt("info", "--json", p.toString());
    assertThat(r.out()).contains("\\\"hi\\\"\\\\ \\u000a\\u0009\\u0001 é 漢 \uD83D\uDE00");
    Map<String, Object> o = infoJson(p.toString());
    assertThat(o.get("name")).isEqualTo("naïve \"file\".bin");
    assertThat(o.get("comment")).isEqualTo(comment);
    assertThat(o.get("creationDate")).isNull();
    assertThat(o.get("createdBy")).isNull();
    assertThat(o.get("trackers")).isEqualTo(List.of());
    assertThat(o.get("webSeeds")).isEqualTo(List.of());
    assertThat(o.get("private")).isEqualTo(false);
    assertThat(o.get("files")).isEqualTo(List.of(
        Map.of("path", "naïve \"file\".bin", "length", 5L, "pad", false)));
  }

  /** Torrents with a trailing newline are opened, as every major client opens them. */
  @Test
  void aTrailingNewlineIsAcceptedAndShown() throws IOException {
    byte[] canonical = TestBencode.encode(Map.of("info", singleFileInfo("n.bin", 5, 16384, 1)));
    byte[] bytes = java.util.Arrays.copyOf(canonical, canonical.length + 1);
    bytes[canonical.length] = '\n';
    Path p = write("newline.torrent", bytes);
    Run r = Run.bt("info", p.toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).contains("Non-canonical bencode (accepted):")
        .contains("bytes after the end of the torrent at byte " + canonical.length);
    Map<String, Object> o = infoJson(p.toString());
    assertThat(o.get("leniencies")).isEqualTo(List.of(
        Map.of("kind", "TRAILING_BYTES", "offset", (long) canonical.length)));
    assertThat(infoJson(write("canonical.torrent", canonical).toString()).get("leniencies"))
        .isEqualTo(List.of());
  }

  @Test
  void privateFlagIsReported() throws IOException {
    Map<String, Object> info = singleFileInfo("p.bin", 5, 16384, 1);
    info.put("private", 1);
    Path p = write("private.torrent", TestBencode.encode(Map.of("info", info)));
    assertThat(infoJson(p.toString()).get("private")).isEqualTo(true);
  }

  @Test
  void magnetJsonPutsAllTrackersInOneTier() {
    Map<String, Object> o = infoJson("magnet:?xt=urn:btih:af08feb662a40916a5ae22351c587992e0e43a6f"
        + "&dn=My%20File&tr=http%3A%2F%2Fa%2Fannounce&tr=udp%3A%2F%2Fb%3A80&ws=http%3A%2F%2Fw%2F");
    assertThat(o.get("name")).isEqualTo("My File");
    assertThat(o.get("trackers")).isEqualTo(List.of(List.of("http://a/announce", "udp://b:80")));
    assertThat(o.get("webSeeds")).isEqualTo(List.of("http://w/"));
  }

  @Test
  void bareMagnetHasNoTrackerTiersAndNoName() {
    Map<String, Object> o = infoJson("magnet:?xt=urn:btih:af08feb662a40916a5ae22351c587992e0e43a6f");
    assertThat(o.get("name")).isNull();
    assertThat(o.get("trackers")).isEqualTo(List.of());
    assertThat(o.get("webSeeds")).isEqualTo(List.of());
  }

  @Test
  void jsonFlagMayComeFirstOrAfterDoubleDash() {
    String t = FIXTURES.resolve("v1-single.torrent").toString();
    assertThat(Run.bt("info", t, "--json").out()).isEqualTo(Run.bt("info", "--json", "--", t).out());
  }

  // ---------------------------------------------------------------- human output

  @Test
  void humanOutputSummarizesATorrent() {
    Run r = Run.bt("info", FIXTURES.resolve("hybrid-multi.torrent").toString());
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out())
        .contains("Name:         multi\n")
        .contains("Info hash v1: 2e61bd8aec78023c463517ee0ab6e4383ca18bd5\n")
        .contains("Info hash v2: 86c9d4422c91453925d865f6f6341d866608faa867d92dddc663322c14733c60\n")
        .contains("Version:      hybrid (v1 + v2)\n")
        .contains("Total size:   256.0 KiB (262144 bytes)\n")
        .contains("Pieces:       8 x 32.0 KiB\n")
        .contains("Private:      no\n")
        .contains("Created:      2023-11-14T22:13:20Z\n")
        .contains("Created by:   bt make_fixtures.py\n")
        .contains("  tier 1:   http://127.0.0.1:6969/announce\n")
        .contains("Files: 5 (and 4 pad files of 116.0 KiB, not shown)\n")
        .contains("    68.4 KiB  multi/sub/c.bin\n")
        .doesNotContain(".pad/");
  }

  @Test
  void humanOutputShowsTiersAndWebSeeds() {
    Run r = Run.bt("info", FIXTURES.resolve("v1-multi.torrent").toString());
    assertThat(r.out())
        .contains("Version:      v1\n")
        .contains("Comment:      bt fixture\n")
        .contains("  tier 2:   udp://127.0.0.1:6969/announce\n")
        .contains("Web seeds:\n  http://127.0.0.1:8080/files/\n")
        .contains("Files: 5\n");
  }

  @Test
  void humanOutputEscapesTerminalControls() throws IOException {
    Map<String, Object> root = new LinkedHashMap<>();
    root.put("info", singleFileInfo("f.bin", 5, 16384, 1));
    root.put("comment", "\u001b]0;pwned\u0007\nfake line\u202e");
    Path p = write("esc.torrent", TestBencode.encode(root));
    Run r = Run.bt("info", p.toString());
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Comment:      \\u001b]0;pwned\\u0007\\u000afake line\\u202e\n")
        .doesNotContain("\u001b").doesNotContain("\u202e");
  }

  @Test
  void humanOutputForAMagnet() {
    Run r = Run.bt("info", "magnet:?xt=urn:btih:af08feb662a40916a5ae22351c587992e0e43a6f&dn=x"
        + "&tr=http%3A%2F%2Fa%2Fannounce");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Name:         x\n")
        .contains("Info hash v1: af08feb662a40916a5ae22351c587992e0e43a6f\n")
        .contains("  tier 1:   http://a/announce\n");
  }

  @Test
  void humanSizes() {
    assertThat(InfoCommand.bytes(0)).isEqualTo("0 B");
    assertThat(InfoCommand.bytes(1023)).isEqualTo("1023 B");
    assertThat(InfoCommand.bytes(1024)).isEqualTo("1.0 KiB");
    assertThat(InfoCommand.bytes(1536)).isEqualTo("1.5 KiB");
    assertThat(InfoCommand.bytes(1024 * 1024 - 1)).isEqualTo("1.0 MiB");
    assertThat(InfoCommand.bytes(5L << 30)).isEqualTo("5.0 GiB");
    assertThat(InfoCommand.bytes(Long.MAX_VALUE)).isEqualTo("8.0 EiB");
  }

  // ---------------------------------------------------------------- hostile inputs

  static Stream<Arguments> hostileTorrents() {
    Map<String, Object> traversal = new LinkedHashMap<>();
    traversal.put("name", "x");
    traversal.put("piece length", 16384);
    traversal.put("pieces", new byte[20]);
    traversal.put("files", List.of(Map.of("length", 5, "path", List.of("..", "..", "etc", "passwd"))));
    Map<String, Object> absolute = new LinkedHashMap<>(traversal);
    absolute.put("files", List.of(Map.of("length", 5, "path", List.of("/etc/passwd"))));
    byte[] valid = readFixture("v1-multi.torrent");
    return Stream.of(
        Arguments.of("empty", new byte[0], "not valid bencode"),
        Arguments.of("not bencode", "hello, world\n".getBytes(StandardCharsets.UTF_8), "not valid bencode"),
        Arguments.of("not a dictionary", "i42e".getBytes(StandardCharsets.US_ASCII), "dictionary"),
        Arguments.of("no info", "de".getBytes(StandardCharsets.US_ASCII), "info"),
        Arguments.of("truncated", Arrays.copyOf(valid, valid.length / 2), "not valid bencode"),
        Arguments.of("truncated by one", Arrays.copyOf(valid, valid.length - 1), "not valid bencode"),
        Arguments.of("list nesting bomb", "l".repeat(10_000_000).getBytes(StandardCharsets.US_ASCII), "nesting"),
        Arguments.of("dict nesting bomb", "d1:a".repeat(2_000_000).getBytes(StandardCharsets.US_ASCII), "nesting"),
        Arguments.of("length bomb", "d4:infod6:pieces99999999999:".getBytes(StandardCharsets.US_ASCII), "length"),
        Arguments.of("path traversal", TestBencode.encode(Map.of("info", traversal)), "info.files[0].path"),
        Arguments.of("slash in path", TestBencode.encode(Map.of("info", absolute)), "info.files[0].path"),
        Arguments.of("dot-dot name", TestBencode.encode(Map.of("info", singleFileInfo("..", 5, 16384, 1))), "info.name"),
        Arguments.of("control chars in name", TestBencode.encode(Map.of("info", singleFileInfo("a\nb\u001b[2J", 5, 16384, 1))), "info.name"),
        Arguments.of("too few piece hashes", TestBencode.encode(Map.of("info", singleFileInfo("f", 100000, 16384, 1))), "pieces"),
        Arguments.of("too many piece hashes", TestBencode.encode(Map.of("info", singleFileInfo("f", 5, 16384, 2))), "pieces"),
        Arguments.of("negative length", TestBencode.encode(Map.of("info", singleFileInfo("f", -5, 16384, 1))), "length"),
        Arguments.of("zero piece length", TestBencode.encode(Map.of("info", singleFileInfo("f", 5, 0, 1))), "piece length"));
  }

  private static byte[] readFixture(String name) {
    try {
      return Files.readAllBytes(FIXTURES.resolve(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] c = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("hostileTorrents")
  void hostileTorrentIsOneLineExit1(String what, byte[] bytes, String mentions) throws IOException {
    Path p = write("hostile.torrent", bytes);
    for (String[] args : List.of(new String[] {"info", p.toString()}, new String[] {"info", "--json", p.toString()})) {
      Run r = assertTimeoutPreemptively(Duration.ofSeconds(30), () -> Run.bt(args));
      assertOneLineError(r, 1, "bt: info: " + p + ": invalid torrent: ");
      assertThat(r.err()).contains(mentions);
    }
  }

  @Test
  void missingFile() {
    Path p = tmp.resolve("missing.torrent");
    assertOneLineError(Run.bt("info", p.toString()), 1, "bt: info: " + p + ": no such file");
  }

  @Test
  void directory() {
    assertOneLineError(Run.bt("info", "--json", tmp.toString()), 1,
        "bt: info: " + tmp + ": is a directory");
  }

  @Test
  void invalidPath() {
    assertOneLineError(Run.bt("info", "a\u0000b"), 1, "bt: info: a\\u0000b: not a valid path");
  }

  @Test
  void emptyArgumentIsUsageError() {
    assertOneLineError(Run.bt("info", ""), 2, "bt: info: empty TORRENT|MAGNET argument");
  }

  @Test
  void unreadableFile() throws IOException {
    Path p = write("secret.torrent", readFixture("v1-single.torrent"));
    if (!p.toFile().setReadable(false) || Files.isReadable(p)) {
      return; // running as root: permissions are not enforced
    }
    assertOneLineError(Run.bt("info", p.toString()), 1, "bt: info: " + p + ": permission denied");
  }

  @ParameterizedTest
  @ValueSource(longs = {(64L << 20) + 1, 10L << 30})
  void hugeFileIsRejectedBySizeWithoutReadingIt(long size) throws IOException {
    Path p = tmp.resolve("huge.torrent");
    try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
      f.setLength(size); // sparse: takes no disk space
    }
    Run r = assertTimeoutPreemptively(Duration.ofSeconds(10), () -> Run.bt("info", "--json", p.toString()));
    assertOneLineError(r, 1, "bt: info: " + p + ": invalid torrent: ");
    assertThat(r.err()).contains(Long.toString(size)).contains("limit");
  }

  @ParameterizedTest
  @ValueSource(strings = {
      "magnet:",
      "magnet:?",
      "magnet:?dn=no-hash",
      "magnet:?xt=urn:btih:zz",
      "magnet:?xt=urn:btih:af08feb662a40916a5ae22351c587992e0e43a6", // 39 hex
      "magnet:?xt=urn:btmh:1220abcd",
      "magnet:?xt=urn:btih:af08feb662a40916a5ae22351c587992e0e43a6f&dn=%ZZ",
      "magnet:?xt=urn:btih:af08feb662a40916a5ae22351c587992e0e43a6f&dn=%C3%28",
      "MAGNET:xt=urn:btih:af08feb662a40916a5ae22351c587992e0e43a6f",
      "magnet:?xt=urn:btih:%0a%1b[2J"})
  void badMagnetIsOneLineExit1(String magnet) {
    Run r = Run.bt("info", "--json", magnet);
    assertOneLineError(r, 1, "bt: info: bad magnet link: ");
  }

  @Test
  void hugeMagnetIsOneLineExit1() {
    String magnet = "magnet:?xt=urn:btih:af08feb662a40916a5ae22351c587992e0e43a6f&dn="
        + "x".repeat(1 << 20);
    Run r = Run.bt("info", magnet);
    assertOneLineError(r, 1, "bt: info: bad magnet link: ");
    assertThat(r.err().length()).isLessThan(Text.MAX_LINE + 100);
  }

  @Test
  void manyParameterMagnetIsOneLineExit1() {
    String magnet = "magnet:?xt=urn:btih:af08feb662a40916a5ae22351c587992e0e43a6f"
        + "&x=1".repeat(5000);
    assertOneLineError(Run.bt("info", magnet), 1, "bt: info: bad magnet link: ");
  }
}
