package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** How many requests the engine keeps outstanding with a peer: rate x queue time, capped. */
class RequestQueueSizeTest {
  private static final long SECOND = 1_000_000_000L;
  private static final long MIB = 1024 * 1024;

  @Test
  void theQueueIsWhatThePeerSendsInTheQueueTime() {
    // 1 MiB/s for 3 s is 192 blocks of 16 KiB
    assertThat(RequestScheduler.desiredQueue(MIB, 3 * SECOND, 100_000, 100_000)).isEqualTo(192);
    // half a second at 2 MiB/s: 64 blocks
    assertThat(RequestScheduler.desiredQueue(2 * MIB, SECOND / 2, 100_000, 100_000)).isEqualTo(64);
  }

  @Test
  void aHighBandwidthDelayProductGetsMoreThanTheOldFixedCapOf500() {
    // 50 MiB/s for 3 s: 9600 blocks wanted; the default caps (ours and libtorrent's reqq) are 2000
    assertThat(RequestScheduler.desiredQueue(50 * MIB, 3 * SECOND, 2000, 2000)).isEqualTo(2000);
    // 20 MiB/s x 200 ms is 256 blocks in flight; the queue comfortably covers it
    assertThat(RequestScheduler.desiredQueue(20 * MIB, 3 * SECOND, 2000, 2000))
        .isGreaterThan(20 * 64 / 5);
  }

  @Test
  void aSlowOrNewPeerStillGetsTheMinimum() {
    assertThat(RequestScheduler.desiredQueue(0, 3 * SECOND, 2000, 2000))
        .isEqualTo(RequestScheduler.MIN_QUEUE);
    assertThat(RequestScheduler.desiredQueue(1000, 3 * SECOND, 2000, 2000))
        .isEqualTo(RequestScheduler.MIN_QUEUE);
  }

  @Test
  void theUsersCapIsHonouredAndCanBeRaised() {
    assertThat(RequestScheduler.desiredQueue(100 * MIB, 3 * SECOND, 500, 100_000)).isEqualTo(500);
    assertThat(RequestScheduler.desiredQueue(100 * MIB, 3 * SECOND, 50_000, 100_000))
        .isEqualTo(19_200);
  }

  @Test
  void thePeersReqqIsHonoured() {
    assertThat(RequestScheduler.desiredQueue(100 * MIB, 3 * SECOND, 2000, 250)).isEqualTo(250);
    // even below our minimum: a peer that accepts 2 requests gets 2
    assertThat(RequestScheduler.desiredQueue(0, 3 * SECOND, 2000, 2)).isEqualTo(2);
    assertThat(RequestScheduler.desiredQueue(0, 3 * SECOND, 1, 2000)).isEqualTo(1);
  }

  @Test
  void hugeRatesAndTimesDoNotOverflow() {
    assertThat(RequestScheduler.desiredQueue(Long.MAX_VALUE / 2, Long.MAX_VALUE / 2,
        Integer.MAX_VALUE, Integer.MAX_VALUE)).isEqualTo(Integer.MAX_VALUE);
  }
}
