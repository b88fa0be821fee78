package io.btlib.dht;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.Writer;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * bt's DHT against libtorrent's on 127.0.0.1 (skipped without the Python bindings). libtorrent
 * bootstraps from a bt node; a second bt node bootstraps from the first. Driver: {@code
 * src/test/resources/dht/lt_dht_driver.py}.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
class LibtorrentDhtInteropTest {
  static final String PYTHON = "/usr/bin/python3";
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();

  final Random random = new Random();
  final List<DhtNode> nodes = new ArrayList<>();
  Process libtorrent;
  BufferedReader out;
  Writer in;
  DhtNode first;
  DhtNode second;
  int libtorrentPort;

  static boolean libtorrentAvailable() {
    try {
      Process p =
          new ProcessBuilder(PYTHON, "-c", "import libtorrent")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(20, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return false;
      }
      return p.exitValue() == 0;
    } catch (IOException e) {
      return false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    }
  }

  DhtNode node(DhtNode.Builder b) throws IOException {
    DhtNode n = b.queryTimeout(Duration.ofSeconds(1)).rateLimit(1000, 1000).build();
    nodes.add(n);
    return n.start();
  }

  String command(String line) throws IOException {
    in.write(line + "\n");
    in.flush();
    String reply = out.readLine();
    assertThat(reply).as("libtorrent's reply to %s", line).isNotNull();
    return reply;
  }

  @BeforeEach
  void startSwarm() throws Exception {
    assumeTrue(libtorrentAvailable(), "python3 with libtorrent is not installed");
    first = node(DhtNode.builder());
    Path driver = Path.of(getClass().getResource("/dht/lt_dht_driver.py").toURI());
    libtorrent =
        new ProcessBuilder(PYTHON, driver.toString(), "127.0.0.1:" + first.localAddress().getPort())
            .redirectError(ProcessBuilder.Redirect.DISCARD)
            .start();
    out =
        new BufferedReader(
            new InputStreamReader(libtorrent.getInputStream(), StandardCharsets.UTF_8));
    in = new java.io.OutputStreamWriter(libtorrent.getOutputStream(), StandardCharsets.UTF_8);
    String listen = out.readLine();
    assertThat(listen).startsWith("LISTEN ");
    libtorrentPort = Integer.parseInt(listen.substring("LISTEN ".length()).trim());
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
    while (first.routingTableSize() == 0 && System.nanoTime() < deadline) {
      Thread.sleep(100);
    }
    assertThat(first.routingTableSize()).as("libtorrent contacted the bt node").isEqualTo(1);
    second = node(DhtNode.builder().bootstrapNodes(List.of(first.localAddress())));
    assertThat(second.bootstrap().get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(1);
  }

  @AfterEach
  void stopSwarm() throws Exception {
    if (libtorrent != null) {
      libtorrent.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
    }
    nodes.forEach(DhtNode::close);
  }

  InfoHash randomHash() {
    byte[] b = new byte[20];
    random.nextBytes(b);
    return InfoHash.of(b);
  }

  @Test
  void btFindsAPeerThatLibtorrentAnnounced(@TempDir Path dir) throws Exception {
    InfoHash hash = randomHash();
    PeerAddress announced = PeerAddress.of(LOOPBACK, libtorrentPort);
    List<PeerAddress> found = List.of();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    while (!found.contains(announced) && System.nanoTime() < deadline) {
      // a torrent added by info hash: libtorrent announces it with its listen port
      assertThat(command("add " + hash.hex() + " " + dir)).isEqualTo("ADDED");
      Thread.sleep(500);
      found = second.getPeers(hash).get(10, TimeUnit.SECONDS);
    }
    assertThat(found).contains(announced);
  }

  @Test
  void libtorrentFindsAPeerThatBtAnnounced() throws Exception {
    InfoHash hash = randomHash();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(40);
    String peers = "";
    while (!peers.contains("127.0.0.1:45679") && System.nanoTime() < deadline) {
      assertThat(second.announce(hash, 45679).get(10, TimeUnit.SECONDS)).isPositive();
      peers = command("get_peers " + hash.hex());
      assertThat(peers).startsWith("PEERS");
    }
    assertThat(peers).contains("127.0.0.1:45679");
    assertThat(command("nodes")).isNotEqualTo("NODES 0");
  }
}
