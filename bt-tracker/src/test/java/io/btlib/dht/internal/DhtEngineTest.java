package io.btlib.dht.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.dht.NodeId;
import io.btlib.peer.PeerAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/** The engine without sockets: datagrams are byte arrays, time is a field. */
class DhtEngineTest {
  record Sent(KrpcMessage message, InetSocketAddress to) {}

  final Random random = new Random(23);
  final List<Sent> sent = new ArrayList<>();
  long now = 5_000_000;

  static InetSocketAddress at(String ip, int port) {
    try {
      return new InetSocketAddress(InetAddress.getByName(ip), port);
    } catch (java.net.UnknownHostException e) {
      throw new AssertionError(e);
    }
  }

  int burst = 1000;

  DhtEngine engine(boolean readOnly, boolean bep42) {
    DhtEngine.Config c =
        new DhtEngine.Config(readOnly, bep42, 1000, 1, burst, 100, 10, 30 * 60_000L, 50, 4);
    return new DhtEngine(
        c,
        NodeId.random(random),
        () -> now,
        random,
        (packet, to) -> {
          try {
            sent.add(new Sent(KrpcCodec.decode(packet), to));
          } catch (KrpcException e) {
            throw new AssertionError("the engine sent a malformed packet: " + e.getMessage(), e);
          }
        });
  }

  void deliver(DhtEngine e, KrpcMessage m, InetSocketAddress from) {
    byte[] b = KrpcCodec.encode(m);
    e.onPacket(b, 0, b.length, from);
  }

  KrpcMessage.Query ping(NodeId id, boolean ro) {
    return KrpcMessage.Query.ping(new byte[] {1}, id, ro);
  }

  /** Puts {@code id} at {@code address} in the engine's table as a node that answered us. */
  void answeredNode(DhtEngine e, NodeId id, InetSocketAddress address) {
    int before = sent.size();
    CompletableFuture<Boolean> f = e.ping(address);
    deliver(e, new KrpcMessage.Response(sent.get(before).message().transactionId(), id,
        List.of(), List.of(), List.of(), null, null, null), address);
    assertThat(f).isCompletedWithValue(true);
  }

  @Test
  void withBep42ANodeWhoseIdDoesNotMatchItsPublicIpIsAnsweredButNotAdded() {
    DhtEngine e = engine(false, true);
    InetSocketAddress publicAddr = at("124.31.75.21", 6881);

    deliver(e, ping(NodeId.random(random), false), publicAddr);
    assertThat(sent).hasSize(1);
    assertThat(e.table().size()).isZero();

    deliver(e, ping(NodeId.fromHex("5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401"), false), publicAddr);
    assertThat(e.table().size()).isEqualTo(1);

    deliver(e, ping(NodeId.random(random), false), at("192.168.1.9", 6881));
    assertThat(e.table().size()).as("local addresses are exempt").isEqualTo(2);
  }

  @Test
  void withoutBep42AnyIdIsAdded() {
    DhtEngine e = engine(false, false);
    deliver(e, ping(NodeId.random(random), false), at("124.31.75.21", 6881));
    assertThat(e.table().size()).isEqualTo(1);
  }

  @Test
  void aQueryFlaggedReadOnlyIsAnsweredButItsSenderStaysOutOfTheTable() {
    DhtEngine e = engine(false, false);
    deliver(e, ping(NodeId.random(random), true), at("127.0.0.1", 7000));
    assertThat(sent).hasSize(1);
    assertThat(e.table().size()).isZero();
  }

  @Test
  void aReadOnlyEngineAnswersNothingAndFlagsItsQueries() {
    DhtEngine e = engine(true, false);
    deliver(e, ping(NodeId.random(random), false), at("127.0.0.1", 7000));
    assertThat(sent).isEmpty();

    e.ping(at("127.0.0.1", 7001));
    assertThat(((KrpcMessage.Query) sent.get(0).message()).readOnly()).isTrue();
  }

  @Test
  void anAnswerFromAnotherAddressThanTheOneAskedIsIgnored() {
    DhtEngine e = engine(false, false);
    CompletableFuture<Boolean> f = e.ping(at("127.0.0.1", 7001));
    byte[] t = sent.get(0).message().transactionId();
    deliver(
        e,
        new KrpcMessage.Response(
            t, NodeId.random(random), List.of(), List.of(), List.of(), null, null, null),
        at("127.0.0.1", 7002));
    assertThat(f).isNotDone();
    assertThat(e.packetsDropped()).isEqualTo(1);

    deliver(
        e,
        new KrpcMessage.Response(
            t,
            NodeId.random(random),
            List.of(),
            List.of(),
            List.of(),
            null,
            PeerAddress.of("203.0.113.9", 1234),
            null),
        at("127.0.0.1", 7001));
    assertThat(f).isCompletedWithValue(true);
    assertThat(e.externalAddress()).isEqualTo(PeerAddress.of("203.0.113.9", 1234));
  }

  @Test
  void unansweredQueriesTimeOutOnTheClockAndMarkTheirNodesFailed() {
    DhtEngine e = engine(false, false);
    NodeId silent = NodeId.random(random);
    answeredNode(e, silent, at("127.0.0.1", 7003)); // it answered once: now in the table
    sent.clear();

    CompletableFuture<List<PeerAddress>> f = e.getPeers(NodeId.random(random));
    assertThat(sent).hasSize(1);
    now += 999;
    e.onTick();
    assertThat(f).isNotDone();
    now += 1;
    e.onTick();

    assertThat(f).isCompletedWithValue(List.of());
    assertThat(e.table().find(silent).failures()).isEqualTo(1);
    assertThat(e.pendingQueries()).isZero();
  }

  @Test
  void queriesInFlightAreCappedAndTheExcessFailsAtOnce() {
    DhtEngine e = engine(false, false);
    List<CompletableFuture<Boolean>> pings = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      pings.add(e.ping(at("127.0.0.1", 8000 + i)));
    }
    assertThat(e.pendingQueries()).isEqualTo(4);
    assertThat(pings.get(4)).isCompletedWithValue(false);
    assertThat(pings.get(5)).isCompletedWithValue(false);
  }

  @Test
  void storedPeersExpireAfterTheirTimeToLive() {
    DhtEngine e = engine(false, false);
    InetSocketAddress peer = at("127.0.0.1", 9000);
    NodeId hash = NodeId.random(random);
    deliver(
        e, KrpcMessage.Query.getPeers(new byte[] {1}, NodeId.random(random), hash, false), peer);
    byte[] token = ((KrpcMessage.Response) sent.get(0).message()).token();
    deliver(
        e,
        KrpcMessage.Query.announcePeer(
            new byte[] {2}, NodeId.random(random), hash, 5, false, token, false),
        peer);
    assertThat(e.store().peers()).isEqualTo(1);

    now += 30 * 60_000L;
    e.onTick();

    assertThat(e.store().peers()).isZero();
  }

  @Test
  void aTokenFromTheSecretBeforeLastIsRefused() {
    DhtEngine e = engine(false, false);
    InetSocketAddress peer = at("127.0.0.1", 9000);
    NodeId hash = NodeId.random(random);
    deliver(
        e, KrpcMessage.Query.getPeers(new byte[] {1}, NodeId.random(random), hash, false), peer);
    byte[] token = ((KrpcMessage.Response) sent.get(0).message()).token();
    now += 2 * Tokens.ROTATE_MILLIS;
    deliver(
        e,
        KrpcMessage.Query.announcePeer(
            new byte[] {2}, NodeId.random(random), hash, 5, false, token, false),
        peer);
    assertThat(sent.get(sent.size() - 1).message()).isInstanceOf(KrpcMessage.Error.class);
    assertThat(e.store().peers()).isZero();
  }

  @Test
  void errorRepliesToMalformedQueriesCountAgainstTheRateLimitToo() {
    burst = 2;
    DhtEngine e = engine(false, false);
    byte[] bad = "d1:ad2:id3:abce1:q4:ping1:t2:aa1:y1:qe".getBytes(StandardCharsets.US_ASCII);
    for (int i = 0; i < 5; i++) {
      e.onPacket(bad, 0, bad.length, at("127.0.0.1", 7000));
    }
    assertThat(sent).hasSize(2).allMatch(m -> m.message() instanceof KrpcMessage.Error);
    assertThat(e.packetsDropped()).isEqualTo(5);
  }

  /** A find_node from {@code from} with BEP 32 {@code want}; the response the engine sent. */
  KrpcMessage.Response findNode(DhtEngine e, int want, InetSocketAddress from) {
    sent.clear();
    KrpcMessage.Query q = new KrpcMessage.Query(new byte[] {9}, KrpcMessage.Method.FIND_NODE,
        NodeId.random(random), NodeId.random(random), null, 0, false, null, true, null, want);
    deliver(e, q, from);
    assertThat(sent).hasSize(1);
    return (KrpcMessage.Response) sent.get(0).message();
  }

  @Test
  void findNodeAnswersWithTheFamiliesTheQueryWants() {
    DhtEngine e = engine(false, false);
    for (int i = 0; i < 12; i++) { // ten-odd nodes of each family in the table
      answeredNode(e, NodeId.random(random), at("10.0.0." + (i + 1), 6881));
      answeredNode(e, NodeId.random(random), at("fd00::" + (i + 1), 6881));
    }
    InetSocketAddress v4asker = at("10.9.9.9", 7000);
    InetSocketAddress v6asker = at("fd00::99", 7000);

    KrpcMessage.Response r = findNode(e, 0, v4asker);
    assertThat(r.nodes()).as("no want, IPv4 asker: IPv4 nodes").hasSize(RoutingTable.K);
    assertThat(r.nodes6()).isEmpty();

    r = findNode(e, 0, v6asker);
    assertThat(r.nodes6()).as("no want, IPv6 asker: IPv6 nodes").hasSize(RoutingTable.K);
    assertThat(r.nodes()).isEmpty();

    r = findNode(e, KrpcMessage.Query.WANT_N6, v4asker);
    assertThat(r.nodes6()).hasSize(RoutingTable.K);
    assertThat(r.nodes()).isEmpty();

    r = findNode(e, KrpcMessage.Query.WANT_N4 | KrpcMessage.Query.WANT_N6, v4asker);
    assertThat(r.nodes()).as("both: k of each").hasSize(RoutingTable.K);
    assertThat(r.nodes6()).hasSize(RoutingTable.K);
  }

  @Test
  void aNodeThatQueriesUsIsPingedOnceAndLeavesTheTableIfSilentWhileOthersAnswer() {
    DhtEngine e = engine(false, false);
    NodeId talker = NodeId.random(random);
    // another node answers us: our own network works
    CompletableFuture<Boolean> up = e.ping(at("127.0.0.1", 7100));
    deliver(e, new KrpcMessage.Response(sent.get(0).message().transactionId(),
        NodeId.random(random), List.of(), List.of(), List.of(), null, null, null),
        at("127.0.0.1", 7100));
    assertThat(up).isCompletedWithValue(true);
    sent.clear();

    deliver(e, ping(talker, false), at("127.0.0.1", 7101));
    deliver(e, ping(talker, false), at("127.0.0.1", 7101));

    List<Sent> pings = sent.stream()
        .filter(s -> s.message() instanceof KrpcMessage.Query q
            && q.method() == KrpcMessage.Method.PING)
        .toList();
    assertThat(pings).as("one verification ping").hasSize(1);
    assertThat(pings.get(0).to()).isEqualTo(at("127.0.0.1", 7101));

    now += 1000;
    e.onTick();
    assertThat(e.table().find(talker)).as("silent: unreachable, maybe behind a NAT").isNull();
  }

  @Test
  void aTableNodeNotHeardFromForFourteenMinutesIsPinged() {
    DhtEngine e = engine(false, false);
    CompletableFuture<Boolean> f = e.ping(at("127.0.0.1", 7200));
    NodeId node = NodeId.random(random);
    deliver(e, new KrpcMessage.Response(sent.get(0).message().transactionId(), node,
        List.of(), List.of(), List.of(), null, null, null), at("127.0.0.1", 7200));
    assertThat(f).isCompletedWithValue(true);
    sent.clear();

    now += RoutingTable.REFRESH_AFTER_MILLIS + RoutingTable.REFRESH_SPREAD_MILLIS;
    e.onTick();

    assertThat(sent).hasSize(1);
    assertThat(sent.get(0).to()).isEqualTo(at("127.0.0.1", 7200));
    assertThat(((KrpcMessage.Query) sent.get(0).message()).method())
        .isEqualTo(KrpcMessage.Method.PING);
  }

  @Test
  void aRefreshPingThatTimesOutCountsOneFailureNotTwo() {
    DhtEngine e = engine(false, false);
    NodeId node = NodeId.random(random);
    answeredNode(e, node, at("127.0.0.1", 7300));
    now += RoutingTable.REFRESH_AFTER_MILLIS + RoutingTable.REFRESH_SPREAD_MILLIS;
    e.onTick(); // the refresh ping
    assertThat(e.pendingQueries()).isEqualTo(1);

    now += 1000;
    e.onTick(); // it times out: one datagram lost, say

    assertThat(e.table().find(node).failures()).isEqualTo(1);
    assertThat(e.table().find(node).isBad()).isFalse();
  }
}
