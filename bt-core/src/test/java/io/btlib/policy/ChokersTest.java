package io.btlib.policy;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.peer.PeerAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ChokersTest {
  static final long SECOND = 1_000_000_000L;

  static PeerAddress addr(int i) {
    return PeerAddress.parse("127.0.0.1:" + (10000 + i));
  }

  static PeerStats peer(int i, long downRate, long upRate, boolean choked) {
    return new PeerStats(addr(i), true, choked, downRate, upRate, 0, 0, 0.3, false, 0,
        Long.MIN_VALUE);
  }

  static ChokeContext ctx(int slots, boolean seeding, long round) {
    // seeds spread out: java.util.Random's first draws from nearby seeds are correlated
    return new ChokeContext(slots, seeding, round, 1000 * SECOND,
        new Random(round * 0x9E3779B97F4A7C15L));
  }

  @Test
  void titForTatUnchokesTheBestDownloadersPlusOneOptimistic() {
    List<PeerStats> peers = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      peers.add(peer(i, i * 1000L, 0, true));
    }
    ChokeDecision d = Chokers.titForTat().create().rechoke(peers, ctx(4, false, 0));
    assertThat(d.unchoked()).containsExactlyInAnyOrder(addr(7), addr(6), addr(5));
    assertThat(d.optimistic()).isPresent();
    assertThat(d.unchoked()).doesNotContain(d.optimistic().get());
  }

  @Test
  void theOptimisticUnchokeMovesEveryThreeRounds() {
    Choker c = Chokers.titForTat().create();
    List<PeerStats> peers = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      peers.add(peer(i, 0, 0, true));
    }
    Set<PeerAddress> seen = new HashSet<>();
    PeerAddress last = null;
    for (int round = 0; round < 60; round++) {
      PeerAddress o = c.rechoke(peers, ctx(1, false, round)).optimistic().orElseThrow();
      if (round % 3 != 0) {
        assertThat(o).isEqualTo(last);
      }
      last = o;
      seen.add(o);
    }
    assertThat(seen.size()).isGreaterThan(5);
  }

  @Test
  void newcomersAreThreeTimesAsLikelyToBeTheOptimisticUnchoke() {
    List<PeerStats> peers = new ArrayList<>();
    peers.add(new PeerStats(addr(0), true, true, 0, 0, 0, 0, 0, false, 999 * SECOND,
        Long.MIN_VALUE)); // connected 1 s ago
    peers.add(new PeerStats(addr(1), true, true, 0, 0, 0, 0, 0, false, 0, Long.MIN_VALUE));
    int newcomer = 0;
    for (int round = 0; round < 4000; round++) {
      Choker c = Chokers.titForTat().create();
      if (c.rechoke(peers, ctx(1, false, round)).optimistic().orElseThrow().equals(addr(0))) {
        newcomer++;
      }
    }
    assertThat(newcomer).isBetween(2800, 3200);
  }

  @Test
  void snubbedAndUninterestedPeersGetNoRegularSlot() {
    List<PeerStats> peers = List.of(
        new PeerStats(addr(0), true, true, 9999, 0, 0, 0, 0.5, true, 0, Long.MIN_VALUE),
        new PeerStats(addr(1), false, true, 8888, 0, 0, 0, 0.5, false, 0, Long.MIN_VALUE),
        peer(2, 10, 0, true));
    ChokeDecision d = Chokers.titForTat().create().rechoke(peers, ctx(2, false, 0));
    assertThat(d.unchoked()).containsExactly(addr(2));
    assertThat(d.optimistic()).hasValue(addr(0)); // the optimistic slot may still try it
  }

  @Test
  void seedingRoundRobinGivesEveryInterestedPeerATurn() {
    Choker c = Chokers.titForTat().create();
    Map<PeerAddress, Long> lastUnchoked = new HashMap<>();
    Set<PeerAddress> unchokedNow = new HashSet<>();
    Set<PeerAddress> everUnchoked = new HashSet<>();
    for (int round = 0; round < 30; round++) {
      List<PeerStats> peers = new ArrayList<>();
      for (int i = 0; i < 9; i++) {
        PeerAddress a = addr(i);
        peers.add(new PeerStats(a, true, !unchokedNow.contains(a), 0, 1000, 0, 0, 0.1, false, 0,
            lastUnchoked.getOrDefault(a, Long.MIN_VALUE)));
      }
      ChokeDecision d = c.rechoke(peers, ctx(3, true, round));
      assertThat(d.unchoked()).hasSize(3);
      for (PeerAddress a : d.unchoked()) {
        if (!unchokedNow.contains(a)) {
          lastUnchoked.put(a, (long) round);
        }
      }
      unchokedNow = new HashSet<>(d.unchoked());
      everUnchoked.addAll(d.unchoked());
    }
    assertThat(everUnchoked).hasSize(9);
  }

  @Test
  void fastestUploadAndAntiLeechRankAsDocumented() {
    List<PeerStats> peers = List.of(
        new PeerStats(addr(0), true, true, 0, 500, 0, 0, 0.5, false, 0, Long.MIN_VALUE),
        new PeerStats(addr(1), true, true, 0, 900, 0, 0, 0.02, false, 0, Long.MIN_VALUE),
        new PeerStats(addr(2), true, true, 0, 100, 0, 0, 0.97, false, 0, Long.MIN_VALUE));
    assertThat(Chokers.seedFastestUpload().create().rechoke(peers, ctx(2, true, 0)).unchoked())
        .containsExactly(addr(1));
    ChokeDecision anti = Chokers.seedAntiLeech().create().rechoke(peers, ctx(3, true, 0));
    assertThat(anti.unchoked()).containsExactlyInAnyOrder(addr(1), addr(2));
    assertThat(anti.optimistic()).hasValue(addr(0));
  }

  @Test
  void rateBasedSlotsGrowWithTheUploadRateAchieved() {
    List<PeerStats> peers = new ArrayList<>();
    assertThat(Chokers.rateBasedSlots(peers)).isEqualTo(2);
    for (int i = 0; i < 6; i++) {
      peers.add(peer(i, 0, 10 * 1024, false)); // each gets 10 KiB/s
    }
    // thresholds 1, 2, ... 6 KiB/s all pass: 6 slots, plus one to probe
    assertThat(Chokers.rateBasedSlots(peers)).isEqualTo(7);
    peers.add(peer(9, 0, 100, true)); // choked peers do not count
    assertThat(Chokers.rateBasedSlots(peers)).isEqualTo(7);
    ChokeDecision d = Chokers.rateBased(Chokers.seedFastestUpload()).create()
        .rechoke(peers, ctx(1, true, 0));
    assertThat(d.unchoked()).hasSize(6);
  }

  @Test
  void zeroSlotsChokeEveryone() {
    ChokeDecision d = Chokers.titForTat().create().rechoke(List.of(peer(1, 5, 5, false)),
        ctx(0, false, 0));
    assertThat(d.unchoked()).isEmpty();
    assertThat(d.optimistic()).isEmpty();
  }
}
