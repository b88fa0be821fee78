package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The creator against libtorrent 2.0.8's {@code create_torrent}: the fixtures' content is made again
 * from its formula, and a torrent made with the options of {@code make_fixtures.py} must have the
 * same info hashes as {@code expected.tsv} lists, and in fact the same bytes as the fixture file.
 */
class TorrentCreatorFixturesTest {
  static final Path FIXTURES = Path.of("../bt-core/src/test/resources/fixtures/libtorrent");

  /** The content table of the fixtures' README: path and size; the index is the formula's f. */
  static final String[] PATHS = {"single.bin", "multi/a.bin", "multi/sub/b.bin", "multi/sub/c.bin",
      "multi/empty.txt", "multi/z/deep/d.bin"};
  static final int[] SIZES = {100000, 40000, 1, 70001, 0, 33333};

  @TempDir Path tmp;

  record Expected(String torrent, String v1, String v2, int pieceLength, int pieceCount,
      String name) {
    @Override
    public String toString() {
      return torrent;
    }
  }

  static List<Expected> expected() throws IOException {
    List<Expected> out = new ArrayList<>();
    List<String> lines = Files.readAllLines(FIXTURES.resolve("expected.tsv"));
    for (String line : lines.subList(1, lines.size())) {
      if (line.isBlank()) {
        continue;
      }
      String[] c = line.split("\t", -1);
      out.add(new Expected(c[0], c[1].equals("-") ? null : c[1], c[2].equals("-") ? null : c[2],
          Integer.parseInt(c[3]), Integer.parseInt(c[4]), c[7]));
    }
    assertThat(out).hasSize(7);
    return out;
  }

  /** Writes the six content files under {@code root} with the README's formula. */
  static void writeContent(Path root) throws IOException {
    for (int f = 0; f < PATHS.length; f++) {
      byte[] b = new byte[SIZES[f]];
      for (int j = 0; j < b.length; j++) {
        b[j] = (byte) ((j * 31) + (f * 7) + (j >> 8));
      }
      Path p = root.resolve(PATHS[f]);
      Files.createDirectories(p.getParent());
      Files.write(p, b);
    }
  }

  /** A creator with the options {@code make_fixtures.py} gives libtorrent for {@code torrent}. */
  static TorrentCreator.Builder likeMakeFixtures(Path root, Expected e) {
    TorrentVersion format = e.torrent().startsWith("v1-") ? TorrentVersion.V1
        : e.torrent().startsWith("v2-") ? TorrentVersion.V2 : TorrentVersion.HYBRID;
    TorrentCreator.Builder b = TorrentCreator.builder(root.resolve(e.name()))
        .format(format)
        .pieceLength(e.pieceLength())
        .createdBy("bt make_fixtures.py")
        .creationDate(Instant.ofEpochSecond(1700000000L))
        .tracker("http://127.0.0.1:6969/announce");
    if (e.torrent().equals("v1-multi.torrent")) {
      b.tracker("udp://127.0.0.1:6969/announce")
          .webSeed("http://127.0.0.1:8080/files/")
          .comment("bt fixture")
          .privateTorrent(true);
    }
    return b;
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expected")
  void infoHashesMatchLibtorrent(Expected e) throws IOException {
    writeContent(tmp);
    for (int threads : new int[] {1, 3}) {
      Metainfo m = likeMakeFixtures(tmp, e).threads(threads).build().create();
      assertThat(m.infoHashes().v1().map(InfoHash::hex).orElse(null)).as("v1").isEqualTo(e.v1());
      assertThat(m.infoHashes().v2().map(InfoHash::hex).orElse(null)).as("v2").isEqualTo(e.v2());
      assertThat(m.pieceLength()).isEqualTo(e.pieceLength());
      assertThat(m.pieceCount()).isEqualTo(e.pieceCount());
      assertThat(m.name()).isEqualTo(e.name());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("expected")
  void wholeFileIsByteIdenticalToLibtorrent(Expected e) throws IOException {
    writeContent(tmp);
    Metainfo m = likeMakeFixtures(tmp, e).build().create();
    assertThat(m.encode()).isEqualTo(Files.readAllBytes(FIXTURES.resolve(e.torrent())));
  }
}
