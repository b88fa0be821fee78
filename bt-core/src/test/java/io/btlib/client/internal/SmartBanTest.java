package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class SmartBanTest {
  static final int BLOCKS = 4;

  static SmartBan<String> ban(int maxFailed) {
    return new SmartBan<>(p -> BLOCKS, maxFailed);
  }

  /** The good bytes of a block. */
  static ByteBuffer good(int piece, int block) {
    byte[] b = new byte[64];
    Arrays.fill(b, (byte) (piece * 31 + block));
    return ByteBuffer.wrap(b);
  }

  /** Corrupt bytes of a block. */
  static ByteBuffer bad(int piece, int block) {
    ByteBuffer b = good(piece, block);
    b.put(5, (byte) (b.get(5) ^ 1));
    return b;
  }

  /** Sends block i of a piece from peers[i]; a peer named "liar..." sends bad bytes. */
  static IntFunction<ByteBuffer> send(SmartBan<String> ban, int piece, String... peers) {
    ByteBuffer[] data = new ByteBuffer[peers.length];
    for (int b = 0; b < peers.length; b++) {
      data[b] = peers[b].startsWith("liar") ? bad(piece, b) : good(piece, b);
      ban.onBlock(piece, b, peers[b]);
    }
    return b -> data[b];
  }

  @Test
  void identifiesOnlyTheLiarAfterTheRedownload() {
    SmartBan<String> ban = ban(8);
    IntFunction<ByteBuffer> failedBytes = send(ban, 3, "honest", "liar", "honest", "other");
    assertThat(ban.onPieceFailed(3, failedBytes)).isEmpty();
    assertThat(ban.failedPieceCount()).isEqualTo(1);
    send(ban, 3, "third", "third", "honest", "third");
    assertThat(ban.onPiecePassed(3, b -> good(3, b))).containsExactly("liar");
    assertThat(ban.failedPieceCount()).isZero();
    assertThat(ban.inProgressCount()).isZero();
  }

  @Test
  void usesHashesTakenWhenBlocksArrive() {
    SmartBan<String> ban = ban(8);
    ban.onBlock(1, 0, "honest", good(1, 0));
    ban.onBlock(1, 1, "liar", bad(1, 1));
    ban.onBlock(1, 2, "honest", good(1, 2));
    ban.onBlock(1, 3, "honest", good(1, 3));
    assertThat(ban.onPieceFailed(1)).isEmpty();
    assertThat(ban.onPiecePassed(1, b -> good(1, b))).containsExactly("liar");
  }

  @Test
  void aSingleSourceOfAFailedPieceIsProvenAtOnce() {
    SmartBan<String> ban = ban(8);
    IntFunction<ByteBuffer> bytes = send(ban, 2, "liar", "liar", "liar", "liar");
    assertThat(ban.onPieceFailed(2, bytes)).containsExactly("liar");
    assertThat(ban.failedPieceCount()).isZero();
  }

  @Test
  void aSingleSourceNeedsEveryBlockAttributed() {
    SmartBan<String> ban = ban(8);
    ban.onBlock(2, 0, "p");
    ban.onBlock(2, 1, "p");
    assertThat(ban.onPieceFailed(2, b -> good(2, b))).isEmpty();
  }

  @Test
  void accumulatesOverRepeatedFailures() {
    SmartBan<String> ban = ban(8);
    assertThat(ban.onPieceFailed(0, send(ban, 0, "h1", "liar1", "h2", "h1"))).isEmpty();
    assertThat(ban.onPieceFailed(0, send(ban, 0, "h2", "h1", "liar2", "h2"))).isEmpty();
    send(ban, 0, "h1", "h1", "h1", "h2");
    assertThat(ban.onPiecePassed(0, b -> good(0, b)))
        .containsExactlyInAnyOrder("liar1", "liar2");
  }

  @Test
  void honestPeersAreClearedEvenWhenTheyShareEveryFailure() {
    SmartBan<String> ban = ban(8);
    ban.onPieceFailed(0, send(ban, 0, "honest", "liar", "honest", "honest"));
    ban.onPieceFailed(0, send(ban, 0, "honest", "honest", "liar", "honest"));
    assertThat(ban.onPiecePassed(0, b -> good(0, b))).containsExactly("liar");
  }

  @Test
  void aPieceThatNeverFailedReadsNoBytes() {
    SmartBan<String> ban = ban(8);
    send(ban, 5, "a", "b", "a", "b");
    assertThat(ban.onPiecePassed(5, b -> {
      throw new AssertionError("read block " + b);
    })).isEmpty();
    assertThat(ban.inProgressCount()).isZero();
  }

  @Test
  void blocksWithoutBytesAreNotJudged() {
    SmartBan<String> ban = ban(8);
    IntFunction<ByteBuffer> bytes = send(ban, 0, "a", "liar", "a", "a");
    assertThat(ban.onPieceFailed(0, b -> b == 1 ? null : bytes.apply(b))).isEmpty();
    assertThat(ban.onPiecePassed(0, b -> good(0, b))).isEmpty();
    ban.onPieceFailed(0, send(ban, 0, "a", "liar", "a", "a"));
    assertThat(ban.onPiecePassed(0, b -> b == 1 ? null : good(0, b))).isEmpty();
  }

  @Test
  void theLastSenderOfABlockCounts() {
    SmartBan<String> ban = ban(8);
    IntFunction<ByteBuffer> bytes = send(ban, 0, "a", "liar", "a", "a");
    ban.onBlock(0, 1, "b"); // block 1 replaced by b's bytes, which are also bad
    assertThat(ban.onPieceFailed(0, b -> b == 1 ? bad(0, 1) : bytes.apply(b))).isEmpty();
    assertThat(ban.onPiecePassed(0, b -> good(0, b))).containsExactly("b");
  }

  @Test
  void evictsTheLeastRecentlyFailedPiece() {
    SmartBan<String> ban = ban(3);
    for (int p = 0; p < 5; p++) {
      ban.onPieceFailed(p, send(ban, p, "h", "liar", "h", "h"));
    }
    assertThat(ban.failedPieceCount()).isEqualTo(3);
    assertThat(ban.onPiecePassed(0, b -> good(0, b))).isEmpty(); // evicted
    assertThat(ban.onPiecePassed(1, b -> good(1, b))).isEmpty(); // evicted
    assertThat(ban.onPiecePassed(4, b -> good(4, b))).containsExactly("liar");
    ban.onPieceFailed(2, send(ban, 2, "h", "h", "liar2", "h")); // 2 becomes the most recent
    ban.onPieceFailed(7, send(ban, 7, "h", "h", "liar", "h"));
    ban.onPieceFailed(8, send(ban, 8, "h", "h", "liar", "h")); // evicts 3
    assertThat(ban.onPiecePassed(3, b -> good(3, b))).isEmpty();
    assertThat(ban.onPiecePassed(2, b -> good(2, b))).containsExactlyInAnyOrder("liar", "liar2");
  }

  @Test
  void keepsAtMostMaxAttemptsOfRecordsPerPiece() {
    SmartBan<String> ban = ban(8);
    ban.onPieceFailed(0, send(ban, 0, "h", "liarOld", "h", "h"));
    for (int i = 0; i < 10; i++) {
      ban.onPieceFailed(0, send(ban, 0, "h", "h", "liar" + i, "h"));
      assertThat(ban.recordCount(0)).isLessThanOrEqualTo(SmartBan.MAX_ATTEMPTS * BLOCKS);
    }
    assertThat(ban.recordCount(0)).isEqualTo(SmartBan.MAX_ATTEMPTS * BLOCKS);
    assertThat(ban.onPiecePassed(0, b -> good(0, b)))
        .containsExactlyInAnyOrder("liar6", "liar7", "liar8", "liar9");
  }

  @Test
  void forgetsAndClears() {
    SmartBan<String> ban = ban(8);
    ban.onPieceFailed(0, send(ban, 0, "h", "liar", "h", "h"));
    send(ban, 1, "a", "b");
    ban.forget(0);
    assertThat(ban.onPiecePassed(0, b -> good(0, b))).isEmpty();
    assertThat(ban.inProgressCount()).isEqualTo(1);
    ban.onPieceFailed(2, send(ban, 2, "h", "liar", "h", "h"));
    ban.clear();
    assertThat(ban.inProgressCount()).isZero();
    assertThat(ban.failedPieceCount()).isZero();
    assertThat(ban.onPieceFailed(9)).isEmpty();
  }

  @Test
  void leavesBuffersUntouched() {
    SmartBan<String> ban = ban(8);
    ByteBuffer data = good(0, 0);
    data.position(3);
    ban.onBlock(0, 0, "a", data);
    assertThat(data.position()).isEqualTo(3);
    assertThat(data.limit()).isEqualTo(64);
  }

  @Test
  void rejectsBadArguments() {
    SmartBan<String> ban = ban(8);
    assertThatThrownBy(() -> ban.onBlock(0, BLOCKS, "a"))
        .isInstanceOf(IndexOutOfBoundsException.class);
    ban.onBlock(0, 0, "a");
    assertThatThrownBy(() -> ban.onBlock(0, -1, "a"))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> ban.onBlock(0, 1, null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> ban(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxFailedPieces");
  }
}
