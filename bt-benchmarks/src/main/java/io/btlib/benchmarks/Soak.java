package io.btlib.benchmarks;

import io.btlib.client.Client;
import io.btlib.client.StorageFactory;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentStatus;
import io.btlib.dht.DhtNode;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import io.btlib.tracker.TrackerPeerSource;
import io.btlib.tracker.server.TrackerServer;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Comparator;
import java.util.Deque;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;

/**
 * The endurance soak of issue 18: for N minutes, on loopback with real sockets in this JVM, a
 * seeder and several downloader {@link Client}s trade torrents while faults come and go, and a
 * sampler watches what a leak would grow.
 *
 * <pre>
 * java -cp bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.Soak --minutes N [--out DIR]
 *     [--sample-seconds S] [--downloaders K] [--seed X]
 * java -cp bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.Soak --report DIR
 * </pre>
 *
 * <p>The second form judges an earlier run's {@code DIR/samples.csv} again with this version's
 * rules (into {@code DIR/report.csv}), for a run made with another version or stopped early.
 *
 * <p><b>Churn.</b> Torrents of fresh pseudo-random content (1 to 4 MiB) are added to the seeder
 * and to one or two downloaders, which find it directly (half the time), through bt's {@link
 * TrackerServer} (HTTP and UDP) or through the DHT (each downloader capped at 3 MiB/s, so that
 * transfers overlap); a tenth are removed from the downloader mid-way; every completed download
 * is checked byte for byte against its content, seeds for 5 to 20 s, and is removed (the seeder's
 * copy with the last download of it). A new torrent comes every second while fewer than 12 are
 * live. Meanwhile: a downloader is closed and replaced every 20 s (its peers vanish
 * mid-transfer; the first downloader is never replaced, so that a client that downloads lives the
 * whole run beside the seeder); the tracker is stopped for 10 s of every 40 s and comes back on
 * its ports; an extra {@link DhtNode} joins every 5 s, bootstrapped from a router node, looks up
 * a live torrent, and the oldest of more than four leaves; and every 45 s, when run as root, a
 * torrent bigger than a 3 MiB tmpfs the driver mounts is downloaded into it (the disk fills, the
 * torrent fails), then removed and its files deleted, and the next torrent into the same tmpfs
 * must complete (the disk recovered). Not root: that fault is skipped, with the reason printed.
 *
 * <p><b>Samples</b> ({@link SoakSampler}) every S seconds (default 5) go to {@code
 * DIR/samples.csv}. At the end each series gets a least-squares line after the first 20% of the
 * run and a verdict ({@link Trend}), printed as a table and written to {@code DIR/summary.csv}.
 *
 * <p><b>Exit status</b>: 0; 1 if a download differs from its content, no download completed, a
 * judged series is GROWING, or the driver itself failed; 2 for bad arguments.
 */
public final class Soak {
  private static final long MIB = 1024 * 1024;
  private static final double WARMUP = 0.2;
  private static final double BAND = 0.05;
  private static final int MAX_SWARMS = 12;
  private static final long ADD_EVERY = TimeUnit.MILLISECONDS.toNanos(1000);
  private static final long DOWNLOAD_LIMIT = 3 * MIB;
  private static final int LINGER_MIN_MILLIS = 5_000;
  private static final int LINGER_SPREAD_MILLIS = 15_000;
  private static final long KILL_EVERY = TimeUnit.SECONDS.toNanos(20);
  private static final long TRACKER_UP = TimeUnit.SECONDS.toNanos(30);
  private static final long TRACKER_DOWN = TimeUnit.SECONDS.toNanos(10);
  private static final long DHT_EVERY = TimeUnit.SECONDS.toNanos(5);
  private static final int MAX_EXTRA_NODES = 4;
  private static final long DISK_FULL_EVERY = TimeUnit.SECONDS.toNanos(45);
  private static final long JOB_DEADLINE = TimeUnit.SECONDS.toNanos(120);
  private static final String TMPFS_SIZE = "3m";
  private static final Duration PEER_TTL = Duration.ofMinutes(2);

  private final Random rng;
  private final Path work;
  private final InetAddress loopback = InetAddress.getLoopbackAddress();
  private final List<Client> liveClients = new CopyOnWriteArrayList<>();
  private final List<Peer> downloaders = new ArrayList<>();
  private final List<Swarm> swarms = new ArrayList<>();
  private final Deque<DhtNode> extraNodes = new ArrayDeque<>();
  private final AtomicInteger names = new AtomicInteger();
  private DhtNode router;
  private TrackerServer tracker;
  private int trackerHttpPort;
  private int trackerUdpPort;
  private List<String> trackerUrls;
  private Client seeder;
  private TrackerPeerSource seederTrackers;
  private DhtNode seederDht;
  private StorageFactory seedFiles;
  private Path tmpfs;
  private StorageFactory tmpfsFiles;
  private String tmpfsSkipped;
  /** The disk-full fault's phase: the next tmpfs job overflows it (true) or must fit (false). */
  private boolean overflowNext = true;

  // counts
  private int added;
  private int verified;
  private int mismatches;
  private int removedEarly;
  private int lostToKills;
  private int timedOut;
  private int otherFailures;
  private int unfinished;
  private String lastDiskFullError;
  private int diskFull;
  private int diskRecovered;
  private int diskUnexpected;
  private int clientRestarts;
  private int trackerRestarts;
  private int dhtJoins;
  private int dhtLeaves;
  private final List<String> problems = new ArrayList<>();

  private Soak(long seed, Path work) {
    this.rng = new Random(seed);
    this.work = work;
  }

  /** One downloader client with its own tracker source and DHT node (on the client's UDP port). */
  private final class Peer {
    final Client client;
    final TrackerPeerSource trackers;
    final DhtNode dht;
    final Path dir;
    final StorageFactory files;
    final List<Job> jobs = new ArrayList<>();

    Peer(int index) throws IOException {
      this.dir = Files.createDirectories(work.resolve("down").resolve("d" + index + "-"
          + names.incrementAndGet()));
      this.files = FileStorage.builder(dir).build();
      this.trackers = trackerSource();
      this.dht = dhtNode().bootstrapNodes(List.of(router.localAddress()))
          .searchInterval(Duration.ofSeconds(5)).retryInterval(Duration.ofSeconds(5)).build();
      // a rate cap keeps transfers in flight long enough for samples to see connections
      this.client = Client.builder().listenAddress(loopback).port(0)
          .downloadLimit(DOWNLOAD_LIMIT).peerSource(new BothSources(trackers, dht)).build();
      dht.start(client.udpPort().orElseThrow());
      liveClients.add(client);
    }

    void close() {
      liveClients.remove(client);
      client.close();
      trackers.close();
      dht.close();
    }
  }

  /** One content: the seeder's torrent and the downloads of it. */
  private static final class Swarm {
    final SoakContent content;
    final Metainfo metainfo;
    final Torrent seed;
    final Path seedFile;
    final List<Job> jobs = new ArrayList<>();

    Swarm(SoakContent content, Metainfo metainfo, Torrent seed, Path seedFile) {
      this.content = content;
      this.metainfo = metainfo;
      this.seed = seed;
      this.seedFile = seedFile;
    }
  }

  /** One download of a swarm's content by one downloader. */
  private static final class Job {
    final Swarm swarm;
    final Peer peer;
    final Torrent torrent;
    final Path file;
    final long deadline;
    final long removeAt;
    /** Into the tmpfs: 1 if it must overflow it, 0 if it must fit, -1 not into the tmpfs. */
    final int tmpfs;
    volatile boolean finished;
    volatile Throwable failure;
    /** Verified; it seeds until {@link #lingerUntil}. */
    boolean checked;
    long lingerUntil;

    Job(Swarm swarm, Peer peer, Torrent torrent, Path file, long deadline, long removeAt,
        int tmpfs) {
      this.swarm = swarm;
      this.peer = peer;
      this.torrent = torrent;
      this.file = file;
      this.deadline = deadline;
      this.removeAt = removeAt;
      this.tmpfs = tmpfs;
      torrent.completion().whenComplete((v, e) -> {
        failure = e;
        finished = true;
      });
    }
  }

  /** Entry point; see the class doc. */
  public static void main(String[] args) throws Exception {
    double minutes = 2;
    Path out = null;
    double sampleSeconds = 5;
    int downloaderCount = 3;
    long seed = System.nanoTime();
    Path report = null;
    try {
      for (int i = 0; i < args.length; i++) {
        switch (args[i]) {
          case "--minutes" -> minutes = Double.parseDouble(args[++i]);
          case "--out" -> out = Path.of(args[++i]);
          case "--sample-seconds" -> sampleSeconds = Double.parseDouble(args[++i]);
          case "--downloaders" -> downloaderCount = Integer.parseInt(args[++i]);
          case "--seed" -> seed = Long.parseLong(args[++i]);
          case "--report" -> report = Path.of(args[++i]);
          default -> throw new IllegalArgumentException("unknown option " + args[i]);
        }
      }
      if (!(minutes > 0) || !(sampleSeconds > 0) || downloaderCount < 1) {
        throw new IllegalArgumentException("--minutes, --sample-seconds and --downloaders must"
            + " be positive");
      }
    } catch (RuntimeException e) {
      System.err.println("Soak: " + e.getMessage());
      System.err.println("usage: Soak [--minutes N] [--out DIR] [--sample-seconds S]"
          + " [--downloaders K] [--seed X] | --report DIR");
      System.exit(2);
      return;
    }
    if (report != null) {
      // the verdicts of an earlier run's samples.csv, with this version's rules
      SoakSampler loaded = SoakSampler.load(report.resolve("samples.csv"));
      Soak soak = new Soak(seed, report);
      boolean growing = soak.printTrends(loaded, report.resolve("report.csv"));
      System.exit(growing ? 1 : 0);
      return;
    }
    if (out == null) {
      out = Files.createTempDirectory("bt-soak-");
    }
    Files.createDirectories(out);
    Path work = Files.createDirectories(out.resolve("work"));
    System.out.printf(Locale.ROOT, "soak: %.1f min, %d downloaders, samples every %.1f s,"
        + " seed %d, output %s%n", minutes, downloaderCount, sampleSeconds, seed, out);
    Soak soak = new Soak(seed, work);
    int status = soak.run(minutes, sampleSeconds, downloaderCount, out);
    System.exit(status);
  }

  private int run(double minutes, double sampleSeconds, int downloaderCount, Path out)
      throws Exception {
    Thread unmount = new Thread(this::unmountTmpfs, "soak-unmount");
    Runtime.getRuntime().addShutdownHook(unmount);
    boolean driverFailed = false;
    SoakSampler sampler = new SoakSampler(() -> List.copyOf(liveClients),
        out.resolve("samples.csv"));
    ScheduledExecutorService sampling = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "soak-sampler");
      t.setDaemon(true);
      return t;
    });
    try {
      setUp(downloaderCount);
      long periodMillis = (long) (sampleSeconds * 1000);
      sampling.scheduleAtFixedRate(() -> {
        try {
          sampler.sample();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt(); // the run is over
        } catch (Exception e) {
          System.err.println("soak: sample failed: " + e);
        }
      }, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
      loop((long) (minutes * 60e9), sampler);
      // the last sample is of the churn, not of the clean-up after it
      sampling.shutdown(); // a sample under way finishes: interrupted, it would be half made
      sampling.awaitTermination(30, TimeUnit.SECONDS);
      finish();
    } catch (Exception e) {
      driverFailed = true;
      problems.add("driver failed: " + e);
      e.printStackTrace();
    } finally {
      sampling.shutdown();
      sampling.awaitTermination(30, TimeUnit.SECONDS);
      tearDown();
      sampler.close();
    }
    boolean growing = report(sampler, out);
    boolean ok = !driverFailed && !growing && mismatches == 0 && verified > 0
        && diskUnexpected == 0;
    System.out.println(ok ? "soak: PASSED" : "soak: FAILED");
    for (String p : problems) {
      System.out.println("  " + p);
    }
    return ok ? 0 : 1;
  }

  // ------------------------------------------------------------ set-up and tear-down

  private void setUp(int downloaderCount) throws IOException {
    router = dhtNode().rateLimit(10_000, 20_000).build().start();
    startTracker();
    trackerHttpPort = tracker.httpPort();
    trackerUdpPort = tracker.udpPort();
    trackerUrls = List.of(tracker.httpAnnounceUrl(), tracker.udpAnnounceUrl());
    Path seedDir = Files.createDirectories(work.resolve("seed"));
    seedFiles = FileStorage.builder(seedDir).build();
    seederTrackers = trackerSource();
    seederDht = dhtNode().bootstrapNodes(List.of(router.localAddress()))
        .searchInterval(Duration.ofSeconds(5)).retryInterval(Duration.ofSeconds(5)).build();
    seeder = Client.builder().listenAddress(loopback).port(0)
        .peerSource(new BothSources(seederTrackers, seederDht)).build();
    seederDht.start(seeder.udpPort().orElseThrow());
    liveClients.add(seeder);
    for (int i = 0; i < downloaderCount; i++) {
      downloaders.add(new Peer(i));
    }
    mountTmpfs();
  }

  /**
   * A DHT node's builder with the soak's settings: stored peers expire after 2 minutes (default
   * 30), so that the DHT's peer store, which fills for one TTL and then holds steady, reaches its
   * steady state within the warm-up; with the default, the first 30 minutes' heap rises by the
   * store filling up, by design and not a leak.
   */
  private static DhtNode.Builder dhtNode() {
    return DhtNode.builder().peerTtl(PEER_TTL);
  }

  private TrackerPeerSource trackerSource() {
    return TrackerPeerSource.builder().extraTrackers(trackerUrls)
        .retryBase(Duration.ofSeconds(2), Duration.ofSeconds(10))
        .minInterval(Duration.ofSeconds(5))
        .httpTimeout(Duration.ofSeconds(5))
        .udpRetransmission(Duration.ofSeconds(2), 1)
        .stoppedTimeout(Duration.ofMillis(500))
        .build();
  }

  private void startTracker() throws IOException {
    tracker = TrackerServer.builder().bindAddress(loopback)
        .httpPort(trackerHttpPort).udpPort(trackerUdpPort)
        .announceInterval(Duration.ofSeconds(5)).minAnnounceInterval(Duration.ofSeconds(5))
        .build().start();
  }

  private void mountTmpfs() throws IOException {
    if (!"root".equals(System.getProperty("user.name"))) {
      tmpfsSkipped = "disk-full fault skipped: mounting a tmpfs needs root";
      System.out.println("soak: " + tmpfsSkipped);
      return;
    }
    Path dir = Files.createDirectories(work.resolve("full"));
    String result = exec("mount", "-t", "tmpfs", "-o", "size=" + TMPFS_SIZE, "tmpfs",
        dir.toString());
    if (result != null) {
      tmpfsSkipped = "disk-full fault skipped: mount -t tmpfs failed: " + result;
      System.out.println("soak: " + tmpfsSkipped);
      return;
    }
    tmpfs = dir;
    tmpfsFiles = FileStorage.builder(tmpfs).build();
  }

  private synchronized void unmountTmpfs() {
    if (tmpfs != null) {
      String result = exec("umount", tmpfs.toString());
      if (result != null) {
        System.err.println("soak: umount " + tmpfs + " failed: " + result);
      }
      tmpfs = null;
    }
  }

  /** Runs a command; null if it exited 0, else its exit status and output. */
  private static String exec(String... command) {
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(p.getInputStream().readAllBytes()).trim();
      int code = p.waitFor();
      return code == 0 ? null : "exit " + code + ": " + output;
    } catch (IOException e) {
      return e.toString();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return e.toString();
    }
  }

  private void tearDown() {
    for (Peer p : downloaders) {
      p.close();
    }
    downloaders.clear();
    if (seeder != null) {
      liveClients.remove(seeder);
      seeder.close();
      seederTrackers.close();
      seederDht.close();
    }
    for (DhtNode n : extraNodes) {
      n.close();
    }
    extraNodes.clear();
    if (tracker != null) {
      tracker.close();
    }
    if (router != null) {
      router.close();
    }
    unmountTmpfs();
    deleteTree(work);
  }

  private static void deleteTree(Path root) {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> s = Files.walk(root)) {
      for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      System.err.println("soak: cannot delete " + root + ": " + e);
    }
  }

  // ------------------------------------------------------------ the churn

  private void loop(long durationNanos, SoakSampler sampler) throws Exception {
    long start = System.nanoTime();
    long end = start + durationNanos;
    long nextAdd = start;
    long nextKill = start + KILL_EVERY;
    long trackerChange = start + TRACKER_UP;
    long nextDht = start + DHT_EVERY;
    long nextDiskFull = start + DISK_FULL_EVERY / 3;
    long nextReport = start + TimeUnit.MINUTES.toNanos(1);
    int killIndex = 0;
    while (true) {
      long now = System.nanoTime();
      if (now >= end) {
        break;
      }
      settle(now);
      if (now >= nextAdd && swarms.size() < MAX_SWARMS) {
        boolean diskFault = tmpfs != null && now >= nextDiskFull && !tmpfsBusy();
        addSwarm(now, diskFault);
        if (diskFault) {
          nextDiskFull = overflowNext ? now + DISK_FULL_EVERY : now;
        }
        nextAdd = now + ADD_EVERY;
      }
      if (now >= nextKill && downloaders.size() > 1) {
        // downloader 0 is never replaced: a leak per client shows in a client that lives the
        // whole run (the seeder's side, and the downloading side here), not only in the JVM's
        killAndReplace(1 + killIndex++ % (downloaders.size() - 1));
        nextKill = now + KILL_EVERY;
      }
      if (now >= trackerChange) {
        if (tracker != null) {
          tracker.close(); // the tracker fails: announces fail until it is back
          tracker = null;
          trackerChange = now + TRACKER_DOWN;
        } else {
          startTracker(); // back, on the same ports, with an empty registry
          trackerRestarts++;
          trackerChange = now + TRACKER_UP;
        }
      }
      if (now >= nextDht) {
        churnDht();
        nextDht = now + DHT_EVERY;
      }
      if (now >= nextReport) {
        System.out.printf(Locale.ROOT, "soak: %.1f min: %d added, %d verified, %d swarms,"
            + " %d samples%n", (now - start) / 60e9, added, verified, swarms.size(),
            sampler.count());
        nextReport = now + TimeUnit.MINUTES.toNanos(1);
      }
      Thread.sleep(100);
    }
  }

  /** Verifies what completed and removes what still runs, uncounted; after the last sample. */
  private void finish() {
    settle(System.nanoTime());
    for (Swarm s : new ArrayList<>(swarms)) {
      for (Job j : new ArrayList<>(s.jobs)) {
        if (!j.checked) {
          unfinished++;
        }
        close(j);
      }
    }
  }

  private boolean tmpfsBusy() {
    for (Swarm s : swarms) {
      for (Job j : s.jobs) {
        if (j.tmpfs >= 0) {
          return true;
        }
      }
    }
    return false;
  }

  private void addSwarm(long now, boolean diskFault) throws IOException {
    String name = "s" + names.incrementAndGet() + ".bin";
    long size;
    if (diskFault) {
      size = overflowNext ? 5 * MIB + rng.nextInt((int) MIB) : MIB + rng.nextInt((int) MIB);
    } else {
      size = MIB + (long) (rng.nextDouble() * 3 * MIB);
    }
    SoakContent content = new SoakContent(name, rng.nextLong(), size);
    Path seedDir = work.resolve("seed");
    Metainfo m = content.write(seedDir);
    BitSet all = new BitSet();
    all.set(0, m.pieceCount());
    Torrent seed = seeder.add(m, seedFiles.open(m), all);
    seed.start();
    Swarm swarm = new Swarm(content, m, seed, seedDir.resolve(name));
    swarms.add(swarm);
    added++;
    int n = diskFault ? 1 : 1 + rng.nextInt(Math.min(2, downloaders.size()));
    int first = rng.nextInt(downloaders.size());
    for (int k = 0; k < n; k++) {
      Peer p = downloaders.get((first + k) % downloaders.size());
      StorageFactory files = diskFault ? tmpfsFiles : p.files;
      Path dir = diskFault ? tmpfs : p.dir;
      Torrent t = p.client.add(m, files.open(m));
      long removeAt = !diskFault && rng.nextInt(10) == 0
          ? now + TimeUnit.MILLISECONDS.toNanos(50 + rng.nextInt(1000)) : Long.MAX_VALUE;
      Job j = new Job(swarm, p, t, dir.resolve(name), now + JOB_DEADLINE, removeAt,
          diskFault ? (overflowNext ? 1 : 0) : -1);
      swarm.jobs.add(j);
      p.jobs.add(j);
      t.start();
      if (rng.nextBoolean()) {
        t.addPeer(PeerAddress.of(seeder.listenAddress()));
      }
    }
    if (diskFault) {
      overflowNext = !overflowNext;
    }
  }

  /**
   * Verifies the downloads that completed (they then seed for a while, so that torrents and
   * connections pile up as in a client that keeps what it downloads), and ends the jobs that
   * lingered long enough, failed, were due for removal or ran out of time.
   */
  private void settle(long now) {
    for (Swarm s : new ArrayList<>(swarms)) {
      for (Job j : new ArrayList<>(s.jobs)) {
        if (j.checked) {
          if (now >= j.lingerUntil) {
            close(j);
          }
        } else if (j.finished && j.failure == null) {
          verify(j);
          j.lingerUntil = now + TimeUnit.MILLISECONDS.toNanos(LINGER_MIN_MILLIS
              + rng.nextInt(LINGER_SPREAD_MILLIS));
        } else if (j.finished) {
          failed(j);
          close(j);
        } else if (now >= j.removeAt) {
          removedEarly++;
          close(j);
        } else if (now >= j.deadline) {
          timedOut++;
          problems.add("timed out: " + j.swarm.content.name + " " + safeStatus(j.torrent));
          close(j);
        }
      }
    }
  }

  /** Checks a completed download byte for byte against its content. */
  private void verify(Job j) {
    j.checked = true;
    String diff;
    try {
      diff = j.swarm.content.mismatch(j.file);
    } catch (IOException e) {
      diff = "unreadable: " + e;
    }
    if (diff == null) {
      verified++;
      if (j.tmpfs == 0) {
        diskRecovered++;
      }
    } else {
      mismatches++;
      problems.add("MISMATCH " + j.swarm.content.name + ": " + diff);
    }
    if (j.tmpfs == 1) {
      diskUnexpected++;
      problems.add("a torrent bigger than the tmpfs completed: " + j.swarm.content.name);
    }
  }

  /** Counts a download that completed exceptionally: the torrent failed (a full disk, say). */
  private void failed(Job j) {
    TorrentStatus st = safeStatus(j.torrent);
    String error = st == null ? String.valueOf(j.failure)
        : st.error().orElse(String.valueOf(j.failure));
    if (j.tmpfs == 1) {
      diskFull++;
      lastDiskFullError = error;
      return;
    }
    otherFailures++;
    if (j.tmpfs == 0) {
      diskUnexpected++;
    }
    problems.add("failed: " + j.swarm.content.name + " (" + j.swarm.content.size + " bytes"
        + (j.tmpfs == 0 ? ", into the emptied tmpfs" : "") + "): " + error);
  }

  /** Removes a job's torrent and file, and its swarm's seed once no job is left. */
  private void close(Job j) {
    j.torrent.close();
    try {
      Files.deleteIfExists(j.file);
    } catch (IOException e) {
      problems.add("cannot delete " + j.file + ": " + e);
    }
    j.swarm.jobs.remove(j);
    j.peer.jobs.remove(j);
    if (j.swarm.jobs.isEmpty()) {
      j.swarm.seed.close();
      swarms.remove(j.swarm);
      try {
        Files.deleteIfExists(j.swarm.seedFile);
      } catch (IOException e) {
        problems.add("cannot delete " + j.swarm.seedFile + ": " + e);
      }
    }
  }

  private static TorrentStatus safeStatus(Torrent t) {
    try {
      return t.status();
    } catch (IllegalStateException e) {
      return null;
    }
  }

  /** Closes downloader {@code i} with whatever it is downloading, and starts a new one. */
  private void killAndReplace(int i) throws IOException {
    Peer old = downloaders.get(i);
    List<Job> jobs = new ArrayList<>(old.jobs);
    boolean[] done = new boolean[jobs.size()];
    for (int k = 0; k < done.length; k++) {
      Job j = jobs.get(k);
      done[k] = j.finished && j.failure == null; // completed before the kill
    }
    old.close();
    for (int k = 0; k < done.length; k++) {
      Job j = jobs.get(k);
      if (done[k] && !j.checked) {
        verify(j);
      } else if (!done[k]) {
        lostToKills++;
      }
      close(j);
    }
    deleteTree(old.dir);
    downloaders.set(i, new Peer(i));
    clientRestarts++;
  }

  private void churnDht() throws IOException {
    DhtNode n = dhtNode().bootstrapNodes(List.of(router.localAddress())).build().start();
    extraNodes.addLast(n);
    dhtJoins++;
    n.bootstrap();
    if (!swarms.isEmpty()) {
      n.getPeers(swarms.get(rng.nextInt(swarms.size())).metainfo.infoHashes().shortHashes()
          .get(0));
    }
    while (extraNodes.size() > MAX_EXTRA_NODES) {
      extraNodes.removeFirst().close();
      dhtLeaves++;
    }
  }

  // ------------------------------------------------------------ the report

  /** Prints the table and writes summary.csv; true if a judged series grows. */
  private boolean report(SoakSampler sampler, Path out) throws IOException {
    System.out.printf(Locale.ROOT, "%nsoak: %d torrents added; %d downloads verified, %d"
        + " mismatched, %d removed early, %d lost to closed clients, %d timed out, %d failed"
        + " otherwise, %d unfinished at the end%n", added, verified, mismatches, removedEarly,
        lostToKills, timedOut, otherFailures, unfinished);
    System.out.printf(Locale.ROOT, "soak: faults: %d client restarts, %d tracker restarts,"
        + " %d DHT nodes joined, %d left; disk full %d times, recovered %d times%s%n",
        clientRestarts, trackerRestarts, dhtJoins, dhtLeaves, diskFull, diskRecovered,
        tmpfsSkipped == null ? "" : " (" + tmpfsSkipped + ")");
    if (lastDiskFullError != null) {
      System.out.println("soak: the full disk's error: " + lastDiskFullError);
    }
    boolean growing = printTrends(sampler, out.resolve("summary.csv"));
    if (verified == 0) {
      problems.add("no download completed");
    }
    if (timedOut > 0) {
      problems.add(timedOut + " downloads timed out (reported, not a failure)");
    }
    return growing;
  }

  /** Prints each series' fit and verdict and writes them to {@code summaryCsv}; true if one grows. */
  private boolean printTrends(SoakSampler sampler, Path summaryCsv) throws IOException {
    System.out.printf(Locale.ROOT, "soak: %d samples; slope fitted after the first %.0f%%;"
        + " GROWING = rise > %.0f standard errors and > max(%.0f%% of mean, floor)%n",
        sampler.count(), WARMUP * 100, Trend.SIGMAS, BAND * 100);
    String fmt = "%-20s %5s %10s %10s %12s %10s %10s %10s  %s%n";
    System.out.printf(Locale.ROOT, fmt, "series", "unit", "start", "end", "slope/h", "rise",
        "3 SE", "band", "verdict");
    boolean growing = false;
    try (PrintWriter csv = new PrintWriter(Files.newBufferedWriter(summaryCsv))) {
      csv.println("series,unit,start,end,mean,slope_per_hour,rise,three_std_err,band,verdict");
      for (int i = 0; i < SoakSampler.SERIES.size(); i++) {
        SoakSampler.Series s = SoakSampler.SERIES.get(i);
        Trend t = sampler.trend(i, WARMUP, BAND);
        String verdict = s.judged() ? t.verdict().name() : "(activity)";
        if (s.judged() && t.verdict() == Trend.Verdict.GROWING) {
          growing = true;
          problems.add("GROWING: " + s.name() + " rose " + fmt(t.rise()) + " " + s.unit()
              + " over " + fmt(t.window()) + " s");
        }
        System.out.printf(Locale.ROOT, fmt, s.name(), s.unit(), fmt(t.first()), fmt(t.last()),
            fmt(t.slope() * 3600), fmt(t.rise()), fmt(Trend.SIGMAS * t.stdErrRise()),
            fmt(t.band()), verdict);
        csv.printf(Locale.ROOT, "%s,%s,%.3f,%.3f,%.3f,%.4f,%.4f,%.4f,%.4f,%s%n", s.name(),
            s.unit(), t.first(), t.last(), t.mean(), t.slope() * 3600, t.rise(),
            Trend.SIGMAS * t.stdErrRise(), t.band(), verdict);
      }
    }
    return growing;
  }

  private static String fmt(double v) {
    return String.format(Locale.ROOT, Math.abs(v) >= 100 ? "%.0f" : "%.2f", v);
  }
}
