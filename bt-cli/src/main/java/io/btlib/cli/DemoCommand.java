package io.btlib.cli;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentStatus;
import io.btlib.client.Transport;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.storage.FileStorage;
import io.btlib.storage.Recheck;
import io.btlib.storage.RecheckResult;
import io.btlib.storage.TorrentCreator;
import io.btlib.tracker.TrackerPeerSource;
import io.btlib.tracker.server.TrackerServer;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * {@code bt demo}: the whole library on loopback in one command: data in a temporary directory,
 * a torrent of it, a tracker, one seeder and N leechers, progress, verification, throughput.
 */
final class DemoCommand implements Command {
  private final LongSupplier nanoClock;
  /** This run's --transport. */
  private Transport transport = Transport.BOTH;

  DemoCommand() {
    this(System::nanoTime);
  }

  DemoCommand(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public String name() {
    return "demo";
  }

  @Override
  public String summary() {
    return "a swarm on 127.0.0.1: tracker, one seeder, N leechers (start here)";
  }

  @Override
  public String usage() {
    return "usage: bt demo [--size MB] [--leechers N] [--keep] [--timeout SECONDS]\n"
        + "               [--transport tcp|utp|both] [--json]\n"
        + "\n"
        + "Runs a whole swarm on 127.0.0.1 and nothing else: writes MB of random data to a\n"
        + "temporary directory, makes a torrent of it, starts a tracker (HTTP), one seeder and N\n"
        + "leechers that find each other through the tracker, shows their progress, checks every\n"
        + "leecher's copy piece by piece, and prints the throughput. The directory is deleted at\n"
        + "the end unless --keep.\n"
        + "\n"
        + "Options:\n"
        + "  --size MB            the data's size in MiB, 1 to 8192 (default 64)\n"
        + "  --leechers N         leechers, 1 to 32 (default 3)\n"
        + "  --keep               keep the temporary directory and print where it is\n"
        + "  --timeout SECONDS    give up after this long (default 600)\n"
        + "  --transport T        how the peers connect: tcp, utp (uTP, BEP 29) or both (the\n"
        + "                       default; they learn of each other from the tracker, so TCP)\n"
        + "  --json               JSON lines: a \"progress\" event a second, then \"complete\"\n"
        + "\n"
        + "Exit codes: 0 every leecher complete and verified, 1 failure or timeout, 2 bad usage.\n";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
    Args a = Args.parse(args, Set.of("--json", "--keep"),
        Set.of("--size", "--leechers", "--timeout", "--transport"));
    if (!a.positionals().isEmpty()) {
      throw new UsageException("unexpected argument: " + Text.quote(a.positionals().get(0)));
    }
    long sizeMiB = a.longValue("--size", 64, 1, 8192);
    int leecherCount = a.intValue("--leechers", 3, 1, 32);
    long timeout = a.longValue("--timeout", 600, 1, 24 * 3600);
    boolean json = a.has("--json");
    boolean keep = a.has("--keep");
    transport = Transfer.transport(a);
    Transfer.Reporter reporter = new Transfer.Reporter(out, json);
    Path dir = Files.createTempDirectory("bt-demo-");
    try {
      return demo(dir, sizeMiB << 20, leecherCount, timeout, json, reporter);
    } finally {
      if (keep) {
        reporter.line(json ? "{\"event\":\"kept\",\"dir\":" + Json.write(dir.toString()) + "}"
            : "kept " + dir);
      } else {
        deleteTree(dir);
      }
    }
  }

  private int demo(Path dir, long size, int leecherCount, long timeout, boolean json,
      Transfer.Reporter reporter) throws Exception {
    Path data = dir.resolve("seed").resolve("demo.bin");
    Files.createDirectories(data.getParent());
    writeRandom(data, size);
    InetAddress loopback = InetAddress.getLoopbackAddress();
    List<AutoCloseable> open = new ArrayList<>();
    try {
      TrackerServer tracker = TrackerServer.builder().bindAddress(loopback).httpPort(0)
          .udpPort(-1).announceInterval(Duration.ofSeconds(10)).build().start();
      open.add(tracker);
      Metainfo m = TorrentCreator.builder(data).format(TorrentVersion.V1)
          .tracker(tracker.httpAnnounceUrl()).build().create();
      m.writeTo(dir.resolve("demo.torrent"));
      if (!json) {
        reporter.line("demo: " + CreateCommand.size(size) + " in " + m.pieceCount() + " pieces of "
            + CreateCommand.size(m.pieceLength()) + ", tracker " + tracker.httpAnnounceUrl()
            + ", 1 seeder, " + leecherCount + " leechers");
      }
      Client seeder = client(loopback, open);
      BitSet all = new BitSet();
      all.set(0, m.pieceCount());
      Torrent seed = seeder.add(m, FileStorage.open(m, data.getParent()), all);
      seed.start();
      long start = nanoClock.getAsLong();
      List<Torrent> leeches = new ArrayList<>();
      for (int i = 0; i < leecherCount; i++) {
        Client c = client(loopback, open);
        Torrent t = c.add(m, FileStorage.open(m, dir.resolve("leecher-" + (i + 1))));
        t.start();
        leeches.add(t);
      }
      long deadline = start + TimeUnit.SECONDS.toNanos(timeout);
      AtomicLongArray done = new AtomicLongArray(leecherCount);
      for (int i = 0; i < leecherCount; i++) {
        int k = i;
        leeches.get(i).completion().whenComplete((v, e) -> done.set(k, nanoClock.getAsLong()));
      }
      CompletableFuture<Void> every = CompletableFuture.allOf(leeches.stream()
          .map(Torrent::completion).toArray(CompletableFuture[]::new));
      long nextProgress = start + TimeUnit.SECONDS.toNanos(1);
      while (!every.isDone()) {
        long now = nanoClock.getAsLong();
        if (now >= deadline) {
          long complete = leeches.stream().filter(t -> t.completion().isDone()).count();
          throw new CliException("timed out after " + timeout + " s with " + complete + " of "
              + leecherCount + " leechers complete");
        }
        try {
          every.get(Math.max(1, (Math.min(deadline, nextProgress) - now) / 1_000_000),
              TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
          // progress below; a failed leecher is reported after the loop
        }
        if (nanoClock.getAsLong() >= nextProgress) {
          nextProgress += TimeUnit.SECONDS.toNanos(1);
          progress(reporter, json, seed, leeches);
        }
      }
      for (int i = 0; i < leecherCount; i++) {
        try {
          leeches.get(i).completion().get();
        } catch (ExecutionException e) {
          throw new CliException("leecher " + (i + 1) + " failed: "
              + leeches.get(i).status().error().orElse(Main.describe(e.getCause())), e);
        }
      }
      double seconds = Math.max(1e-9, (nanoClock.getAsLong() - start) / 1e9);
      for (int i = 0; i < leecherCount; i++) {
        Path got = dir.resolve("leecher-" + (i + 1));
        try (FileStorage s = FileStorage.open(m, got)) {
          RecheckResult r = Recheck.builder(m, s).build().run();
          if (!r.allGood()) {
            throw new CliException("leecher " + (i + 1) + ": " + r.bad().cardinality()
                + " pieces fail their hash check");
          }
        }
      }
      double rate = size / 1048576.0 / seconds;
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("event", "complete");
        o.put("bytes", size);
        o.put("leechers", leecherCount);
        o.put("seconds", Math.round(seconds * 1000) / 1000.0);
        o.put("rateMiBps", Math.round(rate * 100) / 100.0);
        o.put("aggregateMiBps", Math.round(rate * leecherCount * 100) / 100.0);
        o.put("verified", true);
        reporter.event(o);
      } else {
        for (int i = 0; i < leecherCount; i++) {
          double s = (done.get(i) - start) / 1e9;
          reporter.line("leecher " + (i + 1) + ": complete in " + CreateCommand.fixed(s, 2)
              + " s (" + CreateCommand.fixed(size / 1048576.0 / Math.max(1e-9, s), 1)
              + " MiB/s), every piece verified");
        }
        reporter.line("all " + leecherCount + " leechers complete in "
            + CreateCommand.fixed(seconds, 2) + " s: " + CreateCommand.fixed(rate, 1)
            + " MiB/s each, " + CreateCommand.fixed(rate * leecherCount, 1)
            + " MiB/s in all; the seeder uploaded " + CreateCommand.size(seed.status().uploaded()));
      }
      return 0;
    } finally {
      for (int i = open.size() - 1; i >= 0; i--) {
        try {
          open.get(i).close();
        } catch (Exception e) {
          // closing the rest matters more
        }
      }
    }
  }

  private Client client(InetAddress loopback, List<AutoCloseable> open) {
    TrackerPeerSource trackers = TrackerPeerSource.builder().build();
    open.add(trackers);
    Client c = Client.builder().listenAddress(loopback).peerSource(trackers)
        .transport(transport).build();
    open.add(c);
    return c;
  }

  private static void progress(Transfer.Reporter reporter, boolean json, Torrent seed,
      List<Torrent> leeches) {
    if (json) {
      List<Object> ls = new ArrayList<>();
      for (Torrent t : leeches) {
        TorrentStatus s = t.status();
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("have", s.piecesHave());
        o.put("rateBps", s.downloadRate());
        o.put("peers", s.peers());
        ls.add(o);
      }
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("event", "progress");
      o.put("pieceCount", seed.status().pieceCount());
      o.put("seederUploadRateBps", seed.status().uploadRate());
      o.put("leechers", ls);
      reporter.event(o);
    } else {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < leeches.size(); i++) {
        TorrentStatus s = leeches.get(i).status();
        sb.append(i == 0 ? "" : "  ").append('L').append(i + 1).append(' ')
            .append(CreateCommand.fixed(100 * s.progress(), 1)).append("% ")
            .append(CreateCommand.size(s.downloadRate())).append("/s");
      }
      reporter.line(sb.toString());
    }
  }

  private static void writeRandom(Path file, long size) throws IOException {
    Random r = new Random(size);
    byte[] buf = new byte[1 << 20];
    try (OutputStream o = Files.newOutputStream(file)) {
      for (long left = size; left > 0; ) {
        int n = (int) Math.min(buf.length, left);
        for (int i = 0; i < n; i += 8) {
          long v = r.nextLong();
          for (int k = 0; k < 8 && i + k < n; k++) {
            buf[i + k] = (byte) (v >>> (8 * k));
          }
        }
        o.write(buf, 0, n);
        left -= n;
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    Files.walkFileTree(dir, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        Files.delete(f);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
        Files.delete(d);
        return FileVisitResult.CONTINUE;
      }
    });
  }
}
