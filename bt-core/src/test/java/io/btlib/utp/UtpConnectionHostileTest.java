package io.btlib.utp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Packets a broken or hostile peer sends: each is dropped or ends only its own connection. */
class UtpConnectionHostileTest {
  static final long T = 1_000_000_000L;
  final Random random = new Random(3);
  final UtpConfig config = UtpConfig.defaults();

  static UtpPacket poll(UtpConnection c, long now) throws UtpException {
    ByteBuffer b = ByteBuffer.allocate(UtpConfig.defaults().packetSize());
    assertThat(c.pollTransmit(b, now)).as("a datagram from %s", c).isTrue();
    return UtpPacket.decode(b.flip());
  }

  /** b's answer to the SYN: its seq_nr less one is what a valid packet to b acknowledges. */
  int bAck;

  /** a (outgoing) and b (incoming), connected, a with one data packet in flight. */
  UtpConnection[] connected() throws UtpException {
    UtpConnection a = UtpConnection.connect(config, random, T);
    UtpPacket syn = poll(a, T);
    UtpConnection b = UtpConnection.accept(config, syn, random, T);
    UtpPacket state = poll(b, T);
    bAck = SeqNr.wrap(state.seqNr() - 1);
    a.handlePacket(state, T);
    assertThat(a.state()).isEqualTo(UtpConnection.State.CONNECTED);
    a.write(ByteBuffer.wrap(new byte[100]));
    UtpPacket data = poll(a, T);
    assertThat(data.type()).isEqualTo(UtpPacket.Type.DATA);
    assertThat(a.bytesInFlight()).isEqualTo(100);
    return new UtpConnection[] {a, b};
  }

  @Test
  void anAckOfAPacketNeverSentIsDroppedWhole() throws Exception {
    UtpConnection a = connected()[0];
    UtpPacket forged = UtpPacket.of(UtpPacket.Type.STATE, a.receiveId(), 0, 0, 1 << 20, 7,
        SeqNr.wrap(5000));
    a.handlePacket(forged, T);
    assertThat(a.bytesInFlight()).as("nothing was acknowledged").isEqualTo(100);
    assertThat(a.state()).isEqualTo(UtpConnection.State.CONNECTED);
  }

  @Test
  void dataFarBeyondTheReorderWindowIsDropped() throws Exception {
    UtpConnection[] ab = connected();
    UtpConnection b = ab[1];
    UtpPacket far = UtpPacket.of(UtpPacket.Type.DATA, b.receiveId(), 0, 0, 1 << 20,
        SeqNr.wrap(2 + 30_000), bAck).withPayload(ByteBuffer.wrap(new byte[1000]));
    b.handlePacket(far, T);
    assertThat(b.available()).isZero();
    UtpPacket inOrder = UtpPacket.of(UtpPacket.Type.DATA, b.receiveId(), 0, 0, 1 << 20, 2, bAck)
        .withPayload(ByteBuffer.wrap(new byte[1000]));
    b.handlePacket(inOrder, T);
    assertThat(b.available()).as("the same packet in the window is taken").isEqualTo(1000);
  }

  @Test
  void dataBeyondTheReceiveWindowIsDroppedNotBuffered() throws Exception {
    UtpConfig small = new UtpConfig(1400, 1400, 1 << 16, 4096, config.targetDelay(),
        config.connectTimeout(), config.idleTimeout());
    UtpConnection a = UtpConnection.connect(small, random, T);
    UtpConnection b = UtpConnection.accept(small, poll(a, T), random, T);
    UtpPacket state = poll(b, T);
    int ack = SeqNr.wrap(state.seqNr() - 1);
    int next = 2;
    for (int i = 0; i < 10; i++) { // 10 × 1000 bytes at a 4096-byte window, nothing read
      b.handlePacket(UtpPacket.of(UtpPacket.Type.DATA, b.receiveId(), 0, 0, 1 << 20,
          next++, ack).withPayload(ByteBuffer.wrap(new byte[1000])), T);
    }
    assertThat(b.available()).isEqualTo(4000);
    UtpPacket reply = poll(b, T);
    assertThat(reply.windowSize()).isEqualTo(96);
    assertThat(reply.ackNr()).isEqualTo(5);
  }

  @Test
  void aResetClosesTheConnectionAndNothingMoreIsSent() throws Exception {
    UtpConnection a = connected()[0];
    a.handlePacket(UtpPacket.of(UtpPacket.Type.RESET, a.receiveId(), 0, 0, 0, 0, 0), T);
    assertThat(a.state()).isEqualTo(UtpConnection.State.CLOSED);
    assertThat(a.wasReset()).isTrue();
    assertThat(a.pollTransmit(ByteBuffer.allocate(1400), T)).isFalse();
    assertThat(a.write(ByteBuffer.wrap(new byte[10]))).isZero();
  }

  @Test
  void resetSendsOneResetAndCloses() throws Exception {
    UtpConnection[] ab = connected();
    ab[1].reset();
    assertThat(ab[1].state()).isEqualTo(UtpConnection.State.CLOSED);
    UtpPacket r = poll(ab[1], T);
    assertThat(r.type()).isEqualTo(UtpPacket.Type.RESET);
    assertThat(r.connectionId()).isEqualTo(ab[0].receiveId());
    assertThat(ab[1].pollTransmit(ByteBuffer.allocate(1400), T)).isFalse();
  }

  @Test
  void aRepeatedSynIsAnsweredAgainAndOpensNothingNew() throws Exception {
    UtpConnection a = UtpConnection.connect(config, random, T);
    UtpPacket syn = poll(a, T);
    UtpConnection b = UtpConnection.accept(config, syn, random, T);
    UtpPacket first = poll(b, T);
    assertThat(b.pollTransmit(ByteBuffer.allocate(1400), T)).isFalse();
    b.handlePacket(syn, T + 1); // our STATE was lost: the SYN comes again
    UtpPacket again = poll(b, T + 1);
    assertThat(again.type()).isEqualTo(UtpPacket.Type.STATE);
    assertThat(again.seqNr()).isEqualTo(first.seqNr());
    assertThat(again.ackNr()).isEqualTo(syn.seqNr());
  }

  @Test
  void aPeerThatFallsSilentIsTimedOutWithBackOff() throws Exception {
    UtpConnection a = connected()[0];
    long now = T;
    int timeouts = 0;
    while (a.state() != UtpConnection.State.CLOSED && timeouts < 100) {
      now = a.nextDeadlineNanos();
      a.handleTimeout(now);
      while (a.pollTransmit(ByteBuffer.allocate(1400), now)) {
        // resends go nowhere
      }
      timeouts++;
    }
    assertThat(a.state()).isEqualTo(UtpConnection.State.CLOSED);
    // 1 + 2 + 4 + ... s of back-off, capped by the 60 s idle timeout
    assertThat(now - T).isBetween(30 * T, 61 * T);
  }
}
