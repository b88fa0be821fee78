package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@link Recheck} over a {@link FileStorage} reads through mappings; it must agree with pread. */
class RecheckMappedTest {
  @TempDir Path root;

  static String[] fixtures() {
    return RecheckFixtures.ALL;
  }

  private static RecheckResult recheck(Metainfo m, Path root, boolean mapped, int threads)
      throws Exception {
    try (FileStorage s = FileStorage.open(m, root)) {
      return Recheck.builder(m, s).threads(threads).memoryMapped(mapped).build().run();
    }
  }

  private static Path path(Path root, FileEntry f) {
    Path p = root;
    for (String c : f.path()) {
      p = p.resolve(c);
    }
    return p;
  }

  private static FileEntry largestFile(Metainfo m) {
    FileEntry best = null;
    for (FileEntry f : m.files()) {
      if (!f.isPad() && (best == null || f.length() > best.length())) {
        best = f;
      }
    }
    return best;
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void mappedReadsFindEveryPieceOfGoodFilesGood(String name) throws Exception {
    Metainfo m = RecheckFixtures.load(name);
    RecheckFixtures.writeFiles(m, root);
    for (int threads : new int[] {1, 2}) {
      RecheckResult mapped = recheck(m, root, true, threads);
      RecheckResult read = recheck(m, root, false, threads);
      assertThat(mapped.allGood()).isTrue();
      assertThat(mapped.bytesHashed()).isEqualTo(read.bytesHashed());
      assertThat(mapped.good()).isEqualTo(read.good());
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void mappedAndReadAgreeOnCorruptShortAndMissingFiles(String name) throws Exception {
    Metainfo m = RecheckFixtures.load(name);
    RecheckFixtures.writeFiles(m, root);
    FileEntry big = largestFile(m);
    Path bigPath = path(root, big);
    try (RandomAccessFile f = new RandomAccessFile(bigPath.toFile(), "rw")) {
      f.seek(big.length() / 2);
      int b = f.read();
      f.seek(big.length() / 2);
      f.write(b ^ 0x40);
      f.setLength(big.length() - 1000); // short: the pieces of its tail are unreadable
    }
    for (FileEntry f : m.files()) {
      if (!f.isPad() && f != big && f.length() > 0) {
        Files.delete(path(root, f)); // missing: unreadable too
        break;
      }
    }
    RecheckResult mapped = recheck(m, root, true, 2);
    RecheckResult read = recheck(m, root, false, 2);
    assertThat(mapped.allGood()).isFalse();
    assertThat(mapped.good()).isEqualTo(read.good());
    assertThat(mapped.unreadable()).isEqualTo(read.unreadable());
    assertThat(mapped.unreadable().isEmpty()).isFalse();
  }

  @Test
  void bytesOfSkippedFilesAreHashedFromThePartFile() throws Exception {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    BitSet wanted = new BitSet();
    wanted.set(0, m.files().size());
    wanted.clear(0); // the first file is skipped: its bytes shared with wanted pieces go to the part file
    try (FileStorage s = FileStorage.open(m, root)) {
      s.setWantedFiles(wanted);
      for (int p = 0; p < m.pieceCount(); p++) {
        int size = m.pieceSize(p);
        s.write(p, 0, ByteBuffer.wrap(stream, p * m.pieceLength(), size));
      }
      s.flush();
      RecheckResult mapped = Recheck.builder(m, s).threads(2).memoryMapped(true).build().run();
      RecheckResult read = Recheck.builder(m, s).threads(2).memoryMapped(false).build().run();
      assertThat(mapped.good()).isEqualTo(read.good());
      assertThat(mapped.unreadable()).isEqualTo(read.unreadable());
      assertThat(mapped.good().isEmpty()).isFalse();
    }
  }
}
