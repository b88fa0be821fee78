package io.btlib.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.peer.PeerAddress;
import java.nio.ByteBuffer;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** BEP 55's ut_holepunch message: its layout, round trips, and every malformed payload. */
class HolepunchMessageTest {

  static HolepunchMessage decode(String hex) throws WireException {
    return HolepunchMessage.decode(ByteBuffer.wrap(HexFormat.of().parseHex(hex)));
  }

  @Test
  void theLayoutIsBep55s() throws Exception {
    HolepunchMessage m = HolepunchMessage.rendezvous(PeerAddress.of("10.1.2.3", 6881));
    assertThat(HexFormat.of().formatHex(m.encode())).isEqualTo("00" + "00" + "0a010203"
        + "1ae1" + "00000000");
    HolepunchMessage e = HolepunchMessage.error(PeerAddress.parse("[2001:db8::1]:51413"),
        HolepunchMessage.NOT_CONNECTED);
    assertThat(HexFormat.of().formatHex(e.encode())).isEqualTo("02" + "01"
        + "20010db8000000000000000000000001" + "c8d5" + "00000002");
    assertThat(decode("0100c0a800010050" + "00000000"))
        .isEqualTo(HolepunchMessage.connect(PeerAddress.of("192.168.0.1", 80)));
  }

  @Test
  void everyKindRoundTrips() throws Exception {
    Random r = new Random(5);
    for (int i = 0; i < 500; i++) {
      byte[] ip = new byte[r.nextBoolean() ? 4 : 16];
      r.nextBytes(ip);
      if (ip.length == 16) {
        ip[0] = 0x20; // not IPv4-mapped
      }
      PeerAddress a = PeerAddress.of(java.net.InetAddress.getByAddress(ip), 1 + r.nextInt(65535));
      HolepunchMessage m = switch (r.nextInt(3)) {
        case 0 -> HolepunchMessage.rendezvous(a);
        case 1 -> HolepunchMessage.connect(a);
        default -> HolepunchMessage.error(a, r.nextInt());
      };
      assertThat(HolepunchMessage.decode(ByteBuffer.wrap(m.encode()))).isEqualTo(m);
    }
  }

  @Test
  void malformedPayloadsAreRejectedWithTheRule() {
    String[] bad = {
      "", "00", // too short
      "0300" + "0a010203" + "1ae1" + "00000000", // unknown type
      "0002" + "0a010203" + "1ae1" + "00000000", // unknown address type
      "0000" + "0a010203" + "1ae1" + "000000", // one byte short
      "0000" + "0a010203" + "1ae1" + "0000000000", // one byte long
      "0001" + "0a010203" + "1ae1" + "00000000", // IPv6 type, IPv4 length
      "0000" + "0a010203" + "0000" + "00000000", // port 0
      "0100" + "0a010203" + "1ae1" + "00000001", // an error code on a connect
    };
    for (String hex : bad) {
      assertThatThrownBy(() -> decode(hex)).as(hex).isInstanceOf(WireException.class)
          .extracting(e -> ((WireException) e).rule()).isEqualTo(WireException.Rule.BAD_EXTENSION);
    }
  }

  @Test
  void randomBytesNeverThrowAnythingElse() {
    Random r = new Random(9);
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[r.nextInt(30)];
      r.nextBytes(b);
      if (r.nextBoolean() && b.length > 1) {
        b[0] = (byte) r.nextInt(3);
        b[1] = (byte) r.nextInt(2);
      }
      try {
        HolepunchMessage m = HolepunchMessage.decode(ByteBuffer.wrap(b));
        assertThat(HolepunchMessage.decode(ByteBuffer.wrap(m.encode()))).isEqualTo(m);
      } catch (WireException expected) {
        assertThat(expected.rule()).isEqualTo(WireException.Rule.BAD_EXTENSION);
      }
    }
  }

  @Test
  void onlyAnErrorCarriesACode() {
    PeerAddress a = PeerAddress.of("10.0.0.1", 1);
    assertThatThrownBy(() -> new HolepunchMessage(HolepunchMessage.Type.CONNECT, a, 3))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(HolepunchMessage.error(a, HolepunchMessage.NO_SELF).errorCode()).isEqualTo(4);
  }
}
