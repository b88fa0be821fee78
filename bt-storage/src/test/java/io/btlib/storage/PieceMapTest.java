package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class PieceMapTest {

  static Metainfo fixture(String name) throws IOException {
    try (InputStream in = PieceMapTest.class.getResourceAsStream(
        "/fixtures/libtorrent/" + name)) {
      if (in == null) {
        // the fixtures live with bt-core's tests; read them from the source tree
        return Metainfo.parse(java.nio.file.Path.of(
            "../bt-core/src/test/resources/fixtures/libtorrent/" + name));
      }
      return Metainfo.parse(in);
    }
  }

  @Test
  void v1PiecesRunAcrossFileBoundaries() throws IOException {
    // multi/: a.bin 40000, empty.txt 0, sub/b.bin 1, sub/c.bin 70001, z/deep/d.bin 33333
    PieceMap map = PieceMap.of(fixture("v1-multi.torrent"));
    assertThat(map.pieceCount()).isEqualTo(5);
    assertThat(map.slices(1, 0, 32768)).containsExactly(
        new FileSlice(0, 32768, 40000 - 32768, 0, false),
        new FileSlice(2, 0, 1, 40000 - 32768, false),
        new FileSlice(3, 0, 32768 - (40000 - 32768) - 1, 40000 - 32768 + 1, false));
    assertThat(map.pieceSize(4)).isEqualTo((int) (143335 - 4 * 32768L));
    assertThat(map.pieceRange(1)).containsExactly(-1, -1);
    assertThat(map.pieceRange(3)).containsExactly(1, 3);
  }

  @Test
  void hybridPadFilesAreMarked() throws IOException {
    PieceMap map = PieceMap.of(fixture("hybrid-multi.torrent"));
    List<FileSlice> first = map.slices(1, 0, 32768);
    assertThat(first).extracting(FileSlice::pad).containsExactly(false, true);
    assertThat(first.get(1).length()).isEqualTo(25536);
  }

  @Test
  void v2PiecesNeverSpanFiles() throws IOException {
    Metainfo m = fixture("v2-multi.torrent");
    PieceMap map = PieceMap.of(m);
    long covered = 0;
    for (int p = 0; p < map.pieceCount(); p++) {
      List<FileSlice> s = map.slices(p, 0, map.pieceSize(p));
      assertThat(s).hasSize(1);
      assertThat(s.get(0).pad()).isFalse();
      covered += s.get(0).length();
    }
    assertThat(covered).isEqualTo(m.files().stream().mapToLong(FileEntry::length).sum());
    assertThat(map.pieceSize(1)).isEqualTo(40000 - 32768);
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1-single.torrent", "v1-multi.torrent", "v2-single.torrent",
      "v2-multi.torrent", "hybrid-single.torrent", "hybrid-multi.torrent",
      "hybrid-multi-large-pieces.torrent"})
  void everyByteOfEveryFileBelongsToExactlyOnePiece(String name) throws IOException {
    Metainfo m = fixture(name);
    PieceMap map = PieceMap.of(m);
    long[] seen = new long[m.files().size()];
    for (int p = 0; p < map.pieceCount(); p++) {
      int size = map.pieceSize(p);
      int at = 0;
      for (FileSlice s : map.slices(p, 0, size)) {
        assertThat(s.pieceOffset()).isEqualTo(at);
        assertThat(s.fileOffset()).isEqualTo(seen[s.fileIndex()]);
        seen[s.fileIndex()] += s.length();
        at += s.length();
      }
      assertThat(at).isEqualTo(size);
    }
    for (int i = 0; i < seen.length; i++) {
      assertThat(seen[i]).as("bytes of file %d", i).isEqualTo(m.files().get(i).length());
    }
  }

  @Test
  void rejectsRangesOutsideThePiece() throws IOException {
    PieceMap map = PieceMap.of(fixture("v1-single.torrent"));
    assertThatThrownBy(() -> map.slices(6, 0, 16384)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> map.slices(7, 0, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> map.slices(0, -1, 1)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThat(map.slices(0, 100, 0)).isEmpty();
  }
}
