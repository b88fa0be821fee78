package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.client.Storage;
import io.btlib.client.StorageFactory;
import io.btlib.metainfo.Metainfo;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.NoSuchFileException;
import java.util.Arrays;
import java.util.BitSet;
import org.junit.jupiter.api.Test;

class MemoryStorageTest extends StorageContractTest {

  @Override
  Storage open(Metainfo m) {
    return MemoryStorage.of(m);
  }

  @Test
  void aGapInsideAPieceFailsTheReadRatherThanReadingZeros() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-single.torrent");
    byte[] bytes = piece(m, RecheckFixtures.stream(m), 1);
    try (Storage s = open(m)) {
      s.write(1, 0, ByteBuffer.wrap(bytes, 0, 1000));
      s.write(1, 2000, ByteBuffer.wrap(bytes, 2000, bytes.length - 2000));
      ByteBuffer head = ByteBuffer.allocate(1000);
      s.read(1, 0, head);
      assertThat(head.array()).isEqualTo(Arrays.copyOf(bytes, 1000));
      assertThatThrownBy(() -> s.read(1, 500, ByteBuffer.allocate(1000)))
          .isInstanceOf(EOFException.class).hasMessageContaining("single.bin")
          .hasMessageContaining("byte 17384 (piece 1, offset 1000) is not stored");
      assertThatThrownBy(() -> s.read(0, 0, ByteBuffer.allocate(1)))
          .isInstanceOf(EOFException.class);
      s.write(1, 1000, ByteBuffer.wrap(bytes, 1000, 1000));
      assertThat(readPiece(s, m, 1)).isEqualTo(bytes);
    }
  }

  @Test
  void aFileNeverWrittenIsReportedMissing() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      writePiece(s, m, stream, 0);
      assertThatThrownBy(() -> s.read(4, 0, ByteBuffer.allocate(1)))
          .isInstanceOf(NoSuchFileException.class).hasMessageContaining("multi/z/deep/d.bin");
    }
  }

  @Test
  void filePrioritiesAreIgnoredAndEveryWriteKept() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      s.setWantedFiles(new BitSet());
      writeAll(s, m, stream);
      assertAllPiecesVerify(s, m, stream);
    }
  }

  @Test
  void theFactoryOpensAFreshStorageEachTime() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-single.torrent");
    StorageFactory f = MemoryStorage.factory();
    try (Storage a = f.open(m); Storage b = f.open(m)) {
      writeAll(a, m, RecheckFixtures.stream(m));
      assertThat(b).isNotSameAs(a);
      assertThatThrownBy(() -> b.read(0, 0, ByteBuffer.allocate(1)))
          .isInstanceOf(NoSuchFileException.class);
    }
  }
}
