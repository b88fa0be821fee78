package io.btlib.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Reading part files written by others: a header that does not fit the torrent is refused. */
class PartFileTest {
  @TempDir
  Path dir;

  /** A part file header for 1024-byte pieces, 8 pieces, 3 files, keeping {@code kept}. */
  static byte[] header(int kept) {
    ByteBuffer b = ByteBuffer.allocate(20 + 1 + 4 * 8);
    b.put("BTPARTS1".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).putInt(1024).putInt(8)
        .putInt(3).put((byte) kept);
    return b.array();
  }

  @Test
  void aKeptBitPastTheLastFileIsRefused() throws IOException {
    // found by StorageFuzzTest#partFile: the bitmap's spare bits were taken as kept files
    Path p = dir.resolve("x.parts");
    Files.write(p, header(0x85)); // files 0 and 2, and "file 7" of 3
    PartFile part = new PartFile(p, FileChannel::open, 1024, 8, 3);
    assertThatThrownBy(part::load).isInstanceOf(IOException.class)
        .hasMessageContaining("kept-files bitmap");
    part.close();
  }

  @Test
  void keptBitsWithinTheFilesAreRead() throws IOException {
    Path p = dir.resolve("y.parts");
    Files.write(p, header(0x05));
    PartFile part = new PartFile(p, FileChannel::open, 1024, 8, 3);
    assertThat(part.load()).isTrue();
    BitSet expected = new BitSet();
    expected.set(0);
    expected.set(2);
    assertThat(part.kept()).isEqualTo(expected);
    part.close();
  }
}
