package io.btlib.dht.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.dht.NodeId;
import io.btlib.peer.PeerAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class LookupTest {
  final Random random = new Random(31);
  final NodeId self = NodeId.random(random);
  int port = 2000;

  NodeInfo node() {
    return new NodeInfo(
        NodeId.random(random), new InetSocketAddress(InetAddress.getLoopbackAddress(), port++));
  }

  List<NodeInfo> nodes(int n) {
    List<NodeInfo> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(node());
    }
    return out;
  }

  static List<NodeInfo> known(List<Object> next) {
    List<NodeInfo> out = new ArrayList<>();
    for (Object o : next) {
      out.add((NodeInfo) o);
    }
    return out;
  }

  @Test
  void keepsAlphaQueriesInFlightClosestFirst() {
    Lookup l = new Lookup(NodeId.random(random), true);
    List<NodeInfo> seeds = nodes(10);
    l.addCandidates(seeds, self);

    List<NodeInfo> first = known(l.nextToQuery());

    assertThat(first).hasSize(Lookup.ALPHA);
    assertThat(l.nextToQuery()).as("nothing more while three are pending").isEmpty();
    List<NodeInfo> sorted = new ArrayList<>(seeds);
    sorted.sort((a, b) -> l.target().compareDistance(a.id(), b.id()));
    assertThat(first).containsExactlyElementsOf(sorted.subList(0, 3));
  }

  @Test
  void finishesWhenTheKClosestThatDidNotFailHaveAnsweredAndCollectsValuesAndTokens() {
    Lookup l = new Lookup(NodeId.random(random), true);
    l.addCandidates(nodes(12), self);
    PeerAddress peer = PeerAddress.of("127.0.0.1", 6881);
    int rounds = 0;
    while (!l.isDone() && rounds++ < 100) {
      for (NodeInfo n : known(l.nextToQuery())) {
        if (n.address().getPort() % 5 == 0) {
          l.failed(n.id());
        } else {
          l.answered(n.id(), n, List.of(), List.of(peer), new byte[] {1}, self);
        }
      }
    }
    assertThat(l.isDone()).isTrue();
    assertThat(l.values()).containsExactly(peer);
    assertThat(l.closestAnswered()).hasSize(RoutingTable.K);
    assertThat(l.closestAnswered()).allMatch(c -> c.token() != null);
  }

  @Test
  void closerNodesFromAnswersAreAskedNext() {
    NodeId target = NodeId.random(random);
    Lookup l = new Lookup(target, false);
    NodeInfo far = node();
    l.addCandidates(List.of(far), self);
    assertThat(known(l.nextToQuery())).containsExactly(far);
    byte[] closeId = target.bytes();
    closeId[19] ^= 1;
    NodeInfo close = new NodeInfo(NodeId.of(closeId), node().address());

    l.answered(far.id(), far, List.of(close), List.of(), null, self);

    assertThat(known(l.nextToQuery())).containsExactly(close);
    assertThat(l.isDone()).isFalse();
  }

  @Test
  void anAnswerFromAnotherIdCountsTheAskedNodeAsFailedSoTheLookupStillEnds() {
    Lookup l = new Lookup(NodeId.random(random), false);
    NodeInfo asked = node();
    l.addCandidates(List.of(asked), self);
    l.nextToQuery();
    NodeInfo impostor = new NodeInfo(NodeId.random(random), asked.address());

    l.answered(asked.id(), impostor, List.of(), List.of(), null, self);

    assertThat(l.isDone()).isTrue();
    assertThat(l.closestAnswered()).extracting(Lookup.Candidate::info).containsExactly(impostor);
  }

  /** Eight new nodes, each sharing exactly {@code bits} leading bits with {@code target}. */
  List<NodeInfo> closer(NodeId target, int bits) {
    List<NodeInfo> out = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      byte[] id = NodeId.random(random).bytes();
      byte[] t = target.bytes();
      for (int b = 0; b <= bits; b++) {
        int mask = 0x80 >>> (b & 7);
        boolean v = (t[b >>> 3] & mask) != 0;
        if (b == bits) {
          v = !v;
        }
        id[b >>> 3] = (byte) (v ? id[b >>> 3] | mask : id[b >>> 3] & ~mask);
      }
      out.add(new NodeInfo(NodeId.of(id), node().address()));
    }
    return out;
  }

  @Test
  void bootstrapAddressesAreAskedFirstAndAnEndlessSupplyOfCloserNodesHitsTheQueryBudget() {
    NodeId target = NodeId.random(random);
    Lookup l = new Lookup(target, false);
    InetSocketAddress boot = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1);
    l.addUnknown(boot);
    List<Object> next = l.nextToQuery();
    assertThat(next).containsExactly(boot);
    l.answered(
        null, new NodeInfo(NodeId.random(random), boot), closer(target, 0), List.of(), null, self);
    int queries = 1;
    while (!l.isDone() && queries < 10_000) {
      for (NodeInfo n : known(l.nextToQuery())) {
        queries++;
        // every answer brings nodes closer than any seen so far
        l.answered(n.id(), n, closer(target, Math.min(150, queries)), List.of(), null, self);
      }
    }
    assertThat(l.isDone()).isTrue();
    assertThat(queries).isEqualTo(Lookup.MAX_QUERIES);
  }

  @Test
  void countsTheRoundsToTheClosestNodeThatAnswered() {
    Lookup l = new Lookup(NodeId.random(random), false);
    assertThat(l.hops()).as("nobody answered yet").isZero();
    NodeInfo seed = node();
    l.addCandidates(List.of(seed), self);
    l.nextToQuery();
    NodeInfo second = node();
    l.answered(seed.id(), seed, List.of(second), List.of(), null, self);
    assertThat(l.hops()).isEqualTo(1);

    l.nextToQuery();
    NodeInfo third = node();
    l.answered(second.id(), second, List.of(third), List.of(), null, self);
    l.nextToQuery();
    l.answered(third.id(), third, List.of(), List.of(), null, self);

    List<NodeInfo> byDistance = new ArrayList<>(List.of(seed, second, third));
    byDistance.sort((a, b) -> l.target().compareDistance(a.id(), b.id()));
    int expected = byDistance.get(0) == seed ? 1 : byDistance.get(0) == second ? 2 : 3;
    assertThat(l.hops()).isEqualTo(expected);
    assertThat(l.queriedCount()).isEqualTo(3);
  }
}
