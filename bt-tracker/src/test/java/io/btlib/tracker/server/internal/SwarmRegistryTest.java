package io.btlib.tracker.server.internal;

import static io.btlib.tracker.server.internal.SwarmRegistry.EVENT_COMPLETED;
import static io.btlib.tracker.server.internal.SwarmRegistry.EVENT_NONE;
import static io.btlib.tracker.server.internal.SwarmRegistry.EVENT_STARTED;
import static io.btlib.tracker.server.internal.SwarmRegistry.EVENT_STOPPED;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SwarmRegistryTest {
  private static final long SECOND = 1_000_000_000L;
  private static final HashKey A = hash(1);
  private static final HashKey B = hash(2);

  private final Rng rng = new Rng(42);
  private final PeerSample out = new PeerSample(200);
  private final int[] counts = new int[3];

  static HashKey hash(int n) {
    byte[] b = new byte[20];
    b[0] = (byte) n;
    b[19] = (byte) (n >> 8);
    return HashKey.of(b, 0);
  }

  static byte[] ip(int last) {
    return new byte[] {127, 0, (byte) (last >> 8), (byte) last};
  }

  private static SwarmRegistry registry(int maxSwarms, int perSwarm, int total) {
    return new SwarmRegistry(new SwarmRegistry.Limits(maxSwarms, perSwarm, total, 50, 200,
        60 * SECOND), null);
  }

  private int announce(SwarmRegistry r, HashKey h, int peer, boolean seeder, int event, long now) {
    return r.announce(h, ip(peer), 6881, null, seeder, event, 50, false, now, rng, out);
  }

  /** The peer numbers (see {@link #ip}) of the IPv4 peers sampled, in order. */
  private List<Integer> sampled() {
    List<Integer> ids = new ArrayList<>();
    for (int i = 0; i < out.count4; i++) {
      ids.add((out.v4[6 * i + 2] & 255) << 8 | (out.v4[6 * i + 3] & 255));
    }
    return ids;
  }

  @Test
  void neverReturnsTheAnnouncingPeerToItself() {
    SwarmRegistry r = registry(10, 100, 1000);
    assertThat(announce(r, A, 1, false, EVENT_STARTED, 0)).isZero();
    assertThat(announce(r, A, 2, false, EVENT_STARTED, 0)).isEqualTo(1);
    assertThat(sampled()).containsExactly(1);
    assertThat(announce(r, A, 1, false, EVENT_NONE, 0)).isEqualTo(1);
    assertThat(sampled()).containsExactly(2);
  }

  @Test
  void countsSeedersLeechersAndCompletedOncePerPeer() {
    SwarmRegistry r = registry(10, 100, 1000);
    announce(r, A, 1, true, EVENT_STARTED, 0);
    announce(r, A, 2, false, EVENT_STARTED, 0);
    announce(r, A, 2, true, EVENT_COMPLETED, 0);
    announce(r, A, 2, true, EVENT_COMPLETED, 0);
    r.scrape(A, counts);
    assertThat(counts).containsExactly(2, 1, 0);
    announce(r, A, 3, false, EVENT_STARTED, 0);
    assertThat(out.seeders).isEqualTo(2);
    assertThat(out.leechers).isEqualTo(1);
  }

  @Test
  void aLeecherThatStopsWithNothingLeftCountsAsADownload() {
    SwarmRegistry r = registry(10, 100, 1000);
    announce(r, A, 1, false, EVENT_STARTED, 0);
    announce(r, A, 1, true, EVENT_STOPPED, 0);
    announce(r, A, 2, true, EVENT_STARTED, 0); // a seeder from the start: no download
    announce(r, A, 2, true, EVENT_STOPPED, 0);
    r.scrape(A, counts);
    assertThat(counts).containsExactly(0, 1, 0);
  }

  @Test
  void stoppedRemovesThePeerAndDoesNotCreateASwarm() {
    SwarmRegistry r = registry(10, 100, 1000);
    announce(r, A, 1, false, EVENT_STARTED, 0);
    assertThat(announce(r, A, 1, false, EVENT_STOPPED, 0)).isZero();
    assertThat(r.peerCount()).isZero();
    announce(r, B, 1, false, EVENT_STOPPED, 0);
    r.scrape(B, counts);
    assertThat(counts).containsExactly(0, 0, 0);
    assertThat(r.snapshot()).doesNotContainKey(B);
  }

  @Test
  void expiredPeersAreNoLongerHandedOutAndTheSweepRemovesThem() {
    SwarmRegistry r = registry(10, 100, 1000);
    announce(r, A, 1, false, EVENT_STARTED, 0);
    announce(r, B, 1, false, EVENT_STARTED, 0);
    announce(r, A, 2, false, EVENT_STARTED, 30 * SECOND);
    assertThat(announce(r, A, 3, false, EVENT_STARTED, 61 * SECOND)).isEqualTo(1);
    assertThat(sampled()).containsExactly(2);
    assertThat(r.peerCount()).isEqualTo(4); // removed by the sweep, not by the announce
    assertThat(r.sweep(61 * SECOND)).isEqualTo(2);
    assertThat(r.swarmCount()).isEqualTo(1);
    assertThat(r.sweep(200 * SECOND)).isEqualTo(2);
    assertThat(r.swarmCount()).isZero();
    assertThat(r.peerCount()).isZero();
  }

  @Test
  void aReannounceKeepsAPeerAlive() {
    SwarmRegistry r = registry(10, 100, 1000);
    announce(r, A, 1, false, EVENT_STARTED, 0);
    announce(r, A, 1, false, EVENT_NONE, 50 * SECOND);
    assertThat(r.sweep(100 * SECOND)).isZero();
    assertThat(r.peerCount()).isEqualTo(1);
  }

  @Test
  void aFullSwarmEvictsThePeerHeardFromLeastRecently() {
    SwarmRegistry r = registry(10, 2, 1000);
    announce(r, A, 1, false, EVENT_STARTED, 1);
    announce(r, A, 2, false, EVENT_STARTED, 2);
    announce(r, A, 1, false, EVENT_NONE, 10); // 2 is now the oldest
    announce(r, A, 3, false, EVENT_STARTED, 11);
    assertThat(sampled()).containsExactly(1);
    assertThat(r.peerCount()).isEqualTo(2);
  }

  @Test
  void tooManySwarmsEvictTheLeastRecentlyUsed() {
    SwarmRegistry r = registry(2, 10, 1000);
    announce(r, hash(1), 1, false, EVENT_STARTED, 0);
    announce(r, hash(2), 1, false, EVENT_STARTED, 1);
    announce(r, hash(1), 2, false, EVENT_STARTED, 2);
    announce(r, hash(3), 1, false, EVENT_STARTED, 3);
    assertThat(r.snapshot()).containsOnlyKeys(hash(1), hash(3));
    assertThat(r.peerCount()).isEqualTo(3);
  }

  @Test
  void theGlobalPeerCapEvictsFromTheLeastRecentlyUsedSwarm() {
    SwarmRegistry r = registry(100, 100, 4);
    announce(r, hash(1), 1, false, EVENT_STARTED, 0);
    for (int p = 1; p <= 3; p++) {
      announce(r, hash(2), p, false, EVENT_STARTED, p);
    }
    announce(r, hash(3), 1, false, EVENT_STARTED, 10);
    assertThat(r.peerCount()).isEqualTo(4);
    assertThat(r.snapshot()).doesNotContainKey(hash(1));
    for (int i = 0; i < 50; i++) {
      announce(r, hash(10 + i), 1, false, EVENT_STARTED, 20 + i);
      assertThat(r.peerCount()).isLessThanOrEqualTo(4);
    }
  }

  @Test
  void samplesDistinctPeersUpToNumwantFromALargeSwarm() {
    SwarmRegistry r = registry(10, 10_000, 100_000);
    for (int p = 0; p < 1000; p++) {
      announce(r, A, p, false, EVENT_STARTED, 0);
    }
    Set<Integer> union = new HashSet<>();
    for (int round = 0; round < 40; round++) {
      int n = r.announce(A, ip(5000), 6881, null, false, EVENT_NONE, 50, false, 0, rng, out);
      assertThat(n).isEqualTo(50);
      assertThat(sampled()).doesNotContain(5000);
      Set<Integer> distinct = new HashSet<>(sampled());
      assertThat(distinct).hasSize(50);
      union.addAll(distinct);
    }
    assertThat(union.size()).as("samples vary between announces").isGreaterThan(500);
  }

  @Test
  void returnsOnlyTheRequestersFamilyUnlessBothAreAsked() {
    SwarmRegistry r = registry(10, 100, 1000);
    byte[] v6 = new byte[16];
    v6[15] = 1;
    r.announce(A, v6, 7000, null, false, EVENT_STARTED, 50, false, 0, rng, out);
    assertThat(announce(r, A, 1, false, EVENT_STARTED, 0)).isZero();
    out.wantPeerIds = true;
    assertThat(r.announce(A, ip(2), 6881, null, false, EVENT_STARTED, 50, true, 0, rng, out))
        .isEqualTo(2);
    assertThat(sampled()).containsExactly(1);
    assertThat(out.count6).isEqualTo(1);
    assertThat(out.v6[15]).isEqualTo((byte) 1);
    assertThat((out.v6[16] & 255) << 8 | (out.v6[17] & 255)).isEqualTo(7000);
    assertThat(out.leechers).isEqualTo(3);
  }

  @Test
  void numwantIsCappedAndNegativeMeansDefault() {
    SwarmRegistry r = registry(10, 100, 1000);
    assertThat(r.numwant(-1)).isEqualTo(50);
    assertThat(r.numwant(0)).isZero();
    assertThat(r.numwant(Long.MAX_VALUE)).isEqualTo(200);
  }

  @Test
  void everyLivePeerIsEquallyLikelyToBeSampledAndStaleOnesNever() {
    SwarmRegistry r = registry(10, 10_000, 100_000);
    int peers = 300;
    for (int p = 0; p < peers; p++) {
      announce(r, A, p, false, EVENT_STARTED, p % 3 == 0 ? 0 : 100 * SECOND); // a third stale
    }
    int self = 151; // live, in the middle of the array
    int rounds = 20_000;
    int[] hits = new int[peers];
    out.wantPeerIds = true;
    for (int round = 0; round < rounds; round++) {
      int n = r.announce(A, ip(self), 6881, null, false, EVENT_NONE, 50, false, 100 * SECOND,
          rng, out);
      assertThat(n).isEqualTo(50);
      List<Integer> got = sampled();
      assertThat(new HashSet<>(got)).hasSize(50);
      for (int i = 0; i < n; i++) {
        int p = got.get(i);
        assertThat(p % 3).as("stale peer %d handed out", p).isNotZero();
        assertThat(p).isNotEqualTo(self);
        hits[p]++;
      }
    }
    double expected = rounds * 50.0 / (peers * 2 / 3 - 1);
    for (int p = 0; p < peers; p++) {
      if (p % 3 != 0 && p != self) {
        assertThat((double) hits[p]).as("peer %d", p).isBetween(expected * 0.85, expected * 1.15);
      }
    }
  }

  @Test
  void aSampleWrapsRoundTheEndOfTheArrayAndTakesEveryoneWhenTooFew() {
    SwarmRegistry r = registry(10, 10_000, 100_000);
    for (int p = 0; p < 60; p++) {
      announce(r, A, p, false, EVENT_STARTED, 0);
    }
    Set<Integer> union = new HashSet<>();
    boolean wrapped = false;
    for (int round = 0; round < 200; round++) {
      assertThat(r.announce(A, ip(0), 6881, null, false, EVENT_NONE, 50, false, 0, rng, out))
          .isEqualTo(50);
      List<Integer> got = sampled();
      assertThat(new HashSet<>(got)).hasSize(50).doesNotContain(0);
      wrapped |= got.contains(59) && got.contains(1);
      union.addAll(got);
    }
    assertThat(wrapped).isTrue();
    assertThat(union).hasSize(59);
    assertThat(r.announce(A, ip(0), 6881, null, false, EVENT_NONE, 100, false, 0, rng, out))
        .isEqualTo(59);
    assertThat(new HashSet<>(sampled())).hasSize(59).doesNotContain(0);
  }

  @Test
  void aReannounceWithAnotherPeerIdReplacesItAndOneWithoutKeepsIt() {
    SwarmRegistry r = registry(10, 100, 1000);
    HashKey x = hash(7);
    HashKey y = hash(8);
    out.wantPeerIds = true;
    r.announce(A, ip(1), 6881, x, false, EVENT_STARTED, 50, false, 0, rng, out);
    r.announce(A, ip(2), 6881, null, false, EVENT_STARTED, 50, false, 0, rng, out);
    assertThat(out.idKnown4[0]).isTrue();
    assertThat(Arrays.copyOf(out.ids4, 20)).isEqualTo(x.bytes());
    r.announce(A, ip(1), 6881, x, false, EVENT_NONE, 50, false, 0, rng, out);
    r.announce(A, ip(2), 6881, null, false, EVENT_NONE, 50, false, 0, rng, out);
    assertThat(Arrays.copyOf(out.ids4, 20)).isEqualTo(x.bytes());
    r.announce(A, ip(1), 6881, null, false, EVENT_NONE, 50, false, 0, rng, out);
    assertThat(out.idKnown4[0]).as("peer 2 never sent an id").isFalse();
    r.announce(A, ip(1), 6881, y, false, EVENT_NONE, 50, false, 0, rng, out);
    r.announce(A, ip(1), 6881, null, false, EVENT_NONE, 50, false, 0, rng, out);
    r.announce(A, ip(2), 6881, null, false, EVENT_NONE, 50, false, 0, rng, out);
    assertThat(Arrays.copyOf(out.ids4, 20)).isEqualTo(y.bytes());
  }

  @Test
  void peerIdsAreKeptOnlyOnceASwarmIsAskedForADictionaryReply() {
    SwarmRegistry r = registry(10, 100, 1000);
    r.announce(A, ip(1), 6881, hash(7), false, EVENT_STARTED, 50, false, 0, rng, out);
    out.wantPeerIds = true;
    r.announce(A, ip(2), 6881, hash(8), false, EVENT_STARTED, 50, false, 0, rng, out);
    assertThat(out.count4).isEqualTo(1);
    assertThat(out.idKnown4[0]).as("announced before anyone wanted ids").isFalse();
    r.announce(A, ip(1), 6881, hash(7), false, EVENT_NONE, 50, false, 0, rng, out);
    r.announce(A, ip(2), 6881, hash(8), false, EVENT_NONE, 50, false, 0, rng, out);
    assertThat(out.idKnown4[0]).as("known once it announced again").isTrue();
    assertThat(Arrays.copyOf(out.ids4, 20)).isEqualTo(hash(7).bytes());
  }

  @Test
  void anInfoHashOffTheAllowListIsRefusedAndRecordsNothing() {
    SwarmRegistry r = new SwarmRegistry(new SwarmRegistry.Limits(10, 100, 1000, 50, 200,
        60 * SECOND), Set.of(A));
    assertThat(announce(r, B, 1, false, EVENT_STARTED, 0)).isEqualTo(SwarmRegistry.NOT_ALLOWED);
    assertThat(announce(r, B, 1, false, EVENT_STOPPED, 0)).isEqualTo(SwarmRegistry.NOT_ALLOWED);
    assertThat(announce(r, A, 1, false, EVENT_STARTED, 0)).isZero();
    assertThat(announce(r, A, 2, false, EVENT_STARTED, 0)).isEqualTo(1);
    assertThat(r.swarmCount()).isEqualTo(1);
    assertThat(r.peerCount()).isEqualTo(2);
  }

  @Test
  @org.junit.jupiter.api.Timeout(30)
  void theSwarmIndexFindsEverySwarmThroughGrowthEvictionAndShrinking() {
    SwarmRegistry r = registry(400, 100, 100_000);
    java.util.Random random = new java.util.Random(7);
    Set<HashKey> used = new HashSet<>();
    long now = 0;
    for (int step = 0; step < 20_000; step++) {
      now += SECOND / 100;
      HashKey h = hash(random.nextInt(3000));
      used.add(h);
      announce(r, h, random.nextInt(5), random.nextBoolean(), EVENT_STARTED, now);
      if (step % 2000 == 1999) {
        checkIndex(r, random, used);
      }
      if (step == 12_000) {
        assertThat(r.indexCapacity()).isEqualTo(1024); // 400 swarms: grown past half full
        r.sweep(now + 59_900_000_000L); // all but ~10 swarms expire
        assertThat(r.swarmCount()).isBetween(1, 30);
        assertThat(r.indexCapacity()).isLessThanOrEqualTo(256); // shrunk as they went
        checkIndex(r, random, used);
      }
    }
    r.sweep(now + 120 * SECOND);
    assertThat(r.swarmCount()).isZero();
    assertThat(r.indexCapacity()).isEqualTo(32);
    checkIndex(r, random, used);
  }

  private void checkIndex(SwarmRegistry r, java.util.Random random, Set<HashKey> used) {
    Map<HashKey, int[]> all = r.snapshot();
    assertThat(all).hasSize(r.swarmCount());
    assertThat(r.swarmCount()).isLessThanOrEqualTo(400);
    for (Map.Entry<HashKey, int[]> e : all.entrySet()) {
      r.scrape(e.getKey(), counts);
      assertThat(counts).containsExactly(e.getValue());
    }
    for (HashKey gone : used) { // evicted or swept: no longer found
      if (!all.containsKey(gone)) {
        r.scrape(gone, counts);
        assertThat(counts).containsExactly(0, 0, 0);
      }
    }
    for (int i = 0; i < 200; i++) {
      HashKey k = hash(3000 + random.nextInt(60_000));
      r.scrape(k, counts);
      assertThat(counts).containsExactly(0, 0, 0);
    }
  }

  /**
   * A sample that started on self or a stale peer would hand the peer after it one extra chance
   * per skipped slot: at numwant 1 the peer after self would come up twice as often, and the
   * peer after a block of stale ones many times as often.
   */
  @Test
  void noPeerIsFavouredForFollowingSelfOrABlockOfStalePeers() {
    SwarmRegistry r = registry(10, 10_000, 100_000);
    int peers = 40;
    for (int p = 0; p < peers; p++) {
      announce(r, A, p, false, EVENT_STARTED, p < 10 ? 0 : 100 * SECOND); // 0..9 stale, together
    }
    int self = 25;
    for (int want : new int[] {1, 5}) {
      int rounds = 60_000;
      int[] hits = new int[peers];
      for (int round = 0; round < rounds; round++) {
        int n = r.announce(A, ip(self), 6881, null, false, EVENT_NONE, want, false, 100 * SECOND,
            rng, out);
        assertThat(n).isEqualTo(want);
        for (int p : sampled()) {
          hits[p]++;
        }
      }
      double expected = (double) rounds * want / (peers - 10 - 1);
      for (int p = 10; p < peers; p++) {
        if (p != self) {
          assertThat((double) hits[p]).as("peer %d at numwant %d", p, want)
              .isBetween(expected * 0.9, expected * 1.1);
        }
      }
    }
  }

  /**
   * Endless churn on a virtual clock: each minute a tenth of the live peers fall silent for good
   * and new ones take their places, whole swarms die out (their last peers expire) and new swarms
   * start, and the sweep runs every 15 s as the server runs it. Peers, swarms and the storage
   * behind them (index slots, peer arrays and tables) stay bounded by the live population plus
   * what one timeout of departures adds; nothing grows with the peers and swarms that came and
   * went, 20 timeouts' worth of them.
   */
  @Test
  void expiryKeepsPopulationAndStorageBoundedUnderChurnIncludingSwarmsThatEmpty() {
    SwarmRegistry r = registry(100_000, 10_000, 1_000_000); // a 60 s timeout
    int live = 2_000;
    int swarmsLive = 200; // swarm of peer g: (g / 10) % ... shifts, so old swarms empty
    long minute = 60 * SECOND;
    long step = 5 * SECOND;
    long base = 0;
    long maxPeers = 0;
    long maxSwarms = 0;
    long maxStorage = 0;
    long storageAfterWarmUp = 0;
    for (long now = 0; now <= 20 * minute; now += step) {
      base = now / minute * (live / 10); // a tenth replaced each minute
      // each live peer announces every 30 s: a sixth of them each 5 s step
      long phase = now / step % 6;
      for (long g = base; g < base + live; g++) {
        if (g % 6 == phase) {
          // peers are grouped into swarms by number: as base moves on, the oldest swarms lose
          // their last peers and new swarms are born
          HashKey h = hash((int) (g / (live / swarmsLive) % 60_000) + 1);
          r.announce(h, ip((int) (g % 60_000)), 1024 + (int) (g / 60_000), null, g % 4 == 0,
              EVENT_NONE, 50, false, now, rng, out);
        }
      }
      if (now % (15 * SECOND) == 0) {
        r.sweep(now);
      }
      maxPeers = Math.max(maxPeers, r.peerCount());
      maxSwarms = Math.max(maxSwarms, r.swarmCount());
      if (now == 5 * minute) {
        storageAfterWarmUp = r.storageSlots();
      }
      maxStorage = Math.max(maxStorage, r.storageSlots());
    }
    // live peers, plus at most 60 s + one sweep period (15 s) of departures (a tenth a minute)
    assertThat(maxPeers).isLessThanOrEqualTo(live + live / 10 * 75 / 60 + live / 10);
    assertThat(maxSwarms).isLessThanOrEqualTo(swarmsLive * 2 + 10);
    assertThat(maxStorage).as("storage after 20 timeouts of churn")
        .isLessThanOrEqualTo(storageAfterWarmUp * 3 / 2);
    assertThat(maxStorage).isLessThanOrEqualTo(8L * maxPeers + 64L * maxSwarms);
    // 20 minutes of churn passed 2,000 + 20 x 200 peers and 600 swarms through the registry
    assertThat(r.snapshot().keySet()).doesNotContain(hash(1));
    r.sweep(20 * minute + 2 * minute); // everyone silent for two minutes: all gone
    assertThat(r.peerCount()).isZero();
    assertThat(r.swarmCount()).isZero();
    assertThat(r.indexCapacity()).isEqualTo(32);
    assertThat(r.storageSlots()).isLessThanOrEqualTo(32 + 1024);
  }
}
