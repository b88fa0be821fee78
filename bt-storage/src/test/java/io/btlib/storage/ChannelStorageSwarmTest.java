package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import java.io.FileInputStream;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The engine with a {@link ChannelStorage} on loopback, over channels made the way an Android app
 * makes them from a file descriptor: {@code new FileInputStream(..).getChannel()} to read and
 * {@code new FileOutputStream(fd).getChannel()} to write (the descriptor opened read-write, not
 * truncated). A leecher downloads into it from a zero-copy {@link FileStorage} seeder, and a
 * zero-copy seeder serves from it (after the engine's check of the existing files).
 */
class ChannelStorageSwarmTest {
  private static final int PIECE = 32 * 1024;

  @TempDir Path tmp;

  /** Opens files under {@code root} as an app holding file descriptors would; keeps them all. */
  static final class DescriptorProvider implements FileChannelProvider {
    final Path root;
    final List<FileChannel> handedOut = new CopyOnWriteArrayList<>();

    DescriptorProvider(Path root) {
      this.root = root;
    }

    @Override
    public FileChannel open(FileEntry file, int index, Mode mode) throws IOException {
      Path p = root;
      for (String c : file.path()) {
        p = p.resolve(c);
      }
      FileChannel ch;
      if (mode == Mode.READ) {
        ch = new FileInputStream(p.toFile()).getChannel(); // closing it closes the stream
      } else {
        Files.createDirectories(p.getParent());
        RandomAccessFile fd = new RandomAccessFile(p.toFile(), "rw"); // "rw": no truncation
        ch = new FileOutputStream(fd.getFD()).getChannel(); // closing it closes fd's descriptor
      }
      handedOut.add(ch);
      return ch;
    }

    long openNow() {
      return handedOut.stream().filter(FileChannel::isOpen).count();
    }
  }

  @ParameterizedTest(name = "{0}, ChannelStorage as the {1}")
  @CsvSource({"V1, leecher", "HYBRID, leecher", "V2, leecher", "HYBRID, seeder"})
  void aTorrentMovesBetweenAFileStorageAndAChannelStorage(TorrentVersion format, String side)
      throws Exception {
    Path src = ZeroCopySeedingTest.makeData(tmp.resolve("seed"));
    Metainfo m = TorrentCreator.builder(src).format(format).pieceLength(PIECE).build().create();
    Path dl = tmp.resolve("dl");
    boolean channelSeeder = side.equals("seeder");
    DescriptorProvider provider = new DescriptorProvider(channelSeeder ? src.getParent() : dl);
    try (Client seeder = Client.builder().zeroCopyUploads(true).build();
        Client leecher = Client.builder().build()) {
      Storage seedStore = channelSeeder ? ChannelStorage.open(m, provider)
          : FileStorage.open(m, src.getParent());
      Torrent s = seeder.add(m, seedStore);
      s.start();
      s.completion().get(30, TimeUnit.SECONDS);
      Storage leechStore =
          channelSeeder ? FileStorage.open(m, dl) : ChannelStorage.open(m, provider);
      Torrent l = leecher.add(m, leechStore);
      l.addPeer(ZeroCopySeedingTest.addressOf(seeder));
      l.start();
      l.completion().get(60, TimeUnit.SECONDS);
      assertThat(l.status().hashFailures()).isZero();
    }
    ZeroCopySeedingTest.assertSameFiles(src, dl.resolve(src.getFileName()));
    assertThat(provider.handedOut).isNotEmpty();
    assertThat(provider.openNow()).as("the client closed the storage, which closed its channels")
        .isZero();
  }
}
