package io.btlib.dht.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.dht.NodeId;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RoutingTableTest {
  static final NodeId SELF = NodeId.fromHex("0000000000000000000000000000000000000000");
  final Random random = new Random(3);
  int nextPort = 1000;
  long now = 1_000_000;

  /** A node whose id starts with the bits of {@code prefix} (then random), at a fresh port. */
  NodeInfo node(String prefixBits) {
    byte[] id = NodeId.random(random).bytes();
    for (int i = 0; i < prefixBits.length(); i++) {
      int mask = 0x80 >>> (i & 7);
      if (prefixBits.charAt(i) == '1') {
        id[i >>> 3] |= (byte) mask;
      } else {
        id[i >>> 3] &= (byte) ~mask;
      }
    }
    return new NodeInfo(
        NodeId.of(id), new InetSocketAddress(InetAddress.getLoopbackAddress(), nextPort++));
  }

  @Test
  void theFirstBucketHoldsKNodesThenSplitsWhenItContainsOurId() {
    RoutingTable t = new RoutingTable(SELF, now);
    for (int i = 0; i < RoutingTable.K; i++) {
      t.add(node(i % 2 == 0 ? "1" : "01"), true, now);
    }
    assertThat(t.bucketCount()).isEqualTo(1);
    assertThat(t.size()).isEqualTo(8);

    t.add(node("001"), true, now);

    assertThat(t.bucketCount()).isGreaterThan(1);
    assertThat(t.size()).isEqualTo(9);
  }

  @Test
  void aFarBucketNeverHoldsMoreThanKAndNewcomersWaitAsReplacements() {
    RoutingTable t = new RoutingTable(SELF, now);
    t.add(node("01"), true, now); // makes sure the far bucket can split off
    for (int i = 0; i < 20; i++) {
      t.add(node("1"), true, now);
    }
    long far = t.entries().stream().filter(e -> e.info().id().bit(0)).count();
    assertThat(far).isEqualTo(RoutingTable.K);
    assertThat(t.replacementCount()).isEqualTo(RoutingTable.K);
  }

  @Test
  void aFullBucketAsksToPingItsQuestionableNodesAndTheirFailureMakesRoomForAReplacement() {
    RoutingTable t = new RoutingTable(SELF, now);
    t.add(node("01"), true, now);
    List<NodeInfo> far = new java.util.ArrayList<>();
    for (int i = 0; i < RoutingTable.K; i++) {
      NodeInfo n = node("1");
      far.add(n);
      t.add(n, true, now);
    }
    assertThat(t.add(node("1"), true, now)).as("all good: nothing to ping").isEmpty();

    now += RoutingTable.GOOD_MILLIS; // everyone turned questionable
    NodeInfo newcomer = node("1");
    List<NodeInfo> toPing = t.add(newcomer, true, now);
    assertThat(toPing).hasSize(RoutingTable.K);
    assertThat(t.find(newcomer.id())).isNull();

    NodeInfo victim = far.get(3);
    for (int i = 0; i < RoutingTable.BAD_FAILURES; i++) {
      t.failed(victim.id());
    }

    assertThat(t.find(victim.id())).isNull();
    assertThat(t.find(newcomer.id())).isNotNull();
  }

  @Test
  void aBadNodeIsEvictedByTheNextNewcomerEvenWithoutReplacements() {
    RoutingTable t = new RoutingTable(SELF, now);
    t.add(node("01"), true, now);
    List<NodeInfo> far = new java.util.ArrayList<>();
    for (int i = 0; i < RoutingTable.K; i++) {
      NodeInfo n = node("1");
      far.add(n);
      t.add(n, true, now);
    }
    t.failed(far.get(0).id());
    assertThat(t.find(far.get(0).id()).isBad()).isFalse();
    t.failed(far.get(0).id());
    assertThat(t.find(far.get(0).id()).isBad()).isTrue();
    assertThat(t.closest(far.get(0).id(), 20)).doesNotContain(far.get(0));

    NodeInfo newcomer = node("1");
    t.add(newcomer, false, now);

    assertThat(t.find(far.get(0).id())).isNull();
    assertThat(t.find(newcomer.id())).isNotNull();
  }

  @Test
  void nodesTurnQuestionableAfterFifteenMinutesWithoutAnAnswer() {
    RoutingTable t = new RoutingTable(SELF, now);
    NodeInfo n = node("1");
    t.add(n, true, now);
    assertThat(t.find(n.id()).isGood(now + RoutingTable.GOOD_MILLIS - 1)).isTrue();
    assertThat(t.find(n.id()).isGood(now + RoutingTable.GOOD_MILLIS)).isFalse();
    NodeInfo queried = node("1");
    t.add(queried, false, now);
    assertThat(t.find(queried.id()).isGood(now)).as("never answered").isFalse();
  }

  @Test
  void anIdClaimedFromAnotherAddressDoesNotMoveTheNode() {
    RoutingTable t = new RoutingTable(SELF, now);
    NodeInfo n = node("1");
    t.add(n, true, now);
    t.add(
        new NodeInfo(n.id(), new InetSocketAddress(InetAddress.getLoopbackAddress(), 9)),
        true,
        now);
    assertThat(t.find(n.id()).info().address()).isEqualTo(n.address());
    assertThat(t.size()).isEqualTo(1);
  }

  @Test
  void ourOwnIdIsNeverAdded() {
    RoutingTable t = new RoutingTable(SELF, now);
    t.add(
        new NodeInfo(SELF, new InetSocketAddress(InetAddress.getLoopbackAddress(), 5)), true, now);
    assertThat(t.size()).isZero();
  }

  @Test
  void closestReturnsNodesInXorOrder() {
    RoutingTable t = new RoutingTable(SELF, now);
    for (int i = 0; i < 40; i++) {
      t.add(node(""), true, now);
    }
    NodeId target = NodeId.random(random);
    List<NodeInfo> c = t.closest(target, 8);
    assertThat(c).hasSize(8);
    for (int i = 1; i < c.size(); i++) {
      assertThat(target.compareDistance(c.get(i - 1).id(), c.get(i).id())).isNegative();
    }
  }

  @Test
  void bucketsUntouchedForFifteenMinutesAreRefreshedOnceWithATargetInTheirRange() {
    RoutingTable t = new RoutingTable(SELF, now);
    for (int i = 0; i < 30; i++) {
      t.add(node(""), true, now);
    }
    int buckets = t.bucketCount();
    assertThat(t.refreshTargets(now + RoutingTable.GOOD_MILLIS - 1, random)).isEmpty();

    List<NodeId> targets = t.refreshTargets(now + RoutingTable.GOOD_MILLIS, random);

    assertThat(targets).hasSize(buckets);
    for (int i = 0; i < buckets - 1; i++) {
      assertThat(SELF.commonPrefixLength(targets.get(i))).isEqualTo(i);
    }
    assertThat(SELF.commonPrefixLength(targets.get(buckets - 1)))
        .isGreaterThanOrEqualTo(buckets - 1);
    assertThat(t.refreshTargets(now + RoutingTable.GOOD_MILLIS, random)).isEmpty();
  }

  @Test
  void aPublicIpHoldsOnePlaceButLoopbackNodesMayShareOne() throws Exception {
    RoutingTable t = new RoutingTable(SELF, now);
    InetAddress host = InetAddress.getByName("203.0.113.7");
    t.add(new NodeInfo(NodeId.random(random), new InetSocketAddress(host, 1)), true, now);
    t.add(new NodeInfo(NodeId.random(random), new InetSocketAddress(host, 2)), true, now);
    assertThat(t.size()).isEqualTo(1);
    t.add(node(""), true, now);
    t.add(node(""), true, now);
    assertThat(t.size()).isEqualTo(3);
  }

  @Test
  void aNodeThatOnlyQueriedUsIsNotHandedToOthersUntilItAnswers() {
    RoutingTable t = new RoutingTable(SELF, now);
    NodeInfo queried = node("1");
    NodeInfo answered = node("1");
    t.add(queried, false, now);
    t.add(answered, true, now);

    assertThat(t.closestOfEach(queried.id(), 8, true, true)).containsExactly(answered);
    assertThat(t.closest(queried.id(), 8)).as("our own lookups may still try it")
        .contains(queried, answered);

    t.add(queried, true, now + 1);
    assertThat(t.closestOfEach(queried.id(), 8, true, true)).contains(queried);
  }

  @Test
  void aNodeThatOnlyQueriedUsIsVerifiedOnceAndBadAtItsFirstFailure() {
    RoutingTable t = new RoutingTable(SELF, now);
    NodeInfo queried = node("1");
    t.add(queried, false, now);

    assertThat(t.startVerifying(queried.id(), now)).isTrue();
    assertThat(t.startVerifying(queried.id(), now)).as("pinged once").isFalse();
    t.failed(queried.id(), true);

    assertThat(t.find(queried.id())).as("evicted: no replacement waits").isNull();
  }

  @Test
  void aNodeThatAnsweredTurnsBadAfterTwoFailuresAndLeavesOnlyWhenEvicting() {
    RoutingTable t = new RoutingTable(SELF, now);
    NodeInfo kept = node("1");
    NodeInfo evicted = node("1");
    t.add(kept, true, now);
    t.add(evicted, true, now);

    t.failed(evicted.id(), true);
    assertThat(t.find(evicted.id())).as("one failure: questionable").isNotNull();
    t.failed(evicted.id(), true);
    t.failed(kept.id(), false);
    t.failed(kept.id(), false);

    assertThat(t.find(evicted.id())).isNull();
    assertThat(t.find(kept.id()).isBad()).as("kept while our network may be down").isTrue();
  }

  @Test
  void stalestOffersTheNodeLongestWithoutAnAnswerAfterTenToFourteenMinutesOncePerMinute() {
    RoutingTable t = new RoutingTable(SELF, now);
    NodeInfo older = node("1");
    NodeInfo newer = node("01");
    t.add(older, true, now);
    t.add(newer, true, now + 1000);

    assertThat(t.stalest(now + RoutingTable.REFRESH_AFTER_MILLIS - 1)).isNull();
    long later = now + RoutingTable.REFRESH_AFTER_MILLIS + RoutingTable.REFRESH_SPREAD_MILLIS + 1000;
    assertThat(t.stalest(later)).isEqualTo(older);
    assertThat(t.stalest(later)).isEqualTo(newer);
    assertThat(t.stalest(later)).as("both pinged within the minute").isNull();
    assertThat(t.stalest(later + RoutingTable.REPING_MILLIS)).isEqualTo(older);
  }

  @Test
  void theRefreshOfManyNodesAnsweredAtOnceIsSpreadOverFourMinutes() {
    RoutingTable t = new RoutingTable(SELF, now);
    for (int i = 0; i < 500; i++) {
      t.add(node(""), true, now);
    }
    long[] dues = t.entries().stream().mapToLong(RoutingTable::refreshDue).sorted().toArray();
    assertThat(dues.length).isGreaterThan(30);
    assertThat(dues[0]).isGreaterThanOrEqualTo(now + RoutingTable.REFRESH_AFTER_MILLIS);
    assertThat(dues[dues.length - 1])
        .isLessThan(now + RoutingTable.REFRESH_AFTER_MILLIS + RoutingTable.REFRESH_SPREAD_MILLIS);
    assertThat(dues[dues.length - 1] - dues[0]).as("spread")
        .isGreaterThan(RoutingTable.REFRESH_SPREAD_MILLIS * 3 / 4);
  }
}
