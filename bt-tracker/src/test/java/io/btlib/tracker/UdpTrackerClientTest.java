package io.btlib.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.tracker.FakeUdpTracker.Packet;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class UdpTrackerClientTest {
  static final InfoHash HASH = InfoHash.fromHex("00112233445566778899aabbccddeeff00112233");
  static final InfoHash OTHER = InfoHash.fromHex("ffeeddccbbaa99887766554433221100ffeeddcc");
  static final PeerId PEER = PeerId.fromHex("2d4254303130302d000102030405060708090a0b");
  static final byte[] TWO_PEERS = HexFormat.of().parseHex("7f0000011ae1" + "7f0000021ae2");

  final AtomicLong clockOffset = new AtomicLong();
  FakeUdpTracker tracker;
  UdpTrackerClient client;

  @BeforeEach
  void start() throws IOException {
    tracker = new FakeUdpTracker(InetAddress.getByName("127.0.0.1"));
    client = client(Duration.ofSeconds(5), 8, "127.0.0.1");
  }

  UdpTrackerClient client(Duration base, int retransmits, String bindIp) throws IOException {
    return UdpTrackerClient.builder()
        .retransmitBase(base)
        .maxRetransmits(retransmits)
        .ticker(() -> System.nanoTime() + clockOffset.get())
        .bindAddress(new InetSocketAddress(InetAddress.getByName(bindIp), 0))
        .build();
  }

  @AfterEach
  void stop() {
    client.close();
    tracker.close();
  }

  static AnnounceRequest request() {
    return AnnounceRequest.builder(HASH, PEER, 6881).left(100).event(AnnounceEvent.STARTED)
        .key(77).numWant(20).build();
  }

  static Throwable cause(Throwable t) {
    return t instanceof CompletionException ? t.getCause() : t;
  }

  /** Answers the connect that must come first; returns the announce or scrape that follows. */
  Packet connect(long connectionId) throws IOException {
    Packet c = tracker.receive();
    assertThat(c.isConnect()).as("a connect request").isTrue();
    tracker.replyConnect(c, connectionId);
    return tracker.receive();
  }

  @Test
  void connectsThenAnnouncesAndReturnsThePeers() throws IOException {
    CompletableFuture<AnnounceResponse> f = client.announce(tracker.uri("/announce"), request());
    Packet a = connect(0x1122334455667788L);
    ByteBuffer b = a.buf();
    assertThat(b.getLong(0)).isEqualTo(0x1122334455667788L);
    assertThat(b.getInt(8)).as("action").isEqualTo(1);
    assertThat(Arrays.copyOfRange(a.bytes(), 16, 36)).isEqualTo(HASH.bytes());
    assertThat(Arrays.copyOfRange(a.bytes(), 36, 56)).isEqualTo(PEER.bytes());
    assertThat(b.getLong(64)).as("left").isEqualTo(100);
    assertThat(b.getInt(80)).as("event started").isEqualTo(2);
    assertThat(b.getInt(88)).as("key").isEqualTo(77);
    assertThat(b.getInt(92)).as("numwant").isEqualTo(20);
    assertThat(b.getShort(96) & 0xFFFF).as("port").isEqualTo(6881);
    assertThat(new String(a.bytes(), 100, a.bytes().length - 101, StandardCharsets.ISO_8859_1))
        .as("BEP 41 URL data").isEqualTo("/announce");
    tracker.send(FakeUdpTracker.announceReply(a.tx(), 1800, 3, 4, TWO_PEERS), a.from());

    AnnounceResponse r = f.join();
    assertThat(r.interval()).isEqualTo(Duration.ofSeconds(1800));
    assertThat(r.complete()).hasValue(4);
    assertThat(r.incomplete()).hasValue(3);
    assertThat(r.peers()).containsExactly(
        PeerAddress.parse("127.0.0.1:6881"), PeerAddress.parse("127.0.0.2:6882"));
  }

  @Test
  void scrapesInRequestOrder() throws IOException {
    var f = client.scrape(tracker.uri(""), List.of(HASH, OTHER));
    Packet s = connect(9);
    assertThat(s.bytes()).hasSize(16 + 40);
    assertThat(s.buf().getInt(8)).isEqualTo(2);
    tracker.send(ByteBuffer.allocate(32).putInt(2).putInt(s.tx()).putInt(1).putInt(2).putInt(3)
        .putInt(4).putInt(5).putInt(6).array(), s.from());
    assertThat(f.join()).containsExactly(
        Map.entry(HASH, ScrapeStats.of(1, 3, 2)), Map.entry(OTHER, ScrapeStats.of(4, 6, 5)));
  }

  @Test
  void ignoresAScrapeReplyWithMoreEntriesThanHashes() throws IOException {
    var f = client.scrape(tracker.uri(""), List.of(HASH));
    Packet s = connect(9);
    tracker.send(ByteBuffer.allocate(32).putInt(2).putInt(s.tx()).putInt(1).putInt(2).putInt(3)
        .putInt(4).putInt(5).putInt(6).array(), s.from());
    tracker.send(ByteBuffer.allocate(20).putInt(2).putInt(s.tx()).putInt(7).putInt(8).putInt(9)
        .array(), s.from());
    assertThat(f.join()).containsExactly(Map.entry(HASH, ScrapeStats.of(7, 9, 8)));
  }

  @Test
  void failsRequestsBeyondTheInFlightLimitAtOnce() throws IOException {
    client.close();
    client = UdpTrackerClient.builder().maxPending(1)
        .bindAddress(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0)).build();
    CompletableFuture<AnnounceResponse> first = client.announce(tracker.uri(""), request());
    assertThatThrownBy(() -> client.announce(tracker.uri(""), request()).join())
        .satisfies(t -> assertThat(cause(t)).isInstanceOf(TrackerException.class)
            .hasMessageContaining("limit 1"));
    assertThat(first).isNotDone();
  }

  @Test
  void ignoresWrongTransactionIdsGarbageAndWrongActionsThenTakesTheRightReply()
      throws IOException {
    CompletableFuture<AnnounceResponse> f = client.announce(tracker.uri(""), request());
    Packet c = tracker.receive();
    tracker.send(ByteBuffer.allocate(16).putInt(0).putInt(c.tx() + 1).putLong(99).array(), c.from());
    tracker.send(new byte[] {1, 2, 3}, c.from());
    tracker.replyConnect(c, 5);
    Packet a = tracker.receive();
    assertThat(a.connectionId()).isEqualTo(5);
    byte[] good = FakeUdpTracker.announceReply(a.tx(), 60, 0, 0, TWO_PEERS);
    tracker.send(FakeUdpTracker.announceReply(a.tx() ^ 1, 60, 0, 0, new byte[6]), a.from());
    tracker.send(Arrays.copyOf(good, good.length - 1), a.from()); // truncated peer
    tracker.send(ByteBuffer.allocate(16).putInt(0).putInt(a.tx()).putLong(1).array(), a.from());
    tracker.send(ByteBuffer.allocate(8).putInt(99).putInt(a.tx()).array(), a.from());
    tracker.send(good, a.from());
    assertThat(f.join().peers()).hasSize(2);
  }

  @Test
  void ignoresARightTransactionIdFromAnotherAddress() throws IOException {
    CompletableFuture<AnnounceResponse> f = client.announce(tracker.uri(""), request());
    Packet c = tracker.receive();
    try (DatagramSocket stranger = new DatagramSocket(
        new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0))) {
      byte[] forged = ByteBuffer.allocate(16).putInt(0).putInt(c.tx()).putLong(666).array();
      stranger.send(new java.net.DatagramPacket(forged, 16, c.from()));
    }
    tracker.replyConnect(c, 7);
    Packet a = tracker.receive();
    assertThat(a.connectionId()).isEqualTo(7);
    tracker.send(FakeUdpTracker.announceReply(a.tx(), 60, 0, 0, new byte[0]), a.from());
    assertThat(f.join().peers()).isEmpty();
  }

  @Test
  void retransmitsAfterADroppedPacket() throws IOException {
    client.close();
    client = client(Duration.ofMillis(50), 8, "127.0.0.1");
    CompletableFuture<AnnounceResponse> f = client.announce(tracker.uri(""), request());
    Packet first = tracker.receive(); // dropped
    Packet again = tracker.receive();
    assertThat(again.bytes()).isEqualTo(first.bytes());
    tracker.replyConnect(again, 3);
    Packet a = tracker.receive(); // dropped too
    Packet a2 = tracker.receive();
    assertThat(a2.bytes()).isEqualTo(a.bytes());
    tracker.send(FakeUdpTracker.announceReply(a2.tx(), 60, 0, 0, new byte[0]), a2.from());
    assertThat(f.join().interval()).isEqualTo(Duration.ofSeconds(60));
  }

  @Test
  void givesUpAfterTheLastRetransmission() throws IOException {
    client.close();
    client = client(Duration.ofMillis(20), 2, "127.0.0.1");
    CompletableFuture<AnnounceResponse> f = client.announce(tracker.uri(""), request());
    for (int i = 0; i < 3; i++) {
      assertThat(tracker.receive().isConnect()).isTrue();
    }
    assertThatThrownBy(f::join).satisfies(t -> assertThat(cause(t))
        .isExactlyInstanceOf(TrackerException.class).hasMessageContaining("after 3 attempts"));
    assertThat(tracker.quietFor(200)).isTrue();
  }

  @Test
  void reusesTheConnectionIdForAMinuteThenConnectsAgain() throws IOException {
    CompletableFuture<AnnounceResponse> f = client.announce(tracker.uri(""), request());
    Packet a = connect(41);
    tracker.send(FakeUdpTracker.announceReply(a.tx(), 60, 0, 0, new byte[0]), a.from());
    f.join();

    clockOffset.addAndGet(Duration.ofSeconds(59).toNanos());
    f = client.announce(tracker.uri(""), request().withEvent(AnnounceEvent.NONE));
    Packet reused = tracker.receive();
    assertThat(reused.isConnect()).isFalse();
    assertThat(reused.connectionId()).isEqualTo(41);
    tracker.send(FakeUdpTracker.announceReply(reused.tx(), 60, 0, 0, new byte[0]), reused.from());
    f.join();

    clockOffset.addAndGet(Duration.ofSeconds(2).toNanos()); // 61 s after the connect
    f = client.announce(tracker.uri(""), request().withEvent(AnnounceEvent.NONE));
    Packet renewed = connect(42);
    assertThat(renewed.connectionId()).isEqualTo(42);
    tracker.send(FakeUdpTracker.announceReply(renewed.tx(), 60, 0, 0, new byte[0]),
        renewed.from());
    f.join();
  }

  @Test
  void mapsTheErrorActionToATrackerFailure() throws IOException {
    CompletableFuture<AnnounceResponse> f = client.announce(tracker.uri(""), request());
    Packet a = connect(1);
    byte[] msg = "torrent not registered".getBytes(StandardCharsets.UTF_8);
    tracker.send(ByteBuffer.allocate(8 + msg.length).putInt(3).putInt(a.tx()).put(msg).array(),
        a.from());
    assertThatThrownBy(f::join).satisfies(t -> assertThat(cause(t))
        .isInstanceOf(TrackerFailureException.class)
        .extracting(e -> ((TrackerFailureException) e).failureReason())
        .isEqualTo("torrent not registered"));
  }

  @Test
  void clampsAHostileIntervalAndIgnoresNegativeCounts() throws IOException {
    CompletableFuture<AnnounceResponse> f = client.announce(tracker.uri(""), request());
    Packet a = connect(1);
    tracker.send(FakeUdpTracker.announceReply(a.tx(), -5, -1, -1, new byte[0]), a.from());
    AnnounceResponse r = f.join();
    assertThat(r.interval()).isEqualTo(HttpTrackerResponses.MIN_INTERVAL);
    assertThat(r.complete()).isEmpty();
    assertThat(r.incomplete()).isEmpty();
  }

  @Test
  void talksToAnIpv6TrackerWithEighteenBytePeers() throws IOException {
    FakeUdpTracker v6;
    try {
      v6 = new FakeUdpTracker(InetAddress.getByName("::1"));
    } catch (IOException e) {
      Assumptions.abort("no IPv6 loopback here: " + e);
      return;
    }
    try (v6; UdpTrackerClient c6 = client(Duration.ofSeconds(5), 8, "::1")) {
      CompletableFuture<AnnounceResponse> f = c6.announce(v6.uri("/announce"), request());
      Packet c = v6.receive();
      v6.replyConnect(c, 1);
      Packet a = v6.receive();
      byte[] peer = HexFormat.of().parseHex("00000000000000000000000000000001" + "1ae1");
      v6.send(FakeUdpTracker.announceReply(a.tx(), 60, 0, 1, peer), a.from());
      assertThat(f.join().peers()).containsExactly(PeerAddress.parse("[::1]:6881"));
    }
  }

  @Test
  void closeFailsPendingRequestsAndStopsItsThread() throws Exception {
    CompletableFuture<AnnounceResponse> f = client.announce(tracker.uri(""), request());
    tracker.receive();
    assertThat(udpThreads()).isPositive();
    client.close();
    assertThatThrownBy(f::join).satisfies(t -> assertThat(cause(t))
        .isInstanceOf(IllegalStateException.class).hasMessage("closed"));
    assertThat(client.localAddress()).isEmpty();
    assertThatThrownBy(() -> client.announce(tracker.uri(""), request()).join())
        .satisfies(t -> assertThat(cause(t)).hasMessage("closed"));
    assertThat(udpThreads()).isZero();
  }

  @Test
  void rejectsUrlsWithoutAPort() {
    assertThatThrownBy(() -> client.announce(java.net.URI.create("udp://127.0.0.1/x"), request())
        .join()).satisfies(t -> assertThat(cause(t)).isInstanceOf(IllegalArgumentException.class));
  }

  static long udpThreads() {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.getName().startsWith("bt-tracker-udp-") && t.isAlive()).count();
  }
}
