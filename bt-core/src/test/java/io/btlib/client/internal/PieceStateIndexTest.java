package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.policy.SwarmView;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The piece state's indexes ({@link PieceState#nextUntouched}, {@link PieceState#nextPartial},
 * {@link PieceState#nextBusy},
 * {@link PieceState#visitRarestFirst}) against the scans {@link SwarmView}'s defaults make of
 * the plain queries, after every step of random sequences of everything that changes a piece.
 */
class PieceStateIndexTest {
  static final int B = io.btlib.metainfo.Metainfo.BLOCK_SIZE;

  @Test
  void indexesAgreeWithScansThroughRandomHistories() {
    for (long seed = 0; seed < 40; seed++) {
      Random r = new Random(seed);
      int n = 1 + r.nextInt(40);
      PieceState<String> s = new PieceState<>(n, i -> i == n - 1 ? 1 + r.nextInt(3 * B) : 3 * B,
          new Random(seed));
      SwarmView plain = plain(s);
      List<BitSet> peers = new ArrayList<>();
      boolean visitedOnce = false;
      for (int step = 0; step < 600; step++) {
        int p = r.nextInt(n);
        int b = r.nextInt(s.blockCount(p));
        switch (r.nextInt(10)) {
          case 0, 1 -> {
            if (!s.isVerified(p)) {
              s.blockRequested(p, b);
            }
          }
          case 2 -> s.requestEnded(p, b);
          case 3 -> {
            if (!s.isBlockReceived(p, b) && s.blockReceived(p, b, "peer" + r.nextInt(3))) {
              if (r.nextBoolean()) {
                s.pieceVerified(p);
              } else {
                s.pieceFailed(p);
              }
            }
          }
          case 4 -> s.setPiecePriority(p, r.nextInt(8));
          case 5 -> {
            BitSet has = new BitSet();
            for (int i = 0; i < n; i++) {
              if (r.nextBoolean()) {
                has.set(i);
              }
            }
            s.addPeerBitfield(has);
            peers.add(has);
          }
          case 6 -> {
            if (!peers.isEmpty()) {
              s.removePeerBitfield(peers.remove(r.nextInt(peers.size())));
            }
          }
          case 7 -> {
            BitSet has = new BitSet();
            has.set(p);
            s.peerHave(p);
            peers.add(has);
          }
          case 8 -> {
            if (r.nextInt(20) == 0) {
              s.markVerified(p);
            }
          }
          default -> {
            // a visit builds the rarity index, which every later step must keep up to date
            if (!visitedOnce || r.nextInt(3) == 0) {
              visitedOnce = true;
              check(s, plain);
            }
          }
        }
        if (visitedOnce) {
          check(s, plain);
        }
      }
    }
  }

  private static void check(PieceState<String> s, SwarmView plain) {
    for (int from = 0; from <= s.pieceCount(); from++) {
      assertThat(s.nextUntouched(from)).as("nextUntouched(%d) of %s", from, s)
          .isEqualTo(plain.nextUntouched(from));
      assertThat(s.nextPartial(from)).as("nextPartial(%d) of %s", from, s)
          .isEqualTo(plain.nextPartial(from));
      assertThat(s.nextBusy(from)).as("nextBusy(%d) of %s", from, s)
          .isEqualTo(plain.nextBusy(from));
    }
    List<Integer> indexed = new ArrayList<>();
    s.visitRarestFirst(indexed::add);
    List<Integer> scanned = new ArrayList<>();
    plain.visitRarestFirst(scanned::add);
    assertThat(indexed).containsExactlyInAnyOrderElementsOf(scanned);
    assertThat(indexed).isSortedAccordingTo(Comparator.<Integer>comparingInt(p -> -s.priority(p))
        .thenComparingInt(s::availability));
  }

  /** The state seen only through SwarmView's abstract methods: the defaults do the rest. */
  private static SwarmView plain(PieceState<String> s) {
    return new SwarmView() {
      @Override
      public int pieceCount() {
        return s.pieceCount();
      }

      @Override
      public boolean isWanted(int piece) {
        return s.isWanted(piece);
      }

      @Override
      public int nextWanted(int from) {
        return s.nextWanted(from);
      }

      @Override
      public int wantedCount() {
        return s.wantedCount();
      }

      @Override
      public int availability(int piece) {
        return s.availability(piece);
      }

      @Override
      public int priority(int piece) {
        return s.priority(piece);
      }

      @Override
      public int blockCount(int piece) {
        return s.blockCount(piece);
      }

      @Override
      public boolean isBlockReceived(int piece, int block) {
        return s.isBlockReceived(piece, block);
      }

      @Override
      public int blockRequests(int piece, int block) {
        return s.blockRequests(piece, block);
      }

      @Override
      public boolean isStarted(int piece) {
        return s.isStarted(piece);
      }

      @Override
      public boolean isEndGame() {
        return s.isEndGame();
      }

      @Override
      public long nowNanos() {
        return s.nowNanos();
      }

      @Override
      public Random random() {
        return new Random(0);
      }
    };
  }
}
