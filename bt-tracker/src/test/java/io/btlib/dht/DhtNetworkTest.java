package io.btlib.dht;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.PeerSource;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.InfoHashes;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerCandidate;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;

/** A simulated DHT of 50 nodes on 127.0.0.1 in one JVM, each with its own socket and thread. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class DhtNetworkTest {
  static final int NODES = 50;
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  final List<DhtNode> nodes = new ArrayList<>();
  final Random random = new Random(42);

  DhtNode.Builder builder() {
    return DhtNode.builder()
        .bindAddress(LOOPBACK)
        .queryTimeout(Duration.ofMillis(500))
        .rateLimit(100_000, 100_000) // every node shares 127.0.0.1
        .random(new Random(random.nextLong()));
  }

  @BeforeAll
  void startNetwork() throws Exception {
    DhtNode first = builder().build().start();
    nodes.add(first);
    List<InetSocketAddress> seeds = new ArrayList<>(List.of(first.localAddress()));
    for (int i = 1; i < NODES; i++) {
      DhtNode n = builder().bootstrapNodes(seeds).build().start();
      nodes.add(n);
      n.bootstrap().get(10, TimeUnit.SECONDS);
      if (seeds.size() < 3) {
        seeds.add(n.localAddress());
      }
    }
  }

  @AfterAll
  void stopNetwork() {
    nodes.forEach(DhtNode::close);
  }

  InfoHash randomHash() {
    byte[] b = new byte[20];
    random.nextBytes(b);
    return InfoHash.of(b);
  }

  DhtNode farthestFrom(DhtNode from) {
    DhtNode best = null;
    for (DhtNode n : nodes) {
      if (best == null || from.id().compareDistance(n.id(), best.id()) > 0) {
        best = n;
      }
    }
    return best;
  }

  @Test
  void everyNodeLearnsSeveralOthersWhileBootstrapping() throws Exception {
    for (DhtNode n : nodes) {
      assertThat(n.bootstrap().get(10, TimeUnit.SECONDS))
          .as("table of %s", n.id())
          .isGreaterThanOrEqualTo(8);
    }
  }

  @Test
  void aPeerAnnouncedByOneNodeIsFoundByANodeFarAwayInIdSpace() throws Exception {
    InfoHash hash = randomHash();
    DhtNode announcer = nodes.get(7);
    DhtNode finder = farthestFrom(announcer);
    assertThat(finder.id().commonPrefixLength(announcer.id())).isZero();

    int accepted = announcer.announce(hash, 40000).get(10, TimeUnit.SECONDS);
    List<PeerAddress> found = finder.getPeers(hash).get(10, TimeUnit.SECONDS);

    assertThat(accepted).isGreaterThanOrEqualTo(3);
    assertThat(found).contains(PeerAddress.of(LOOPBACK, 40000));
  }

  @Test
  void anUnannouncedInfoHashFindsNoPeers() throws Exception {
    assertThat(nodes.get(3).getPeers(randomHash()).get(10, TimeUnit.SECONDS)).isEmpty();
  }

  @Test
  void thePeerSourceSessionReportsDhtPeersAndAnnouncesTheListenPort() throws Exception {
    InfoHash hash = randomHash();
    nodes.get(11).announce(hash, 41000).get(10, TimeUnit.SECONDS);
    DhtNode source = farthestFrom(nodes.get(11));
    FakeContext context = new FakeContext(InfoHashes.ofV1(hash), 41001, false);
    FakeContext privateContext = new FakeContext(InfoHashes.ofV1(hash), 41002, true);

    PeerSource.Session session = source.open(context);
    PeerSource.Session privateSession = source.open(privateContext);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!context.peers.contains(PeerAddress.of(LOOPBACK, 41000))
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      assertThat(context.peers).contains(PeerAddress.of(LOOPBACK, 41000));
      assertThat(context.sources).containsOnly(PeerCandidate.Source.DHT);
      // the session also announced our listen port: another node finds it
      List<PeerAddress> seen = List.of();
      while (!seen.contains(PeerAddress.of(LOOPBACK, 41001)) && System.nanoTime() < deadline) {
        seen = nodes.get(11).getPeers(hash).get(10, TimeUnit.SECONDS);
      }
      assertThat(seen).contains(PeerAddress.of(LOOPBACK, 41001));
      // the private torrent never used the DHT
      assertThat(privateContext.peers).isEmpty();
      assertThat(seen).doesNotContain(PeerAddress.of(LOOPBACK, 41002));
    } finally {
      session.close();
      privateSession.close();
    }
  }

  @Test
  void aV2TorrentIsSearchedUnderItsTruncatedHash() throws Exception {
    byte[] v2 = new byte[32];
    random.nextBytes(v2);
    InfoHash full = InfoHash.of(v2);
    nodes.get(20).announce(full.truncated(), 42000).get(10, TimeUnit.SECONDS);
    FakeContext context = new FakeContext(InfoHashes.ofV2(full), 42001, false);

    PeerSource.Session session = farthestFrom(nodes.get(20)).open(context);
    try {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (context.peers.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
    } finally {
      session.close();
    }
    assertThat(context.peers).contains(PeerAddress.of(LOOPBACK, 42000));
  }
}
