package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import java.util.Random;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

/** Which blocks arriving after their cancel are kept: only those that fill a wanted hole. */
class LateBlocksTest {
  private static final int B = Metainfo.BLOCK_SIZE;
  private static final IntPredicate NONE_HASHING = p -> false;

  /** Ten pieces of two and a half blocks, the last of 1000 bytes. */
  private static PieceState<String> pieces() {
    return new PieceState<>(10, i -> i == 9 ? 1000 : 2 * B + B / 2, new Random(1));
  }

  @Test
  void aMissingBlockOfAWantedPieceIsKept() {
    PieceState<String> s = pieces();
    assertThat(LateBlocks.useful(s, NONE_HASHING, 3, 0, B)).isTrue();
    assertThat(LateBlocks.useful(s, NONE_HASHING, 3, 2 * B, B / 2)).as("the short last").isTrue();
    assertThat(LateBlocks.useful(s, NONE_HASHING, 9, 0, 1000)).isTrue();
  }

  @Test
  void aBlockAlreadyReceivedOrOfAVerifiedOrHashingPieceIsNot() {
    PieceState<String> s = pieces();
    s.blockReceived(3, 1, "a");
    assertThat(LateBlocks.useful(s, NONE_HASHING, 3, B, B)).as("received").isFalse();
    assertThat(LateBlocks.useful(s, NONE_HASHING, 3, 0, B)).as("the piece's other").isTrue();
    s.pieceVerified(4);
    assertThat(LateBlocks.useful(s, NONE_HASHING, 4, 0, B)).as("verified").isFalse();
    assertThat(LateBlocks.useful(s, p -> p == 5, 5, 0, B)).as("being hashed").isFalse();
  }

  @Test
  void aPieceNoLongerWantedIsNot() {
    PieceState<String> s = pieces();
    s.setPiecePriority(6, 0);
    assertThat(LateBlocks.useful(s, NONE_HASHING, 6, 0, B)).isFalse();
  }

  @Test
  void aBlockThatDoesNotFitItsPieceIsNot() {
    PieceState<String> s = pieces();
    assertThat(LateBlocks.useful(s, NONE_HASHING, 3, 1, B)).as("unaligned").isFalse();
    assertThat(LateBlocks.useful(s, NONE_HASHING, 3, 0, B - 1)).as("short").isFalse();
    assertThat(LateBlocks.useful(s, NONE_HASHING, 3, 2 * B, B)).as("past the end").isFalse();
    assertThat(LateBlocks.useful(s, NONE_HASHING, 3, 3 * B, B)).as("no such block").isFalse();
    assertThat(LateBlocks.useful(s, NONE_HASHING, 10, 0, B)).as("no such piece").isFalse();
    assertThat(LateBlocks.useful(s, NONE_HASHING, -1, 0, B)).isFalse();
    assertThat(LateBlocks.useful(s, NONE_HASHING, 3, -B, B)).isFalse();
  }
}
