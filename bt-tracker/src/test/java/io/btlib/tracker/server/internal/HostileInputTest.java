package io.btlib.tracker.server.internal;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.security.SecureRandom;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Seeded random and mutated input never makes a handler throw, and every answer is well formed. */
class HostileInputTest {
  private static final long MINUTE = 60_000_000_000L;

  private static SwarmRegistry registry() {
    return new SwarmRegistry(new SwarmRegistry.Limits(50, 20, 200, 50, 200, 60 * MINUTE), null);
  }

  @Test
  void theUdpHandlerSurvivesRandomAndMutatedDatagrams() {
    UdpTrackerHandler h = new UdpTrackerHandler(registry(),
        new ConnectionIds(new SecureRandom(), 2 * MINUTE, 0), new Rng(9), 1800);
    ByteBuffer reply = ByteBuffer.allocate(UdpTrackerHandler.maxReplyBytes(200));
    byte[] ip = {127, 0, 0, 1};
    ByteBuffer c = ByteBuffer.allocate(16).putLong(UdpTrackerHandler.PROTOCOL_ID).putInt(0)
        .putInt(0).flip();
    assertThat(h.handle(c, ip, 1, 0, reply)).isTrue();
    long cid = reply.getLong(8);
    Random rnd = new Random(1234);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[rnd.nextInt(200)];
      rnd.nextBytes(b);
      if (b.length >= 12 && rnd.nextBoolean()) { // a valid id and action, so the body is read
        ByteBuffer.wrap(b).putLong(cid).putInt(1 + rnd.nextInt(2));
      }
      ByteBuffer req = ByteBuffer.wrap(b);
      if (h.handle(req, ip, 1, i, reply)) {
        assertThat(reply.remaining()).isBetween(8, Math.max(16, b.length) + 1200);
        assertThat(reply.getInt(0)).isBetween(0, 3);
      }
    }
  }

  @Test
  void theHttpHandlerSurvivesRandomAndMutatedTargets() {
    HttpTrackerHandler h = new HttpTrackerHandler(registry(), new Rng(3), 1800, 300);
    ByteSink body = new ByteSink(64);
    String good = Requests.announce(new byte[20], 6881, "&event=started&numwant=10");
    Random rnd = new Random(99);
    String alphabet = "%&=?/0123456789abcdefxyz_+-. \u0000\u00ff";
    for (int i = 0; i < 20_000; i++) {
      StringBuilder sb = new StringBuilder(good);
      int edits = 1 + rnd.nextInt(4);
      for (int e = 0; e < edits && sb.length() > 1; e++) {
        int at = rnd.nextInt(sb.length());
        switch (rnd.nextInt(3)) {
          case 0:
            sb.setCharAt(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
            break;
          case 1:
            sb.deleteCharAt(at);
            break;
          default:
            sb.insert(at, alphabet.charAt(rnd.nextInt(alphabet.length())));
        }
      }
      byte[] b = sb.toString().getBytes(ISO_8859_1);
      int status = h.handle(b, 0, b.length, new byte[] {10, 0, 0, (byte) i}, i, body);
      assertThat(status).isIn(200, 404);
      if (status == 200) {
        byte[] out = body.toByteArray();
        assertThat(out[0]).isEqualTo((byte) 'd');
        assertThat(out[out.length - 1]).isEqualTo((byte) 'e');
      }
    }
  }

  @Test
  void theHeadParserSurvivesRandomBytesSplitAnywhere() {
    Random rnd = new Random(5);
    for (int i = 0; i < 5_000; i++) {
      byte[] b = new byte[rnd.nextInt(300)];
      rnd.nextBytes(b);
      if (rnd.nextBoolean() && b.length > 8) {
        System.arraycopy("GET /a?".getBytes(ISO_8859_1), 0, b, 0, 7);
      }
      HttpRequestHead p = new HttpRequestHead(128, 256);
      for (int n = 0; n <= b.length; n += 1 + rnd.nextInt(20)) {
        int r = p.parse(b, n);
        assertThat(r).isLessThanOrEqualTo(n);
        if (r != HttpRequestHead.NEED_MORE) {
          break;
        }
      }
    }
  }
}
