package io.btlib.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code bt dht} and the tracker and DHT flags of {@code bt download} and {@code bt seed}. */
class NetworkFlagsTest {
  @TempDir Path tmp;

  @Test
  void dhtPrintsItsBoundPortFirstAndStatsWhenItStops() {
    Run r = Run.bt("dht", "--duration", "1", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines[0]).matches("\\{\"event\":\"listening\",\"address\":\"127\\.0\\.0\\.1\","
        + "\"port\":[1-9][0-9]*,\"id\":\"[0-9a-f]{40}\"\\}");
    assertThat(lines[lines.length - 1]).startsWith("{\"event\":\"stats\",\"nodes\":0,");
  }

  @Test
  void dhtJoinsThroughABootstrapNode() throws Exception {
    Run first = Run.bt("dht", "--duration", "1", "--json");
    assertThat(first.code()).isZero();
    // a bootstrap node that does not answer is not an error: the node waits for others
    Run r = Run.bt("dht", "--duration", "1", "--bootstrap", "127.0.0.1:9", "--state",
        tmp.resolve("dht.state").toString());
    assertThat(r.code()).as(r.err()).isZero();
    assertThat(r.out()).startsWith("dht node ").contains(" on 127.0.0.1:");
  }

  @Test
  void badNetworkFlagsAreUsageErrors() throws Exception {
    assertThat(Run.bt("dht", "--bootstrap", "example.org:6881").code()).isEqualTo(2);
    assertThat(Run.bt("dht", "--bootstrap", "127.0.0.1").code()).isEqualTo(2);
    assertThat(Run.bt("dht", "--port", "70000").code()).isEqualTo(2);
    assertThat(Run.bt("dht", "extra").code()).isEqualTo(2);
    Path torrent = tmp.resolve("t.torrent");
    Files.write(tmp.resolve("f.bin"), new byte[1000]);
    assertThat(Run.bt("create", tmp.resolve("f.bin").toString(), "-o", torrent.toString())
        .code()).isZero();
    String out = tmp.resolve("out").toString();
    Run badTracker = Run.bt("download", torrent.toString(), "-o", out, "--tracker", "ftp://x/a");
    assertThat(badTracker.code()).isEqualTo(2);
    assertThat(badTracker.err()).contains("--tracker").contains("ftp://x/a");
    assertThat(Run.bt("download", torrent.toString(), "-o", out, "--tracker", "nonsense")
        .code()).isEqualTo(2);
    Run both = Run.bt("seed", torrent.toString(), tmp.toString(), "--no-dht",
        "--dht-bootstrap", "127.0.0.1:6881");
    assertThat(both.code()).isEqualTo(2);
    assertThat(both.err()).contains("contradict");
    assertThat(Run.bt("seed", torrent.toString(), tmp.toString(), "--dht-bootstrap", "host:1")
        .code()).isEqualTo(2);
  }

  @Test
  void seedReportsItsDhtPortUnlessDisabled() throws Exception {
    Files.write(tmp.resolve("f.bin"), new byte[50_000]);
    Path torrent = tmp.resolve("t.torrent");
    assertThat(Run.bt("create", tmp.resolve("f.bin").toString(), "-o", torrent.toString())
        .code()).isZero();
    Run on = Run.bt("seed", torrent.toString(), tmp.toString(), "--duration", "1", "--json");
    assertThat(on.code()).as(on.err()).isZero();
    assertThat(on.out().split("\n")[0])
        .matches("\\{\"event\":\"listening\",\"port\":\\d+,\"dhtPort\":\\d+\\}");
    Run off = Run.bt("seed", torrent.toString(), tmp.toString(), "--duration", "1", "--json",
        "--no-dht", "--tracker", "udp://127.0.0.1:9/announce");
    assertThat(off.code()).as(off.err()).isZero();
    assertThat(off.out().split("\n")[0])
        .matches("\\{\"event\":\"listening\",\"port\":\\d+,\"dhtPort\":null\\}");
  }

  @Test
  void trackerPrintsItsPortsAndAnnounceUrlsFirst() {
    Run r = Run.bt("tracker", "--duration", "1", "--json", "--interval", "60");
    assertThat(r.code()).as(r.err()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines[0]).matches("\\{\"event\":\"listening\",\"httpPort\":(\\d+),\"udpPort\":"
        + "(\\d+),\"httpAnnounce\":\"http://127\\.0\\.0\\.1:\\1/announce\",\"udpAnnounce\":"
        + "\"udp://127\\.0\\.0\\.1:\\2/announce\"\\}");
    assertThat(lines[lines.length - 1]).isEqualTo("{\"event\":\"stats\",\"swarms\":0,\"peers\":0}");
    Run udpOnly = Run.bt("tracker", "--duration", "1", "--http-port", "-1");
    assertThat(udpOnly.code()).as(udpOnly.err()).isZero();
    assertThat(udpOnly.out()).startsWith("http port disabled, udp port ").contains("udp://127.0.0.1:")
        .doesNotContain("http://");
    assertThat(Run.bt("tracker", "--http-port", "-1", "--udp-port", "-1").code()).isEqualTo(2);
    assertThat(Run.bt("tracker", "--interval", "0").code()).isEqualTo(2);
    assertThat(Run.bt("tracker", "--bind", "example.org").code()).isEqualTo(2);
  }

  @Test
  void demoRunsASwarmOnLoopbackAndVerifiesEveryCopy() {
    Run r = Run.bt("demo", "--size", "3", "--leechers", "2", "--json");
    assertThat(r.code()).as(r.err()).isZero();
    String[] lines = r.out().split("\n");
    assertThat(lines[lines.length - 1]).startsWith("{\"event\":\"complete\",\"bytes\":3145728,"
        + "\"leechers\":2,").endsWith("\"verified\":true}");
    Run human = Run.bt("demo", "--size", "1", "--leechers", "1");
    assertThat(human.code()).as(human.err()).isZero();
    assertThat(human.out()).contains("leecher 1: complete in").contains("every piece verified");
    assertThat(Run.bt("demo", "--leechers", "0").code()).isEqualTo(2);
    assertThat(Run.bt("demo", "--size", "100000").code()).isEqualTo(2);
  }
}
