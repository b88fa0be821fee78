package io.btlib.benchmarks;

import io.btlib.client.Client;
import io.btlib.client.EncryptionPolicy;
import io.btlib.client.Torrent;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import io.btlib.storage.TorrentCreator;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * What MSE costs end to end: one bt seeder to one bt leecher on loopback, in one JVM, over a file
 * in the page cache, with encryption {@link EncryptionPolicy#DISABLED} both ways (plain) and
 * {@link EncryptionPolicy#FORCED} both ways (RC4 payload), alternating, each twice. Not JMH (a
 * swarm is a whole-system measurement):
 *
 * <pre>
 * java -Xmx256m -cp bt-benchmarks/target/benchmarks.jar \
 *     io.btlib.benchmarks.EncryptionSwarmBenchmark [SIZE_MIB]
 * </pre>
 *
 * (default 512 MiB). Prints each run's MiB/s and the ratio of the best RC4 run to the best plain
 * one.
 */
public final class EncryptionSwarmBenchmark {
  private EncryptionSwarmBenchmark() {}

  public static void main(String[] args) throws Exception {
    long sizeMiB = args.length > 0 ? Long.parseLong(args[0]) : 512;
    Path dir = Files.createTempDirectory("bt-mse-bench");
    try {
      Path src = dir.resolve("seed");
      Files.createDirectories(src);
      Path file = src.resolve("data.bin");
      Random r = new Random(42);
      byte[] buf = new byte[1 << 20];
      try (OutputStream out = Files.newOutputStream(file)) {
        for (long i = 0; i < sizeMiB; i++) {
          r.nextBytes(buf);
          out.write(buf);
        }
      }
      Metainfo m = TorrentCreator.builder(file).format(TorrentVersion.V1).pieceLength(1 << 20)
          .noCreationDate().build().create();
      System.out.printf("data %d MiB, 1 seeder -> 1 leecher, %d cores%n", sizeMiB,
          Runtime.getRuntime().availableProcessors());
      double bestPlain = 0;
      double bestRc4 = 0;
      int n = 0;
      for (int round = 0; round < 2; round++) {
        for (EncryptionPolicy p : new EncryptionPolicy[] {EncryptionPolicy.DISABLED,
            EncryptionPolicy.FORCED}) {
          double mibs = run(m, src, dir.resolve("leech-" + n++), p);
          System.out.printf("%-8s %.0f MiB/s%n", p == EncryptionPolicy.FORCED ? "rc4" : "plain",
              mibs);
          if (p == EncryptionPolicy.FORCED) {
            bestRc4 = Math.max(bestRc4, mibs);
          } else {
            bestPlain = Math.max(bestPlain, mibs);
          }
        }
      }
      System.out.printf("best rc4 / best plain = %.2f%n", bestRc4 / bestPlain);
    } finally {
      try (Stream<Path> s = Files.walk(dir)) {
        s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
      }
    }
  }

  private static double run(Metainfo m, Path src, Path out, EncryptionPolicy p) throws Exception {
    Files.createDirectories(out);
    BitSet all = new BitSet();
    all.set(0, m.pieceCount());
    System.gc();
    try (Client seeder = Client.builder().encryption(p).build();
        Client leecher = Client.builder().encryption(p).build()) {
      seeder.add(m, FileStorage.open(m, src), all).start();
      Torrent t = leecher.add(m, FileStorage.open(m, out));
      long start = System.nanoTime();
      t.addPeer(PeerAddress.of(seeder.listenAddress().getAddress(),
          seeder.listenAddress().getPort()));
      t.start();
      t.completion().get(30, TimeUnit.MINUTES);
      double secs = (System.nanoTime() - start) / 1e9;
      return m.totalSize() / 1048576.0 / secs;
    } finally {
      try (Stream<Path> s = Files.walk(out)) {
        s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
  }
}
