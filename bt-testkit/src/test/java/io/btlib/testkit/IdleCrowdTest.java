package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.peer.PeerAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * A crowd of connections that say interested and never ask for anything (cheap to open by the
 * thousand) must not hold a seeder's upload slots, nor its connections, against real leechers.
 * Before the fix, 5,000 of them made 20 leechers finish 15 times later (docs/SCALE.md).
 */
class IdleCrowdTest {
  private static final Duration LIMIT = Duration.ofMinutes(20);
  private static final int PORT = 6881;

  /** Leechers' last completion in seconds, after {@code idle} idle peers dialled the seeder. */
  private static Swarm.Result run(int idle, int connectionLimit, int leechers) {
    try (Swarm swarm = new Swarm(29, SimTorrent.random(7, 2 << 20, 256 * 1024))) {
      Swarm.Peer seeder = swarm.addSeeder(
          AccessLink.of(100L << 20, 100L << 20, Duration.ofMillis(10)),
          b -> b.port(PORT).maxConnectionsPerTorrent(connectionLimit)
              .maxConnections(connectionLimit + 16));
      PeerAddress seederAddress = PeerAddress.of(
          new InetSocketAddress(seeder.host().address(), PORT));
      AccessLink idleLink = AccessLink.of(64 << 10, 64 << 10, Duration.ofMillis(10));
      for (int i = 0; i < idle; i++) {
        swarm.simulation().addHost(idleLink).startIdlePeer(swarm.torrent().metainfo(),
            seederAddress, true);
      }
      AccessLink link = AccessLink.of(256 << 10, 1 << 20, Duration.ofMillis(10));
      for (int i = 0; i < leechers; i++) {
        Duration delay = Duration.ofMillis(2000 + 50L * i); // once the crowd is in
        Swarm.Peer p = swarm.addLeecher(link, b -> { }, delay);
        swarm.simulation().schedule(delay.plusMillis(1),
            () -> p.torrent().ifPresent(t -> t.addPeer(seederAddress)));
      }
      return swarm.run(LIMIT);
    }
  }

  private static double seconds(Swarm.Result r) {
    return r.lastCompletion().toNanos() / 1e9;
  }

  @Test
  void anIdleCrowdDoesNotHoldTheSeedersUploadSlots() {
    Swarm.Result alone = run(0, 1000, 8);
    Swarm.Result crowded = run(600, 1000, 8);
    assertThat(crowded.allComplete()).isTrue();
    assertThat(crowded.intact()).isTrue();
    // 600 idle peers at 8 slots and a second a turn held the slots for over a minute before
    assertThat(seconds(crowded)).as("with the crowd, against %.1f s alone", seconds(alone))
        .isLessThan(seconds(alone) * 1.5);
  }

  @Test
  void atTheConnectionLimitTheStubbornlyIdleMakeRoomForLeechers() {
    // the crowd fills every connection before the leechers come; without turnover the seeder
    // refuses them for good and they never get a byte
    Swarm.Result r = run(120, 100, 4);
    assertThat(r.allComplete()).isTrue();
    assertThat(r.intact()).isTrue();
  }
}
