package io.btlib.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.Map;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Checks pieces of the libtorrent fixtures, rebuilt from the fixtures' content formula (see
 * fixtures/libtorrent/README.md), against their v1, v2 and hybrid hashes.
 */
class PieceVerifierTest {
  static final Map<String, Integer> FILE_NUMBER = Map.of("single.bin", 0, "multi/a.bin", 1,
      "multi/sub/b.bin", 2, "multi/sub/c.bin", 3, "multi/empty.txt", 4, "multi/z/deep/d.bin", 5);

  static Metainfo fixture(String name) throws IOException {
    try (InputStream in = PieceVerifierTest.class.getResourceAsStream(
        "/fixtures/libtorrent/" + name)) {
      return Metainfo.parse(in);
    }
  }

  /** The fixtures' content: byte j of file f. */
  static byte content(int f, long j) {
    return (byte) ((j * 31) + (f * 7L) + (j >> 8));
  }

  /** The torrent's piece-aligned stream: files in order, pads (listed or v2-implied) as zeros. */
  static byte[] stream(Metainfo m) {
    long end = 0;
    for (FileEntry f : m.files()) {
      end = Math.max(end, f.endOffset());
    }
    byte[] s = new byte[(int) end];
    for (FileEntry f : m.files()) {
      if (f.isPad()) {
        continue;
      }
      int number = FILE_NUMBER.get(f.pathString());
      for (long j = 0; j < f.length(); j++) {
        s[(int) (f.offset() + j)] = content(number, j);
      }
    }
    return s;
  }

  static ByteBuffer piece(Metainfo m, byte[] stream, int i) {
    return ByteBuffer.wrap(stream, i * m.pieceLength(), m.pieceSize(i)).slice();
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1-single.torrent", "v1-multi.torrent", "v2-single.torrent",
      "v2-multi.torrent", "hybrid-single.torrent", "hybrid-multi.torrent",
      "hybrid-multi-large-pieces.torrent"})
  void acceptsEveryGoodPieceAndRejectsACorruptedOne(String name) throws IOException {
    Metainfo m = fixture(name);
    PieceVerifier v = PieceVerifier.of(m);
    byte[] s = stream(m);
    for (int i = 0; i < m.pieceCount(); i++) {
      assertThat(v.canVerify(i)).isTrue();
      assertThat(v.verify(i, piece(m, s, i))).as("piece %d", i).isTrue();
      byte[] bad = s.clone();
      bad[i * m.pieceLength() + m.pieceSize(i) / 2] ^= 0x40;
      assertThat(v.verify(i, piece(m, bad, i))).as("corrupted piece %d", i).isFalse();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1-multi.torrent", "v2-multi.torrent", "hybrid-multi.torrent"})
  void streamedChecksAgreeWithWholeChecksForAnyChunking(String name) throws IOException {
    Metainfo m = fixture(name);
    PieceVerifier v = PieceVerifier.of(m);
    PieceVerifier.Check c = v.newCheck();
    byte[] s = stream(m);
    for (int chunk : new int[] {1, 7, 1000, 16384, 16385, 1 << 20}) {
      for (int i = 0; i < m.pieceCount(); i++) {
        c.start(i);
        ByteBuffer p = piece(m, s, i);
        while (p.hasRemaining()) {
          ByteBuffer part = p.duplicate();
          part.limit(Math.min(p.limit(), p.position() + chunk));
          p.position(part.limit());
          c.update(part);
        }
        assertThat(c.remaining()).isZero();
        assertThat(c.finish()).as("piece %d in chunks of %d", i, chunk).isTrue();
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1-multi.torrent", "v2-multi.torrent", "hybrid-multi.torrent"})
  void wrongLengthsAreRejectedNotMisread(String name) throws IOException {
    Metainfo m = fixture(name);
    PieceVerifier v = PieceVerifier.of(m);
    byte[] s = stream(m);
    ByteBuffer shortPiece = ByteBuffer.wrap(s, 0, m.pieceSize(0) - 1);
    assertThat(v.verify(0, shortPiece)).isFalse();
    PieceVerifier.Check c = v.newCheck();
    c.start(0);
    c.update(ByteBuffer.wrap(s, 0, 10));
    assertThatThrownBy(c::finish).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("only 10 fed");
    c.start(0);
    assertThatThrownBy(() -> c.update(ByteBuffer.wrap(s, 0, m.pieceSize(0) + 1)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> v.verify(m.pieceCount(), ByteBuffer.allocate(1)))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @ParameterizedTest
  @ValueSource(strings = {"hybrid-multi.torrent"})
  void aHybridNeedsBothHashesToAgree(String name) throws IOException {
    Metainfo m = fixture(name);
    assertThat(m.version()).isEqualTo(TorrentVersion.HYBRID);
    PieceVerifier v = PieceVerifier.of(m);
    byte[] s = stream(m);
    // a non-zero byte inside a pad file changes only the SHA-1 input: still a failure
    byte[] bad = s.clone();
    bad[40000 + 10] = 1; // inside .pad/25536, after a.bin
    assertThat(v.verify(1, piece(m, bad, 1))).isFalse();
  }
}
