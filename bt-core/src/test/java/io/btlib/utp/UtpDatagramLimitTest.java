package io.btlib.utp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * bt's largest-datagram announcement: two bt peers on a path that carries large datagrams
 * (loopback) send them; a peer that announces nothing (libtorrent, libutp) or a path of unknown
 * MTU gets the configured packet size; a broken or foreign announcement is ignored.
 */
class UtpDatagramLimitTest {
  static final long T = 1_000_000_000L;
  final UtpConfig config = UtpConfig.defaults();
  final Random random = new Random(11);

  UtpPacket poll(UtpConnection c) throws UtpException {
    ByteBuffer b = ByteBuffer.allocate(config.maxDatagram());
    assertThat(c.pollTransmit(b, T)).as("a datagram from %s", c).isTrue();
    return UtpPacket.decode(b.flip());
  }

  /** Room a data packet keeps for a selective ACK: a full one is this much under the size. */
  static final int SACK_ROOM = 34;

  /**
   * The size of the first data packet a sends after writing {@code n} bytes, plus the room it
   * kept for a selective ACK: the packet size when the payload was full.
   */
  int firstDataPacket(UtpConnection a, int n) throws UtpException {
    a.write(ByteBuffer.wrap(new byte[n]));
    ByteBuffer b = ByteBuffer.allocate(config.maxDatagram());
    assertThat(a.pollTransmit(b, T)).isTrue();
    int size = b.position() + SACK_ROOM;
    assertThat(UtpPacket.decode(b.flip()).type()).isEqualTo(UtpPacket.Type.DATA);
    return size;
  }

  @Test
  void twoBtPeersOnLoopbackSendLargeDatagramsBothWays() throws Exception {
    int big = config.loopbackPacketSize();
    UtpConnection a = UtpConnection.connect(config, big, random, T);
    UtpPacket syn = poll(a);
    assertThat(syn.datagramLimit()).hasValue(big);
    UtpConnection b = UtpConnection.accept(config, big, syn, random, T);
    assertThat(b.packetSize()).isEqualTo(big);
    UtpPacket state = poll(b);
    assertThat(state.datagramLimit()).as("the answer to the SYN").hasValue(big);
    a.handlePacket(state, T);
    assertThat(a.packetSize()).isEqualTo(big);
    assertThat(firstDataPacket(a, 200_000)).isEqualTo(big);
    assertThat(firstDataPacket(b, 200_000)).isEqualTo(big);
  }

  /**
   * Moves one round trip between a (sending as much as it may) and b (reading all): a's packets
   * reach b {@code delayMillis} after they left, b's ack takes a millisecond back.
   *
   * @return the time the round trip ended
   */
  long roundTrip(UtpConnection a, UtpConnection b, long t, long delayMillis) throws Exception {
    ByteBuffer buf = ByteBuffer.allocate(config.maxDatagram());
    ByteBuffer sink = ByteBuffer.allocate(1 << 20);
    byte[] data = new byte[1 << 20];
    while (a.write(ByteBuffer.wrap(data)) > 0) {
      // fill the send buffer: the window alone limits what a sends
    }
    long arrive = t + delayMillis * 1_000_000L;
    while (a.pollTransmit(buf.clear(), t)) {
      b.handlePacket(UtpPacket.decode(buf.flip()), arrive);
    }
    while (b.read(sink.clear()) > 0) {
      // the application reads all
    }
    long back = arrive + 1_000_000L;
    while (b.pollTransmit(buf.clear(), arrive)) {
      a.handlePacket(UtpPacket.decode(buf.flip()), back);
    }
    return back;
  }

  @Test
  void withLargePacketsTheWindowGrowsByPacketsARoundTripAfterSlowStart() throws Exception {
    // buffers large enough that neither the application nor the peer's window limits a
    UtpConfig roomy = new UtpConfig(config.packetSize(), config.loopbackPacketSize(), 16 << 20,
        16 << 20, config.targetDelay(), config.connectTimeout(), config.idleTimeout());
    int big = roomy.loopbackPacketSize();
    long t = T;
    UtpConnection a = UtpConnection.connect(roomy, big, random, t);
    UtpConnection b = UtpConnection.accept(roomy, big, poll(a), random, t);
    a.handlePacket(poll(b), t);
    t = roundTrip(a, b, t, 1); // slow start: the window doubles
    // four round trips delayed by 89 ms over the 1 ms base (the current delay is the least of
    // four samples): above 3/4 of the target, so slow start ends, and under it, so no cut
    for (int i = 0; i < 4; i++) {
      t = roundTrip(a, b, t, 90);
    }
    t = roundTrip(a, b, t, 1);
    long before = a.congestionWindow();
    for (int i = 0; i < 10; i++) {
      t = roundTrip(a, b, t, 1);
    }
    // BEP 29's 3,000 bytes a round trip would be 30,000 bytes in ten: under half a packet
    assertThat(a.congestionWindow() - before).as("growth in 10 round trips, queue empty")
        .isGreaterThanOrEqualTo(10L * big).isLessThanOrEqualTo(2 * 10L * big);
    assertThat(a.bytesInFlight()).isZero();
  }

  @Test
  void readingABatchThatHalvedTheWindowTellsThePeerItIsOpenAgain() throws Exception {
    int big = config.loopbackPacketSize();
    UtpConnection a = UtpConnection.connect(config, big, random, T);
    UtpPacket syn = poll(a);
    UtpConnection b = UtpConnection.accept(config, big, syn, random, T);
    UtpPacket state = poll(b);
    byte[] payload = new byte[60_000];
    int batch = config.receiveBuffer() / payload.length * 5 / 8; // over half the buffer
    for (int i = 0; i < batch; i++) {
      b.handlePacket(UtpPacket.of(UtpPacket.Type.DATA, b.receiveId(), 0, 0, 1 << 20,
          SeqNr.wrap(syn.seqNr() + 1 + i), SeqNr.wrap(state.seqNr() - 1))
          .withPayload(ByteBuffer.wrap(payload)), T);
    }
    // the batch's ack goes out before the application reads: the window less the batch
    UtpPacket ack = poll(b);
    assertThat(ack.type()).isEqualTo(UtpPacket.Type.STATE);
    assertThat(ack.windowSize()).isLessThan(config.receiveBuffer() / 2);
    assertThat(b.pollTransmit(ByteBuffer.allocate(big), T)).as("one ack a batch").isFalse();
    ByteBuffer sink = ByteBuffer.allocate(config.receiveBuffer());
    assertThat(b.read(sink)).isEqualTo(batch * payload.length);
    UtpPacket update = poll(b);
    assertThat(update.type()).isEqualTo(UtpPacket.Type.STATE);
    assertThat(update.ackNr()).isEqualTo(ack.ackNr());
    assertThat(update.windowSize()).isEqualTo(config.receiveBuffer());
  }

  @Test
  void aPeerThatAnnouncesNothingGetsTheConfiguredSize() throws Exception {
    int big = config.loopbackPacketSize();
    UtpConnection a = UtpConnection.connect(config, big, random, T);
    UtpPacket syn = poll(a);
    // libtorrent's SYN: no announcement (its answer would carry none either)
    UtpPacket plainSyn = UtpPacket.of(UtpPacket.Type.SYN, syn.connectionId(),
        syn.timestampMicros(), 0, syn.windowSize(), syn.seqNr(), 0);
    UtpConnection b = UtpConnection.accept(config, big, plainSyn, random, T);
    assertThat(b.packetSize()).isEqualTo(config.packetSize());
    UtpPacket state = poll(b);
    UtpPacket plainState = UtpPacket.of(UtpPacket.Type.STATE, state.connectionId(),
        state.timestampMicros(), 0, state.windowSize(), state.seqNr(), state.ackNr());
    a.handlePacket(plainState, T);
    assertThat(a.state()).isEqualTo(UtpConnection.State.CONNECTED);
    assertThat(a.packetSize()).isEqualTo(config.packetSize());
    assertThat(firstDataPacket(a, 200_000)).isEqualTo(config.packetSize());
    assertThat(firstDataPacket(b, 200_000)).isEqualTo(config.packetSize());
  }

  @Test
  void aPathOfUnknownMtuKeepsTheConfiguredSizeWhateverThePeerTakes() throws Exception {
    UtpConnection a = UtpConnection.connect(config, random, T); // not loopback
    UtpConnection b = UtpConnection.accept(config, config.loopbackPacketSize(), poll(a), random,
        T);
    a.handlePacket(poll(b), T);
    assertThat(a.packetSize()).isEqualTo(config.packetSize());
    assertThat(b.packetSize()).as("a announced what it takes, b's path carries it")
        .isEqualTo(config.loopbackPacketSize());
    assertThat(firstDataPacket(a, 200_000)).isEqualTo(config.packetSize());
  }

  @Test
  void aPeerThatTakesLessThanTheConfiguredSizeIsSentNoMore() throws Exception {
    UtpConnection a = UtpConnection.connect(config, config.loopbackPacketSize(), random, T);
    UtpPacket syn = poll(a);
    UtpConnection b = UtpConnection.accept(config, config.loopbackPacketSize(),
        syn, random, T);
    UtpPacket state = poll(b);
    a.handlePacket(UtpPacket.of(UtpPacket.Type.STATE, state.connectionId(),
        state.timestampMicros(), 0, state.windowSize(), state.seqNr(), state.ackNr())
        .withDatagramLimit(576), T);
    assertThat(a.packetSize()).isEqualTo(576);
    assertThat(firstDataPacket(a, 10_000)).isEqualTo(576);
  }

  @Test
  void onlyTheAnswerToTheSynCarriesTheAnnouncement() throws Exception {
    UtpConnection a = UtpConnection.connect(config, config.loopbackPacketSize(), random, T);
    UtpConnection b = UtpConnection.accept(config, config.loopbackPacketSize(), poll(a), random,
        T);
    a.handlePacket(poll(b), T);
    a.write(ByteBuffer.wrap(new byte[100]));
    UtpPacket data = poll(a);
    assertThat(data.datagramLimit()).isEmpty();
    b.handlePacket(data, T);
    UtpPacket ack = poll(b);
    assertThat(ack.type()).isEqualTo(UtpPacket.Type.STATE);
    assertThat(ack.datagramLimit()).as("b has heard from a since its answer").isEmpty();
  }

  @Test
  void aForeignOrBrokenAnnouncementIsSkippedLikeAnUnknownExtension() throws Exception {
    // libutp's extension bits (eight bytes, not bt's mark); bt's mark on four bytes; sizes out
    // of range
    byte[][] bodies = {{0, 0, 0, 0, 0, 0, 0, 0}, {'b', 't', 0x10, 0x00},
        {'b', 't', 0, 10, 0, 0, 0, 0}, {'b', 't', (byte) 0xFF, (byte) 0xFF, 0, 0, 0, 0}};
    for (byte[] body : bodies) {
      ByteBuffer d = ByteBuffer.allocate(20 + 2 + body.length);
      UtpPacket.of(UtpPacket.Type.SYN, 5, 0, 0, 1000, 1, 0).encode(d);
      d.put(1, (byte) UtpPacket.EXT_DATAGRAM_LIMIT);
      d.put((byte) 0).put((byte) body.length).put(body);
      UtpPacket p = UtpPacket.decode(d.flip());
      assertThat(p.datagramLimit()).as("body %s", new String(body, 0, 2)).isEmpty();
      assertThat(p.type()).isEqualTo(UtpPacket.Type.SYN);
    }
  }

  @Test
  void theAnnouncementRoundTripsBesideTheOtherExtensions() throws Exception {
    UtpPacket p = UtpPacket.of(UtpPacket.Type.STATE, 9, 1, 2, 3000, 4, 5)
        .withSelectiveAck(new byte[] {1, 0, 0, 0}).withCloseReason(7).withDatagramLimit(64_000);
    ByteBuffer b = ByteBuffer.allocate(p.encodedLength());
    p.encode(b);
    assertThat(b.hasRemaining()).isFalse();
    UtpPacket back = UtpPacket.decode(b.flip());
    assertThat(back).isEqualTo(p);
    assertThat(back.datagramLimit()).hasValue(64_000);
    assertThat(back.closeReason()).hasValue(7);
    assertThat(back.isSelectivelyAcked(SeqNr.wrap(5 + 2))).isTrue();
    UtpPacket alone = UtpPacket.of(UtpPacket.Type.SYN, 9, 1, 2, 3000, 4, 0)
        .withDatagramLimit(1400);
    ByteBuffer c = ByteBuffer.allocate(alone.encodedLength());
    alone.encode(c);
    assertThat(UtpPacket.decode(c.flip())).isEqualTo(alone);
  }
}
