package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentListener;
import io.btlib.peer.PeerAddress;
import io.btlib.testkit.internal.IdlePeer;
import io.btlib.testkit.internal.SimSocket;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The engine against faults and crowds that do not need a real socket, on the simulated network
 * (moved here from bt-core's loopback tests, which waited in wall-clock time): peers that leave
 * mid-download, peers serving corrupt data, a peer that answers with garbage, hundreds of idle
 * peers, interested peers that never request.
 */
class FaultsTest {
  static final Duration LIMIT = Duration.ofMinutes(10);
  static final AccessLink LAN = AccessLink.symmetric(20 << 20, Duration.ofMillis(5));

  /**
   * A leecher downloading from two seeders at 2 MB/s each; {@code leave} takes the first seeder
   * out once the leecher has verified 20 pieces, with requests in flight to it.
   */
  static void seederLeavesMidway(long seed, java.util.function.BiConsumer<SimHost, Client> leave) {
    try (Simulation sim = new Simulation(seed)) {
      SimTorrent torrent = SimTorrent.random(seed, 4_000_000, 16 * 1024);
      AccessLink seedLink = AccessLink.of(2_000_000, 20 << 20, Duration.ofMillis(5));
      SimHost ha = sim.addHost(seedLink);
      SimHost hb = sim.addHost(seedLink);
      Client a = ha.client(Client.builder());
      Client b = hb.client(Client.builder());
      a.add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces()).start();
      b.add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces()).start();
      Storage store = torrent.emptyStorage();
      Torrent t = sim.addHost(LAN).client(Client.builder()).add(torrent.metainfo(), store);
      t.addListener(new TorrentListener() {
        int verified;

        @Override
        public void onPieceVerified(Torrent torrent, int piece) {
          if (++verified == 20) {
            leave.accept(ha, a);
          }
        }
      });
      t.addPeer(PeerAddress.of(a.listenAddress()));
      t.addPeer(PeerAddress.of(b.listenAddress()));
      t.start();
      assertThat(sim.runUntil(() -> t.completion().isDone(), LIMIT)).isTrue();
      assertThat(torrent.matches(store)).isTrue();
      assertThat(ha.bytesSent()).as("the first seeder served part of it").isPositive();
    }
  }

  @Test
  void aSeederThatLeavesMidwayCostsNothing() {
    seederLeavesMidway(1, (host, client) -> client.close()); // says goodbye
  }

  @Test
  void aSeederThatVanishesMidwayCostsNothing() {
    // no goodbye: its connections fall silent, with requests in flight
    seederLeavesMidway(2, (host, client) -> host.vanish());
  }

  @Test
  void aPeerServingCorruptBlocksIsBannedAndNobodyHonestIs() throws Exception {
    try (Simulation sim = new Simulation(3)) {
      SimTorrent torrent = SimTorrent.random(6, 2_000_000, 64 * 1024);
      int pieceCount = torrent.metainfo().pieceCount();
      SimHost honestHost = sim.addHost(AccessLink.of(1_000_000, 20 << 20, Duration.ofMillis(5)));
      SimHost liarHost = sim.addHost(LAN);
      SimHost leecherHost = sim.addHost(LAN);
      Client honest = honestHost.client(Client.builder());
      honest.add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces()).start();
      // the liar claims every piece without checking (as aria2 --bt-seed-unverified does):
      // every other piece is wrong in its first block
      Storage corrupt = torrent.seededStorage();
      for (int p = 0; p < pieceCount; p += 2) {
        ByteBuffer b = ByteBuffer.allocate(1);
        corrupt.read(p, 100, b);
        b.put(0, (byte) (b.get(0) ^ 0x55));
        corrupt.write(p, 100, b.rewind());
      }
      Client liar = liarHost.client(Client.builder());
      liar.add(torrent.metainfo(), corrupt, torrent.allPieces()).start();
      Storage store = torrent.emptyStorage();
      Torrent t = leecherHost.client(Client.builder()).add(torrent.metainfo(), store);
      List<PeerAddress> banned = new ArrayList<>();
      t.addListener(new TorrentListener() {
        @Override
        public void onPeerBanned(Torrent torrent, PeerAddress peer, String reason) {
          banned.add(peer);
        }
      });
      t.addPeer(PeerAddress.of(liar.listenAddress()));
      t.addPeer(PeerAddress.of(honest.listenAddress()));
      t.start();
      assertThat(sim.runUntil(() -> t.completion().isDone(), LIMIT)).isTrue();
      assertThat(torrent.matches(store)).isTrue();
      sim.runFor(Duration.ofSeconds(1)); // listener events are delivered as events too
      assertThat(t.status().hashFailures()).isPositive();
      assertThat(banned).containsExactly(PeerAddress.of(liar.listenAddress()));
      assertThat(t.status().bannedPeers()).isEqualTo(1);
    }
  }

  /**
   * A "peer" that answers every connection with an HTTP response instead of a handshake, then
   * reads and drops what it is sent, closing when the other side does (moved here from bt-core's
   * SwarmFaultsTest, which ran it on a loopback socket and a thread of its own).
   */
  @Test
  void aPeerSendingGarbageIsDroppedAndTheDownloadCompletes() {
    try (Simulation sim = new Simulation(6)) {
      SimTorrent torrent = SimTorrent.random(5, 600_000, 16 * 1024);
      SimHost garbageHost = sim.addHost(LAN);
      List<SimSocket> accepted = new ArrayList<>();
      sim.network.listen(garbageHost.net, 6881, s -> {
        accepted.add(s);
        s.listener(new GarbagePeer());
        s.interest(SimSocket.READ);
        try {
          s.write(ByteBuffer.wrap("HTTP/1.1 200 OK\r\n\r\nthis is not bittorrent"
              .getBytes(StandardCharsets.US_ASCII))); // a fresh socket's buffer takes it all
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      PeerAddress garbage = PeerAddress.of(garbageHost.address(), 6881);
      SimHost seederHost = sim.addHost(LAN);
      Client seeder = seederHost.client(Client.builder());
      seeder.add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces()).start();
      Storage store = torrent.emptyStorage();
      Torrent t = sim.addHost(LAN).client(Client.builder()).add(torrent.metainfo(), store);
      List<PeerAddress> connected = new ArrayList<>();
      t.addListener(new TorrentListener() {
        @Override
        public void onPeerConnected(Torrent torrent, PeerAddress peer) {
          connected.add(peer);
        }
      });
      t.addPeer(garbage);
      t.addPeer(PeerAddress.of(seeder.listenAddress()));
      t.start();
      assertThat(sim.runUntil(() -> t.completion().isDone(), LIMIT)).isTrue();
      assertThat(torrent.matches(store)).isTrue();
      sim.runFor(Duration.ofSeconds(1)); // listener events are delivered as events too
      assertThat(accepted).as("the garbage peer was dialled").isNotEmpty();
      // 42 bytes are too few for an MSE answer (96 at least): the leecher waits for more, and may
      // complete before it gives up on the connection; but give up it must
      assertThat(sim.runUntil(() -> accepted.stream().noneMatch(SimSocket::isOpen), LIMIT))
          .as("every connection to it was closed by the leecher").isTrue();
      assertThat(connected).as("it never counted as a peer")
          .containsExactly(PeerAddress.of(seeder.listenAddress()));
    }
  }

  /** Reads and drops what it is sent; closes when the other side closes. */
  private static final class GarbagePeer implements SimSocket.Listener {
    @Override
    public void connectable(SimSocket s) {}

    @Override
    public void readable(SimSocket s) {
      IdlePeer.drain(s);
    }

    @Override
    public void writable(SimSocket s) {}
  }

  @Test
  void aSeederHoldsThreeHundredIdlePeersAndStillServesARealLeecher() {
    try (Simulation sim = new Simulation(4)) {
      SimTorrent torrent = SimTorrent.random(11, 2 * 1024 * 1024, 64 * 1024);
      int idle = 300;
      SimHost seederHost = sim.addHost(LAN);
      Client seeder = seederHost.client(Client.builder().maxConnectionsPerTorrent(idle + 10)
          .maxConnections(idle + 10));
      Torrent s = seeder.add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces());
      s.start();
      PeerAddress target = PeerAddress.of(seeder.listenAddress());
      for (int i = 0; i < idle; i++) {
        sim.addHost(LAN).startIdlePeer(torrent.metainfo(), target, false);
      }
      assertThat(sim.runUntil(() -> s.status().peers() == idle, LIMIT)).isTrue();
      SimHost leecherHost = sim.addHost(LAN);
      Storage store = torrent.emptyStorage();
      Torrent l = leecherHost.client(Client.builder()).add(torrent.metainfo(), store);
      l.addPeer(target);
      l.start();
      assertThat(sim.runUntil(() -> l.completion().isDone(), LIMIT)).isTrue();
      assertThat(torrent.matches(store)).isTrue();
      sim.runFor(Duration.ofMillis(200)); // the status is a snapshot refreshed on the tick
      assertThat(s.status().uploaded()).isGreaterThanOrEqualTo(torrent.size());
      // the leecher, a seed now, is dropped (both seeds); the idle peers are all still held
      assertThat(s.status().peers()).isEqualTo(idle);
    }
  }

  /**
   * Interested peers that never request would hold every upload slot for a whole round-robin
   * turn; the engine treats a peer unchoked for 5 s without a request as idle, so they lose their
   * slots and a real leecher gets served.
   */
  @Test
  void interestedPeersThatNeverRequestCannotHoldTheUploadSlots() {
    try (Simulation sim = new Simulation(5)) {
      SimTorrent torrent = SimTorrent.random(12, 1024 * 1024, 64 * 1024);
      SimHost seederHost = sim.addHost(LAN);
      Client seeder = seederHost.client(Client.builder().uploadSlots(4));
      Torrent s = seeder.add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces());
      s.start();
      PeerAddress target = PeerAddress.of(seeder.listenAddress());
      for (int i = 0; i < 12; i++) {
        sim.addHost(LAN).startIdlePeer(torrent.metainfo(), target, true);
      }
      assertThat(sim.runUntil(() -> s.status().peers() == 12, LIMIT)).isTrue();
      sim.runFor(Duration.ofMillis(300)); // the idle peers take the slots first
      Storage store = torrent.emptyStorage();
      Torrent l = sim.addHost(LAN).client(Client.builder()).add(torrent.metainfo(), store);
      l.addPeer(target);
      long start = sim.nanoTime();
      l.start();
      assertThat(sim.runUntil(() -> l.completion().isDone(), LIMIT)).isTrue();
      assertThat(torrent.matches(store)).isTrue();
      // 12 idle peers before it, 4 slots: round-robin turns of 10 s alone would come round to it
      // after 30 s; each idle peer loses its slot 5 s after its unchoke and is passed over from
      // then on, so three sets of them cost 15 s
      assertThat(sim.nanoTime() - start).isLessThan(Duration.ofSeconds(20).toNanos());
    }
  }
}
