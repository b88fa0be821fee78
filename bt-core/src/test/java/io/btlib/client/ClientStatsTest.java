package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.Metainfo;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/** {@link Client#stats()}: the counts a soak test watches rise with use and fall back after it. */
class ClientStatsTest {

  /** Samples {@code c}'s stats until {@code p} holds (60 s at most); returns the last sample. */
  private static ClientStats awaitStats(Client c, Predicate<ClientStats> p) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    ClientStats s = c.stats();
    while (!p.test(s) && System.nanoTime() < deadline) {
      TimeUnit.MILLISECONDS.sleep(20);
      s = c.stats();
    }
    return s;
  }

  @Test
  void aNewClientHoldsOnlyItsOwnSockets() {
    try (Client c = Client.builder().build()) {
      ClientStats s = c.stats();
      assertThat(s.torrents()).isZero();
      assertThat(s.connections()).isZero();
      assertThat(s.halfOpen()).isZero();
      // the listening TCP socket and the uTP socket
      assertThat(s.channels()).isEqualTo(2);
      assertThat(s.bufferedBytes()).isZero();
      assertThat(s.readCacheBytes()).isZero();
    }
  }

  @Test
  void connectionsAndChannelsFallBackOnceTheTorrentsAreRemoved() throws Exception {
    byte[] data = TestTorrents.random(1024 * 1024 + 77, 5);
    Metainfo m = TestTorrents.v1(data, 64 * 1024);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      int idleChannels = leecher.stats().channels();
      Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
      s.start();
      s.completion().get(10, TimeUnit.SECONDS);
      Torrent l = SwarmTest.downloadFrom(seeder, leecher, m, data);
      // two seeds have nothing to trade: the connection may be closed already
      ClientStats done = leecher.stats();
      assertThat(done.torrents()).isEqualTo(1);
      assertThat(done.connections()).isBetween(0, 1);
      assertThat(done.bufferedBytes()).isZero(); // every piece written

      l.remove();
      s.remove();
      ClientStats after = awaitStats(leecher,
          x -> x.connections() == 0 && x.channels() == idleChannels);
      assertThat(after.torrents()).isZero();
      assertThat(after.connections()).isZero();
      assertThat(after.halfOpen()).isZero();
      assertThat(after.channels()).isEqualTo(idleChannels);
      assertThat(awaitStats(seeder, x -> x.connections() == 0).connections()).isZero();
    }
  }

  @Test
  void aClosedClientHasNoStats() {
    Client c = Client.builder().build();
    c.close();
    assertThatThrownBy(c::stats).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("closed");
  }
}
