package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import io.btlib.peer.PeerAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** How a client's book of known peers behaves over connections that come and go. */
class PeerBookTest {

  /**
   * A peer that dialled in told us where it listens (the extended handshake's {@code p}); that
   * endpoint is not dialled while its connection lasts, and must be dialled again once it ends:
   * here the peer forgot us, so only our dial can bring the two together again.
   */
  @Test
  void aPeerThatDialledInIsDialledBackOnceItsConnectionEnds() {
    try (Simulation sim = new Simulation(21)) {
      SimTorrent torrent = SimTorrent.random(9, 2 << 20, 256 * 1024);
      AccessLink link = AccessLink.symmetric(1 << 20, Duration.ofMillis(20));
      SimHost a = sim.addHost(link);
      SimHost b = sim.addHost(link);
      Client seederClient = a.client(Client.builder());
      Torrent seeder = seederClient.add(torrent.metainfo(), torrent.seededStorage(),
          torrent.allPieces());
      seeder.start();
      Client leecherClient = b.client(Client.builder());
      Torrent first = leecherClient.add(torrent.metainfo(), torrent.emptyStorage());
      first.addPeer(PeerAddress.of(a.address(), seederClient.listenAddress().getPort()));
      first.start();
      assertThat(sim.runUntil(() -> b.bytesReceived() > 256 * 1024, Duration.ofSeconds(30)))
          .as("the leecher's dial got through").isTrue();

      first.remove(); // the leecher forgets the seeder and closes the connection
      assertThat(sim.runUntil(() -> seeder.status().peers() == 0, Duration.ofSeconds(30)))
          .isTrue();
      Storage storage = torrent.emptyStorage();
      Torrent second = leecherClient.add(torrent.metainfo(), storage); // knows nobody
      second.start();

      assertThat(sim.runUntil(() -> second.completion().isDone(), Duration.ofMinutes(2)))
          .as("the seeder dialled the endpoint the leecher had announced").isTrue();
      assertThat(torrent.matches(storage)).isTrue();
    }
  }
}
