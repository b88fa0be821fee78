package io.btlib.benchmarks;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BInteger;
import io.btlib.bencode.BString;
import io.btlib.bencode.BencodeWriter;
import io.btlib.client.Client;
import io.btlib.client.Storage;
import io.btlib.client.StorageFactory;
import io.btlib.client.Torrent;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.FileStorage;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Many idle torrents in one client (issue 18, "Many torrents in one client"): N single-file
 * torrents seeding from {@link FileStorage}, no trackers, no peers. It reports the time from the
 * first add until every torrent seeds (each one rechecks its file), then, after {@code IDLE}
 * seconds idle, the heap after GC (and its growth per torrent over the parsed metainfos alone),
 * resident anonymous memory ({@code RssAnon}, what libtorrent's figure is), the JVM's threads and
 * bt's ({@code bt-*}), the open descriptors ({@code /proc/self/fd}) and the
 * process's CPU over {@code CPU} seconds ({@code /proc/self/stat}, utime + stime).
 *
 * <pre>
 * java -cp bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.ManyTorrents DIR N [MODE] [IDLE] [CPU]
 * </pre>
 *
 * <p>{@code DIR} gets {@code data/t<i>.bin} (16 KiB each, distinct) and {@code torrents/t<i>.torrent}
 * if they are not there yet ({@code interop/many_torrents.py} loads the same into libtorrent).
 * {@code MODE} is how storages are opened: {@code factory} (default: one {@code
 * FileStorage.builder(dir).build()} for every torrent, sharing its file pool) or {@code open}
 * ({@code FileStorage.open(m, dir)} per torrent, each with a pool of its own). Linux only (it reads
 * {@code /proc}). The last line is JSON.
 */
public final class ManyTorrents {
  private static final int SIZE = 16 * 1024;

  private ManyTorrents() {}

  /** Entry point; see the class doc. */
  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: ManyTorrents DIR N [factory|open] [IDLE_S] [CPU_S]");
      System.exit(2);
    }
    Path dir = Path.of(args[0]).toAbsolutePath();
    int n = Integer.parseInt(args[1]);
    String mode = args.length > 2 ? args[2] : "factory";
    int idle = args.length > 3 ? Integer.parseInt(args[3]) : 10;
    int cpuSeconds = args.length > 4 ? Integer.parseInt(args[4]) : 20;
    prepare(dir, n);
    List<Metainfo> metas = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      metas.add(Metainfo.parse(dir.resolve("torrents").resolve("t" + i + ".torrent")));
    }
    long heapMetainfo = heapAfterGc();
    Path data = dir.resolve("data");
    StorageFactory factory = FileStorage.builder(data).build();
    try (Client client = Client.builder().build()) {
      long start = System.nanoTime();
      List<CompletableFuture<Void>> done = new ArrayList<>(n);
      for (Metainfo m : metas) {
        Storage s = mode.equals("open") ? FileStorage.open(m, data) : factory.open(m);
        Torrent t = client.add(m, s);
        t.start();
        done.add(t.completion());
      }
      long added = System.nanoTime();
      CompletableFuture.allOf(done.toArray(CompletableFuture[]::new)).get(30, TimeUnit.MINUTES);
      long seeding = System.nanoTime();
      TimeUnit.SECONDS.sleep(idle);
      long heap = heapAfterGc();
      int threads = ManagementFactory.getThreadMXBean().getThreadCount();
      long btThreads = Thread.getAllStackTraces().keySet().stream()
          .filter(t -> t.getName().startsWith("bt-")).count();
      long fds = openFds();
      long rssAnonKiB = statusKiB("RssAnon");
      long cpu0 = cpuTicks();
      long t0 = System.nanoTime();
      TimeUnit.SECONDS.sleep(cpuSeconds);
      long cpu1 = cpuTicks();
      double wall = (System.nanoTime() - t0) / 1e9;
      double cpuPct = (cpu1 - cpu0) / 100.0 / wall * 100;
      System.out.printf(Locale.ROOT, "{\"torrents\":%d,\"mode\":\"%s\",\"addSeconds\":%.2f,"
          + "\"allSeedingSeconds\":%.2f,\"heapMiB\":%.1f,\"heapPerTorrentKiB\":%.2f,"
          + "\"rssAnonMiB\":%.1f,\"threads\":%d,\"btThreads\":%d,\"openFds\":%d,"
          + "\"idleCpuPercent\":%.2f,\"cpuWindowSeconds\":%.1f}%n",
          n, mode, (added - start) / 1e9, (seeding - start) / 1e9, heap / 1048576.0,
          (heap - heapMetainfo) / 1024.0 / Math.max(1, n), rssAnonKiB / 1024.0, threads,
          btThreads, fds, cpuPct, wall);
    }
  }

  /** Writes the data files and torrents that are missing. */
  static void prepare(Path dir, int n) throws Exception {
    Path data = Files.createDirectories(dir.resolve("data"));
    Path torrents = Files.createDirectories(dir.resolve("torrents"));
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    byte[] bytes = new byte[SIZE];
    for (int i = 0; i < n; i++) {
      Path torrent = torrents.resolve("t" + i + ".torrent");
      if (Files.exists(torrent)) {
        continue;
      }
      for (int j = 0; j < SIZE; j += 4) { // distinct content per torrent, cheaply
        int v = i * 31 + j * 7;
        bytes[j] = (byte) v;
        bytes[j + 1] = (byte) (v >>> 8);
        bytes[j + 2] = (byte) i;
        bytes[j + 3] = (byte) (i >>> 8);
      }
      String name = "t" + i + ".bin";
      Files.write(data.resolve(name), bytes);
      BDict info = BDict.builder()
          .put("length", SIZE)
          .put("name", name)
          .put("piece length", SIZE)
          .put("pieces", BString.of(sha1.digest(bytes)))
          .build();
      BDict root = BDict.builder().put("info", info).put("creation date", BInteger.of(0))
          .build();
      Files.write(torrent, BencodeWriter.encode(root));
    }
  }

  static long heapAfterGc() throws InterruptedException {
    for (int i = 0; i < 3; i++) {
      System.gc();
      TimeUnit.MILLISECONDS.sleep(100);
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static long openFds() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count() - 1; // the listing's own descriptor
    }
  }

  /** A field of /proc/self/status in KiB (RssAnon: resident anonymous memory), 0 if absent. */
  static long statusKiB(String field) throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith(field + ":")) {
        return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
      }
    }
    return 0;
  }

  /** utime + stime of this process, in clock ticks (USER_HZ, 100 a second on Linux). */
  static long cpuTicks() throws IOException {
    String stat = Files.readString(Path.of("/proc/self/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15
  }
}
