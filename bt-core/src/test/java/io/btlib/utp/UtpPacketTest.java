package io.btlib.utp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.btlib.utp.UtpPacket.Type;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class UtpPacketTest {

  /** A header written byte by byte from BEP 29's figure, with a selective ACK and 3 bytes. */
  static byte[] handMade() {
    return new byte[] {
        0x01, 0x01, 0x12, 0x34, // ST_DATA v1, extension 1 (selective ACK), connection 0x1234
        0x00, 0x0f, 0x42, 0x40, // timestamp 1,000,000 us
        (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xfe, // timestamp difference -2
        (byte) 0x80, 0x00, 0x00, 0x00, // window 2^31
        (byte) 0xff, (byte) 0xff, 0x00, 0x07, // seq 65535, ack 7
        0x00, 0x04, 0x05, 0x00, 0x00, (byte) 0x80, // no next extension, 4 bytes of mask
        'a', 'b', 'c'};
  }

  @Test
  void decodesEveryFieldOfAHandMadePacket() throws Exception {
    UtpPacket p = UtpPacket.decode(ByteBuffer.wrap(handMade()));
    assertThat(p.type()).isEqualTo(Type.DATA);
    assertThat(p.connectionId()).isEqualTo(0x1234);
    assertThat(p.timestampMicros()).isEqualTo(1_000_000);
    assertThat(p.timestampDifferenceMicros()).isEqualTo(-2);
    assertThat(p.windowSize()).isEqualTo(1L << 31);
    assertThat(p.seqNr()).isEqualTo(65535);
    assertThat(p.ackNr()).isEqualTo(7);
    assertThat(p.selectiveAckSpan()).isEqualTo(32);
    // mask byte 0 = 0b101: ack + 2 and ack + 4; byte 3's top bit: ack + 2 + 31
    assertThat(p.isSelectivelyAcked(9)).isTrue();
    assertThat(p.isSelectivelyAcked(10)).isFalse();
    assertThat(p.isSelectivelyAcked(11)).isTrue();
    assertThat(p.isSelectivelyAcked(40)).isTrue();
    assertThat(p.isSelectivelyAcked(41)).isFalse(); // beyond the mask
    assertThat(p.isSelectivelyAcked(8)).isFalse(); // ack + 1 is the one missing
    assertThat(StandardCharsets.US_ASCII.decode(p.payload()).toString()).isEqualTo("abc");
    assertThat(p.closeReason()).isEmpty();
  }

  @Test
  void encodingGivesBackTheHandMadeBytes() throws Exception {
    byte[] bytes = handMade();
    UtpPacket p = UtpPacket.decode(ByteBuffer.wrap(bytes));
    ByteBuffer out = ByteBuffer.allocate(p.encodedLength());
    p.encode(out);
    assertThat(out.hasRemaining()).isFalse();
    assertThat(out.array()).isEqualTo(bytes);
  }

  @Test
  void theSelectiveAckWrapsWithTheSequenceSpace() {
    byte[] mask = new byte[4];
    mask[0] = 0b11;
    UtpPacket p = UtpPacket.of(Type.STATE, 1, 0, 0, 1000, 0, 65535).withSelectiveAck(mask);
    assertThat(p.isSelectivelyAcked(1)).isTrue(); // 65535 + 2
    assertThat(p.isSelectivelyAcked(2)).isTrue();
    assertThat(p.isSelectivelyAcked(3)).isFalse();
    assertThat(p.isSelectivelyAcked(0)).isFalse();
  }

  @Test
  void randomPacketsSurviveARoundTrip() throws Exception {
    Random r = new Random(1);
    for (int i = 0; i < 20_000; i++) {
      UtpPacket p = randomPacket(r);
      ByteBuffer out = ByteBuffer.allocate(p.encodedLength() + r.nextInt(3));
      out.put(new byte[out.capacity() - p.encodedLength()]); // written at a position
      int start = out.position();
      p.encode(out);
      assertThat(out.position() - start).isEqualTo(p.encodedLength());
      out.flip().position(start);
      UtpPacket back = UtpPacket.decode(out);
      assertThat(back).isEqualTo(p);
      assertThat(back.hashCode()).isEqualTo(p.hashCode());
      assertThat(out.position()).as("decode leaves the position").isEqualTo(start);
    }
  }

  @Test
  void aPacketDecodedFromADirectBufferPointsIntoItReadOnly() throws Exception {
    byte[] payload = new byte[1346];
    new Random(3).nextBytes(payload);
    UtpPacket p = UtpPacket.of(Type.DATA, 7, 1, 2, 3, 4, 5)
        .withSelectiveAck(new byte[] {1, 0, 0, 0}).withPayload(ByteBuffer.wrap(payload));
    ByteBuffer datagram = ByteBuffer.allocateDirect(9 + p.encodedLength());
    datagram.position(9); // the socket's buffer need not start at 0
    p.encode(datagram);
    datagram.flip().position(9);

    UtpPacket back = UtpPacket.decode(datagram);

    assertThat(back).isEqualTo(p);
    assertThat(back.payload().isReadOnly()).isTrue();
    assertThat(back.payloadLength()).isEqualTo(payload.length);
    byte[] copy = new byte[back.payloadLength()];
    back.copyPayload(copy);
    assertThat(copy).isEqualTo(payload);
    assertThat(datagram.position()).isEqualTo(9);
  }

  static UtpPacket randomPacket(Random r) {
    UtpPacket p = UtpPacket.of(Type.values()[r.nextInt(5)], r.nextInt(65536), r.nextInt(),
        r.nextInt(), r.nextLong() & 0xFFFF_FFFFL, r.nextInt(65536), r.nextInt(65536));
    if (r.nextBoolean()) {
      byte[] mask = new byte[4 * (1 + r.nextInt(8))];
      r.nextBytes(mask);
      p = p.withSelectiveAck(mask);
    }
    if (r.nextInt(4) == 0) {
      p = p.withCloseReason(r.nextInt(65536));
    }
    if (r.nextBoolean()) {
      byte[] payload = new byte[r.nextInt(1400)];
      r.nextBytes(payload);
      p = p.withPayload(ByteBuffer.wrap(payload));
    }
    return p;
  }

  @Test
  void everyTruncationIsTooShortOrAShorterPayload() throws Exception {
    UtpPacket p = UtpPacket.of(Type.FIN, 9, 1, 2, 3, 4, 5).withSelectiveAck(new byte[8])
        .withCloseReason(17).withPayload(ByteBuffer.wrap(new byte[10]));
    ByteBuffer full = ByteBuffer.allocate(p.encodedLength());
    p.encode(full);
    int headers = p.encodedLength() - 10;
    for (int n = 0; n < full.capacity(); n++) {
      ByteBuffer cut = ByteBuffer.wrap(full.array(), 0, n);
      if (n >= headers) {
        assertThat(UtpPacket.decode(cut).payload().remaining()).isEqualTo(n - headers);
      } else {
        int len = n;
        assertThatThrownBy(() -> UtpPacket.decode(cut)).as("%d bytes", len)
            .isInstanceOfSatisfying(UtpException.class,
                e -> assertThat(e.rule()).isEqualTo(UtpException.Rule.TOO_SHORT));
      }
    }
  }

  @Test
  void anotherVersionOrAnUnknownTypeIsRefused() {
    byte[] b = handMade();
    b[0] = 0x02;
    assertRule(b, UtpException.Rule.BAD_VERSION, 2);
    b[0] = 0x51;
    assertRule(b, UtpException.Rule.BAD_TYPE, 5);
    b[0] = (byte) 0xf1;
    assertRule(b, UtpException.Rule.BAD_TYPE, 15);
  }

  @ParameterizedTest
  @ValueSource(ints = {0, 1, 3, 5, 6, 7, 9})
  void aSelectiveAckOfABadLengthIsRefused(int len) {
    byte[] b = handMade();
    b[21] = (byte) len;
    assertRule(b, len > b.length - 22 ? UtpException.Rule.TOO_SHORT
        : UtpException.Rule.BAD_EXTENSION, len);
  }

  @Test
  void twoSelectiveAcksAreRefused() {
    ByteBuffer b = ByteBuffer.allocate(20 + 12);
    UtpPacket.of(Type.STATE, 1, 0, 0, 0, 0, 0).encode(b);
    b.put(1, (byte) 1);
    b.put(new byte[] {1, 4, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0});
    assertRule(b.array(), UtpException.Rule.BAD_EXTENSION, 1);
  }

  @Test
  void unknownExtensionsAreSkippedAndACloseReasonIsRead() throws Exception {
    ByteBuffer b = ByteBuffer.allocate(20 + 5 + 6 + 2);
    UtpPacket.of(Type.RESET, 1, 0, 0, 0, 0, 0).encode(b);
    b.put(1, (byte) 2); // libtorrent's extension bits, 3 bytes here, then the close reason
    b.put(new byte[] {3, 3, 9, 9, 9, 0, 4, 0, 0, 0x01, 0x02, 'h', 'i'});
    UtpPacket p = UtpPacket.decode(ByteBuffer.wrap(b.array()));
    assertThat(p.closeReason()).hasValue(0x0102);
    assertThat(p.payload().remaining()).isEqualTo(2);
    assertThat(p.hasSelectiveAck()).isFalse();
  }

  @Test
  void randomBytesOnlyEverFailWithAUtpException() {
    Random r = new Random(7);
    int decoded = 0;
    for (int i = 0; i < 100_000; i++) {
      byte[] b = new byte[r.nextInt(64)];
      r.nextBytes(b);
      if (b.length > 0 && r.nextBoolean()) {
        b[0] = (byte) (r.nextInt(5) << 4 | 1); // a valid first byte half the time
      }
      if (b.length > 1 && r.nextBoolean()) {
        b[1] = (byte) r.nextInt(4);
      }
      try {
        UtpPacket p = UtpPacket.decode(ByteBuffer.wrap(b));
        decoded++;
        ByteBuffer again = ByteBuffer.allocate(p.encodedLength());
        p.encode(again);
        assertThat(UtpPacket.decode(again.flip())).isEqualTo(p);
      } catch (UtpException expected) {
        assertThat(expected.getMessage()).isNotEmpty();
      } catch (RuntimeException e) {
        fail("decode threw " + e + " on " + java.util.Arrays.toString(b));
      }
    }
    assertThat(decoded).as("the mutation reaches valid packets too").isGreaterThan(3_000);
  }

  @Test
  void aDhtMessageDoesNotLookLikeUtp() throws Exception {
    byte[] krpc = "d1:ad2:id20:abcdefghij0123456789e1:q4:ping1:t2:aa1:y1:qe"
        .getBytes(StandardCharsets.US_ASCII);
    assertThat(UtpPacket.looksLikeUtp(ByteBuffer.wrap(krpc))).isFalse();
    for (Type t : Type.values()) {
      ByteBuffer b = ByteBuffer.allocate(20);
      UtpPacket.of(t, 1, 0, 0, 0, 0, 0).encode(b);
      assertThat(UtpPacket.looksLikeUtp(b.flip())).as("%s", t).isTrue();
    }
    assertThat(UtpPacket.looksLikeUtp(ByteBuffer.wrap(new byte[] {0x41}))).isFalse();
  }

  @Test
  void valuesOutOfTheirRangesAreRefusedWhenBuilding() {
    assertThatThrownBy(() -> UtpPacket.of(Type.SYN, 65536, 0, 0, 0, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UtpPacket.of(Type.SYN, 0, 0, 0, -1, 0, 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> UtpPacket.of(Type.SYN, 0, 0, 0, 0, -1, 0))
        .isInstanceOf(IllegalArgumentException.class);
    UtpPacket p = UtpPacket.of(Type.SYN, 0, 0, 0, 0, 0, 0);
    assertThatThrownBy(() -> p.withSelectiveAck(new byte[6]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.withSelectiveAck(new byte[256]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> p.encode(ByteBuffer.allocate(19)))
        .isInstanceOf(java.nio.BufferOverflowException.class);
  }

  private static void assertRule(byte[] bytes, UtpException.Rule rule, long value) {
    assertThatThrownBy(() -> UtpPacket.decode(ByteBuffer.wrap(bytes)))
        .isInstanceOfSatisfying(UtpException.class, e -> {
          assertThat(e.rule()).isEqualTo(rule);
          assertThat(e.value()).isEqualTo(value);
        });
  }
}
