package io.btlib.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * A private DHT on 127.0.0.1 of {@value #SESSIONS} libtorrent sessions (one Python process,
 * {@code src/test/resources/dht/lt_dht_swarm.py}) and {@value #BT_NODES} bt nodes, bootstrapped
 * among themselves only (issue 18, "against real nodes"): a hash libtorrent announces is found by
 * bt's get_peers, and one bt announces is found by libtorrent's. With 20 of 23 nodes
 * libtorrent's, the nodes closest to a hash, where announces are stored, are mostly libtorrent's,
 * so each lookup has to walk through the other implementation. Skipped without the Python
 * bindings, as {@link LibtorrentDhtInteropTest}.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(value = 120, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LibtorrentDhtSwarmTest {
  static final int SESSIONS = 20;
  static final int BT_NODES = 3;
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  final Random random = new Random(18);
  final List<DhtNode> bt = new ArrayList<>();
  Process libtorrent;
  BufferedReader out;
  Writer in;
  int[] libtorrentPorts;
  @TempDir Path dir;

  DhtNode node(List<InetSocketAddress> bootstrap) throws IOException {
    DhtNode n = DhtNode.builder()
        .bootstrapNodes(bootstrap)
        .queryTimeout(Duration.ofSeconds(1))
        .rateLimit(100_000, 100_000) // every node of the swarm is 127.0.0.1
        .random(new Random(random.nextLong()))
        .build();
    bt.add(n);
    return n.start();
  }

  String command(String line) throws IOException {
    in.write(line + "\n");
    in.flush();
    String reply = out.readLine();
    assertThat(reply).as("libtorrent's reply to %s", line).isNotNull();
    return reply;
  }

  int[] libtorrentTableSizes() throws IOException {
    String reply = command("nodes");
    assertThat(reply).startsWith("NODES ");
    return Arrays.stream(reply.substring(6).trim().split(" ")).mapToInt(Integer::parseInt)
        .toArray();
  }

  @BeforeAll
  void startSwarm() throws Exception {
    assumeTrue(LibtorrentDhtInteropTest.libtorrentAvailable(),
        "python3 with libtorrent is not installed");
    DhtNode first = node(List.of());
    Path driver = Path.of(getClass().getResource("/dht/lt_dht_swarm.py").toURI());
    libtorrent = new ProcessBuilder(LibtorrentDhtInteropTest.PYTHON, driver.toString(),
        Integer.toString(SESSIONS), "127.0.0.1:" + first.localAddress().getPort())
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    out = new BufferedReader(
        new InputStreamReader(libtorrent.getInputStream(), StandardCharsets.UTF_8));
    in = new OutputStreamWriter(libtorrent.getOutputStream(), StandardCharsets.UTF_8);
    String listen = out.readLine();
    assertThat(listen).startsWith("LISTEN ");
    libtorrentPorts = Arrays.stream(listen.substring(7).trim().split(" "))
        .mapToInt(Integer::parseInt).toArray();
    assertThat(libtorrentPorts).hasSize(SESSIONS);

    List<InetSocketAddress> seeds = new ArrayList<>(List.of(first.localAddress()));
    for (int i = 0; i < 3; i++) {
      seeds.add(new InetSocketAddress(LOOPBACK, libtorrentPorts[SESSIONS - 1 - i]));
    }
    for (int i = 1; i < BT_NODES; i++) {
      node(seeds);
    }
    // everyone knows a good part of the swarm before the lookups start
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline && !settled()) {
      // each bootstrap is a lookup over the swarm: it paces the loop
      for (DhtNode n : bt) {
        n.bootstrap().get(10, TimeUnit.SECONDS);
      }
    }
    assertThat(settled()).as("every node knows at least 8 others").isTrue();
  }

  boolean settled() throws IOException {
    for (DhtNode n : bt) {
      if (n.routingTableSize() < 8) {
        return false;
      }
    }
    return Arrays.stream(libtorrentTableSizes()).allMatch(s -> s >= 8);
  }

  @AfterAll
  void stopSwarm() throws Exception {
    if (libtorrent != null) {
      try {
        command("quit");
      } catch (IOException | AssertionError e) {
        // it may be gone already
      }
      libtorrent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    bt.forEach(DhtNode::close);
  }

  InfoHash randomHash() {
    byte[] b = new byte[20];
    random.nextBytes(b);
    return InfoHash.of(b);
  }

  @Test
  void theBtNodesAreInLibtorrentsRoutingTablesAndLibtorrentsInTheirs() throws Exception {
    for (DhtNode n : bt) {
      assertThat(n.stats().goodNodes()).as("good nodes in a bt table").isGreaterThanOrEqualTo(8);
    }
    assertThat(Arrays.stream(libtorrentTableSizes()).min().orElse(0))
        .as("the smallest libtorrent routing table").isGreaterThanOrEqualTo(8);
  }

  @Test
  void btFindsWhatEachOfSeveralLibtorrentSessionsAnnounced() throws Exception {
    for (int session : new int[] {0, 7, 19}) {
      InfoHash hash = randomHash();
      PeerAddress announced = PeerAddress.of(LOOPBACK, libtorrentPorts[session]);
      DhtNode finder = bt.get(session % BT_NODES);
      List<PeerAddress> found = List.of();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      assertThat(command("add " + session + " " + hash.hex() + " " + dir)).isEqualTo("ADDED");
      // libtorrent's announce is a lookup first: each get_peers (itself a lookup) asks again
      while (!found.contains(announced) && System.nanoTime() < deadline) {
        found = finder.getPeers(hash).get(10, TimeUnit.SECONDS);
      }
      assertThat(found).as("bt's get_peers for libtorrent session %d's announce", session)
          .contains(announced);
    }
  }

  @Test
  void libtorrentSessionsFindWhatEachBtNodeAnnounced() throws Exception {
    for (int i = 0; i < BT_NODES; i++) {
      InfoHash hash = randomHash();
      int port = 47000 + i;
      int session = (5 + 6 * i) % SESSIONS;
      String peers = "";
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
      while (!peers.contains("127.0.0.1:" + port) && System.nanoTime() < deadline) {
        assertThat(bt.get(i).announce(hash, port).get(10, TimeUnit.SECONDS))
            .as("nodes that took bt node %d's announce", i).isPositive();
        peers = command("get_peers " + session + " " + hash.hex());
        assertThat(peers).startsWith("PEERS");
      }
      assertThat(peers).as("libtorrent session %d's get_peers for bt node %d's announce",
          session, i).contains("127.0.0.1:" + port);
    }
  }
}
