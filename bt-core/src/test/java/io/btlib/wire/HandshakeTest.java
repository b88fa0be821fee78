package io.btlib.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerId;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class HandshakeTest {
  static final InfoHash HASH = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");
  static final PeerId ID = PeerId.of("-BT0100-abcdefghijkl".getBytes(StandardCharsets.US_ASCII));

  static byte[] bytes(Handshake h) {
    ByteBuffer b = ByteBuffer.allocate(Handshake.LENGTH);
    assertThat(h.encode(b)).isTrue();
    return b.array();
  }

  @Test
  void roundTripsWithReservedBits() throws WireException {
    Handshake h = new Handshake(Handshake.EXTENSION_PROTOCOL | Handshake.FAST | Handshake.DHT,
        HASH, ID);
    byte[] b = bytes(h);
    assertThat(b[0]).isEqualTo((byte) 19);
    assertThat(b[25]).isEqualTo((byte) 0x10); // reserved[5]
    assertThat(b[27]).isEqualTo((byte) 0x05); // reserved[7]: fast + DHT
    Handshake d = Handshake.decode(ByteBuffer.wrap(b));
    assertThat(d).isEqualTo(h);
    assertThat(d.supports(Handshake.FAST | Handshake.EXTENSION_PROTOCOL)).isTrue();
    assertThat(d.supports(Handshake.V2_UPGRADE)).isFalse();
  }

  @Test
  void waitsForAll68BytesWithoutConsuming() throws WireException {
    byte[] b = bytes(new Handshake(0, HASH, ID));
    for (int n = 0; n < 68; n++) {
      ByteBuffer part = ByteBuffer.wrap(b, 0, n);
      assertThat(Handshake.decode(part)).isNull();
      assertThat(part.position()).isZero();
    }
  }

  @Test
  void rejectsAnotherProtocolAtTheFirstWrongByte() {
    assertThatThrownBy(() -> Handshake.decode(ByteBuffer.wrap(new byte[] {'G'})))
        .isInstanceOf(WireException.class).hasMessageContaining("BAD_PROTOCOL");
    byte[] b = bytes(new Handshake(0, HASH, ID));
    b[5] = 'x';
    assertThatThrownBy(() -> Handshake.decode(ByteBuffer.wrap(b, 0, 6)))
        .isInstanceOf(WireException.class);
  }

  @Test
  void peeksTheInfoHashAfter48Bytes() throws WireException {
    byte[] b = bytes(new Handshake(0, HASH, ID));
    assertThat(Handshake.peekInfoHash(ByteBuffer.wrap(b, 0, 47))).isNull();
    ByteBuffer enough = ByteBuffer.wrap(b, 0, 48);
    assertThat(Handshake.peekInfoHash(enough)).isEqualTo(HASH);
    assertThat(enough.position()).isZero();
  }

  @Test
  void refusesAFullLengthV2HashInTheHandshake() {
    InfoHash v2 = InfoHash.of(new byte[32]);
    assertThatThrownBy(() -> new Handshake(0, v2, ID)).hasMessageContaining("truncate");
    assertThat(new Handshake(0, v2.truncated(), ID).infoHash().length()).isEqualTo(20);
  }
}
