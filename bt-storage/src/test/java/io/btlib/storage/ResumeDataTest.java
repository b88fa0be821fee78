package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ResumeDataTest {
  @TempDir Path dir;

  Metainfo multi;
  Path root;

  void setUp() throws IOException {
    multi = RecheckFixtures.load("v1-multi.torrent");
    root = dir.resolve("data");
    RecheckFixtures.writeFiles(multi, root);
  }

  static BitSet all(int n) {
    BitSet b = new BitSet();
    b.set(0, n);
    return b;
  }

  @Test
  void savesAndLoadsTheVerifiedSet() throws IOException {
    setUp();
    BitSet verified = all(multi.pieceCount());
    verified.clear(2);
    Path file = dir.resolve("resume/multi.resume");
    ResumeData.capture(multi, root, verified).save(file);
    ResumeData loaded = ResumeData.load(file);
    assertThat(loaded.verified()).isEqualTo(verified);
    ResumeData.Resolution r = loaded.resolve(multi, root);
    assertThat(r.verified()).isEqualTo(verified);
    assertThat(r.toRecheck().isEmpty()).isTrue();
    try (var files = Files.list(file.getParent())) {
      assertThat(files).containsExactly(file); // no temporary file left behind
    }
  }

  @Test
  void rechecksOnlyThePiecesOfAFileThatChanged() throws IOException {
    setUp();
    Path file = dir.resolve("r");
    ResumeData.capture(multi, root, all(multi.pieceCount())).save(file);
    // multi/z/deep/d.bin (33333 bytes at offset 110002) lies in pieces 3 and 4
    Path d = root.resolve("multi/z/deep/d.bin");
    Files.setLastModifiedTime(d, FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
    ResumeData.Resolution r = ResumeData.load(file).resolve(multi, root);
    BitSet expected = new BitSet();
    expected.set(3);
    expected.set(4);
    assertThat(r.toRecheck()).isEqualTo(expected);
    assertThat(r.verified().cardinality()).isEqualTo(multi.pieceCount() - 2);
  }

  @Test
  void aMissingOrTruncatedFileIsNotTrusted() throws IOException {
    setUp();
    Path file = dir.resolve("r");
    ResumeData.capture(multi, root, all(multi.pieceCount())).save(file);
    Files.delete(root.resolve("multi/a.bin")); // pieces 0 and 1
    ResumeData.Resolution r = ResumeData.load(file).resolve(multi, root);
    assertThat(r.verified().get(0)).isFalse();
    assertThat(r.verified().get(1)).isFalse();
    assertThat(r.toRecheck().cardinality()).isEqualTo(2);
  }

  @Test
  void refusesResumeDataOfAnotherTorrent() throws IOException {
    setUp();
    Path file = dir.resolve("r");
    ResumeData.capture(multi, root, all(multi.pieceCount())).save(file);
    Metainfo other = RecheckFixtures.load("hybrid-multi.torrent");
    assertThatThrownBy(() -> ResumeData.load(file).resolve(other, root))
        .isInstanceOf(IOException.class).hasMessageContaining("resume data is for torrent");
  }

  @Test
  void rejectsMalformedFilesWithAnIoException() throws IOException {
    setUp();
    Path file = dir.resolve("r");
    ResumeData.capture(multi, root, all(multi.pieceCount())).save(file);
    byte[] good = Files.readAllBytes(file);
    Random rnd = new Random(7);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = good.clone();
      int at = rnd.nextInt(b.length);
      if (rnd.nextBoolean()) {
        b[at] = (byte) rnd.nextInt(256);
      } else {
        b = java.util.Arrays.copyOf(b, at);
      }
      try {
        ResumeData.decode(b, "fuzz").resolve(multi, root);
      } catch (IOException expected) {
        // rejected: the caller rechecks everything
      }
    }
    Files.write(file, "not bencode".getBytes());
    assertThatThrownBy(() -> ResumeData.load(file)).isInstanceOf(IOException.class);
  }

  @Test
  void aTornTemporaryFileNeverReplacesGoodData() throws IOException {
    setUp();
    Path file = dir.resolve("r");
    ResumeData.capture(multi, root, all(multi.pieceCount())).save(file);
    byte[] before = Files.readAllBytes(file);
    // a crash mid-save leaves only a partial temporary file beside the target
    Files.write(dir.resolve(".r.123.tmp"), new byte[] {'d', '1'});
    assertThat(Files.readAllBytes(file)).isEqualTo(before);
    assertThat(ResumeData.load(file).verified()).isEqualTo(all(multi.pieceCount()));
  }

  @Test
  void bitfieldsUseTheWireBitOrderAndRejectSpareBits() throws IOException {
    BitSet s = new BitSet();
    s.set(0);
    s.set(9);
    byte[] b = ResumeData.toBitfield(s, 10);
    assertThat(b).containsExactly(0x80, 0x40);
    assertThat(ResumeData.fromBitfield(b, 10)).isEqualTo(s);
    assertThatThrownBy(() -> ResumeData.fromBitfield(new byte[] {0, 0x20}, 10))
        .hasMessageContaining("spare bits");
  }
}
