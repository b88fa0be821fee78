package io.btlib.utp;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The arrays received payloads are copied into: reused once read, bounded, never inflated. */
class PayloadPoolTest {
  final UtpConfig config = UtpConfig.defaults();

  @Test
  void anArrayGivenBackIsTakenAgain() {
    PayloadPool pool = new PayloadPool(config);
    byte[] a = pool.take(1448); // libtorrent's payload: 1,468-byte datagrams
    assertThat(a).hasSize(PayloadPool.ETHERNET_PAYLOAD);
    pool.give(a);
    assertThat(pool.take(1380)).isSameAs(a); // ours
    byte[] big = pool.take(60_000);
    assertThat(big).hasSize(config.maxDatagram());
    pool.give(big);
    assertThat(pool.take(40_000)).isSameAs(big);
  }

  @Test
  void aSmallPayloadGetsAnArrayOfItsOwnLengthAndIsNotKept() {
    PayloadPool pool = new PayloadPool(config);
    byte[] tiny = pool.take(10);
    assertThat(tiny).hasSize(10);
    byte[] mid = pool.take(PayloadPool.ETHERNET_PAYLOAD + 1);
    assertThat(mid).hasSize(PayloadPool.ETHERNET_PAYLOAD + 1); // under half the large class
    pool.give(tiny);
    pool.give(mid);
    assertThat(pool.spares()).isZero();
  }

  @Test
  void atMostAboutOneMebibyteOfEachSizeIsKept() {
    PayloadPool pool = new PayloadPool(config);
    for (int i = 0; i < 10_000; i++) {
      pool.give(new byte[PayloadPool.ETHERNET_PAYLOAD]);
    }
    for (int i = 0; i < 100; i++) {
      pool.give(new byte[config.maxDatagram()]);
    }
    int most = (1 << 20) / PayloadPool.ETHERNET_PAYLOAD + (1 << 20) / config.maxDatagram();
    assertThat(pool.spares()).isLessThanOrEqualTo(most).isGreaterThan(most / 2);
  }
}
