package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import java.util.BitSet;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link PieceState#restrictTo} and {@link PieceState#unverify}: what a bounded cache needs. */
class PieceStateRestrictTest {
  private static final int B = Metainfo.BLOCK_SIZE;

  private static PieceState<String> pieces() {
    return new PieceState<>(10, i -> 2 * B, new Random(1));
  }

  private static BitSet of(int... pieces) {
    BitSet b = new BitSet();
    for (int p : pieces) {
      b.set(p);
    }
    return b;
  }

  @Test
  void onlyTheAllowedPiecesAreWantedAndLiftingTheRestrictionWantsAllAgain() {
    PieceState<String> s = pieces();
    s.restrictTo(of(2, 3));
    assertThat(s.wantedCount()).isEqualTo(2);
    assertThat(s.nextWanted(0)).isEqualTo(2);
    assertThat(s.nextUntouched(0)).isEqualTo(2);
    assertThat(s.wantedBytesLeft()).isEqualTo(4L * B);
    s.restrictTo(of(3, 7));
    assertThat(s.isWanted(2)).isFalse();
    assertThat(s.isWanted(7)).isTrue();
    s.restrictTo(new BitSet());
    assertThat(s.wantedCount()).isZero();
    assertThat(s.isComplete()).as("nothing wanted").isTrue();
    s.restrictTo(null);
    assertThat(s.wantedCount()).isEqualTo(10);
  }

  @Test
  void anUnverifiedPieceIsMissingAndWantedAgainWhenAllowed() {
    PieceState<String> s = pieces();
    s.restrictTo(of(4));
    s.blockReceived(4, 0, "a");
    s.blockReceived(4, 1, "a");
    s.pieceVerified(4);
    assertThat(s.verifiedCount()).isEqualTo(1);
    assertThat(s.wantedCount()).isZero();
    s.restrictTo(of(5));
    s.unverify(4);
    assertThat(s.isVerified(4)).isFalse();
    assertThat(s.verified().get(4)).as("resume data leaves it out").isFalse();
    assertThat(s.verifiedCount()).isZero();
    assertThat(s.bytesLeft()).isEqualTo(20L * B);
    assertThat(s.isWanted(4)).as("not in a window").isFalse();
    s.restrictTo(of(4, 5));
    assertThat(s.isWanted(4)).isTrue();
    assertThat(s.isBlockReceived(4, 0)).isFalse();
    assertThat(s.nextUntouched(0)).isEqualTo(4);
    s.unverify(4); // not verified: ignored
    assertThat(s.verifiedCount()).isZero();
  }
}
