package io.btlib.benchmarks;

import io.btlib.client.Client;
import io.btlib.client.ClientStats;
import java.io.IOException;
import java.io.PrintWriter;
import java.lang.management.BufferPoolMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * Samples the process and the soak's clients: heap after a full GC, threads, open descriptors,
 * selector channels, bt's spare buffers, read cache and buffered blocks (summed over the clients,
 * from {@link Client#stats()}), the JVM's direct and mapped buffer pools; and, as context without
 * a verdict, the torrents and connections open. Each sample is appended to a CSV as it is taken.
 */
final class SoakSampler implements AutoCloseable {

  /** A sampled series: its name, unit, and the band floor of its verdict ({@link Trend}). */
  record Series(String name, String unit, double floor, boolean judged) {}

  /**
   * The series, with the floors of their bands: the least rise that counts as growth whatever the
   * scatter. The heap's is 2 MiB (after a full GC it scatters by about a mebibyte as torrents come
   * and go); threads 4 (the HTTP announce pools grow and shrink by up to 8 each); descriptors 8
   * and channels 4 (a few connections open or closing at a sample); bt's buffers 8 MiB (caches of
   * tens of MiB per client, filled and emptied by load: the read cache holds up to 32 MiB a
   * client, the spare pool up to 68 MiB); the JVM's direct pool 16 MiB (the read caches' direct
   * buffers of four clients plus the JDK's per-thread temporary buffers, filled over the first
   * minutes).
   */
  static final List<Series> SERIES = List.of(
      new Series("heap_after_gc", "MiB", 2, true),
      new Series("threads", "", 4, true),
      new Series("open_fds", "", 8, true),
      new Series("selector_channels", "", 4, true),
      new Series("bt_spare_buffers", "MiB", 8, true),
      new Series("bt_read_cache", "MiB", 8, true),
      new Series("bt_buffered_blocks", "MiB", 8, true),
      new Series("direct_buffers", "MiB", 16, true),
      new Series("mapped_buffers", "MiB", 1, true),
      new Series("torrents", "", 0, false),
      new Series("connections", "", 0, false));

  private final Supplier<List<Client>> clients;
  private final PrintWriter csv;
  private final long t0 = System.nanoTime();
  private final List<Double> times = new ArrayList<>();
  private final List<double[]> rows = new ArrayList<>();

  /** A sampler of {@code clients} that appends to {@code csvFile} (null: none). */
  SoakSampler(Supplier<List<Client>> clients, Path csvFile) throws IOException {
    this.clients = clients;
    if (csvFile == null) {
      this.csv = null;
      return;
    }
    this.csv = new PrintWriter(Files.newBufferedWriter(csvFile));
    StringBuilder head = new StringBuilder("seconds");
    for (Series s : SERIES) {
      head.append(',').append(s.name()).append(s.unit().isEmpty() ? "" : "_" + s.unit());
    }
    csv.println(head);
    csv.flush();
  }

  /** A sampler that takes no samples: the report of a run's {@code samples.csv}. */
  static SoakSampler load(Path samplesCsv) throws IOException {
    SoakSampler s = new SoakSampler(List::of, null);
    List<String> lines = Files.readAllLines(samplesCsv);
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(",");
      if (f.length != SERIES.size() + 1) {
        continue; // a line cut short when the run was stopped
      }
      double[] row = new double[SERIES.size()];
      for (int i = 0; i < row.length; i++) {
        row[i] = Double.parseDouble(f[i + 1]);
      }
      s.times.add(Double.parseDouble(f[0]));
      s.rows.add(row);
    }
    return s;
  }

  /** Takes one sample; called from one thread at a time. */
  synchronized void sample() throws IOException, InterruptedException {
    double heap = heapAfterGc() / MIB;
    double threads = ManagementFactory.getThreadMXBean().getThreadCount();
    double fds = openFds();
    long channels = 0;
    long spare = 0;
    long cache = 0;
    long buffered = 0;
    long torrents = 0;
    long connections = 0;
    for (Client c : clients.get()) {
      ClientStats s;
      try {
        s = c.stats();
      } catch (IllegalStateException e) {
        if (Thread.currentThread().isInterrupted()) {
          // the run is over (stats() turns the interrupt into this): no half-made sample
          throw new InterruptedException("sampling stopped");
        }
        continue; // closed between the list and the call: a client being replaced
      }
      channels += s.channels();
      spare += s.spareBufferBytes();
      cache += s.readCacheBytes();
      buffered += s.bufferedBytes();
      torrents += s.torrents();
      connections += s.connections();
    }
    double direct = 0;
    double mapped = 0;
    for (BufferPoolMXBean p : ManagementFactory.getPlatformMXBeans(BufferPoolMXBean.class)) {
      if (p.getName().equals("direct")) {
        direct = p.getMemoryUsed() / MIB;
      } else if (p.getName().equals("mapped")) {
        mapped = p.getMemoryUsed() / MIB;
      }
    }
    double[] row = {heap, threads, fds, channels, spare / MIB, cache / MIB, buffered / MIB,
        direct, mapped, torrents, connections};
    double t = (System.nanoTime() - t0) / 1e9;
    times.add(t);
    rows.add(row);
    StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%.1f", t));
    for (double v : row) {
      line.append(String.format(Locale.ROOT, ",%.3f", v));
    }
    csv.println(line);
    csv.flush();
  }

  /** The fit of series {@code i} (an index into {@link #SERIES}). */
  synchronized Trend trend(int i, double warmupFraction, double fraction) {
    double[] t = new double[times.size()];
    double[] v = new double[times.size()];
    for (int k = 0; k < t.length; k++) {
      t[k] = times.get(k);
      v[k] = rows.get(k)[i];
    }
    return Trend.fit(t, v, warmupFraction, fraction, SERIES.get(i).floor());
  }

  synchronized int count() {
    return times.size();
  }

  private static final double MIB = 1024.0 * 1024.0;

  /**
   * The heap in use after two full collections ({@code System.gc()} is a full, stop-the-world
   * collection with the JVM's default collectors; the second one collects what the first one's
   * finalization and reference processing freed).
   */
  static long heapAfterGc() throws InterruptedException {
    System.gc();
    Thread.sleep(50);
    System.gc();
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  static long openFds() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return s.count() - 1; // the listing's own descriptor
    }
  }

  @Override
  public void close() {
    if (csv != null) {
      csv.close();
    }
  }
}
