package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.Metainfo;
import java.util.BitSet;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RecheckTest {

  static String[] fixtures() {
    return RecheckFixtures.ALL;
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void findsEveryPieceGoodOnOneAndTwoThreads(String name) throws Exception {
    Metainfo m = RecheckFixtures.load(name);
    byte[] s = RecheckFixtures.stream(m);
    for (int threads : new int[] {1, 2}) {
      RecheckResult r = Recheck.builder(m, RecheckFixtures.arrayStorage(m, s, new BitSet()))
          .threads(threads).build().run();
      assertThat(r.good().cardinality()).isEqualTo(m.pieceCount());
      assertThat(r.allGood()).isTrue();
      assertThat(r.bad().isEmpty()).isTrue();
      long expectedBytes = 0;
      for (int i = 0; i < m.pieceCount(); i++) {
        expectedBytes += m.pieceSize(i);
      }
      assertThat(r.bytesHashed()).isEqualTo(expectedBytes);
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void marksCorruptAndUnreadablePiecesBad(String name) throws Exception {
    Metainfo m = RecheckFixtures.load(name);
    byte[] s = RecheckFixtures.stream(m);
    int last = m.pieceCount() - 1;
    s[last * m.pieceLength()] ^= 1;
    BitSet unreadable = new BitSet();
    unreadable.set(0);
    RecheckResult r = Recheck.builder(m, RecheckFixtures.arrayStorage(m, s, unreadable))
        .threads(2).build().run();
    assertThat(r.good().get(last)).isFalse();
    assertThat(r.good().get(0)).isFalse();
    assertThat(r.unreadable()).isEqualTo(unreadable);
    assertThat(r.bad().cardinality()).isEqualTo(last == 0 ? 1 : 2);
    assertThat(r.good().cardinality()).isEqualTo(m.pieceCount() - r.bad().cardinality());
  }

  @Test
  void reportsProgressForEachPiece() throws Exception {
    Metainfo m = RecheckFixtures.load("hybrid-multi.torrent");
    byte[] s = RecheckFixtures.stream(m);
    Set<Integer> seen = ConcurrentHashMap.newKeySet();
    AtomicLong maxBytes = new AtomicLong();
    Recheck.builder(m, RecheckFixtures.arrayStorage(m, s, new BitSet())).threads(2)
        .listener((piece, good, done, bytes) -> {
          seen.add(piece);
          maxBytes.accumulateAndGet(bytes, Math::max);
        }).build().run();
    assertThat(seen).hasSize(m.pieceCount());
    assertThat(maxBytes.get()).isEqualTo(m.totalSize());
  }

  @Test
  void checksOnlyTheRequestedPieces() throws Exception {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    BitSet subset = new BitSet();
    subset.set(1);
    subset.set(3);
    RecheckResult r = Recheck.builder(m, RecheckFixtures.arrayStorage(m,
        RecheckFixtures.stream(m), new BitSet())).pieces(subset).build().run();
    assertThat(r.checked()).isEqualTo(subset);
    assertThat(r.good()).isEqualTo(subset);
  }

  @Test
  void cancellationEndsEveryThreadAndCancelsTheResult() throws Exception {
    Metainfo m = RecheckFixtures.load("v1-single.torrent");
    byte[] s = RecheckFixtures.stream(m);
    Recheck.Handle[] handle = new Recheck.Handle[1];
    CountDownLatch started = new CountDownLatch(1);
    AtomicLong calls = new AtomicLong();
    Recheck r = Recheck.builder(m, RecheckFixtures.arrayStorage(m, s, new BitSet())).threads(1)
        .listener((piece, good, done, bytes) -> {
          calls.incrementAndGet();
          try {
            started.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
          handle[0].cancel();
        }).build();
    handle[0] = r.start();
    started.countDown();
    assertThatThrownBy(() -> handle[0].result().get())
        .isInstanceOf(CancellationException.class);
    handle[0].awaitThreads();
    assertThat(handle[0].isCancelled()).isTrue();
    assertThat(calls.get()).isEqualTo(1); // the worker stopped after the piece it was on
    assertThat(Thread.getAllStackTraces().keySet())
        .noneMatch(t -> t.getName().startsWith("bt-recheck-"));
  }

  @Test
  void rejectsBadSettings() throws Exception {
    Metainfo m = RecheckFixtures.load("v1-single.torrent");
    var b = Recheck.builder(m, RecheckFixtures.arrayStorage(m, new byte[0], new BitSet()));
    assertThatThrownBy(() -> b.threads(0)).hasMessageContaining("threads");
    BitSet tooFar = new BitSet();
    tooFar.set(m.pieceCount());
    assertThatThrownBy(() -> b.pieces(tooFar)).hasMessageContaining("outside");
  }
}
