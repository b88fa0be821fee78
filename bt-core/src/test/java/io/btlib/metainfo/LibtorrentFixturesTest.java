package io.btlib.metainfo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Torrents made by libtorrent 2.0.8 (see fixtures/libtorrent/README.md): bt must report the same
 * info hashes, piece geometry and file layout that libtorrent reports for them.
 */
class LibtorrentFixturesTest {
  private static final String DIR = "/fixtures/libtorrent/";

  record Expected(String torrent, String v1, String v2, int pieceLength, int pieces, long total,
      int files, String name, String magnet) {}

  record ExpectedFile(String torrent, int index, String path, long size, boolean pad, String root,
      long offset) {}

  static Stream<Expected> torrents() throws IOException {
    return lines("expected.tsv").stream().map(c -> new Expected(c[0], c[1], c[2],
        Integer.parseInt(c[3]), Integer.parseInt(c[4]), Long.parseLong(c[5]),
        Integer.parseInt(c[6]), c[7], c[8]));
  }

  static List<ExpectedFile> files(String torrent) throws IOException {
    List<ExpectedFile> out = new ArrayList<>();
    for (String[] c : lines("files.tsv")) {
      if (c[0].equals(torrent)) {
        out.add(new ExpectedFile(c[0], Integer.parseInt(c[1]), c[2], Long.parseLong(c[3]),
            c[4].equals("1"), c[5], Long.parseLong(c[6])));
      }
    }
    return out;
  }

  static byte[] resource(String name) throws IOException {
    try (InputStream in = LibtorrentFixturesTest.class.getResourceAsStream(DIR + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    }
  }

  private static List<String[]> lines(String name) throws IOException {
    String text = new String(resource(name), StandardCharsets.UTF_8);
    List<String[]> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (!line.isBlank() && !line.startsWith("torrent\t")) {
        out.add(line.split("\t"));
      }
    }
    return out;
  }

  @ParameterizedTest
  @MethodSource("torrents")
  void reportsTheSameInfoHashesAsLibtorrent(Expected e) throws IOException {
    Metainfo m = Metainfo.parse(resource(e.torrent()));
    assertThat(m.infoHashes().v1().map(InfoHash::hex).orElse("-")).isEqualTo(e.v1());
    assertThat(m.infoHashes().v2().map(InfoHash::hex).orElse("-")).isEqualTo(e.v2());
    assertThat(m.name()).isEqualTo(e.name());
    assertThat(m.pieceLength()).isEqualTo(e.pieceLength());
    assertThat(m.pieceCount()).isEqualTo(e.pieces());
    assertThat(m.version()).isEqualTo(e.v1().equals("-") ? TorrentVersion.V2
        : e.v2().equals("-") ? TorrentVersion.V1 : TorrentVersion.HYBRID);
  }

  @ParameterizedTest
  @MethodSource("torrents")
  void laysOutFilesAsLibtorrentDoes(Expected e) throws IOException {
    Metainfo m = Metainfo.parse(resource(e.torrent()));
    List<ExpectedFile> want = files(e.torrent());
    // libtorrent lists virtual pad files for v2-only torrents; they are not in the torrent
    if (m.version() == TorrentVersion.V2) {
      want.removeIf(ExpectedFile::pad);
    } else {
      assertThat(m.totalSize()).isEqualTo(e.total());
    }
    assertThat(m.files()).hasSize(want.size());
    for (int i = 0; i < want.size(); i++) {
      FileEntry f = m.files().get(i);
      ExpectedFile w = want.get(i);
      assertThat(f.pathString()).as("file %d path", i).isEqualTo(w.path());
      assertThat(f.length()).as("file %d length", i).isEqualTo(w.size());
      assertThat(f.isPad()).as("file %d pad", i).isEqualTo(w.pad());
      assertThat(f.offset()).as("file %d offset", i).isEqualTo(w.offset());
      if (!w.root().equals("-") && !w.pad() && w.size() > 0) {
        assertThat(f.piecesRoot()).as("file %d root", i).hasValue(MerkleRoot.fromHex(w.root()));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("torrents")
  void writesTheTorrentBackByteForByte(Expected e) throws IOException {
    byte[] original = resource(e.torrent());
    assertThat(Metainfo.parse(original).encode()).isEqualTo(original);
  }

  @ParameterizedTest
  @MethodSource("torrents")
  void pieceSizesAddUpToEachFile(Expected e) throws IOException {
    Metainfo m = Metainfo.parse(resource(e.torrent()));
    long sum = 0;
    for (int i = 0; i < m.pieceCount(); i++) {
      sum += m.pieceSize(i);
    }
    long want = m.version() == TorrentVersion.V2
        ? m.files().stream().mapToLong(FileEntry::length).sum() : m.totalSize();
    assertThat(sum).isEqualTo(want);
  }

  @ParameterizedTest
  @MethodSource("torrents")
  void libtorrentsMagnetParsesToTheSameInfoHashes(Expected e) throws IOException {
    Metainfo m = Metainfo.parse(resource(e.torrent()));
    MagnetLink link = MagnetLink.parse(e.magnet());
    assertThat(link.infoHashes()).isEqualTo(m.infoHashes());
    assertThat(link.displayName()).hasValue(m.name());
    assertThat(link.trackers()).containsExactlyElementsOf(
        m.trackerTiers().stream().flatMap(List::stream).toList());
  }
}
