package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.client.Client;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentReader;
import io.btlib.client.TorrentState;
import io.btlib.hash.PieceVerifier;
import io.btlib.metainfo.Metainfo;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@link FileCache}: a storage by contract (with room for every piece), slots that are reused
 * and never read as another piece, a full disk, its file's life; and the engine streaming a
 * torrent four times its size through it on loopback.
 */
class FileCacheTest extends StorageContractTest {
  private final AtomicInteger files = new AtomicInteger();

  @Override
  Storage open(Metainfo m) throws IOException {
    return FileCache.of(m, dir.resolve("cache-" + files.incrementAndGet()), Long.MAX_VALUE);
  }

  private static void assertMissing(Storage s, int piece) {
    assertThatThrownBy(() -> s.read(piece, 0, ByteBuffer.allocate(1)))
        .isInstanceOfAny(EOFException.class, NoSuchFileException.class);
  }

  @Test
  void evictedSlotsAreReusedAndAPieceNeverReadsAsAnother() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    Path f = dir.resolve("c");
    try (FileCache c = FileCache.of(m, f, 2L * m.pieceLength() + m.pieceLength() / 2)) {
      assertThat(c.capacity()).as("whole slots").isEqualTo(2L * m.pieceLength());
      writePiece(c, m, stream, 0);
      writePiece(c, m, stream, 1);
      assertThatThrownBy(() -> writePiece(c, m, stream, 2)).isInstanceOf(IOException.class)
          .hasMessageContaining("all 2 slots hold pieces");
      assertMissing(c, 2);
      c.evict(0);
      c.evict(0); // again: nothing more
      assertMissing(c, 0);
      writePiece(c, m, stream, 2); // into piece 0's old slot
      c.evict(1);
      // piece 0 again, into piece 1's old slot: half of it first; the rest is not piece 1's
      byte[] zero = piece(m, stream, 0);
      c.write(0, 0, ByteBuffer.wrap(zero, 0, BLOCK));
      assertThatThrownBy(() -> c.read(0, BLOCK, ByteBuffer.allocate(BLOCK)))
          .isInstanceOf(EOFException.class);
      c.write(0, BLOCK, ByteBuffer.wrap(zero, BLOCK, zero.length - BLOCK));
      assertThat(readPiece(c, m, 0)).isEqualTo(zero);
      assertThat(readPiece(c, m, 2)).isEqualTo(piece(m, stream, 2));
      assertMissing(c, 1);
      assertThat(c.heldBytes()).isEqualTo(m.pieceSize(0) + m.pieceSize(2));
      assertThat(c.maxHeldBytes()).isEqualTo(m.pieceSize(0) + m.pieceSize(1));
      assertThat(Files.size(f)).as("never more than its slots").isEqualTo(c.capacity());
    }
    assertThat(f).doesNotExist();
  }

  @Test
  void piecesInScrambledSlotsReadBackAsVerified() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    PieceVerifier v = PieceVerifier.of(m);
    try (FileCache c = FileCache.of(m, dir.resolve("c"), 3L * m.pieceLength())) {
      int[] order = {4, 2, 0, 3, 1, 4, 0, 2};
      ArrayDeque<Integer> held = new ArrayDeque<>();
      for (int p : order) {
        if (held.contains(p)) {
          continue;
        }
        if (held.size() == 3) {
          c.evict(held.removeFirst());
        }
        writePiece(c, m, stream, p);
        held.addLast(p);
        for (int q : held) {
          byte[] got = readPiece(c, m, q);
          assertThat(got).isEqualTo(piece(m, stream, q));
          assertThat(v.verify(q, ByteBuffer.wrap(got))).isTrue();
        }
      }
      // a read in odd pieces across the files the piece spans
      assertThat(held).containsExactly(4, 0, 2);
      byte[] p2 = piece(m, stream, 2);
      ByteBuffer b = ByteBuffer.allocate(p2.length - 2000);
      c.read(2, 1000, b);
      assertThat(b.array()).isEqualTo(Arrays.copyOfRange(p2, 1000, p2.length - 1000));
    }
  }

  /**
   * One slot, two pieces taking turns in it, and a reader of the first racing the evictions: every
   * read gives the first piece's bytes or fails as missing, never the second's.
   */
  @Test
  void aReadRacingAnEvictionNeverGetsTheNextPiecesBytes() throws Exception {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    byte[] zero = piece(m, stream, 0);
    try (FileCache c = FileCache.of(m, dir.resolve("c"), m.pieceLength())) {
      AtomicBoolean done = new AtomicBoolean();
      AtomicInteger good = new AtomicInteger();
      AtomicInteger missing = new AtomicInteger();
      CompletableFuture<Void> reader =
          CompletableFuture.runAsync(() -> {
            while (!done.get()) {
              ByteBuffer b = ByteBuffer.allocate(zero.length);
              try {
                c.read(0, 0, b);
              } catch (EOFException | NoSuchFileException e) {
                missing.incrementAndGet();
                continue;
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
              assertThat(b.array()).isEqualTo(zero);
              good.incrementAndGet();
            }
          });
      for (int round = 0; round < 300 && !reader.isDone(); round++) {
        writePiece(c, m, stream, 0);
        c.evict(0);
        writePiece(c, m, stream, 1); // the same slot, other bytes
        c.evict(1);
      }
      done.set(true);
      reader.get(1, TimeUnit.MINUTES);
      assertThat(good.get() + missing.get()).isPositive();
    }
  }

  @Test
  void aFullDiskFailsOnlyTheWriteThatNeedsRoom() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    TestOpener opener = new TestOpener();
    try (FileCache c = FileCache.of(m, dir.resolve("c"), 2L * m.pieceLength(), opener)) {
      writePiece(c, m, stream, 0);
      opener.diskFull.set(true);
      assertThatThrownBy(() -> writePiece(c, m, stream, 1))
          .isInstanceOf(FileCache.NoSpaceException.class).hasMessageContaining("no room for slot 1")
          .hasMessageContaining("No space left on device");
      assertMissing(c, 1);
      assertThat(c.heldBytes()).as("the failed piece holds nothing").isEqualTo(m.pieceSize(0));
      assertThat(readPiece(c, m, 0)).isEqualTo(piece(m, stream, 0));
      c.evict(0);
      writePiece(c, m, stream, 1); // into the slot the file already has room for
      assertThat(readPiece(c, m, 1)).isEqualTo(piece(m, stream, 1));
      opener.diskFull.set(false);
      writePiece(c, m, stream, 2); // now the file may grow again
      assertThat(readPiece(c, m, 2)).isEqualTo(piece(m, stream, 2));
    }
  }

  @Test
  void theFileIsTheCachesOwnAndGoesWithIt() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    Path taken = dir.resolve("taken");
    Files.write(taken, new byte[] {1, 2, 3});
    assertThatThrownBy(() -> FileCache.of(m, taken, 1L << 20))
        .isInstanceOf(FileAlreadyExistsException.class);
    assertThat(Files.readAllBytes(taken)).containsExactly(1, 2, 3);
    assertThatThrownBy(() -> FileCache.of(m, dir.resolve("small"), m.pieceLength() - 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot hold one");
    assertThat(dir.resolve("small")).doesNotExist();
    assertThatThrownBy(() -> FileCache.factory(dir, 0))
        .isInstanceOf(IllegalArgumentException.class);
    Path sub = Files.createDirectory(dir.resolve("sub"));
    assertThatThrownBy(() -> FileCache.factory(sub, m.pieceLength() - 1).open(m))
        .isInstanceOf(IllegalArgumentException.class);
    Storage s = FileCache.factory(sub, 1L << 20).open(m);
    Path f = ((FileCache) s).file();
    assertThat(f.getParent()).isEqualTo(sub);
    assertThat(f.getFileName().toString()).startsWith("bt-cache-");
    assertThat(f).exists();
    s.close();
    assertThat(f).doesNotExist();
    try (Stream<Path> left = Files.list(sub)) {
      assertThat(left).isEmpty();
    }
  }

  // ---- the engine streaming through it, on loopback

  private static byte[] readFully(TorrentReader r, long from, int n) throws IOException {
    r.position(from);
    byte[] got = new byte[n];
    ByteBuffer b = ByteBuffer.wrap(got);
    while (b.hasRemaining()) {
      assertThat(r.read(b)).isPositive();
    }
    return got;
  }

  private static byte[] readAll(TorrentReader r) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = r.inputStream();
    byte[] buf = new byte[10_000];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  /** A single-file torrent of {@code size} random bytes in 16 KiB pieces, seeded by {@code c}. */
  private Metainfo seed(Client c, byte[] data) throws Exception {
    Path src = dir.resolve("seed");
    Files.createDirectories(src);
    Files.write(src.resolve("movie.bin"), data);
    Metainfo m = TorrentCreator.builder(src.resolve("movie.bin")).pieceLength(16 * 1024).build()
        .create();
    Torrent s = c.add(m, FileStorage.open(m, src));
    s.start();
    s.completion().get(30, TimeUnit.SECONDS);
    return m;
  }

  @Test
  @Timeout(120)
  void aTorrentFourTimesTheCacheStreamsToTheEndAndASeekBackFetchesAgain() throws Exception {
    byte[] data = new byte[64 * 16 * 1024]; // 1 MiB
    new Random(41).nextBytes(data);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      Metainfo m = seed(seeder, data);
      FileCache cache = FileCache.of(m, dir.resolve("cache"), 16L * m.pieceLength());
      Torrent l = leecher.add(m, cache);
      l.addPeer(ZeroCopySeedingTest.addressOf(seeder));
      try (TorrentReader r = l.newReader(0)) {
        l.start();
        assertThat(readAll(r)).isEqualTo(data);
        assertThat(cache.maxHeldBytes()).as("most held").isLessThanOrEqualTo(cache.capacity());
        assertThat(Files.size(cache.file())).isLessThanOrEqualTo(cache.capacity());
        // the start was evicted long ago: it is fetched and checked again
        assertThat(readFully(r, 1000, 40_000)).isEqualTo(Arrays.copyOfRange(data, 1000, 41_000));
        assertThat(cache.maxHeldBytes()).isLessThanOrEqualTo(cache.capacity());
      }
      assertThat(l.status().state()).isEqualTo(TorrentState.DOWNLOADING);
      assertThat(l.status().hashFailures()).isZero();
      Path f = cache.file();
      l.remove();
      assertThat(cache.heldBytes()).isGreaterThan(0);
      leecher.close();
      assertThat(f).as("closing the torrent's storage deleted the file").doesNotExist();
    }
  }

  @Test
  @Timeout(120)
  void aFullDiskFailsTheTorrentWithTheCachesErrorAndVerifiesNothingUnwritten() throws Exception {
    byte[] data = new byte[32 * 16 * 1024];
    new Random(43).nextBytes(data);
    TestOpener opener = new TestOpener();
    opener.diskFull.set(true); // not even one slot fits
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      Metainfo m = seed(seeder, data);
      FileCache cache = FileCache.of(m, dir.resolve("cache"), 8L * m.pieceLength(), opener);
      Torrent l = leecher.add(m, cache);
      l.addPeer(ZeroCopySeedingTest.addressOf(seeder));
      try (TorrentReader r = l.newReader(0)) {
        l.start();
        assertThatThrownBy(() -> r.read(ByteBuffer.allocate(100))).isInstanceOf(IOException.class)
            .hasMessageContaining("torrent failed").hasMessageContaining("no room for slot");
      }
      assertThatThrownBy(() -> l.completion().get(30, TimeUnit.SECONDS))
          .hasMessageContaining("cannot write piece");
      assertThat(l.status().state()).isEqualTo(TorrentState.FAILED);
      assertThat(l.status().error()).hasValueSatisfying(e -> assertThat(e).contains("NoSpace"));
      assertThat(l.status().piecesHave()).isZero();
      assertThat(cache.heldBytes()).isZero();
    }
  }
}
