package io.btlib.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MappedWindowTest {
  @TempDir Path dir;

  private static byte at(long i) {
    return (byte) (i * 131 + (i >> 12));
  }

  private Path file(long size) throws Exception {
    Path p = dir.resolve("f" + size);
    try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW,
        StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(1 << 20);
      for (long pos = 0; pos < size; ) {
        b.clear();
        int n = (int) Math.min(b.capacity(), size - pos);
        for (int i = 0; i < n; i++) {
          b.put(at(pos + i));
        }
        b.flip();
        while (b.hasRemaining()) {
          pos += ch.write(b, pos);
        }
      }
    }
    return p;
  }

  @Test
  void viewsHoldTheFileBytesAcrossWindowBoundaries() throws Exception {
    long size = (MappedWindow.WINDOW_MIB + 3L) << 20; // more than one window
    Path p = file(size);
    try (FileChannel ch = FileChannel.open(p); MappedWindow w = new MappedWindow()) {
      long[] positions = {0, 12345, ((long) MappedWindow.WINDOW_MIB << 20) - 100, size - 4096, 7};
      for (long pos : positions) {
        int len = (int) Math.min(300_000, size - pos);
        ByteBuffer v = w.view(0, ch, pos, len, size);
        assertThat(v.remaining()).isEqualTo(len);
        for (int i = 0; i < len; i += 997) {
          assertThat(v.get(i)).as("byte %d", pos + i).isEqualTo(at(pos + i));
        }
        assertThat(v.get(len - 1)).isEqualTo(at(pos + len - 1));
      }
    }
  }

  @Test
  void rejectsRangesOutsideTheFile() throws Exception {
    Path p = file(1000);
    try (FileChannel ch = FileChannel.open(p); MappedWindow w = new MappedWindow()) {
      assertThatThrownBy(() -> w.view(0, ch, 900, 200, 1000))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("900+200");
      assertThatThrownBy(() -> w.view(0, ch, -1, 10, 1000))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void anotherFileIndexGetsItsOwnMapping() throws Exception {
    Path a = file(5000);
    Path b = file(6000);
    try (FileChannel ca = FileChannel.open(a); FileChannel cb = FileChannel.open(b);
        MappedWindow w = new MappedWindow()) {
      assertThat(w.view(0, ca, 4000, 10, 5000).get(0)).isEqualTo(at(4000));
      assertThat(w.view(1, cb, 5000, 10, 6000).get(0)).isEqualTo(at(5000));
      assertThat(w.view(0, ca, 10, 10, 5000).get(3)).isEqualTo(at(13));
      w.release();
      w.release(); // idempotent
    }
    assertThat(Files.size(a)).isEqualTo(5000);
  }

  @Test
  void unmapsExplicitlyOnThisJdk() {
    assertThat(MappedWindow.unmapsExplicitly()).isTrue();
  }
}
