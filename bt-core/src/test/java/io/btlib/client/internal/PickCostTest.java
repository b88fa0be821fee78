package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerView;
import io.btlib.policy.PiecePicker;
import io.btlib.policy.PiecePickers;
import io.btlib.policy.SwarmView;
import java.lang.reflect.Proxy;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * What one pick costs the default picker over the engine's view, counted in calls to the view
 * (issue 18, many peers): it must follow what the pick returns, not the torrent's size or the
 * number of pieces in progress. Before the view kept its indexes, a pick of 4 blocks on this
 * torrent read every one of its 20,000 pieces, and every block of the 1,000 in progress.
 */
class PickCostTest {
  private static final int PIECES = 20_000;
  private static final int BLOCKS = 16;

  @Test
  void aPickCostsWhatItReturnsNotThePiecesOfTheTorrent() {
    PieceState<String> s = new PieceState<>(PIECES,
        i -> BLOCKS * io.btlib.metainfo.Metainfo.BLOCK_SIZE, new Random(1));
    Random r = new Random(2);
    for (int peer = 0; peer < 50; peer++) {
      BitSet has = new BitSet();
      for (int i = 0; i < PIECES; i++) {
        if (r.nextBoolean()) {
          has.set(i);
        }
      }
      s.addPeerBitfield(has);
    }
    // 1,000 pieces in progress, every block of them asked of some peer: nothing left to finish
    for (int p = 0; p < PIECES; p += PIECES / 1000) {
      for (int b = 0; b < BLOCKS; b++) {
        s.blockRequested(p, b);
      }
    }
    for (int p = 0; p < 500; p++) {
      s.markVerified(PIECES - 1 - p);
    }
    PiecePicker picker = PiecePickers.rarestFirst().create(null);
    AtomicLong calls = new AtomicLong();
    SwarmView counted = counting(s, calls);
    List<long[]> picks = new ArrayList<>();
    for (int round = 0; round < 20; round++) {
      picks.clear();
      calls.set(0);
      picker.pickBlocks(seed(), counted, 4, (piece, block) -> {
        picks.add(new long[] {piece, block});
        return picks.size() < 4;
      });
      assertThat(picks).hasSize(4);
      // the rarest piece, then its first blocks: a few dozen calls, whatever the torrent's size
      assertThat(calls.get()).isLessThan(200);
      for (long[] pick : picks) {
        s.blockRequested((int) pick[0], (int) pick[1]);
      }
    }
    // and what it picked was the rarest the view had: no untouched piece is rarer
    int picked = (int) picks.get(0)[0];
    for (int p = s.nextUntouched(0); p >= 0; p = s.nextUntouched(p + 1)) {
      assertThat(s.availability(p)).isGreaterThanOrEqualTo(s.availability(picked));
    }
  }

  /** The view, counting every call made to it. */
  private static SwarmView counting(SwarmView view, AtomicLong calls) {
    return (SwarmView) Proxy.newProxyInstance(SwarmView.class.getClassLoader(),
        new Class<?>[] {SwarmView.class}, (proxy, method, args) -> {
          calls.incrementAndGet();
          if (method.getName().equals("visitRarestFirst")) {
            java.util.function.IntPredicate visitor = (java.util.function.IntPredicate) args[0];
            args = new Object[] {(java.util.function.IntPredicate) p -> {
              calls.incrementAndGet(); // every piece visited counts
              return visitor.test(p);
            }};
          }
          try {
            return method.invoke(view, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** A peer with every piece, unchoking us, asked for nothing yet. */
  private static PeerView seed() {
    PeerAddress a = PeerAddress.of(new InetSocketAddress("10.0.0.1", 6881));
    return new PeerView() {
      @Override
      public PeerAddress address() {
        return a;
      }

      @Override
      public boolean has(int piece) {
        return true;
      }

      @Override
      public boolean isSeed() {
        return true;
      }

      @Override
      public boolean isChokingUs() {
        return false;
      }

      @Override
      public boolean isAllowedFast(int piece) {
        return false;
      }

      @Override
      public boolean isSuggested(int piece) {
        return false;
      }

      @Override
      public boolean isRequested(int piece, int block) {
        return false;
      }

      @Override
      public int requestsInFlight() {
        return 0;
      }

      @Override
      public long downloadRate() {
        return 0;
      }

      @Override
      public boolean isSnubbed() {
        return false;
      }
    };
  }
}
