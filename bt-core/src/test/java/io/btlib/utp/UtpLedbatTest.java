package io.btlib.utp;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/**
 * LEDBAT against traffic it does not control, in virtual time: a bulk transfer over a 10 MiB/s
 * bottleneck whose queue another flow fills (the cross traffic of {@link UtpLink}, as a TCP bulk
 * flow behind a home router's 500 ms buffer looks to uTP). LEDBAT's promise is to fill the link
 * alone and to get out of the way of such a flow within seconds; interop/ledbat.sh measures the
 * same on the kernel.
 */
class UtpLedbatTest {
  static final long MS = 1_000_000L;
  static final long SECOND = 1000 * MS;
  static final long RATE = 10 << 20;

  /** A transfer a to b that always has data to send; counts what b reads. */
  static final class Bulk {
    final UtpLink link;
    final ByteBuffer src = ByteBuffer.allocate(256 * 1024);
    final ByteBuffer rd = ByteBuffer.allocate(256 * 1024);
    long received;

    Bulk(long seed) {
      link = new UtpLink(UtpConfig.defaults(), seed, RATE, 1 * MS);
      link.queueCapNanos = 500 * MS;
    }

    /** Runs until virtual time has advanced by {@code nanos}; returns the MiB/s b received. */
    double run(long nanos) {
      long start = link.now;
      long before = received;
      while (link.now - start < nanos) {
        if (link.a.state() == UtpConnection.State.CONNECTED) {
          if (!src.hasRemaining()) {
            src.clear();
          }
          link.a.write(src);
        }
        if (link.b != null) {
          int n;
          while ((n = link.b.read(rd.clear())) > 0) {
            received += n;
          }
        }
        assertThat(link.step()).isTrue();
      }
      return (received - before) / ((link.now - start) / 1e9) / (1 << 20);
    }
  }

  @Test
  void aloneItFillsTheLinkWithTheQueueNearTheTarget() {
    Bulk t = new Bulk(51);
    t.run(5 * SECOND); // slow start and settling
    double alone = t.run(10 * SECOND);
    assertThat(alone / 10).as("share of the link alone").isGreaterThan(0.85);
    assertThat(t.link.a.queueingDelayMicros() / 1000).as("queueing delay, ms")
        .isBetween(50, 130);
  }

  @Test
  void itGetsOutOfTheWayOfAFlowThatFillsTheBufferAndComesBackWhenItEnds() {
    Bulk t = new Bulk(52);
    t.run(10 * SECOND);
    long windowAlone = t.link.a.congestionWindow();
    // a flow at the link's rate: the 500 ms buffer fills, whatever uTP does
    t.link.crossRate = RATE;
    double first = t.run(2 * SECOND);
    double after = t.run(8 * SECOND);
    assertThat(after / 10).as("share beside the cross traffic, from 2 s on").isLessThan(0.05);
    assertThat(first / 10).as("share in its first 2 s").isLessThan(0.20);
    assertThat(t.link.a.congestionWindow()).as("window, alone %d", windowAlone)
        .isLessThan(windowAlone / 20);
    t.link.crossRate = 0;
    t.run(2 * SECOND); // the 500 ms queue drains, then the window grows again
    double back = t.run(5 * SECOND);
    assertThat(back / 10).as("share once the cross traffic has ended").isGreaterThan(0.80);
  }

  @Test
  void aQueueAnotherFlowKeepsStandingDoesNotBecomeTheBaseDelay() {
    // RFC 6817 keeps ten one-minute minima: a standing queue is still a queue after minutes
    Bulk t = new Bulk(53);
    t.run(5 * SECOND);
    t.link.crossRate = RATE;
    t.run(4 * 60 * SECOND);
    double late = t.run(10 * SECOND);
    assertThat(t.link.a.queueingDelayMicros() / 1000).as("queueing delay seen, ms")
        .isGreaterThan(300);
    assertThat(late / 10).as("share after four minutes beside the cross traffic")
        .isLessThan(0.05);
  }

  @Test
  void aFlowThatLeavesRoomGetsItsShareAndUtpTakesTheRest() {
    // cross traffic at 40% of the link builds no queue of its own: nothing to yield to
    Bulk t = new Bulk(54);
    t.run(5 * SECOND);
    t.link.crossRate = RATE * 4 / 10;
    t.run(3 * SECOND);
    double beside = t.run(10 * SECOND);
    assertThat(beside / 10).as("share beside 40% cross traffic").isBetween(0.45, 0.62);
  }
}
