package io.btlib.benchmarks;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import io.btlib.storage.TorrentCreator;
import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * End-to-end swarm throughput on loopback, bt to bt, in one JVM: one seeder to one leecher and
 * one seeder to four leechers, each over files in the page cache. Not a JMH benchmark (a swarm is
 * a whole-system measurement): run it as
 *
 * <pre>
 * java -Xmx256m -cp bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.SwarmBenchmark [SIZE_MIB] [LEECHERS...]
 * </pre>
 *
 * ({@code -Dbt.zeroCopyUploads=true} turns on the seeder's zero-copy uploads; defaults: 1024 MiB,
 * leecher counts 1 and 4; {@code 1024 1 1 1} runs three one-leecher swarms
 * in turn, the later ones with the JIT warm). It prints, per run, the seconds from start to the
 * last leecher's completion, the aggregate and per-leecher MiB/s, and the peak heap in use across
 * the JVM (all clients together, so a bound on any one of them). {@code interop/throughput.sh}
 * runs it as its {@code bt-bt-jvm} pair, next to libtorrent in the same run.
 */
public final class SwarmBenchmark {
  private SwarmBenchmark() {}

  public static void main(String[] args) throws Exception {
    long sizeMiB = args.length > 0 ? Long.parseLong(args[0]) : 1024;
    List<Integer> counts = new ArrayList<>();
    for (int i = 1; i < args.length; i++) {
      counts.add(Integer.parseInt(args[i]));
    }
    if (counts.isEmpty()) {
      counts = List.of(1, 4);
    }
    Path dir = Files.createTempDirectory("bt-swarm-bench");
    try {
      Path src = dir.resolve("seed");
      Files.createDirectories(src);
      Path file = src.resolve("data.bin");
      writeRandom(file, sizeMiB << 20);
      Metainfo m = TorrentCreator.builder(file).format(TorrentVersion.V1).pieceLength(1 << 20)
          .noCreationDate().build().create();
      System.out.printf("data %d MiB, %d pieces of 1 MiB, %d cores, max heap %d MiB%n", sizeMiB,
          m.pieceCount(), Runtime.getRuntime().availableProcessors(),
          Runtime.getRuntime().maxMemory() >> 20);
      for (int i = 0; i < counts.size(); i++) {
        Path runDir = dir.resolve("run-" + i); // fresh leecher directories each run
        try {
          run(m, src, runDir, counts.get(i));
        } finally {
          delete(runDir); // so every run meets the same page cache and disk
        }
      }
    } finally {
      delete(dir);
    }
  }

  private static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  private static void run(Metainfo m, Path src, Path dir, int leechers) throws Exception {
    System.gc();
    HeapSampler heap = new HeapSampler();
    heap.start();
    BitSet all = new BitSet();
    all.set(0, m.pieceCount());
    List<Client> clients = new ArrayList<>();
    try {
      Client seeder = Client.builder().uploadSlots(Math.max(8, leechers))
          .zeroCopyUploads(Boolean.getBoolean("bt.zeroCopyUploads")).build();
      clients.add(seeder);
      seeder.add(m, FileStorage.open(m, src), all).start();
      PeerAddress seedAddr = PeerAddress.of(seeder.listenAddress().getAddress(),
          seeder.listenAddress().getPort());
      List<Torrent> torrents = new ArrayList<>();
      List<PeerAddress> leechAddrs = new ArrayList<>();
      for (int i = 0; i < leechers; i++) {
        Path out = dir.resolve("leech-" + i);
        Files.createDirectories(out);
        Client c = Client.builder().build();
        clients.add(c);
        leechAddrs.add(PeerAddress.of(c.listenAddress().getAddress(),
            c.listenAddress().getPort()));
        torrents.add(c.add(m, FileStorage.open(m, out)));
      }
      long start = System.nanoTime();
      for (int i = 0; i < leechers; i++) {
        Torrent t = torrents.get(i);
        t.addPeer(seedAddr);
        for (int j = 0; j < i; j++) {
          t.addPeer(leechAddrs.get(j));
        }
        t.start();
      }
      double[] secs = new double[leechers];
      for (int i = 0; i < leechers; i++) {
        torrents.get(i).completion().get(30, TimeUnit.MINUTES);
        secs[i] = (System.nanoTime() - start) / 1e9;
      }
      double total = secs[leechers - 1];
      double mib = m.totalSize() / 1048576.0;
      StringBuilder per = new StringBuilder();
      for (double s : secs) {
        per.append(String.format(" %.0f", mib / s));
      }
      System.out.printf("1 seeder -> %d leecher(s): %.2f s, aggregate %.0f MiB/s, per leecher"
          + "%s MiB/s, peak heap in use %d MiB (sampled every 20 ms, garbage included)%n",
          leechers, total, mib * leechers / total, per, heap.peakMiB());
    } finally {
      heap.interrupt();
      for (Client c : clients) {
        c.close();
      }
    }
  }

  private static void writeRandom(Path file, long size) throws IOException {
    Random r = new Random(42);
    byte[] buf = new byte[1 << 20];
    try (OutputStream out = Files.newOutputStream(file)) {
      for (long done = 0; done < size; done += buf.length) {
        r.nextBytes(buf);
        out.write(buf, 0, (int) Math.min(buf.length, size - done));
      }
    }
  }

  /** Samples the heap in use; a whole-heap reading at one instant, unlike per-pool peaks. */
  private static final class HeapSampler extends Thread {
    private volatile long peak;

    HeapSampler() {
      super("heap-sampler");
      setDaemon(true);
    }

    @Override
    public void run() {
      var mem = ManagementFactory.getMemoryMXBean();
      while (!isInterrupted()) {
        peak = Math.max(peak, mem.getHeapMemoryUsage().getUsed());
        try {
          Thread.sleep(20);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    long peakMiB() {
      return peak >> 20;
    }
  }
}
