package io.btlib.utp;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.ByteBuffer;
import java.util.Random;

/**
 * Coverage-guided fuzz targets (Jazzer) for uTP (issue 16 asks for the packet decoder and the
 * connection's state machine). {@code packet}: any datagram; only {@link UtpException} escapes,
 * and what decodes encodes to no more bytes and decodes to the same packet. {@code connection}: a
 * connected connection fed any sequence of packets (the connection id set to its own, acks
 * aimed near what it sent), clock jumps, writes and reads; nothing escapes, what it sends is a
 * valid packet no longer than its packet size for its peer, its bookkeeping stays in bounds.
 *
 * <p>{@code mvn test} replays {@code src/test/resources/io/btlib/utp/UtpFuzzTestInputs/};
 * {@code TARGETS="UtpFuzzTest#packet UtpFuzzTest#connection" interop/fuzz.sh} fuzzes them.
 */
class UtpFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void packet(byte[] data) throws UtpException {
    UtpPacket p;
    try {
      p = UtpPacket.decode(ByteBuffer.wrap(data));
    } catch (UtpException e) {
      assertThat(e.rule()).isNotNull();
      return;
    }
    assertThat(p.encodedLength()).isLessThanOrEqualTo(data.length);
    ByteBuffer b = ByteBuffer.allocate(p.encodedLength());
    p.encode(b);
    assertThat(UtpPacket.decode(b.flip())).isEqualTo(p);
  }

  /**
   * Input: records of [kind][n][n bytes]. Kind % 5: 0 the bytes as a datagram to the
   * connection (its id forced to the connection's own); 1 the clock moves n × 7 ms and the
   * timer runs; 2 the application writes n × 97 bytes; 3 it reads; 4 a STATE from the peer
   * acking (last sent − n % 8) with a selective ACK made of the bytes.
   */
  @FuzzTest(maxDuration = "60s")
  void connection(byte[] data) throws UtpException {
    UtpConfig config = new UtpConfig(600, 600, 1 << 14, 1 << 14, java.time.Duration.ofMillis(100),
        java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(60));
    long now = 1_000_000_000L;
    Random random = new Random(1);
    UtpConnection a = UtpConnection.connect(config, random, now);
    ByteBuffer out = ByteBuffer.allocate(config.packetSize());
    assertThat(a.pollTransmit(out, now)).isTrue();
    UtpConnection b = UtpConnection.accept(config, UtpPacket.decode(out.flip()), random, now);
    out.clear();
    assertThat(b.pollTransmit(out, now)).isTrue();
    UtpPacket bState = UtpPacket.decode(out.flip());
    a.handlePacket(bState, now);
    int peerSeq = bState.seqNr();
    int lastSent = 1;
    ByteBuffer read = ByteBuffer.allocate(4096);
    for (int i = 0; i + 1 < data.length; ) {
      int kind = (data[i] & 0xFF) % 5;
      int n = data[i + 1] & 0xFF;
      i += 2;
      int len = Math.min(n, data.length - i);
      byte[] body = java.util.Arrays.copyOfRange(data, i, i + len);
      i += len;
      switch (kind) {
        case 0 -> {
          if (body.length >= UtpPacket.HEADER_SIZE) {
            body[2] = (byte) (a.receiveId() >>> 8);
            body[3] = (byte) a.receiveId();
          }
          try {
            a.handlePacket(UtpPacket.decode(ByteBuffer.wrap(body)), now);
          } catch (UtpException e) {
            // not a packet: the socket drops it before any connection sees it
          }
        }
        case 1 -> {
          now += n * 7_000_000L;
          if (now - a.nextDeadlineNanos() >= 0) {
            a.handleTimeout(now);
          }
        }
        case 2 -> a.write(ByteBuffer.allocate(n * 97));
        case 3 -> {
          int got = a.read(read.clear());
          assertThat(got).isBetween(-1, read.capacity());
        }
        default -> {
          UtpPacket ack = UtpPacket.of(UtpPacket.Type.STATE, a.receiveId(), 0, n * 1000,
              1 << 14, peerSeq, SeqNr.wrap(lastSent - n % 8));
          int maskLen = Math.min(32, body.length / 4 * 4);
          if (maskLen >= 4) {
            ack = ack.withSelectiveAck(java.util.Arrays.copyOf(body, maskLen));
          }
          a.handlePacket(ack, now);
        }
      }
      for (int k = 0; k < 64; k++) {
        out.clear();
        if (!a.pollTransmit(out, now)) {
          break;
        }
        assertThat(out.position()).isLessThanOrEqualTo(config.packetSize());
        UtpPacket sent = UtpPacket.decode(out.flip());
        assertThat(sent.connectionId()).isEqualTo(a.sendId());
        if (sent.type() == UtpPacket.Type.DATA || sent.type() == UtpPacket.Type.FIN) {
          lastSent = sent.seqNr();
        }
      }
      assertThat(a.bytesInFlight()).isNotNegative();
      assertThat(a.available()).isBetween(0L, (long) config.receiveBuffer());
      assertThat(a.sendQueued()).isBetween(0L, (long) config.sendBuffer());
      assertThat(a.congestionWindow()).isGreaterThanOrEqualTo(config.packetSize());
    }
  }
}
