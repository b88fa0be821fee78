package io.btlib.policy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class PiecePickersTest {

  static PiecePicker rarest() {
    return PiecePickers.rarestFirst().create(null);
  }

  static java.util.List<String> pick(PiecePicker p, FakeViews.Peer peer, FakeViews.Swarm s,
      int max) {
    FakeViews.Sink sink = new FakeViews.Sink(100);
    p.pickBlocks(peer, s, max, sink);
    return sink.picks;
  }

  @Test
  void picksTheRarestPieceThePeerHas() {
    FakeViews.Swarm s = new FakeViews.Swarm(10, 2);
    for (int i = 0; i < 10; i++) {
      s.availability[i] = 5;
    }
    s.availability[7] = 1;
    s.availability[3] = 0; // nobody has it, and neither does this peer
    FakeViews.Peer peer = new FakeViews.Peer().hasAll(10);
    peer.has.clear(3);
    assertThat(pick(rarest(), peer, s, 2)).containsExactly("7:0", "7:1");
  }

  @Test
  void breaksTiesAtRandomAcrossAllTiedPieces() {
    FakeViews.Swarm s = new FakeViews.Swarm(8, 1);
    FakeViews.Peer peer = new FakeViews.Peer().hasAll(8);
    Map<String, Integer> counts = new HashMap<>();
    for (int i = 0; i < 4000; i++) {
      counts.merge(pick(rarest(), peer, s, 1).get(0), 1, Integer::sum);
    }
    assertThat(counts).hasSize(8);
    assertThat(counts.values()).allSatisfy(c -> assertThat(c).isBetween(350, 650));
  }

  @Test
  void priorityBeatsRarityAndSkippedPiecesAreNeverPicked() {
    FakeViews.Swarm s = new FakeViews.Swarm(4, 1);
    s.availability[0] = 1;
    s.availability[1] = 9;
    s.priority[1] = 7;
    s.priority[2] = 0;
    s.wanted.clear(3);
    FakeViews.Peer peer = new FakeViews.Peer().hasAll(4);
    assertThat(pick(rarest(), peer, s, 3)).containsExactly("1:0", "0:0");
  }

  @Test
  void finishesStartedPiecesFirst() {
    FakeViews.Swarm s = new FakeViews.Swarm(5, 4);
    java.util.Arrays.fill(s.availability, 3);
    s.availability[0] = 1;
    s.received.add(FakeViews.Swarm.key(4, 0));
    s.requests.put(FakeViews.Swarm.key(4, 1), 1);
    FakeViews.Peer peer = new FakeViews.Peer().hasAll(5);
    assertThat(pick(rarest(), peer, s, 3)).containsExactly("4:2", "4:3", "0:0");
  }

  @Test
  void whileChokedPicksOnlyAllowedFastPieces() {
    FakeViews.Swarm s = new FakeViews.Swarm(5, 1);
    FakeViews.Peer peer = new FakeViews.Peer().hasAll(5);
    peer.choking = true;
    assertThat(pick(rarest(), peer, s, 5)).isEmpty();
    peer.allowedFast.set(2);
    assertThat(pick(rarest(), peer, s, 5)).containsExactly("2:0");
  }

  @Test
  void inTheEndGameRequestsInFlightBlocksOnceMore() {
    FakeViews.Swarm s = new FakeViews.Swarm(2, 2);
    s.requests.put(FakeViews.Swarm.key(0, 0), 1);
    s.requests.put(FakeViews.Swarm.key(0, 1), 2);
    s.received.add(FakeViews.Swarm.key(1, 0));
    s.requests.put(FakeViews.Swarm.key(1, 1), 1);
    FakeViews.Peer peer = new FakeViews.Peer().hasAll(2);
    peer.requested.add(FakeViews.Swarm.key(1, 1));
    assertThat(pick(rarest(), peer, s, 10)).isEmpty(); // not the end game yet
    s.endGame = true;
    // only a peer with nothing in flight asks again (libtorrent's strict end game)
    assertThat(pick(rarest(), peer, s, 10)).isEmpty();
    peer.requested.clear();
    // 0:1 is already requested twice
    assertThat(pick(rarest(), peer, s, 10)).containsExactly("0:0", "1:1");
  }

  @Test
  void sequentialGoesInIndexOrderWithinPriority() {
    FakeViews.Swarm s = new FakeViews.Swarm(6, 1);
    s.availability[5] = 0;
    s.priority[4] = 2;
    FakeViews.Peer peer = new FakeViews.Peer().hasAll(6);
    assertThat(pick(PiecePickers.sequential().create(null), peer, s, 4))
        .containsExactly("4:0", "0:0", "1:0", "2:0");
  }

  @Test
  void neverPicksMoreThanAsked() {
    FakeViews.Swarm s = new FakeViews.Swarm(100, 16);
    FakeViews.Peer peer = new FakeViews.Peer().hasAll(100);
    assertThat(pick(rarest(), peer, s, 37)).hasSize(37).doesNotHaveDuplicates();
  }

  @Test
  void piecesWithDeadlinesComeFirstNearestFirstThenStartedThenRarest() {
    FakeViews.Swarm s = new FakeViews.Swarm(10, 2);
    java.util.Arrays.fill(s.availability, 5);
    s.availability[0] = 1; // the rarest
    s.received.add(FakeViews.Swarm.key(3, 0)); // started
    s.deadline(8, 100).deadline(6, 200).deadline(9, 300);
    s.wanted.clear(9); // verified meanwhile: skipped
    s.received.add(FakeViews.Swarm.key(6, 0)); // a deadline piece half in
    FakeViews.Peer peer = new FakeViews.Peer().hasAll(10);
    peer.has.clear(8); // this peer lacks the nearest one
    assertThat(pick(rarest(), peer, s, 4)).containsExactly("6:1", "3:1", "0:0", "0:1");
    assertThat(pick(PiecePickers.sequential().create(null), new FakeViews.Peer().hasAll(10), s, 4))
        .containsExactly("8:0", "8:1", "6:1", "3:1");
  }
}
