package io.btlib.benchmarks;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoakContentTest {
  @TempDir Path dir;

  @Test
  void writtenContentVerifiesAndItsMetainfoDescribesIt() throws Exception {
    SoakContent c = new SoakContent("a.bin", 42, 3 * SoakContent.PIECE + 1000);
    Metainfo m = c.write(dir);
    assertThat(m.pieceCount()).isEqualTo(4);
    assertThat(Files.size(dir.resolve("a.bin"))).isEqualTo(c.size);
    assertThat(c.mismatch(dir.resolve("a.bin"))).isNull();
  }

  @Test
  void oneChangedByteIsFoundAndNamed() throws Exception {
    SoakContent c = new SoakContent("a.bin", 42, 200_000);
    c.write(dir);
    try (RandomAccessFile f = new RandomAccessFile(dir.resolve("a.bin").toFile(), "rw")) {
      f.seek(123_456);
      int b = f.read();
      f.seek(123_456);
      f.write(b ^ 1);
    }
    assertThat(c.mismatch(dir.resolve("a.bin"))).isEqualTo("differs at byte 123456");
  }

  @Test
  void aShortOrMissingFileDoesNotVerify() throws Exception {
    SoakContent c = new SoakContent("a.bin", 42, 200_000);
    assertThat(c.mismatch(dir.resolve("a.bin"))).isEqualTo("missing");
    new SoakContent("a.bin", 42, 100_000).write(dir);
    assertThat(c.mismatch(dir.resolve("a.bin"))).isEqualTo("length 100000, expected 200000");
  }

  @Test
  void anotherSeedGivesOtherBytes() throws Exception {
    new SoakContent("a.bin", 42, 70_000).write(dir);
    assertThat(new SoakContent("a.bin", 43, 70_000).mismatch(dir.resolve("a.bin")))
        .isEqualTo("differs at byte 0");
  }
}
