package io.btlib.utp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class UtpConnectionTest {
  static final long MS = 1_000_000L;

  /** What a transfer from a to b came to. */
  record Result(boolean intact, long nanos, boolean closedCleanly, long resent, long timeouts,
      double meanQueueMillis) {}

  static Result transfer(UtpLink link, int size, long limitNanos) {
    byte[] data = new byte[size];
    new Random(5).nextBytes(data);
    ByteBuffer src = ByteBuffer.wrap(data);
    ByteArrayOutputStream got = new ByteArrayOutputStream();
    ByteBuffer rd = ByteBuffer.allocate(64 * 1024);
    long start = link.now;
    boolean bClosing = false;
    while (link.now - start < limitNanos) {
      if (link.a.state() == UtpConnection.State.CONNECTED && src.hasRemaining()) {
        link.a.write(src);
        if (!src.hasRemaining()) {
          link.a.close();
        }
      }
      if (link.b != null) {
        int n;
        while ((n = link.b.read(rd.clear())) > 0) {
          got.write(rd.array(), 0, n);
        }
        if (n < 0 && !bClosing) {
          bClosing = true;
          link.b.close();
        }
      }
      if (link.a.state() == UtpConnection.State.CLOSED && link.b != null
          && link.b.state() == UtpConnection.State.CLOSED) {
        break;
      }
      if (!link.step()) {
        break;
      }
    }
    boolean clean = link.a.state() == UtpConnection.State.CLOSED
        && "closed".equals(link.a.closeReason()) && link.b != null
        && "closed".equals(link.b.closeReason());
    return new Result(Arrays.equals(got.toByteArray(), data), link.now - start, clean,
        link.a.packetsResent(), link.a.timeouts(),
        link.queueSamples == 0 ? 0 : link.queueNanosSum / 1e6 / link.queueSamples);
  }

  @Test
  void aCleanPathCarriesEveryByteInOrderAndBothSidesCloseInGoodOrder() {
    UtpLink link = new UtpLink(UtpConfig.defaults(), 1, 10 << 20, 20 * MS);
    Result r = transfer(link, 3 << 20, 60_000 * MS);
    assertThat(r.intact()).isTrue();
    assertThat(r.closedCleanly()).isTrue();
    assertThat(r.resent()).isZero();
    assertThat(link.a.isOutgoing()).isTrue();
    assertThat(link.b.isOutgoing()).isFalse();
    assertThat(link.b.sendId()).isEqualTo(link.a.receiveId());
    assertThat(link.a.sendId()).isEqualTo(link.b.receiveId());
  }

  @ParameterizedTest
  @CsvSource({"0.01, 0, 0, 11", "0.05, 0, 0, 12", "0.02, 0.02, 0.1, 13", "0.10, 0.05, 0.2, 14"})
  void lossDuplicationAndReorderingStillDeliverEveryByte(double loss, double dup, double reorder,
      long seed) {
    UtpLink link = new UtpLink(UtpConfig.defaults(), seed, 4 << 20, 100 * MS);
    link.loss = loss;
    link.duplicate = dup;
    link.reorder = reorder;
    Result r = transfer(link, 1 << 20, 600_000 * MS);
    assertThat(r.intact()).as("%s", link.a).isTrue();
    assertThat(r.resent()).isPositive();
  }

  @Test
  void atOnePercentLossAndA200MsRoundTripMostOfTheLinkIsUsed() {
    long rate = 2 << 20;
    UtpLink link = new UtpLink(UtpConfig.defaults(), 21, rate, 100 * MS);
    link.loss = 0.01;
    int size = 16 << 20;
    Result r = transfer(link, size, 600_000 * MS);
    assertThat(r.intact()).isTrue();
    double share = size / (r.nanos() / 1e9) / rate;
    assertThat(share).as("share of the link").isGreaterThan(0.70);
  }

  @Test
  void ledbatHoldsTheQueueNearItsTargetOnABottleneck() {
    // 2 MiB/s with an unbounded FIFO in front: without LEDBAT the queue (delay) would grow with
    // the window; with it, the window stops where the queue costs about the 100 ms target
    long rate = 2 << 20;
    UtpLink link = new UtpLink(UtpConfig.defaults(), 31, rate, 10 * MS);
    int size = 24 << 20;
    Result r = transfer(link, size, 600_000 * MS);
    assertThat(r.intact()).isTrue();
    assertThat(link.maxQueueNanos / MS).as("worst queueing delay, ms").isLessThan(250);
    double share = size / (r.nanos() / 1e9) / rate;
    assertThat(share).as("share of the link").isGreaterThan(0.80);
  }

  @Test
  void aSynWithNoAnswerTimesOut() {
    UtpLink link = new UtpLink(UtpConfig.defaults(), 41, 1 << 20, 10 * MS);
    link.loss = 1.0;
    for (int i = 0; i < 100 && link.step(); i++) {
      // the SYN is resent with back-off until the connect timeout
    }
    assertThat(link.a.state()).isEqualTo(UtpConnection.State.CLOSED);
    assertThat(link.a.closeReason()).contains("SYN");
    assertThat(link.datagrams).isBetween(3L, 6L);
  }
}
