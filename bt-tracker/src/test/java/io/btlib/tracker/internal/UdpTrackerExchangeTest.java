package io.btlib.tracker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.tracker.AnnounceRequest;
import io.btlib.tracker.AnnounceResponse;
import io.btlib.tracker.TrackerException;
import io.btlib.tracker.TrackerFailureException;
import io.btlib.tracker.internal.UdpTrackerExchange.Request;
import io.btlib.tracker.internal.UdpTrackerExchange.Transmit;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.Test;

/** The BEP 15 exchange driven by hand: no socket, no thread, time as a number. */
class UdpTrackerExchangeTest {
  static final long SECOND = 1_000_000_000L;
  static final long BASE = 15 * SECOND;
  static final InetSocketAddress TRACKER = new InetSocketAddress("127.0.0.1", 6969);
  static final InetSocketAddress TRACKER6 = new InetSocketAddress("::1", 6969);
  static final URI URL = URI.create("udp://127.0.0.1:6969/announce");
  static final InfoHash HASH = InfoHash.fromHex("00112233445566778899aabbccddeeff00112233");
  static final AnnounceRequest ANNOUNCE = AnnounceRequest.builder(HASH,
      PeerId.fromHex("2d4254303130302d000102030405060708090a0b"), 6881).build();

  final UdpTrackerExchange exchange =
      new UdpTrackerExchange(BASE, 8, new Random(1), true);
  long now = 1000 * SECOND;

  CompletableFuture<Object> announce(InetSocketAddress to) {
    CompletableFuture<Object> f = new CompletableFuture<>();
    exchange.start(Request.announce(URL, to, ANNOUNCE, f), now);
    return f;
  }

  Transmit sent() {
    Transmit t = exchange.pollTransmit();
    assertThat(t).as("a packet to send").isNotNull();
    assertThat(exchange.pollTransmit()).as("only one").isNull();
    return t;
  }

  static int tx(Transmit t) {
    return ByteBuffer.wrap(t.packet()).getInt(12);
  }

  static boolean isConnect(Transmit t) {
    return t.packet().length == 16 && ByteBuffer.wrap(t.packet()).getLong(0) == 0x41727101980L;
  }

  void reply(InetSocketAddress from, ByteBuffer b) {
    b.flip();
    exchange.handleDatagram(b, from, now);
  }

  void connectReply(Transmit connect, long id) {
    reply(connect.to(), ByteBuffer.allocate(16).putInt(0).putInt(tx(connect)).putLong(id));
  }

  void announceReply(Transmit a, byte[] peers) {
    reply(a.to(), ByteBuffer.allocate(20 + peers.length).putInt(1).putInt(tx(a)).putInt(1800)
        .putInt(1).putInt(2).put(peers));
  }

  @Test
  void connectsThenAnnouncesWithTheConnectionId() {
    CompletableFuture<Object> f = announce(TRACKER);
    Transmit c = sent();
    assertThat(isConnect(c)).isTrue();
    assertThat(c.to()).isEqualTo(TRACKER);
    connectReply(c, 77);
    Transmit a = sent();
    assertThat(ByteBuffer.wrap(a.packet()).getLong(0)).isEqualTo(77);
    assertThat(tx(a)).isNotEqualTo(tx(c));
    announceReply(a, HexFormat.of().parseHex("7f0000011ae1"));
    assertThat(((AnnounceResponse) f.join()).peers())
        .containsExactly(PeerAddress.parse("127.0.0.1:6881"));
    assertThat(exchange.pending()).isZero();
    assertThat(exchange.nextDeadlineNanos()).isEqualTo(Long.MAX_VALUE);
  }

  @Test
  void retransmitsAfterFifteenTimesTwoToTheNSecondsThenGivesUp() {
    CompletableFuture<Object> f = announce(TRACKER);
    byte[] first = sent().packet();
    long waited = 0;
    for (int n = 0; n <= 8; n++) {
      long timeout = BASE << n;
      assertThat(exchange.nextDeadlineNanos()).isEqualTo(now + timeout);
      now += timeout - 1;
      exchange.handleTimeout(now);
      assertThat(exchange.pollTransmit()).as("nothing before %d s", (waited + timeout) / SECOND)
          .isNull();
      now += 1;
      waited += timeout;
      exchange.handleTimeout(now);
      if (n < 8) {
        assertThat(sent().packet()).as("the same connect again").isEqualTo(first);
      }
    }
    assertThat(waited).isEqualTo(15 * SECOND * 511); // 15 * (2^9 - 1): BEP 15's 3840 s last wait
    assertThatThrownBy(f::join).isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(TrackerException.class).hasMessageContaining("after 9 attempts");
    assertThat(exchange.pollTransmit()).isNull();
  }

  @Test
  void reusesAConnectionIdForUnderAMinuteAndConnectsAgainAfter() {
    CompletableFuture<Object> f = announce(TRACKER);
    connectReply(sent(), 5);
    announceReply(sent(), new byte[0]);
    f.join();

    now += 59 * SECOND;
    announce(TRACKER);
    Transmit reused = sent();
    assertThat(isConnect(reused)).isFalse();
    assertThat(ByteBuffer.wrap(reused.packet()).getLong(0)).isEqualTo(5);

    now += SECOND; // 60 s after the connect reply
    announce(TRACKER);
    assertThat(isConnect(sent())).isTrue();
  }

  @Test
  void anAnnounceWaitingPastTheConnectionIdsLifetimeConnectsAgain() {
    announce(TRACKER);
    connectReply(sent(), 5);
    sent(); // the announce, lost
    now += BASE;
    exchange.handleTimeout(now); // 15 s: same connection id
    assertThat(isConnect(sent())).isFalse();
    now += 2 * BASE;
    exchange.handleTimeout(now); // 45 s
    assertThat(isConnect(sent())).isFalse();
    now += 4 * BASE;
    exchange.handleTimeout(now); // 105 s: the id is stale
    assertThat(isConnect(sent())).isTrue();
  }

  @Test
  void dropsRepliesFromOtherAddressesWithOtherIdsOrOfTheWrongAction() {
    CompletableFuture<Object> f = announce(TRACKER);
    Transmit c = sent();
    reply(new InetSocketAddress("127.0.0.2", 6969),
        ByteBuffer.allocate(16).putInt(0).putInt(tx(c)).putLong(1));
    reply(new InetSocketAddress("127.0.0.1", 6970),
        ByteBuffer.allocate(16).putInt(0).putInt(tx(c)).putLong(1));
    reply(TRACKER, ByteBuffer.allocate(16).putInt(0).putInt(tx(c) + 1).putLong(1));
    reply(TRACKER, ByteBuffer.allocate(20).putInt(1).putInt(tx(c)).putInt(1).putInt(1).putInt(1));
    reply(TRACKER, ByteBuffer.allocate(7).put(new byte[7]));
    assertThat(exchange.pollTransmit()).isNull();
    assertThat(f).isNotDone();
    connectReply(c, 9);
    assertThat(ByteBuffer.wrap(sent().packet()).getLong(0)).isEqualTo(9);
  }

  @Test
  void anErrorReplyFailsTheRequestWithTheTrackersMessage() {
    CompletableFuture<Object> f = announce(TRACKER);
    Transmit c = sent();
    byte[] msg = "go away".getBytes(StandardCharsets.UTF_8);
    reply(TRACKER, ByteBuffer.allocate(8 + msg.length).putInt(3).putInt(tx(c)).put(msg));
    assertThatThrownBy(f::join).hasCauseInstanceOf(TrackerFailureException.class)
        .hasMessageContaining("go away");
    assertThat(exchange.pending()).isZero();
  }

  @Test
  void readsEighteenBytePeersFromAnIpv6Tracker() {
    CompletableFuture<Object> f = announce(TRACKER6);
    connectReply(sent(), 1);
    announceReply(sent(), HexFormat.of().parseHex("00000000000000000000000000000001" + "1ae1"));
    assertThat(((AnnounceResponse) f.join()).peers())
        .containsExactly(PeerAddress.parse("[::1]:6881"));
  }

  @Test
  void acceptsAnIpv4MappedSourceForAnIpv4Tracker() throws Exception {
    CompletableFuture<Object> f = announce(TRACKER);
    Transmit c = sent();
    InetSocketAddress mapped = new InetSocketAddress(java.net.InetAddress.getByAddress(
        HexFormat.of().parseHex("00000000000000000000ffff7f000001")), 6969);
    reply(mapped, ByteBuffer.allocate(16).putInt(0).putInt(tx(c)).putLong(3));
    assertThat(sent()).isNotNull();
    assertThat(f).isNotDone();
  }

  @Test
  void forgetsACancelledRequestAtTheNextTimeout() {
    CompletableFuture<Object> f = announce(TRACKER);
    sent();
    f.cancel(false);
    now += BASE;
    exchange.handleTimeout(now);
    assertThat(exchange.pollTransmit()).isNull();
    assertThat(exchange.pending()).isZero();
  }

  @Test
  void failAllFailsEveryPendingRequest() {
    CompletableFuture<Object> a = announce(TRACKER);
    CompletableFuture<Object> b = new CompletableFuture<>();
    exchange.start(Request.scrape(URL, TRACKER, List.of(HASH), b), now);
    exchange.failAll(new IllegalStateException("closed"));
    assertThat(a).isCompletedExceptionally();
    assertThat(b).isCompletedExceptionally();
    assertThat(exchange.pollTransmit()).isNull();
  }

  @Test
  void aSendFailureFailsTheRequest() {
    CompletableFuture<Object> f = announce(TRACKER);
    Transmit t = sent();
    exchange.sendFailed(t.request(), new java.io.IOException("network unreachable"));
    assertThatThrownBy(f::join).hasCauseInstanceOf(java.io.IOException.class);
    assertThat(exchange.pending()).isZero();
  }
}
