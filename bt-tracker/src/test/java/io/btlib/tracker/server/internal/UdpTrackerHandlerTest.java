package io.btlib.tracker.server.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Set;
import org.junit.jupiter.api.Test;

class UdpTrackerHandlerTest {
  private static final long MINUTE = 60_000_000_000L;
  private static final byte[] IP = {127, 0, 0, 1};
  private static final byte[] HASH = new byte[20];

  static {
    HASH[3] = 7;
  }

  private final ByteBuffer reply = ByteBuffer.allocate(UdpTrackerHandler.maxReplyBytes(200));
  private long now = 0;

  private static UdpTrackerHandler handler(Set<HashKey> allowed) {
    SwarmRegistry r = new SwarmRegistry(
        new SwarmRegistry.Limits(100, 100, 1000, 50, 200, 60 * MINUTE), allowed);
    return new UdpTrackerHandler(r, new ConnectionIds(new SecureRandom(), 2 * MINUTE, 0),
        new Rng(3), 1800);
  }

  private boolean send(UdpTrackerHandler h, ByteBuffer req, int port) {
    return h.handle(req.flip(), IP, port, now, reply);
  }

  private long connect(UdpTrackerHandler h, int port) {
    ByteBuffer req = ByteBuffer.allocate(16).putLong(UdpTrackerHandler.PROTOCOL_ID).putInt(0)
        .putInt(77);
    assertThat(send(h, req, port)).isTrue();
    assertThat(reply.remaining()).isEqualTo(16);
    assertThat(reply.getInt(0)).isZero();
    assertThat(reply.getInt(4)).isEqualTo(77);
    return reply.getLong(8);
  }

  static ByteBuffer announce(long cid, byte[] hash, long left, int event, int numwant, int port) {
    ByteBuffer b = ByteBuffer.allocate(98).putLong(cid).putInt(1).putInt(99).put(hash);
    b.put("-BT0001-123456789012".getBytes(US_ASCII));
    return b.putLong(0).putLong(left).putLong(0).putInt(event).putInt(0).putInt(0)
        .putInt(numwant).putShort((short) port);
  }

  private String error() {
    assertThat(reply.getInt(0)).as("action").isEqualTo(3);
    byte[] msg = new byte[reply.remaining() - 8];
    reply.get(8, msg);
    return new String(msg, US_ASCII);
  }

  @Test
  void connectsAnnouncesAndScrapes() {
    UdpTrackerHandler h = handler(null);
    long a = connect(h, 1000);
    assertThat(send(h, announce(a, HASH, 0, 2, -1, 6881), 1000)).isTrue();
    assertThat(reply.getInt(0)).isEqualTo(1);
    assertThat(reply.getInt(4)).isEqualTo(99);
    assertThat(reply.getInt(8)).isEqualTo(1800);
    assertThat(reply.remaining()).isEqualTo(20);

    long b = connect(h, 2000);
    assertThat(send(h, announce(b, HASH, 10, 2, 50, 6882), 2000)).isTrue();
    assertThat(reply.remaining()).isEqualTo(26);
    assertThat(reply.getInt(12)).as("leechers").isEqualTo(1);
    assertThat(reply.getInt(16)).as("seeders").isEqualTo(1);
    assertThat(reply.getInt(20)).isEqualTo(0x7F000001);
    assertThat(reply.getShort(24) & 0xFFFF).isEqualTo(6881);

    ByteBuffer scrape = ByteBuffer.allocate(56).putLong(b).putInt(2).putInt(5).put(HASH)
        .put(new byte[20]);
    assertThat(send(h, scrape, 2000)).isTrue();
    assertThat(reply.remaining()).isEqualTo(8 + 24);
    assertThat(reply.getInt(8)).as("seeders").isEqualTo(1);
    assertThat(reply.getInt(12)).as("completed").isZero();
    assertThat(reply.getInt(16)).as("leechers").isEqualTo(1);
    assertThat(reply.getInt(20)).isZero();
  }

  @Test
  void aFullScrapeFitsTheReplyBufferOfATrackerWithASmallNumwantCap() {
    UdpTrackerHandler h = handler(null);
    long c = connect(h, 3000);
    ByteBuffer small = ByteBuffer.allocate(UdpTrackerHandler.maxReplyBytes(10));
    ByteBuffer scrape = ByteBuffer.allocate(16 + 20 * 100).putLong(c).putInt(2).putInt(6);
    for (int i = 0; i < 100; i++) {
      scrape.put(HASH);
    }
    assertThat(h.handle(scrape.flip(), IP, 3000, now, small)).isTrue();
    assertThat(small.remaining()).isEqualTo(8 + 12 * UdpTrackerHandler.MAX_SCRAPE_HASHES);
  }

  @Test
  void rejectsAConnectionIdIssuedToAnotherPortOrMadeUp() {
    UdpTrackerHandler h = handler(null);
    long a = connect(h, 1000);
    assertThat(send(h, announce(a, HASH, 0, 2, -1, 6881), 1001)).isTrue();
    assertThat(error()).isEqualTo("bad connection id");
    assertThat(send(h, announce(12345L, HASH, 0, 2, -1, 6881), 1000)).isTrue();
    assertThat(error()).isEqualTo("bad connection id");
  }

  @Test
  void acceptsAnIdForOneRotationMoreThenRejectsIt() {
    UdpTrackerHandler h = handler(null);
    long a = connect(h, 1000);
    now = 3 * MINUTE; // one rotation: the previous secret is still accepted
    assertThat(send(h, announce(a, HASH, 0, 2, -1, 6881), 1000)).isTrue();
    assertThat(reply.getInt(0)).isEqualTo(1);
    now = 5 * MINUTE; // second rotation: gone
    assertThat(send(h, announce(a, HASH, 0, 2, -1, 6881), 1000)).isTrue();
    assertThat(error()).isEqualTo("bad connection id");
    long fresh = connect(h, 1000);
    assertThat(send(h, announce(fresh, HASH, 0, 2, -1, 6881), 1000)).isTrue();
    assertThat(reply.getInt(0)).isEqualTo(1);
  }

  @Test
  void dropsShortPacketsWrongMagicAndErrorsSentToIt() {
    UdpTrackerHandler h = handler(null);
    assertThat(send(h, ByteBuffer.allocate(15), 1)).isFalse();
    assertThat(send(h, ByteBuffer.allocate(0), 1)).isFalse();
    assertThat(send(h, ByteBuffer.allocate(16).putLong(1).putInt(0).putInt(0), 1)).isFalse();
    assertThat(send(h, ByteBuffer.allocate(40).putLong(1).putInt(3).putInt(0), 1)).isFalse();
  }

  @Test
  void answersATruncatedAnnounceWithAnErrorButNeverWithMoreBytesThanItGot() {
    UdpTrackerHandler h = handler(null);
    long a = connect(h, 1000);
    ByteBuffer full = announce(a, HASH, 0, 2, -1, 6881).flip();
    for (int len = 16; len < 98; len++) {
      ByteBuffer part = ByteBuffer.allocate(len).put(full.duplicate().limit(len));
      boolean answered = send(h, part, 1000);
      if (answered) {
        assertThat(reply.remaining()).isLessThanOrEqualTo(len);
        assertThat(error()).isEqualTo("short announce");
      }
    }
    ByteBuffer tiny = ByteBuffer.allocate(16).putLong(a).putInt(1).putInt(0);
    assertThat(send(h, tiny, 1000)).isFalse();
  }

  @Test
  void answersUnknownActionsAndBadFieldsWithErrors() {
    UdpTrackerHandler h = handler(null);
    long a = connect(h, 1000);
    ByteBuffer unknown = ByteBuffer.allocate(40).putLong(a).putInt(9).putInt(1).position(40);
    assertThat(send(h, unknown, 1000)).isTrue();
    assertThat(error()).isEqualTo("unknown action");
    assertThat(send(h, announce(a, HASH, 0, 7, -1, 6881), 1000)).isTrue();
    assertThat(error()).isEqualTo("bad event");
    assertThat(send(h, announce(a, HASH, 0, 2, -1, 0), 1000)).isTrue();
    assertThat(error()).isEqualTo("bad port");
    assertThat(send(h, announce(a, HASH, -5, 2, -1, 1), 1000)).isTrue();
    assertThat(error()).isEqualTo("bad left");
    ByteBuffer empty = ByteBuffer.allocate(30).putLong(a).putInt(2).putInt(1).position(30);
    assertThat(send(h, empty, 1000)).isTrue();
    assertThat(error()).isEqualTo("no info hash");
  }

  @Test
  void refusesAHashOffTheAllowList() {
    UdpTrackerHandler h = handler(Set.of(HashKey.of(new byte[20], 0)));
    long a = connect(h, 1000);
    assertThat(send(h, announce(a, HASH, 0, 2, -1, 6881), 1000)).isTrue();
    assertThat(error()).isEqualTo("info hash not allowed");
  }

  @Test
  void servesTheFirst74HashesOfAHugeScrape() {
    UdpTrackerHandler h = handler(null);
    long a = connect(h, 1000);
    ByteBuffer huge = ByteBuffer.allocate(16 + 20 * 100).putLong(a).putInt(2).putInt(1);
    huge.put(new byte[20 * 100]);
    assertThat(send(h, huge, 1000)).isTrue();
    assertThat(reply.remaining()).isEqualTo(8 + 12 * UdpTrackerHandler.MAX_SCRAPE_HASHES);
  }

  @Test
  void answersAnIpv6ClientWithIpv6PeersOnly() {
    UdpTrackerHandler h = handler(null);
    byte[] v6 = new byte[16];
    v6[15] = 1;
    ByteBuffer c = ByteBuffer.allocate(16).putLong(UdpTrackerHandler.PROTOCOL_ID).putInt(0)
        .putInt(1);
    h.handle(c.flip(), v6, 5000, now, reply);
    long id6 = reply.getLong(8);
    long id4 = connect(h, 1000);
    send(h, announce(id4, HASH, 0, 2, -1, 6881), 1000);
    h.handle(announce(id6, HASH, 5, 2, -1, 7001).flip(), v6, 5000, now, reply);
    assertThat(reply.remaining()).as("the IPv4 peer is not given to an IPv6 client").isEqualTo(20);
    h.handle(c.rewind(), v6, 5001, now, reply);
    long id6b = reply.getLong(8);
    h.handle(announce(id6b, HASH, 5, 2, -1, 7002).flip(), v6, 5001, now, reply);
    assertThat(reply.remaining()).isEqualTo(20 + 18);
    assertThat(reply.getShort(20 + 16) & 0xFFFF).isEqualTo(7001);
  }
}
