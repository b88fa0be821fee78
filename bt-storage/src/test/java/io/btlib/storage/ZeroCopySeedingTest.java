package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * A bt seeder with zero-copy uploads ({@code FileChannel.transferTo} from a {@link FileStorage})
 * and a bt leecher, on loopback: every format (v1 blocks crossing file boundaries, hybrid pad
 * files sent as zeros, v2 blocks past a piece's end), with and without an upload limit (which
 * cuts a body into several writes), and with RC4 forced (where the cache path must be used).
 */
class ZeroCopySeedingTest {
  private static final int PIECE = 32 * 1024;

  @TempDir Path tmp;

  static Path makeData(Path root) throws IOException {
    Path dir = root.resolve("data");
    Files.createDirectories(dir.resolve("sub"));
    Random rnd = new Random(17);
    int[] sizes = {100_003, 17, 65_536, 250_001, 0, 40_000};
    for (int i = 0; i < sizes.length; i++) {
      byte[] b = new byte[sizes[i]];
      rnd.nextBytes(b);
      Files.write(i % 2 == 0 ? dir.resolve("f" + i + ".bin") : dir.resolve("sub/g" + i + ".bin"),
          b);
    }
    return dir;
  }

  static PeerAddress addressOf(Client c) {
    InetSocketAddress a = c.listenAddress();
    return PeerAddress.of(a.getAddress(), a.getPort());
  }

  @ParameterizedTest(name = "{0}, upload limit {1}, rc4 {2}")
  @CsvSource({"V1, 0, false", "HYBRID, 0, false", "V2, 0, false", "V1, 400000, false",
      "HYBRID, 300000, false", "V1, 0, true"})
  void aLeecherGetsEveryByteFromAZeroCopySeeder(TorrentVersion format, long limit, boolean rc4)
      throws Exception {
    Path src = makeData(tmp.resolve("seed"));
    Metainfo m = TorrentCreator.builder(src).format(format).pieceLength(PIECE).build().create();
    Client.Builder seederBuilder = Client.builder().zeroCopyUploads(true).uploadLimit(limit);
    Client.Builder leecherBuilder = Client.builder();
    if (rc4) {
      seederBuilder.encryption(io.btlib.client.EncryptionPolicy.FORCED);
      leecherBuilder.encryption(io.btlib.client.EncryptionPolicy.FORCED);
    }
    try (Client seeder = seederBuilder.build(); Client leecher = leecherBuilder.build()) {
      Torrent s = seeder.add(m, FileStorage.open(m, src.getParent()));
      s.start();
      s.completion().get(30, TimeUnit.SECONDS);
      Path dl = tmp.resolve("dl");
      Torrent l = leecher.add(m, FileStorage.open(m, dl));
      l.addPeer(addressOf(seeder));
      l.start();
      l.completion().get(60, TimeUnit.SECONDS);
      assertThat(l.status().hashFailures()).isZero();
      assertSameFiles(src, dl.resolve(src.getFileName()));
      // status() is a snapshot refreshed on the engine's 100 ms tick
      long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
      while (s.status().uploaded() == 0 && System.nanoTime() < end) {
        Thread.sleep(20);
      }
      assertThat(s.status().uploaded()).isGreaterThan(0);
    }
  }

  static void assertSameFiles(Path expected, Path actual) throws IOException {
    try (var files = Files.walk(expected)) {
      for (Path f : (Iterable<Path>) files.filter(Files::isRegularFile)::iterator) {
        Path g = actual.resolve(expected.relativize(f).toString());
        assertThat(g).as("%s downloaded", g).exists();
        assertThat(Files.readAllBytes(g)).as("%s", g).isEqualTo(Files.readAllBytes(f));
      }
    }
  }
}
