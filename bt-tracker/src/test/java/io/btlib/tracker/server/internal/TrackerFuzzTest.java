package io.btlib.tracker.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.btlib.tracker.AnnounceResponse;
import io.btlib.tracker.HttpTrackerResponses;
import io.btlib.tracker.TrackerException;
import io.btlib.tracker.internal.UdpTrackerCodec;
import java.nio.ByteBuffer;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzz targets (Jazzer) for the tracker protocols, both sides: UDP tracker replies
 * as the client reads them and requests as the server handles them, HTTP tracker reply bodies, and
 * the server's HTTP request head parser (with the request target it accepts handed to the
 * handler). Each asserts the documented contract: the client's decoders throw only {@link
 * TrackerException}s, and what they accept is bounded by the input and reads back the same once
 * encoded; the server never throws, never answers a datagram with a longer error (no
 * amplification), and its head parser gives the same answer however the bytes arrive.
 *
 * <p>{@code mvn test} replays {@code src/test/resources/io/btlib/tracker/server/internal/
 * TrackerFuzzTestInputs/<target>/}; {@code JAZZER_FUZZ=1 mvn -pl bt-tracker -am test
 * -Dtest='TrackerFuzzTest#udpRequest' -Dsurefire.failIfNoSpecifiedTests=false} fuzzes one.
 */
class TrackerFuzzTest {
  private static final long MINUTE = 60_000_000_000L;
  private static final int MAX_REQUEST_LINE = 2048;
  private static final int MAX_HEAD = 8192;

  /** A UDP tracker reply, read as from an IPv4 tracker (first byte even) or an IPv6 one. */
  @FuzzTest(maxDuration = "60s")
  void udpReply(byte[] data) {
    if (data.length == 0) {
      return;
    }
    boolean ipv6 = (data[0] & 1) != 0;
    ByteBuffer packet = ByteBuffer.wrap(data, 1, data.length - 1);
    int length = packet.remaining();
    UdpTrackerCodec.Reply r;
    try {
      r = UdpTrackerCodec.decode(packet, ipv6);
    } catch (TrackerException e) {
      assertThat(e.getClass().getName())
          .isEqualTo("io.btlib.tracker.internal.UdpTrackerFormatException");
      return;
    } finally {
      assertThat(packet.position()).as("position left unchanged").isEqualTo(1);
    }
    if (r instanceof UdpTrackerCodec.AnnounceReply a) {
      assertThat(20 + a.peers().size() * (ipv6 ? 18 : 6)).isLessThanOrEqualTo(length);
    } else if (r instanceof UdpTrackerCodec.ScrapeReply s) {
      assertThat(8 + s.entries().size() * 12).isEqualTo(length);
    } else if (r instanceof UdpTrackerCodec.ErrorReply e) {
      assertThat(e.message().length()).isLessThanOrEqualTo(length);
    }
  }

  /**
   * Datagrams to the UDP tracker server: {@code data} is a sequence of {@code [length byte,
   * datagram]}; a datagram whose first 8 bytes are zero gets the connection id of a connect made
   * beforehand, so announces and scrapes reach their bodies.
   */
  @FuzzTest(maxDuration = "60s")
  void udpRequest(byte[] data) throws NoSuchAlgorithmException {
    SecureRandom seeded = SecureRandom.getInstance("SHA1PRNG");
    seeded.setSeed(7);
    SwarmRegistry registry =
        new SwarmRegistry(new SwarmRegistry.Limits(50, 20, 200, 50, 200, 60 * MINUTE), null);
    UdpTrackerHandler h = new UdpTrackerHandler(registry, new ConnectionIds(seeded, 2 * MINUTE,
        0), new Rng(9), 1800);
    int max = UdpTrackerHandler.maxReplyBytes(200);
    ByteBuffer reply = ByteBuffer.allocate(max);
    byte[] ip = {10, 0, 0, 1};
    ByteBuffer connect = ByteBuffer.allocate(16).putLong(UdpTrackerHandler.PROTOCOL_ID).putInt(0)
        .putInt(0).flip();
    assertThat(h.handle(connect, ip, 6881, 0, reply)).isTrue();
    long cid = reply.getLong(8);
    long now = 0;
    for (int at = 0; at < data.length; ) {
      int n = Math.min(data[at] & 0xFF, data.length - at - 1);
      byte[] d = Arrays.copyOfRange(data, at + 1, at + 1 + n);
      at += 1 + n;
      if (n >= 8 && ByteBuffer.wrap(d).getLong(0) == 0) {
        ByteBuffer.wrap(d).putLong(0, cid);
      }
      byte[] before = d.clone();
      ByteBuffer req = ByteBuffer.wrap(d);
      boolean answer = h.handle(req, ip, 6881, now += 1_000_000, reply);
      assertThat(d).as("the request is not modified").isEqualTo(before);
      if (!answer) {
        continue;
      }
      assertThat(reply.position()).isZero();
      assertThat(reply.remaining()).isBetween(8, max);
      int action = reply.getInt(0);
      assertThat(action).isBetween(0, 3);
      assertThat(reply.getInt(4)).as("the transaction id echoed").isEqualTo(
          ByteBuffer.wrap(d).getInt(12));
      if (action == 3) {
        assertThat(reply.remaining()).as("no amplification").isLessThanOrEqualTo(n);
      }
    }
  }

  /** An HTTP tracker's announce reply body, then as a scrape reply body. */
  @FuzzTest(maxDuration = "60s")
  void httpReply(byte[] data) {
    AnnounceResponse r = null;
    try {
      r = HttpTrackerResponses.parseAnnounce(data);
    } catch (TrackerException e) {
      // malformed, or a failure reason (TrackerFailureException): fine
    }
    if (r != null) {
      assertThat(r.peers().size() * 6L).as("peers bounded by the body").isLessThanOrEqualTo(
          data.length);
      AnnounceResponse again = HttpTrackerResponses.parseAnnounce(
          HttpTrackerResponses.encodeAnnounce(r, false));
      assertThat(again).as("encoded as a dictionary list and read back").isEqualTo(r);
      assertThat(HttpTrackerResponses.parseAnnounce(HttpTrackerResponses.encodeAnnounce(r, true))
          .peers()).containsExactlyInAnyOrderElementsOf(r.peers());
    }
    try {
      var s = HttpTrackerResponses.parseScrape(data);
      assertThat(s.size() * 20L).isLessThanOrEqualTo(data.length);
      assertThat(HttpTrackerResponses.parseScrape(HttpTrackerResponses.encodeScrape(s)))
          .isEqualTo(s);
    } catch (TrackerException e) {
      // malformed: fine
    }
  }

  /**
   * The bytes of one HTTP connection, arriving in reads of {@code 1 + (data[0] & 0x3F)} bytes into
   * a buffer of the head limit, as the server loop reads them; a head accepted is handled.
   */
  @FuzzTest(maxDuration = "60s")
  void httpHead(byte[] data) {
    if (data.length == 0) {
      return;
    }
    int step = 1 + (data[0] & 0x3F);
    byte[] in = Arrays.copyOfRange(data, 1, data.length);
    byte[] buf = new byte[MAX_HEAD];
    HttpRequestHead parser = new HttpRequestHead(MAX_REQUEST_LINE, MAX_HEAD);
    int len = 0;
    int result = HttpRequestHead.NEED_MORE;
    while (result == HttpRequestHead.NEED_MORE && len < Math.min(in.length, MAX_HEAD)) {
      int n = Math.min(step, Math.min(in.length, MAX_HEAD) - len);
      System.arraycopy(in, len, buf, len, n);
      len += n;
      result = parser.parse(buf, len);
    }
    if (result == HttpRequestHead.NEED_MORE) {
      assertThat(len).isLessThan(MAX_HEAD);
      return;
    }
    HttpRequestHead whole = new HttpRequestHead(MAX_REQUEST_LINE, MAX_HEAD);
    assertThat(whole.parse(Arrays.copyOf(in, len), len)).as("the same bytes in one read")
        .isEqualTo(result);
    if (result < 0) {
      assertThat(-result).isIn(400, 405, 414, 431, 505);
      return;
    }
    assertThat(result).isBetween(1, len);
    int ts = parser.targetStart();
    int te = parser.targetEnd();
    assertThat(ts).isPositive();
    assertThat(te).isBetween(ts + 1, result);
    assertThat(buf[ts]).isEqualTo((byte) '/');
    HttpTrackerHandler handler = new HttpTrackerHandler(
        new SwarmRegistry(new SwarmRegistry.Limits(50, 20, 200, 50, 200, 60 * MINUTE), null),
        new Rng(3), 1800, 300);
    ByteSink body = new ByteSink(64);
    int status = handler.handle(buf, ts, te, new byte[] {10, 0, 0, 1}, 1, body);
    assertThat(status).isIn(200, 404);
    if (status == 200) {
      byte[] out = body.toByteArray();
      assertThat(List.of(out[0], out[out.length - 1])).containsExactly((byte) 'd', (byte) 'e');
    }
  }
}
