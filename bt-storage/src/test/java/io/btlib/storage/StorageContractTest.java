package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.client.Storage;
import io.btlib.hash.PieceVerifier;
import io.btlib.metainfo.Metainfo;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.channels.Pipe;
import java.nio.channels.WritableByteChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The {@link Storage} contract, run against every implementation in bt-storage: each subclass
 * says how to open one. The libtorrent fixtures give real layouts (v1 pieces across files, v2
 * per-file pieces, hybrid pad files) and their content formula gives the bytes.
 */
abstract class StorageContractTest {
  static final int BLOCK = io.btlib.metainfo.Metainfo.BLOCK_SIZE;
  static final WritableByteChannel NOWHERE = Channels.newChannel(OutputStream.nullOutputStream());

  @TempDir Path dir;

  /** Opens an empty storage for {@code m} (under {@link #dir} if it needs a directory). */
  abstract Storage open(Metainfo m) throws IOException;

  // ---- helpers shared with the subclasses

  static byte[] piece(Metainfo m, byte[] stream, int p) {
    int from = p * m.pieceLength();
    return Arrays.copyOfRange(stream, from, from + m.pieceSize(p));
  }

  /** Writes piece {@code p}'s bytes from {@code stream} in 16 KiB blocks, as a download would. */
  static void writePiece(Storage s, Metainfo m, byte[] stream, int p) throws IOException {
    byte[] bytes = piece(m, stream, p);
    for (int at = 0; at < bytes.length; at += BLOCK) {
      ByteBuffer b = ByteBuffer.wrap(bytes, at, Math.min(BLOCK, bytes.length - at));
      s.write(p, at, b);
      assertThat(b.hasRemaining()).isFalse();
    }
  }

  static void writeAll(Storage s, Metainfo m, byte[] stream) throws IOException {
    for (int p = 0; p < m.pieceCount(); p++) {
      writePiece(s, m, stream, p);
    }
  }

  static byte[] readPiece(Storage s, Metainfo m, int p) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(m.pieceSize(p));
    s.read(p, 0, b);
    assertThat(b.hasRemaining()).isFalse();
    return b.array();
  }

  /** Reads every piece back and checks it against the torrent's hashes and the expected bytes. */
  static void assertAllPiecesVerify(Storage s, Metainfo m, byte[] stream) throws IOException {
    PieceVerifier v = PieceVerifier.of(m);
    for (int p = 0; p < m.pieceCount(); p++) {
      byte[] got = readPiece(s, m, p);
      assertThat(v.verify(p, ByteBuffer.wrap(got))).as("piece %d verifies", p).isTrue();
      assertThat(got).as("piece %d", p).isEqualTo(piece(m, stream, p));
    }
  }

  /**
   * Runs {@code threads} threads that each own the pieces {@code p % threads == id} (the SPI lets
   * only different pieces run concurrently) and, round after round, write a round-specific
   * variant of their pieces and read it back in odd chunks; then checks every piece verifies.
   */
  static void hammer(Storage s, Metainfo m, int threads, int rounds) throws Exception {
    byte[] stream = RecheckFixtures.stream(m);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CyclicBarrier start = new CyclicBarrier(threads);
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int id = t;
        done.add(pool.submit(() -> {
          start.await();
          for (int r = 0; r <= rounds; r++) {
            for (int p = id; p < m.pieceCount(); p += threads) {
              byte[] want = piece(m, stream, p);
              if (r < rounds) { // the last round writes the real bytes
                for (int k = 0; k < want.length; k++) {
                  want[k] ^= (byte) (r + 1);
                }
              }
              int half = want.length / 2;
              s.write(p, half, ByteBuffer.wrap(want, half, want.length - half));
              s.write(p, 0, ByteBuffer.wrap(want, 0, half));
              ByteBuffer got = ByteBuffer.allocate(want.length);
              for (int at = 0; at < want.length; at += 7001) {
                s.read(p, at, got.limit(Math.min(want.length, at + 7001)));
              }
              assertThat(got.array()).as("piece %d round %d", p, r).isEqualTo(want);
            }
          }
          return null;
        }));
      }
      for (Future<?> f : done) {
        f.get(5, TimeUnit.MINUTES); // a guard against a deadlock, not a timing assertion
      }
    } finally {
      pool.shutdownNow();
    }
    assertAllPiecesVerify(s, m, stream);
  }

  // ---- the contract

  @ParameterizedTest
  @ValueSource(strings = {"v1-single.torrent", "v1-multi.torrent", "v2-single.torrent",
      "v2-multi.torrent", "hybrid-single.torrent", "hybrid-multi.torrent",
      "hybrid-multi-large-pieces.torrent"})
  void everyWrittenPieceReadsBackAndVerifies(String name) throws IOException {
    Metainfo m = RecheckFixtures.load(name);
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      writeAll(s, m, stream);
      assertAllPiecesVerify(s, m, stream);
      s.flush();
      assertAllPiecesVerify(s, m, stream);
    }
  }

  @Test
  void readsSpanningFilesWorkInAnyChunking() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      writeAll(s, m, stream);
      // piece 1: the end of a.bin (7232 bytes), all of b.bin (1 byte), the start of c.bin
      byte[] want = piece(m, stream, 1);
      for (int chunk : new int[] {1, 7, 1000, 7232, 7233, 7234, 32768}) {
        byte[] got = new byte[want.length];
        for (int at = 0; at < want.length; at += chunk) {
          ByteBuffer b = ByteBuffer.wrap(got, at, Math.min(chunk, want.length - at));
          s.read(1, at, b);
          assertThat(b.hasRemaining()).isFalse();
        }
        assertThat(got).as("chunks of %d", chunk).isEqualTo(want);
      }
      // a range that straddles all three files, into a direct buffer
      ByteBuffer direct = ByteBuffer.allocateDirect(20);
      s.read(1, 7222, direct);
      direct.flip();
      byte[] got = new byte[20];
      direct.get(got);
      assertThat(got).isEqualTo(Arrays.copyOfRange(want, 7222, 7242));
    }
  }

  @Test
  void writesInOddChunksAcrossFileBoundariesLandInPlace() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      for (int p = 0; p < m.pieceCount(); p++) {
        byte[] bytes = piece(m, stream, p);
        int chunk = 7 + 1000 * p;
        for (int at = 0; at < bytes.length; at += chunk) {
          s.write(p, at, ByteBuffer.wrap(bytes, at, Math.min(chunk, bytes.length - at)));
        }
      }
      assertAllPiecesVerify(s, m, stream);
    }
  }

  @Test
  void aFreshStorageHasNothingToRead() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    try (Storage s = open(m)) {
      for (int p = 0; p < m.pieceCount(); p++) {
        int piece = p;
        assertThatThrownBy(() -> s.read(piece, 0, ByteBuffer.allocate(100)))
            .isInstanceOf(NoSuchFileException.class);
      }
    }
  }

  @Test
  void readingPastTheWrittenEndFailsWithEof() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    int last = m.pieceCount() - 1; // entirely inside d.bin, its end
    byte[] bytes = piece(m, stream, last);
    int half = bytes.length / 2;
    try (Storage s = open(m)) {
      s.write(last, 0, ByteBuffer.wrap(bytes, 0, half));
      ByteBuffer first = ByteBuffer.allocate(half);
      s.read(last, 0, first);
      assertThat(first.array()).isEqualTo(Arrays.copyOf(bytes, half));
      assertThatThrownBy(() -> s.read(last, half, ByteBuffer.allocate(10)))
          .isInstanceOf(EOFException.class).hasMessageContaining("d.bin");
      ByteBuffer whole = ByteBuffer.allocate(bytes.length);
      assertThatThrownBy(() -> s.read(last, 0, whole)).isInstanceOf(EOFException.class);
    }
  }

  @Test
  void padBytesReadAsZerosAndWritesToThemAreDropped() throws IOException {
    Metainfo m = RecheckFixtures.load("hybrid-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      // piece 1: the last 7232 bytes of a.bin, then the pad file .pad/25536
      ByteBuffer padOnly = ByteBuffer.allocate(100);
      s.read(1, 7232, padOnly);
      assertThat(padOnly.array()).containsOnly(0);
      byte[] dirty = piece(m, stream, 1);
      Arrays.fill(dirty, 7232, dirty.length, (byte) 0x55);
      s.write(1, 0, ByteBuffer.wrap(dirty));
      assertThat(readPiece(s, m, 1)).isEqualTo(piece(m, stream, 1));
      assertThat(PieceVerifier.of(m).verify(1, ByteBuffer.wrap(readPiece(s, m, 1)))).isTrue();
    }
  }

  @Test
  void rangesOutsideThePieceAreRejected() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    try (Storage s = open(m)) {
      int size = m.pieceSize(4);
      assertThatThrownBy(() -> s.read(4, size - 5, ByteBuffer.allocate(6)))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> s.write(0, -1, ByteBuffer.allocate(1)))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> s.write(5, 0, ByteBuffer.allocate(1)))
          .isInstanceOf(IndexOutOfBoundsException.class);
      assertThatThrownBy(() -> s.transferTo(-1, 0, 1, NOWHERE))
          .isInstanceOf(IndexOutOfBoundsException.class);
    }
  }

  @Test
  void closeIsIdempotentAndLaterCallsThrow() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    Storage s = open(m);
    writePiece(s, m, stream, 0);
    s.close();
    s.close();
    assertThatThrownBy(() -> s.read(0, 0, ByteBuffer.allocate(1)))
        .isInstanceOf(IllegalStateException.class).hasMessage("closed");
    assertThatThrownBy(() -> s.write(0, 0, ByteBuffer.allocate(1)))
        .isInstanceOf(IllegalStateException.class).hasMessage("closed");
    assertThatThrownBy(s::flush).isInstanceOf(IllegalStateException.class).hasMessage("closed");
    assertThatThrownBy(() -> s.setWantedFiles(new BitSet()))
        .isInstanceOf(IllegalStateException.class).hasMessage("closed");
    assertThatThrownBy(() -> s.transferTo(0, 0, 1, NOWHERE))
        .isInstanceOf(IllegalStateException.class).hasMessage("closed");
  }

  @Test
  void transferToAPipeSendsThePieceWithPadZeros() throws Exception {
    Metainfo m = RecheckFixtures.load("hybrid-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      writeAll(s, m, stream);
      byte[] want = piece(m, stream, 1); // a.bin's tail then pad zeros
      Pipe pipe = Pipe.open();
      CompletableFuture<byte[]> received = CompletableFuture.supplyAsync(() -> {
        ByteBuffer b = ByteBuffer.allocate(want.length);
        try {
          while (b.hasRemaining() && pipe.source().read(b) >= 0) {
            // keep reading
          }
        } catch (IOException e) {
          throw new RuntimeException(e);
        }
        return b.array();
      });
      assertThat(s.transferTo(1, 0, want.length, pipe.sink())).isEqualTo(want.length);
      pipe.sink().close();
      assertThat(received.get(5, TimeUnit.MINUTES)).isEqualTo(want);
      pipe.source().close();
    }
  }

  @Test
  void transferToAFileChannelSendsAnyRange() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    Path out = dir.resolve("transfer.out");
    try (Storage s = open(m);
        FileChannel target = FileChannel.open(out, StandardOpenOption.CREATE_NEW,
            StandardOpenOption.WRITE, StandardOpenOption.READ)) {
      writeAll(s, m, stream);
      int[][] ranges = {{1, 7000, 500}, {1, 0, m.pieceSize(1)}, {3, 100, 20000}, {4, 0, 1}};
      ByteBuffer want = ByteBuffer.allocate(1 << 17);
      for (int[] r : ranges) {
        assertThat(s.transferTo(r[0], r[1], r[2], target)).isEqualTo(r[2]);
        want.put(stream, r[0] * m.pieceLength() + r[1], r[2]);
      }
      want.flip();
      ByteBuffer got = ByteBuffer.allocate(want.remaining());
      target.read(got, 0);
      got.flip();
      assertThat(got).isEqualTo(want);
    }
  }

  @Test
  void concurrentCallsForDifferentPiecesKeepTheirBytes() throws Exception {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    try (Storage s = open(m)) {
      hammer(s, m, 4, 50);
    }
  }

  @Test
  void allFilesWantedIsTheDefaultAndRestatingItChangesNothing() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      BitSet all = new BitSet();
      all.set(0, m.files().size());
      s.setWantedFiles(all);
      writeAll(s, m, stream);
      s.setWantedFiles(all);
      assertAllPiecesVerify(s, m, stream);
    }
  }
}
