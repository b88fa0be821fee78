package io.btlib.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ChannelCacheTest {
  @TempDir Path dir;
  final List<FileChannel> opened = new ArrayList<>();

  ChannelCache cache(int max) {
    return new ChannelCache(max, (file, write) -> {
      Path p = dir.resolve("f" + file);
      FileChannel c = write
          ? FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ,
              StandardOpenOption.WRITE)
          : FileChannel.open(p, StandardOpenOption.READ);
      opened.add(c);
      return c;
    });
  }

  @Test
  void aChannelInUseIsNotEvictedUntilReleased() throws IOException {
    ChannelCache c = cache(1);
    ChannelCache.Entry a = c.acquire(0, true);
    ChannelCache.Entry b = c.acquire(1, true); // over the bound, but a is in use
    assertThat(c.size()).isEqualTo(2);
    assertThat(a.channel().isOpen()).isTrue();
    c.release(b); // back under the bound: the only idle channel goes, even the newest
    assertThat(c.size()).isEqualTo(1);
    assertThat(b.channel().isOpen()).isFalse();
    assertThat(a.channel().isOpen()).isTrue();
    c.release(a); // within the bound: kept
    assertThat(a.channel().isOpen()).isTrue();
    ChannelCache.Entry d = c.acquire(2, true); // a is idle and least recently used: evicted
    assertThat(a.channel().isOpen()).isFalse();
    c.release(d);
    assertThat(c.size()).isEqualTo(1);
  }

  @Test
  void aHitReusesTheChannelAndAWriteUpgradesAReadOnlyOne() throws IOException {
    Files.write(dir.resolve("f0"), new byte[10]);
    ChannelCache c = cache(4);
    ChannelCache.Entry r = c.acquire(0, false);
    c.release(r);
    ChannelCache.Entry again = c.acquire(0, false);
    assertThat(again).isSameAs(r);
    ChannelCache.Entry w = c.acquire(0, true); // replaces the read-only channel
    assertThat(w).isNotSameAs(r);
    assertThat(r.channel().isOpen()).as("still lent").isTrue();
    c.release(again);
    assertThat(r.channel().isOpen()).isFalse();
    assertThat(c.acquire(0, false)).as("the writable channel serves reads").isSameAs(w);
    assertThat(opened).hasSize(2);
  }

  @Test
  void forceAllReopensWrittenFilesThatWereEvicted() throws IOException {
    ChannelCache c = cache(1);
    for (int f = 0; f < 3; f++) {
      ChannelCache.Entry e = c.acquire(f, true);
      e.markDirty();
      c.release(e);
    }
    assertThat(opened).hasSize(3);
    c.forceAll();
    assertThat(opened).hasSize(5); // f0 and f1 reopened to be forced
    c.close();
    c.close();
    assertThat(opened).allMatch(ch -> !ch.isOpen());
    assertThatThrownBy(() -> c.acquire(0, false)).isInstanceOf(IllegalStateException.class)
        .hasMessage("closed");
  }
}
