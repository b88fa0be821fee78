package io.btlib.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.btlib.dht.internal.KrpcCodec;
import io.btlib.dht.internal.KrpcMessage;
import io.btlib.dht.internal.NodeInfo;
import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One or a few nodes on 127.0.0.1, probed with raw datagrams. */
@Timeout(value = 20, unit = TimeUnit.SECONDS)
class DhtNodeTest {
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  final Random random = new Random(17);
  final List<AutoCloseable> toClose = new ArrayList<>();
  final NodeId probeId = NodeId.random(random);
  int tid;

  @AfterEach
  void closeAll() throws Exception {
    for (AutoCloseable c : toClose) {
      c.close();
    }
  }

  DhtNode.Builder builder() {
    return DhtNode.builder().queryTimeout(Duration.ofMillis(300)).random(new Random(random.nextLong()));
  }

  DhtNode start(DhtNode.Builder b) throws IOException {
    DhtNode n = b.build();
    toClose.add(n);
    return n.start();
  }

  DatagramSocket probe() throws IOException {
    DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0));
    s.setSoTimeout(2000);
    toClose.add(s);
    return s;
  }

  byte[] nextTid() {
    tid++;
    return new byte[] {'p', (byte) tid};
  }

  static void send(DatagramSocket s, byte[] packet, InetSocketAddress to) throws IOException {
    s.send(new DatagramPacket(packet, packet.length, to));
  }

  static void send(DatagramSocket s, KrpcMessage m, InetSocketAddress to) throws IOException {
    send(s, KrpcCodec.encode(m), to);
  }

  /**
   * The next datagram the probe gets, skipping pings: a node pings a probe that queried it, to see
   * whether it answers before handing it on.
   */
  static KrpcMessage receive(DatagramSocket s) throws Exception {
    while (true) {
      byte[] buf = new byte[4096];
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      s.receive(p);
      KrpcMessage m = KrpcCodec.decode(buf, 0, p.getLength());
      if (!(m instanceof KrpcMessage.Query q && q.method() == KrpcMessage.Method.PING)) {
        return m;
      }
    }
  }

  KrpcMessage.Response ping(DatagramSocket s, DhtNode node) throws Exception {
    byte[] t = nextTid();
    send(s, KrpcMessage.Query.ping(t, probeId, false), node.localAddress());
    KrpcMessage m = receive(s);
    assertThat(m).isInstanceOf(KrpcMessage.Response.class);
    assertThat(m.transactionId()).isEqualTo(t);
    return (KrpcMessage.Response) m;
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(10);
    }
  }

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void answersAPingWithItsIdAndTheRequestersAddress() throws Exception {
    DhtNode node = start(builder());
    DatagramSocket s = probe();

    KrpcMessage.Response r = ping(s, node);

    assertThat(r.id()).isEqualTo(node.id());
    assertThat(r.ip()).isEqualTo(PeerAddress.of(LOOPBACK, s.getLocalPort()));
    assertThat(node.localAddress().getAddress()).isEqualTo(LOOPBACK);
  }

  @Test
  void keepsServingAfterEveryKindOfHostilePacket() throws Exception {
    DhtNode node = start(builder());
    DatagramSocket s = probe();
    String id = "20:" + "x".repeat(20);
    List<byte[]> hostile =
        List.of(
            b("garbage"),
            new byte[0],
            new byte[3000],
            b("i42e"),
            b("d1:t2:aa1:y1:re"),
            b("d1:rd2:id3:abce1:t2:aa1:y1:re"),
            b("d1:rd2:id" + id + "5:nodes27:" + "n".repeat(27) + "e1:t2:aa1:y1:re"),
            b("d1:rd2:id" + id + "6:valuesl5:abcdee" + "e1:t2:aa1:y1:re"),
            b("d1:ad2:idi1ee1:q4:ping1:t2:aa1:y1:qe"),
            b("d1:eli201e1:xe1:t2:zz1:y1:ee"),
            b("d1:ad2:id" + id + "e1:q9:find_node1:t2:aa1:y1:qe"),
            b("d1:ad2:id" + id + "6:target3:abce1:q9:find_node1:t2:aa1:y1:qe"),
            b("l".repeat(600) + "e".repeat(600)));
    for (byte[] h : hostile) {
      send(s, h, node.localAddress());
    }
    DatagramSocket other = probe();
    ping(other, node);

    await(() -> node.stats().packetsDropped() >= hostile.size(), "every hostile packet dropped");
    assertThat(node.stats().packetsReceived()).isGreaterThanOrEqualTo(hostile.size() + 1);
  }

  @Test
  void aQueryWithAnIdOfTheWrongLengthGetsError203WithItsTransactionId() throws Exception {
    DhtNode node = start(builder());
    DatagramSocket s = probe();
    send(s, b("d1:ad2:id19:abcdefghij012345678e1:q4:ping1:t2:qq1:y1:qe"), node.localAddress());

    KrpcMessage m = receive(s);

    assertThat(m).isInstanceOf(KrpcMessage.Error.class);
    assertThat(((KrpcMessage.Error) m).code()).isEqualTo(203);
    assertThat(((KrpcMessage.Error) m).message()).contains("a.id: 19 bytes");
    assertThat(m.transactionId()).isEqualTo(b("qq"));
  }

  @Test
  void anUnknownMethodGetsError204() throws Exception {
    DhtNode node = start(builder());
    DatagramSocket s = probe();
    send(s, b("d1:ad2:id20:abcdefghij0123456789e1:q6:vote!!1:t2:qq1:y1:qe"), node.localAddress());
    assertThat(((KrpcMessage.Error) receive(s)).code()).isEqualTo(204);
  }

  @Test
  void announcePeerNeedsTheTokenFromGetPeersAndHonoursImpliedPort() throws Exception {
    DhtNode node = start(builder());
    DatagramSocket s = probe();
    NodeId hash = NodeId.random(random);

    send(
        s,
        KrpcMessage.Query.announcePeer(nextTid(), probeId, hash, 7000, false, b("12345678"), false),
        node.localAddress());
    KrpcMessage bad = receive(s);
    assertThat(bad).isInstanceOf(KrpcMessage.Error.class);
    assertThat(((KrpcMessage.Error) bad).code()).isEqualTo(203);
    assertThat(((KrpcMessage.Error) bad).message()).isEqualTo("bad token");

    send(s, KrpcMessage.Query.getPeers(nextTid(), probeId, hash, false), node.localAddress());
    KrpcMessage.Response first = (KrpcMessage.Response) receive(s);
    assertThat(first.values()).isEmpty();
    assertThat(first.token()).isNotNull();

    send(
        s,
        KrpcMessage.Query.announcePeer(nextTid(), probeId, hash, 7000, false, first.token(), false),
        node.localAddress());
    assertThat(receive(s)).isInstanceOf(KrpcMessage.Response.class);
    send(
        s,
        KrpcMessage.Query.announcePeer(nextTid(), probeId, hash, 1, true, first.token(), false),
        node.localAddress());
    assertThat(receive(s)).isInstanceOf(KrpcMessage.Response.class);

    DatagramSocket other = probe();
    send(other, KrpcMessage.Query.getPeers(nextTid(), probeId, hash, false), node.localAddress());
    KrpcMessage.Response second = (KrpcMessage.Response) receive(other);
    assertThat(second.values())
        .containsExactlyInAnyOrder(
            PeerAddress.of(LOOPBACK, 7000), PeerAddress.of(LOOPBACK, s.getLocalPort()));

    // a token is bound to the requester's address: the other socket's IP is the same, so it
    // works; a forged one does not
    byte[] forged = first.token().clone();
    forged[0] ^= 1;
    send(
        other,
        KrpcMessage.Query.announcePeer(nextTid(), probeId, hash, 9, false, forged, false),
        node.localAddress());
    assertThat(receive(other)).isInstanceOf(KrpcMessage.Error.class);
  }

  @Test
  void queriesBeyondThePerIpRateLimitAreDropped() throws Exception {
    Clock frozen = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);
    DhtNode node = start(builder().rateLimit(1, 3).clock(frozen));
    DatagramSocket s = probe();
    for (int i = 0; i < 10; i++) {
      send(s, KrpcMessage.Query.ping(nextTid(), probeId, false), node.localAddress());
    }
    int answers = 0;
    s.setSoTimeout(300);
    try {
      while (true) {
        receive(s);
        answers++;
      }
    } catch (SocketTimeoutException expected) {
      // no more answers
    }
    assertThat(answers).isEqualTo(3);
    await(() -> node.stats().rateLimited() == 7, "7 rate-limited queries counted");
  }

  @Test
  void aReadOnlyNodeFlagsItsQueriesAnswersNothingAndStaysOutOfOthersTables() throws Exception {
    DatagramSocket s = probe();
    InetSocketAddress probeAddress = (InetSocketAddress) s.getLocalSocketAddress();
    DhtNode ro = start(builder().readOnly(true).bootstrapNodes(List.of(probeAddress)));

    KrpcMessage.Query q = (KrpcMessage.Query) receive(s); // its bootstrap find_node
    assertThat(q.readOnly()).isTrue();
    assertThat(q.method()).isEqualTo(KrpcMessage.Method.FIND_NODE);

    send(s, KrpcMessage.Query.ping(nextTid(), probeId, false), ro.localAddress());
    await(
        () -> ro.stats().packetsReceived() >= 1 && ro.stats().packetsDropped() >= 1,
        "the ping was received and dropped");
    assertThat(ro.stats().queriesAnswered()).isZero();

    DhtNode normal = start(builder());
    DhtNode ro2 = start(builder().readOnly(true).bootstrapNodes(List.of(normal.localAddress())));
    assertThat(ro2.bootstrap().get(5, TimeUnit.SECONDS)).isEqualTo(1);
    await(() -> normal.stats().queriesAnswered() >= 2, "the normal node answered");
    assertThat(normal.bootstrap().get(5, TimeUnit.SECONDS)).isZero();
  }

  @Test
  void aBep42NodeDerivesItsIdFromItsExternalAddressAndStillTalksOnLoopback() throws Exception {
    InetAddress external = InetAddress.getByName("124.31.75.21");
    DhtNode a = start(builder().bep42(true).externalAddress(external));
    DhtNode b = start(builder().bep42(true).bootstrapNodes(List.of(a.localAddress())));

    assertThat(io.btlib.dht.internal.Bep42.isValid(a.id(), external)).isTrue();
    assertThat(b.bootstrap().get(5, TimeUnit.SECONDS)).as("loopback is exempt").isEqualTo(1);
  }

  @Test
  void theRoutingTableIsSavedOnCloseAndRestoredWithTheSameId(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("dht.dat");
    DhtNode b = start(builder());
    DhtNode c = start(builder().bootstrapNodes(List.of(b.localAddress())));
    c.bootstrap().get(5, TimeUnit.SECONDS);
    DhtNode a = builder().routingTableFile(file).bootstrapNodes(List.of(c.localAddress())).build();
    a.start();
    assertThat(a.bootstrap().get(5, TimeUnit.SECONDS)).isEqualTo(2);
    NodeId id = a.id();
    a.close();
    assertThat(file).exists();
    try (var files = Files.list(dir)) {
      assertThat(files).as("no temporary file left").containsExactly(file);
    }

    DhtNode again = start(builder().routingTableFile(file)); // no bootstrap nodes this time
    assertThat(again.id()).isEqualTo(id);
    await(() -> again.stats().goodNodes() == 2, "the restored nodes answered");
  }

  @Test
  void aCorruptRoutingTableFileIsIgnored(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("dht.dat");
    Files.write(file, b("d2:id3:abce"));
    DhtNode node = start(builder().routingTableFile(file));
    assertThat(node.routingTableSize()).isZero();
    ping(probe(), node);
  }

  @Test
  void closeIsIdempotentStopsTheThreadAndFailsLaterCalls() throws Exception {
    DhtNode node = start(builder());
    String name = "bt-dht-" + node.localAddress().getPort();
    assertThat(threadNamed(name)).isTrue();

    node.close();
    node.close();

    assertThat(threadNamed(name)).isFalse();
    assertThatThrownBy(() -> node.getPeers(InfoHash.of(new byte[20])).get())
        .isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(IllegalStateException.class);
    assertThatThrownBy(node::start).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void callsBeforeStartFailAndTheDefaultsAreLoopbackWithNoBootstrapNodes() throws Exception {
    DhtNode node = DhtNode.builder().build();
    toClose.add(node);
    assertThatThrownBy(() -> node.bootstrap().get())
        .hasCauseInstanceOf(IllegalStateException.class);
    node.start();
    assertThat(node.localAddress().getAddress()).isEqualTo(LOOPBACK);
    assertThat(node.localAddress().getPort()).isPositive();
    assertThat(node.bootstrap().get(5, TimeUnit.SECONDS)).isZero();
  }

  /** The next query {@code s} receives with this method (others, such as pings, are skipped). */
  static KrpcMessage.Query receiveQuery(DatagramSocket s, KrpcMessage.Method method)
      throws Exception {
    for (;;) {
      KrpcMessage m = receive(s);
      if (m instanceof KrpcMessage.Query && ((KrpcMessage.Query) m).method() == method) {
        return (KrpcMessage.Query) m;
      }
    }
  }

  /** A node bootstrapping from {@code router} (whose find_node is read and left unanswered). */
  DhtNode startBehind(DatagramSocket router, DhtNode.Builder b) throws Exception {
    DhtNode node = start(b.bootstrapNodes(
        List.of((InetSocketAddress) router.getLocalSocketAddress())));
    receiveQuery(router, KrpcMessage.Method.FIND_NODE);
    return node;
  }

  /** A search for an all-zero info hash, reported into the returned context. */
  FakeContext search(DhtNode node) {
    FakeContext context = new FakeContext(
        io.btlib.metainfo.InfoHashes.ofV1(InfoHash.of(new byte[20])), 0, false);
    toClose.add(node.open(context));
    return context;
  }

  /**
   * Issue 14: a torrent's search that starts before the bootstrap node has answered (the routing
   * table still empty) asks the bootstrap node itself, as libtorrent does, instead of asking no one
   * and waiting a whole retry interval (a minute) with no peers.
   */
  @Test
  void aSearchBeforeTheBootstrapAnsweredAsksTheBootstrapNode() throws Exception {
    DatagramSocket router = probe();
    DhtNode node = startBehind(router, builder().retryInterval(Duration.ofHours(1)));
    assertThat(node.routingTableSize()).isZero();
    FakeContext context = search(node);
    KrpcMessage.Query q = receiveQuery(router, KrpcMessage.Method.GET_PEERS);
    PeerAddress seeder = PeerAddress.of(LOOPBACK, 7001);
    send(router, new KrpcMessage.Response(q.transactionId(), probeId, List.of(), List.of(),
        List.of(seeder), b("tok"), null, null), node.localAddress());
    await(() -> context.peers.contains(seeder), "the peer from the bootstrap node's answer");
  }

  /**
   * Issue 14: peers go to the engine as soon as a node's answer brings them, not when the lookup
   * ends; a lookup waits for its dead nodes to time out, here for an hour.
   */
  @Test
  void aSearchReportsPeersBeforeItsDeadNodesTimeOut() throws Exception {
    DatagramSocket router = probe();
    DatagramSocket dead = probe(); // a node that never answers
    DhtNode node = startBehind(router, builder().queryTimeout(Duration.ofHours(1)));
    FakeContext context = search(node);
    KrpcMessage.Query q = receiveQuery(router, KrpcMessage.Method.GET_PEERS);
    PeerAddress seeder = PeerAddress.of(LOOPBACK, 7002);
    NodeInfo deadNode = new NodeInfo(NodeId.random(random),
        (InetSocketAddress) dead.getLocalSocketAddress());
    send(router, new KrpcMessage.Response(q.transactionId(), probeId, List.of(deadNode),
        List.of(), List.of(seeder), b("tok"), null, null), node.localAddress());
    receiveQuery(dead, KrpcMessage.Method.GET_PEERS); // the lookup waits for its answer
    await(() -> context.peers.contains(seeder), "the peer, before the lookup ends");
  }

  @Test
  void aLookupWithNoAnsweringNodesEndsAfterTheTimeout() throws Exception {
    DatagramSocket silent = probe();
    DhtNode node =
        start(
            builder().bootstrapNodes(List.of((InetSocketAddress) silent.getLocalSocketAddress())));
    assertThat(node.bootstrap().get(5, TimeUnit.SECONDS)).isZero();
    assertThat(node.getPeers(InfoHash.of(new byte[20])).get(5, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void nodesOnIpv6LoopbackFindEachOtherThroughNodes6AndIpv6Values() throws Exception {
    InetAddress v6 = InetAddress.getByName("::1");
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(v6, 0))) {
      assumeTrue(s.isBound());
    } catch (IOException e) {
      assumeTrue(false, "no IPv6 loopback: " + e);
    }
    DhtNode seed = start(builder().bindAddress(v6));
    List<DhtNode> others = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      DhtNode n = start(builder().bindAddress(v6).bootstrapNodes(List.of(seed.localAddress())));
      n.bootstrap().get(5, TimeUnit.SECONDS);
      others.add(n);
    }
    InfoHash hash = InfoHash.of(NodeId.random(random).bytes());

    assertThat(others.get(0).announce(hash, 5000).get(5, TimeUnit.SECONDS)).isPositive();
    List<PeerAddress> found = others.get(4).getPeers(hash).get(5, TimeUnit.SECONDS);

    assertThat(found).contains(PeerAddress.of(v6, 5000));
    assertThat(others.get(4).bootstrap().get(5, TimeUnit.SECONDS)).isGreaterThan(1); // nodes6
  }

  @Test
  void builderRejectsBadSettingsNamingTheValue() {
    assertThatThrownBy(() -> DhtNode.builder().port(70000)).hasMessageContaining("70000");
    assertThatThrownBy(() -> DhtNode.builder().queryTimeout(Duration.ZERO))
        .hasMessageContaining("queryTimeout");
    assertThatThrownBy(() -> DhtNode.builder().rateLimit(0, 1)).hasMessageContaining("0.0");
    assertThatThrownBy(
            () ->
                DhtNode.builder()
                    .bootstrapNodes(
                        List.of(InetSocketAddress.createUnresolved("example.invalid", 1))))
        .hasMessageContaining("unresolved");
  }

  static boolean threadNamed(String name) {
    return Thread.getAllStackTraces().keySet().stream()
        .anyMatch(t -> t.getName().equals(name) && t.isAlive());
  }
}
