package io.btlib.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code bt verify} on the libtorrent fixtures, rebuilt from their content formula. */
class VerifyCommandTest {
  static final Path FIXTURES = Path.of("../bt-core/src/test/resources/fixtures/libtorrent");
  static final Map<String, Integer> NUMBER = Map.of("single.bin", 0, "multi/a.bin", 1,
      "multi/sub/b.bin", 2, "multi/sub/c.bin", 3, "multi/empty.txt", 4, "multi/z/deep/d.bin", 5);

  @TempDir Path dir;

  static void writeFiles(Metainfo m, Path root) throws IOException {
    for (FileEntry f : m.files()) {
      if (f.isPad()) {
        continue;
      }
      Path p = root;
      for (String c : f.path()) {
        p = p.resolve(c);
      }
      Files.createDirectories(p.getParent());
      byte[] b = new byte[(int) f.length()];
      int n = NUMBER.get(f.pathString());
      for (int j = 0; j < b.length; j++) {
        b[j] = (byte) ((j * 31L) + (n * 7L) + (j >> 8));
      }
      Files.write(p, b);
    }
  }

  static VerifyCommand command() {
    return new VerifyCommand(System::nanoTime, () -> false);
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1-multi.torrent", "v2-multi.torrent", "hybrid-multi.torrent",
      "v1-single.torrent", "hybrid-single.torrent"})
  void reportsEveryPieceGoodForIntactData(String name) throws IOException {
    Path torrent = FIXTURES.resolve(name);
    writeFiles(Metainfo.parse(torrent), dir);
    Run r = Run.bt(List.of(command()), "verify", torrent.toString(), dir.toString(), "--json");
    assertThat(r.code()).as(r.err()).isZero();
    Map<String, Object> o = TestJson.parseObject(r.out());
    assertThat(o.get("good")).isEqualTo(o.get("pieceCount"));
    assertThat((List<?>) o.get("bad")).isEmpty();
    assertThat((List<?>) o.get("missingFiles")).isEmpty();
    assertThat(o).containsKeys("seconds", "hashMiBps");
  }

  @Test
  void namesBadPiecesAndMissingFilesAndExitsOne() throws IOException {
    Path torrent = FIXTURES.resolve("v1-multi.torrent");
    Metainfo m = Metainfo.parse(torrent);
    writeFiles(m, dir);
    Path c = dir.resolve("multi/sub/c.bin"); // pieces 1 to 3
    byte[] b = Files.readAllBytes(c);
    b[40_000] ^= 1; // offset 40001 + 40000 in the stream: piece 2
    Files.write(c, b);
    Files.delete(dir.resolve("multi/z/deep/d.bin")); // pieces 3 and 4
    Run r = Run.bt(List.of(command()), "verify", torrent.toString(), dir.toString(), "--json");
    assertThat(r.code()).isEqualTo(1);
    Map<String, Object> o = TestJson.parseObject(r.out());
    assertThat(o.get("bad")).isEqualTo(List.of(2L, 3L, 4L));
    assertThat(o.get("missingFiles")).isEqualTo(List.of("multi/z/deep/d.bin"));
    assertThat(o.get("good")).isEqualTo(2L);
  }

  @Test
  void humanOutputSummarises() throws IOException {
    Path torrent = FIXTURES.resolve("v1-multi.torrent");
    Run r = Run.bt(List.of(command()), "verify", torrent.toString(), dir.toString());
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.out()).contains("0 of 5 good").contains("bad           0-4")
        .contains("missing       multi/a.bin");
  }

  @Test
  void badUsageAndBadPathsGiveOneLine() throws IOException {
    Path torrent = FIXTURES.resolve("v1-multi.torrent");
    Run usage = Run.bt(List.of(command()), "verify", torrent.toString());
    assertThat(usage.code()).isEqualTo(2);
    Run notDir = Run.bt(List.of(command()), "verify", torrent.toString(),
        dir.resolve("nope").toString());
    assertThat(notDir.code()).isEqualTo(1);
    assertThat(notDir.errLines()).hasSize(1);
    Run badTorrent = Run.bt(List.of(command()), "verify", dir.toString(), dir.toString());
    assertThat(badTorrent.code()).isEqualTo(1);
    assertThat(badTorrent.errLines()).hasSize(1);
    Run threads = Run.bt(List.of(command()), "verify", torrent.toString(), dir.toString(),
        "--threads", "0");
    assertThat(threads.code()).isEqualTo(2);
  }
}
