package io.btlib.cli;

import static io.btlib.cli.MainTest.assertOneLineError;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class CreateCommandTest {
  @TempDir Path tmp;

  /** The fixtures' content table (bt-core fixtures/libtorrent/README.md); index = formula's f. */
  static final String[] PATHS = {"single.bin", "multi/a.bin", "multi/sub/b.bin", "multi/sub/c.bin",
      "multi/empty.txt", "multi/z/deep/d.bin"};
  static final int[] SIZES = {100000, 40000, 1, 70001, 0, 33333};

  private void writeFixtureContent() throws IOException {
    for (int f = 0; f < PATHS.length; f++) {
      byte[] b = new byte[SIZES[f]];
      for (int j = 0; j < b.length; j++) {
        b[j] = (byte) ((j * 31) + (f * 7) + (j >> 8));
      }
      Path p = tmp.resolve(PATHS[f]);
      Files.createDirectories(p.getParent());
      Files.write(p, b);
    }
  }

  private Path write(String rel, byte[] b) throws IOException {
    Path p = tmp.resolve(rel);
    Files.createDirectories(p.getParent());
    Files.write(p, b);
    return p;
  }

  private static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  static Stream<InfoCommandTest.Expected> expected() throws IOException {
    return InfoCommandTest.expected().stream();
  }

  /** The flags that give libtorrent's options in make_fixtures.py for {@code torrent}. */
  private List<String> fixtureArgs(InfoCommandTest.Expected e, Path out) {
    List<String> args = new ArrayList<>(List.of("create", tmp.resolve(e.name()).toString(), "-o",
        out.toString(), "--piece-length", Long.toString(e.pieceLength()), "--tracker",
        "http://127.0.0.1:6969/announce", "--json"));
    args.add(e.torrent().startsWith("v1-") ? "--v1" : e.torrent().startsWith("v2-") ? "--v2"
        : "--hybrid");
    if (e.torrent().equals("v1-multi.torrent")) {
      args.addAll(List.of("--tracker", "udp://127.0.0.1:6969/announce", "--web-seed",
          "http://127.0.0.1:8080/files/", "--comment", "bt fixture", "--private"));
    }
    return args;
  }

  @ParameterizedTest
  @MethodSource("expected")
  void infoHashesMatchLibtorrent(InfoCommandTest.Expected e) throws IOException {
    writeFixtureContent();
    Path out = tmp.resolve("out.torrent");
    Run r = Run.bt(fixtureArgs(e, out).toArray(String[]::new));
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    Map<String, Object> o = TestJson.parseObject(r.out());
    assertThat(o.get("infoHashV1")).isEqualTo(e.v1());
    assertThat(o.get("infoHashV2")).isEqualTo(e.v2());
    assertThat(o.get("pieceLength")).isEqualTo(e.pieceLength());
    Metainfo m = Metainfo.parse(out);
    assertThat(m.infoHashes().v1().map(h -> h.hex()).orElse(null)).isEqualTo(e.v1());
    assertThat(m.infoHashes().v2().map(h -> h.hex()).orElse(null)).isEqualTo(e.v2());
  }

  @Test
  void jsonIsTheInfoObjectPlusHashSpeed() throws IOException {
    writeFixtureContent();
    Path out = tmp.resolve("m.torrent");
    Run r = Run.bt("create", tmp.resolve("multi").toString(), "-o", out.toString(), "--json",
        "--tracker", "http://a/announce", "--tracker", "udp://b:1", "--web-seed", "http://w/",
        "--comment", "hi", "--private");
    assertThat(r.code()).as(r.toString()).isZero();
    Map<String, Object> o = TestJson.parseObject(r.out());
    List<String> keys = new ArrayList<>(InfoCommandTest.KEYS);
    keys.add("hashMiBps");
    assertThat(o.keySet()).containsExactlyElementsOf(keys);
    assertThat(o.get("hashMiBps")).isInstanceOf(Number.class);
    assertThat(((Number) o.get("hashMiBps")).doubleValue()).isGreaterThanOrEqualTo(0);
    assertThat(o.get("trackers")).isEqualTo(List.of(List.of("http://a/announce"),
        List.of("udp://b:1")));
    assertThat(o.get("webSeeds")).isEqualTo(List.of("http://w/"));
    assertThat(o.get("private")).isEqualTo(true);
    assertThat(o.get("comment")).isEqualTo("hi");
    assertThat((String) o.get("createdBy")).startsWith("bt/");
    assertThat(o.get("creationDate")).isInstanceOf(Long.class);
    assertThat(o.get("pieceLength")).isEqualTo(32768L); // the automatic choice for a small torrent
    // the same object `bt info --json` prints for the written file
    Map<String, Object> info = InfoCommandTest.infoJson(out.toString());
    o.remove("hashMiBps");
    assertThat(o).isEqualTo(info);
  }

  @Test
  void humanOutputSummarizes() throws IOException {
    Path f = write("data.bin", random(300_000));
    Path out = tmp.resolve("d.torrent");
    Run r = Run.bt("create", f.toString(), "-o", out.toString(), "--hybrid",
        "--piece-length", "64K");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).startsWith("Wrote:        " + out + "\n")
        .contains("Name:         data.bin\n")
        .containsPattern("Info hash v1: [0-9a-f]{40}\n")
        .containsPattern("Info hash v2: [0-9a-f]{64}\n")
        .contains("Version:      hybrid (v1 + v2)\n")
        .contains("Files:        1\n")
        .contains("Total size:   293.0 KiB (300000 bytes)\n")
        .contains("Pieces:       5 x 64.0 KiB\n")
        .containsPattern("Hashed in:    \\d+\\.\\d\\d s \\(\\d+\\.\\d MiB/s\\)\n");
  }

  @Test
  void noDateGivesIdenticalFiles() throws IOException {
    writeFixtureContent();
    Path a = tmp.resolve("a.torrent");
    Path b = tmp.resolve("b.torrent");
    for (Path out : List.of(a, b)) {
      Run r = Run.bt("create", tmp.resolve("multi").toString(), "-o", out.toString(), "--no-date",
          "--v2", "--threads", "3");
      assertThat(r.code()).as(r.toString()).isZero();
    }
    assertThat(Files.readAllBytes(a)).isEqualTo(Files.readAllBytes(b));
    assertThat(Metainfo.parse(a).creationDate()).isEmpty();
  }

  @Test
  void existingOutputIsReplacedAndNoTemporaryFileRemains() throws IOException {
    Path f = write("in/data.bin", random(1000));
    Path out = write("out/x.torrent", "old".getBytes());
    Run r = Run.bt("create", f.toString(), "-o", out.toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(Metainfo.parse(out).name()).isEqualTo("data.bin");
    try (Stream<Path> s = Files.list(out.getParent())) {
      assertThat(s).containsExactly(out);
    }
  }

  // ---------------------------------------------------------------- progress

  /** A clock that moves three seconds each time it is read. */
  private static CreateCommand withClock(boolean terminal) {
    AtomicLong t = new AtomicLong();
    return new CreateCommand(() -> t.addAndGet(3_000_000_000L), () -> terminal);
  }

  @Test
  void plainProgressLinesGoToStdout() throws IOException {
    Path f = write("big.bin", random(3 << 20));
    Run r = Run.bt(List.of(withClock(false)), "create", f.toString(), "-o",
        tmp.resolve("o.torrent").toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).containsPattern("(?m)^hashed [0-9.]+ [KM]i?B of 3\\.0 MiB \\(\\d+%\\), "
        + "[0-9.]+ MiB/s$").contains("Wrote:");
    assertThat(r.err()).isEmpty();
  }

  @Test
  void withJsonProgressGoesToStderrAndStdoutStaysJson() throws IOException {
    Path f = write("big.bin", random(3 << 20));
    Run r = Run.bt(List.of(withClock(false)), "create", f.toString(), "-o",
        tmp.resolve("o.torrent").toString(), "--json");
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(TestJson.parseObject(r.out())).containsKey("hashMiBps");
    assertThat(r.err()).startsWith("hashed ");
  }

  @Test
  void terminalGetsABarRedrawnInPlace() throws IOException {
    Path f = write("big.bin", random(3 << 20));
    Run r = Run.bt(List.of(withClock(true)), "create", f.toString(), "-o",
        tmp.resolve("o.torrent").toString());
    assertThat(r.code()).as(r.toString()).isZero();
    assertThat(r.out()).startsWith("\r[").contains("] 100%  3.0 MiB / 3.0 MiB")
        .contains("MiB/s   \nWrote:");
  }

  // ---------------------------------------------------------------- errors

  @Test
  void missingOutputIsUsageError() throws IOException {
    Path f = write("f", random(10));
    assertOneLineError(Run.bt("create", f.toString()), 2, "bt: create: missing -o OUT.torrent");
  }

  @Test
  void missingPathIsUsageError() {
    assertOneLineError(Run.bt("create", "-o", "x.torrent"), 2, "bt: create: missing argument PATH");
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "1000", "16383", "49152", "2G", "abc", "-16384", "1.5M", ""})
  void badPieceLengthIsUsageError(String v) throws IOException {
    Path f = write("f", random(10));
    assertOneLineError(Run.bt("create", f.toString(), "-o", tmp.resolve("o").toString(),
        "--piece-length", v), 2, "bt: create: bad value for --piece-length: ");
  }

  @Test
  void pieceLengthSuffixes() {
    assertThat(CreateCommand.pieceLength("16384")).isEqualTo(16384);
    assertThat(CreateCommand.pieceLength("256K")).isEqualTo(262144);
    assertThat(CreateCommand.pieceLength("256kib")).isEqualTo(262144);
    assertThat(CreateCommand.pieceLength("4M")).isEqualTo(4 << 20);
    assertThat(CreateCommand.pieceLength("1024M")).isEqualTo(1 << 30);
  }

  @Test
  void twoFormatsAreUsageError() throws IOException {
    Path f = write("f", random(10));
    assertOneLineError(Run.bt("create", f.toString(), "-o", "x", "--v1", "--hybrid"), 2,
        "bt: create: --v1, --v2 and --hybrid exclude each other");
  }

  @Test
  void badTrackerIsUsageError() throws IOException {
    Path f = write("f", random(10));
    assertOneLineError(Run.bt("create", f.toString(), "-o", "x", "--tracker", "not a url"), 2,
        "bt: create: bad value for --tracker: 'not a url'");
  }

  @Test
  void badThreadsIsUsageError() throws IOException {
    Path f = write("f", random(10));
    assertOneLineError(Run.bt("create", f.toString(), "-o", "x", "--threads", "0"), 2,
        "bt: create: bad value for --threads: '0'");
  }

  @Test
  void missingSourceIsRuntimeError() {
    Path p = tmp.resolve("nope");
    Path out = tmp.resolve("o.torrent");
    assertOneLineError(Run.bt("create", p.toString(), "-o", out.toString()), 1,
        "bt: create: " + p + ": no such file or directory");
    assertThat(out).doesNotExist();
  }

  @Test
  void emptyDirectoryIsRuntimeError() throws IOException {
    Path d = Files.createDirectories(tmp.resolve("empty/sub"));
    Path out = tmp.resolve("o.torrent");
    Run r = Run.bt("create", d.getParent().toString(), "-o", out.toString());
    assertOneLineError(r, 1, "bt: create: " + d.getParent() + ": no files to make a torrent of");
    assertThat(out).doesNotExist();
  }

  @Test
  void emptyFileIsRuntimeError() throws IOException {
    Path f = write("zero", new byte[0]);
    assertOneLineError(Run.bt("create", f.toString(), "-o", tmp.resolve("o").toString()), 1,
        "bt: create: " + f + ": holds no data");
  }

  @Test
  void outputThatIsADirectoryFailsBeforeHashing() throws IOException {
    Path f = write("f", random(10));
    assertOneLineError(Run.bt("create", f.toString(), "-o", tmp.toString()), 1,
        "bt: create: " + tmp + ": is a directory");
  }

  @Test
  void outputInAMissingDirectoryFailsBeforeHashing() throws IOException {
    Path f = write("f", random(10));
    Path out = tmp.resolve("no/such/dir/o.torrent");
    assertOneLineError(Run.bt("create", f.toString(), "-o", out.toString()), 1,
        "bt: create: " + out + ": no such directory");
  }

  @Test
  void unsafeFileNameIsRuntimeError() throws IOException {
    write("d/ok", random(10));
    Path bad = write("d/aux.txt", random(10));
    assertOneLineError(Run.bt("create", tmp.resolve("d").toString(), "-o",
        tmp.resolve("o").toString()), 1, "bt: create: " + bad + ": cannot be named in a torrent");
  }

  @Test
  void helpDescribesEveryFlag() {
    Run r = Run.bt("create", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("usage: bt create PATH -o OUT.torrent");
    for (String flag : List.of("--piece-length", "--tracker", "--web-seed", "--private", "--v1",
        "--v2", "--hybrid", "--threads", "--comment", "--no-date", "--json")) {
      assertThat(r.out()).contains("  " + flag);
    }
  }
}
