package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.client.Storage;
import io.btlib.hash.PieceVerifier;
import io.btlib.metainfo.Metainfo;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

/**
 * What every storage over files on disk must do beyond the {@link Storage} contract, run against
 * {@link FileStorage} and {@link ChannelStorage}: short and long files, a bounded number of open
 * channels, a full disk, preallocation, flushes of evicted files. Each subclass says how to open
 * one whose channels a {@link TestOpener} opens, with file {@code multi/a.bin} of a torrent at
 * {@code root()/multi/a.bin}.
 */
abstract class FileBackedStorageTest extends StorageContractTest {

  /** Where the torrent's files are. */
  Path root() {
    return dir.resolve("downloads");
  }

  /**
   * Opens a storage for {@code m} under {@link #root()} whose channels come from {@code opener},
   * keeping at most {@code maxOpen} open, preallocating files if {@code preallocate}.
   */
  abstract Storage open(Metainfo m, TestOpener opener, int maxOpen, boolean preallocate)
      throws IOException;

  /** The number of channels {@code s} holds open now. */
  abstract int openChannelCount(Storage s);

  @Test
  void aShortFileFailsWithEofPastItsEnd() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    Path a = root().resolve("multi/a.bin");
    Files.createDirectories(a.getParent());
    byte[] content = RecheckFixtures.fileContent(m.files().get(0));
    Files.write(a, Arrays.copyOf(content, 1000));
    try (Storage s = open(m)) {
      ByteBuffer head = ByteBuffer.allocate(1000);
      s.read(0, 0, head);
      assertThat(head.array()).isEqualTo(Arrays.copyOf(content, 1000));
      assertThatThrownBy(() -> s.read(0, 0, ByteBuffer.allocate(1001)))
          .isInstanceOf(EOFException.class).hasMessageContaining("a.bin")
          .hasMessageContaining("1000 bytes long");
      assertThatThrownBy(() -> s.transferTo(0, 900, 200, NOWHERE))
          .isInstanceOf(EOFException.class).hasMessageContaining("a.bin");
      s.write(0, 0, ByteBuffer.wrap(content, 0, 10)); // a write inside keeps the rest
      s.flush();
    }
    assertThat(Files.readAllBytes(a)).isEqualTo(Arrays.copyOf(content, 1000));
  }

  @Test
  void aLongerFileIsNeitherTruncatedNorMisread() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-single.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    Path single = root().resolve("single.bin");
    Files.createDirectories(root());
    byte[] longer = Arrays.copyOf(RecheckFixtures.fileContent(m.files().get(0)), 105_000);
    Arrays.fill(longer, 100_000, longer.length, (byte) 7);
    Files.write(single, longer);
    try (Storage s = open(m)) {
      assertAllPiecesVerify(s, m, stream);
      writeAll(s, m, stream);
      s.flush();
    }
    assertThat(Files.readAllBytes(single)).isEqualTo(longer);
  }

  @Test
  void twoOpenFilesServeFourThreadsWithoutClosingAChannelInUse() throws Exception {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    TestOpener opener = new TestOpener();
    Storage s = open(m, opener, 2, false);
    try {
      hammer(s, m, 4, 200);
      assertThat(openChannelCount(s)).isLessThanOrEqualTo(2);
      assertThat(opener.openNow()).isLessThanOrEqualTo(2);
      assertThat(opener.opened.size()).as("channels were evicted and reopened").isGreaterThan(8);
    } finally {
      s.close();
    }
    assertThat(opener.openNow()).isZero();
  }

  @Test
  void aFullDiskFailsTheWriteAndSparesEverythingElse() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    TestOpener opener = new TestOpener();
    PieceVerifier v = PieceVerifier.of(m);
    try (Storage s = open(m, opener, 64, false)) {
      for (int p = 0; p <= 2; p++) {
        writePiece(s, m, stream, p);
      }
      opener.diskFull.set(true);
      assertThatThrownBy(() -> writePiece(s, m, stream, 3)) // c.bin's tail would grow it
          .isInstanceOf(IOException.class).hasMessage("No space left on device");
      assertThatThrownBy(() -> writePiece(s, m, stream, 4)) // d.bin is new
          .isInstanceOf(IOException.class).hasMessage("No space left on device");
      writePiece(s, m, stream, 1); // rewriting in place still works
      for (int p = 0; p <= 2; p++) {
        assertThat(v.verify(p, ByteBuffer.wrap(readPiece(s, m, p)))).as("piece %d", p).isTrue();
      }
      opener.diskFull.set(false);
      writePiece(s, m, stream, 3);
      writePiece(s, m, stream, 4);
      s.flush();
      assertAllPiecesVerify(s, m, stream);
    }
  }

  @Test
  void aFullDiskShowsAtTheFirstWriteWhenPreallocating() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    TestOpener opener = new TestOpener();
    try (Storage s = open(m, opener, 64, true)) {
      writePiece(s, m, stream, 0);
      opener.diskFull.set(true);
      assertThatThrownBy(() -> s.write(4, 0, ByteBuffer.allocate(1)))
          .isInstanceOf(IOException.class).hasMessage("No space left on device");
    }
  }

  @Test
  void preallocatedFilesHaveTheirFullLengthAndReadAsZerosUntilWritten() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m, new TestOpener(), 64, true)) {
      writePiece(s, m, stream, 1); // touches a.bin, b.bin, c.bin
      assertThat(root().resolve("multi/a.bin")).hasSize(40000);
      assertThat(root().resolve("multi/sub/c.bin")).hasSize(70001);
      assertThat(root().resolve("multi/z")).doesNotExist();
      // piece 2 lies inside c.bin and was never written: the disk holds zeros, and they fail
      byte[] zeros = readPiece(s, m, 2);
      assertThat(zeros).containsOnly(0);
      assertThat(PieceVerifier.of(m).verify(2, ByteBuffer.wrap(zeros))).isFalse();
      writeAll(s, m, stream);
      assertAllPiecesVerify(s, m, stream);
    }
  }

  @Test
  void flushForcesFilesTheCacheAlreadyClosed() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    TestOpener opener = new TestOpener();
    try (Storage s = open(m, opener, 1, false)) {
      writeAll(s, m, stream);
      assertThat(opener.forced).isEmpty();
      s.flush();
      assertThat(opener.forced).containsExactlyInAnyOrder(root().resolve("multi/a.bin"),
          root().resolve("multi/sub/b.bin"), root().resolve("multi/sub/c.bin"),
          root().resolve("multi/z/deep/d.bin"));
    }
  }

  @Test
  void flushForcesAWrittenFileWhoseChannelWasClosedUnderneath() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    TestOpener opener = new TestOpener();
    Path a = root().resolve("multi/a.bin");
    try (Storage s = open(m, opener, 64, false)) {
      writePiece(s, m, stream, 0); // a.bin only
      for (TestOpener.Recorded r : opener.opened) {
        if (r.path.equals(a)) {
          r.close(); // as a thread interrupted in I/O would
        }
      }
      s.flush();
      assertThat(opener.forced).containsExactly(a);
      assertThat(readPiece(s, m, 0)).isEqualTo(piece(m, stream, 0));
    }
  }
}
