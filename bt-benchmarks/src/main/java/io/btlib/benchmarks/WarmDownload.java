package io.btlib.benchmarks;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A bt downloader that has already downloaded once: it fetches the same torrent from the same
 * peer {@code ROUNDS} times in one process (default 2), each round into a fresh directory, and
 * reports only the last, when the JIT has compiled the download path as it would have in an
 * application that embeds bt and runs for more than a few seconds. {@code interop/throughput.sh}
 * runs it for its bt downloaders with {@code WARM_DOWNLOADER=1}.
 *
 * <pre>
 * java -cp bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.WarmDownload TORRENT IP:PORT OUT_DIR [ROUNDS]
 * </pre>
 *
 * <p>It prints a line per round, and for the last one the line {@code bt download --json} prints
 * on completion: {@code {"event":"complete","bytes":N,"seconds":S,"rateMiBps":R}}, the seconds
 * counted from the torrent's start to its last piece verified. The client listens on 127.0.0.1.
 */
public final class WarmDownload {
  private WarmDownload() {}

  /** Entry point; see the class doc. */
  public static void main(String[] args) throws Exception {
    if (args.length < 3) {
      System.err.println("usage: WarmDownload TORRENT IP:PORT OUT_DIR [ROUNDS]");
      System.exit(2);
    }
    Metainfo m = Metainfo.parse(Path.of(args[0]));
    PeerAddress peer = PeerAddress.parse(args[1]);
    Path out = Path.of(args[2]);
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    Files.createDirectories(out);
    try (Client client = Client.builder()
        .listenAddress(java.net.InetAddress.getLoopbackAddress()).build()) {
      for (int r = 1; r <= rounds; r++) {
        boolean last = r == rounds;
        Path dir = last ? out : Files.createTempDirectory(out.toAbsolutePath().getParent(), "warm");
        Torrent t = client.add(m, FileStorage.open(m, dir));
        t.addPeer(peer);
        long start = System.nanoTime();
        t.start();
        t.completion().get(30, TimeUnit.MINUTES);
        double secs = (System.nanoTime() - start) / 1e9;
        double rate = m.totalSize() / 1048576.0 / secs;
        if (last) {
          System.out.printf(Locale.ROOT,
              "{\"event\":\"complete\",\"bytes\":%d,\"seconds\":%.3f,\"rateMiBps\":%.2f}%n",
              m.totalSize(), secs, rate);
        } else {
          System.out.printf(Locale.ROOT, "warm-up round %d: %.3f s, %.1f MiB/s%n", r, secs, rate);
          t.remove();
          for (int i = 0; i < 500 && !client.torrents().isEmpty(); i++) {
            Thread.sleep(10);
          }
          delete(dir);
        }
      }
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }
}
