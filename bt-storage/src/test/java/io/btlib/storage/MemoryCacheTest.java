package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.client.Storage;
import io.btlib.metainfo.Metainfo;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** {@link MemoryCache}: a memory storage by contract, that forgets what the engine evicts. */
class MemoryCacheTest extends StorageContractTest {

  @Override
  Storage open(Metainfo m) {
    return MemoryCache.of(m, Long.MAX_VALUE);
  }

  @Test
  void anEvictedPieceReadsAsMissingAndCountsNoMore() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-single.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (MemoryCache c = MemoryCache.of(m, 2L * m.pieceLength())) {
      writePiece(c, m, stream, 0);
      writePiece(c, m, stream, 1);
      assertThat(c.heldBytes()).isEqualTo(m.pieceSize(0) + m.pieceSize(1));
      c.evict(0);
      c.evict(0); // again: nothing more
      assertThat(c.heldBytes()).isEqualTo(m.pieceSize(1));
      assertThatThrownBy(() -> c.read(0, 0, ByteBuffer.allocate(1)))
          .isInstanceOf(EOFException.class);
      assertThat(readPiece(c, m, 1)).isEqualTo(piece(m, stream, 1));
      writePiece(c, m, stream, 0);
      assertThat(readPiece(c, m, 0)).isEqualTo(piece(m, stream, 0));
      assertThat(c.maxHeldBytes()).isEqualTo(m.pieceSize(0) + m.pieceSize(1));
      assertThat(c.capacity()).isEqualTo(2L * m.pieceLength());
    }
  }

  @Test
  void aCacheSmallerThanOnePieceIsRefused() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-single.torrent");
    assertThatThrownBy(() -> MemoryCache.of(m, m.pieceLength() - 1))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot hold one");
    assertThatThrownBy(() -> MemoryCache.factory(m.pieceLength() - 1).open(m))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MemoryCache.factory(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
