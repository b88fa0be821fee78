package io.btlib.interop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.btlib.client.Torrent;
import io.btlib.client.TorrentListener;
import io.btlib.client.TorrentState;
import io.btlib.peer.PeerAddress;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;

/**
 * What the interop matrix tests share: finding and starting real programs (libtorrent through
 * {@code interop/lt_peer.py}, aria2c, transmission-cli, a second bt JVM), reading their output on
 * threads of their own, killing them afterwards, making test data and comparing trees byte for
 * byte. One instance per test; {@link #close()} (from {@code @AfterEach}) kills every process it
 * started with SIGKILL.
 */
final class InteropProcesses implements AutoCloseable {
  /** Debian's python, the one with the libtorrent module (-Dbt.interop.python overrides it). */
  static final String PYTHON = System.getProperty("bt.interop.python", "/usr/bin/python3");
  static final Pattern EVENT = Pattern.compile("\"event\":\"([a-z]+)\"");
  static final Pattern PORT = Pattern.compile("\"port\":(\\d+)");

  private final List<Proc> processes = new CopyOnWriteArrayList<>();

  // ---------------------------------------------------------------- finding programs

  /** The project's {@code interop} directory, searched upwards from the working directory. */
  static Path interopDir() {
    for (Path d = Path.of("").toAbsolutePath(); d != null; d = d.getParent()) {
      Path s = d.resolve("interop").resolve("lt_peer.py");
      if (Files.isRegularFile(s)) {
        return s.getParent();
      }
    }
    return null;
  }

  /** An executable named {@code name} on PATH or in /usr/bin, /usr/local/bin; null if none. */
  static String which(String name) {
    List<String> dirs = new ArrayList<>();
    String path = System.getenv("PATH");
    if (path != null) {
      dirs.addAll(List.of(path.split(File.pathSeparator)));
    }
    dirs.addAll(List.of("/usr/bin", "/usr/local/bin", "/bin"));
    for (String d : dirs) {
      if (d.isEmpty()) {
        continue;
      }
      Path p = Path.of(d, name);
      if (Files.isRegularFile(p) && Files.isExecutable(p)) {
        return p.toString();
      }
    }
    return null;
  }

  /** Skips the calling test (printing why) unless {@code name} is installed; returns its path. */
  static String assumeProgram(String test, String name, String aptPackage) {
    String exe = which(name);
    if (exe == null) {
      String reason = name + " is not installed (apt-get install " + aptPackage + ")";
      System.err.println(test + " skipped: " + reason);
      Assumptions.assumeTrue(false, reason);
    }
    return exe;
  }

  /** Skips the calling test (printing why) unless lt_peer.py and libtorrent are usable. */
  static Path assumeLibtorrent(String test) throws Exception {
    String reason = null;
    Path dir = interopDir();
    if (dir == null) {
      reason = "interop/lt_peer.py not found above " + Path.of("").toAbsolutePath();
    } else if (!Files.isExecutable(Path.of(PYTHON))) {
      reason = PYTHON + " does not exist";
    } else {
      Process p = new ProcessBuilder(PYTHON, "-c",
          "import libtorrent; print(libtorrent.__version__)").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        reason = PYTHON + " -c 'import libtorrent' hung";
      } else if (p.exitValue() != 0) {
        String[] lines = out.split("\n");
        reason = PYTHON + " cannot import libtorrent (apt-get install python3-libtorrent): "
            + lines[lines.length - 1];
      }
    }
    if (reason != null) {
      System.err.println(test + " skipped: " + reason);
    }
    Assumptions.assumeTrue(reason == null, reason);
    return dir.resolve("lt_peer.py");
  }

  // ---------------------------------------------------------------- processes

  /** Starts {@code cmd} in {@code workDir} (null: inherited); killed by {@link #close()}. */
  Proc start(String name, List<String> cmd, Path workDir, Map<String, String> env)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (workDir != null) {
      pb.directory(workDir.toFile());
    }
    if (env != null) {
      pb.environment().putAll(env);
    }
    Proc p = new Proc(name, cmd, pb.start());
    processes.add(p);
    return p;
  }

  /** Starts {@code lt_peer.py} with these arguments. */
  Proc lt(Path script, String... args) throws IOException {
    List<String> cmd = new ArrayList<>(List.of(PYTHON, "-u", script.toString()));
    cmd.addAll(List.of(args));
    return start("lt_peer.py " + args[0], cmd, null, null);
  }

  /** Starts a libtorrent seeder of {@code torrent} from {@code dir}; returns once it listens. */
  Proc ltSeed(Path script, Path torrent, Path dir, String... extra) throws Exception {
    List<String> a = new ArrayList<>(List.of("seed", "--torrent", torrent.toString(), "--dir",
        dir.toString(), "--port", Integer.toString(freePort()), "--timeout", "150"));
    a.addAll(List.of(extra));
    Proc seed = lt(script, a.toArray(String[]::new));
    String line = seed.await("listening", Duration.ofSeconds(20));
    Matcher mm = PORT.matcher(line);
    assertThat(mm.find()).isTrue();
    seed.port = Integer.parseInt(mm.group(1));
    return seed;
  }

  /**
   * The loopback-only aria2c flags (INTEROP-NOTES): no DHT, LPD or PEX, IPv4 on 127.0.0.1, no
   * config file, listening on {@code port}, files written to {@code dir}.
   */
  static List<String> aria2(String exe, int port, Path dir) {
    return new ArrayList<>(List.of(exe, "--no-conf=true", "--enable-dht=false",
        "--enable-dht6=false", "--bt-enable-lpd=false", "--enable-peer-exchange=false",
        "--interface=127.0.0.1", "--disable-ipv6=true", "--listen-port=" + port,
        "--dir=" + dir, "--file-allocation=none", "--summary-interval=1",
        "--console-log-level=notice",
        "--log=" + dir.resolveSibling(dir.getFileName() + "-aria2.log"),
        "--log-level=info", "--bt-tracker-connect-timeout=5", "--bt-tracker-timeout=5",
        "--bt-tracker-interval=2", "--auto-save-interval=0"));
  }

  /**
   * A transmission-cli config dir for loopback: settings.json with DHT, LPD, PEX, uTP and port
   * mapping off, bound to 127.0.0.1, no blocklist, no RPC; and a finish script that creates
   * {@code done}.
   */
  static List<String> transmission(String exe, Path home, int port, Path dir, Path done)
      throws IOException {
    return transmission(exe, home, port, dir, done, false);
  }

  /** The same, with transmission's uTP (libutp) on when {@code utp}. */
  static List<String> transmission(String exe, Path home, int port, Path dir, Path done,
      boolean utp) throws IOException {
    Path conf = home.resolve("config");
    Files.createDirectories(conf);
    Files.writeString(conf.resolve("settings.json"), "{\n"
        + "  \"dht-enabled\": false,\n"
        + "  \"lpd-enabled\": false,\n"
        + "  \"pex-enabled\": false,\n"
        + "  \"utp-enabled\": " + utp + ",\n"
        + "  \"port-forwarding-enabled\": false,\n"
        + "  \"blocklist-enabled\": false,\n"
        + "  \"rpc-enabled\": false,\n"
        + "  \"bind-address-ipv4\": \"127.0.0.1\",\n"
        + "  \"bind-address-ipv6\": \"::1\",\n"
        + "  \"peer-port\": " + port + ",\n"
        + "  \"peer-port-random-on-start\": false,\n"
        + "  \"speed-limit-up-enabled\": false,\n"
        + "  \"speed-limit-down-enabled\": false,\n"
        + "  \"encryption\": 1,\n"
        + "  \"message-level\": " + Integer.getInteger("bt.interop.trLevel", 2) + "\n"
        + "}\n");
    Path finish = home.resolve("finished.sh");
    Files.writeString(finish, "#!/bin/sh\ntouch '" + done + "'\n");
    finish.toFile().setExecutable(true);
    return new ArrayList<>(List.of(exe, "-g", conf.toString(), "-w", dir.toString(), "-p",
        Integer.toString(port), "-M", "-B", "-f", finish.toString()));
  }

  @Override
  public void close() throws InterruptedException {
    for (Proc p : processes) {
      p.close();
    }
  }

  /** One started program; its stdout and stderr lines are read on threads of their own. */
  static final class Proc {
    final String name;
    final List<String> cmd;
    final Process process;
    final BlockingQueue<String> events = new LinkedBlockingQueue<>();
    final List<String> out = new CopyOnWriteArrayList<>();
    final List<String> err = new CopyOnWriteArrayList<>();
    final List<Thread> readers = new ArrayList<>();
    int port;

    Proc(String name, List<String> cmd, Process process) {
      this.name = name;
      this.cmd = List.copyOf(cmd);
      this.process = process;
      readers.add(reader(process.getInputStream(), out, true));
      readers.add(reader(process.getErrorStream(), err, false));
    }

    private Thread reader(java.io.InputStream in, List<String> sink, boolean events) {
      BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
      Thread t = new Thread(() -> {
        try (r) {
          for (String line; (line = r.readLine()) != null; ) {
            sink.add(line);
            if (events) {
              this.events.add(line);
            }
          }
        } catch (IOException e) {
          // the process went away
        }
      }, "interop-reader-" + name);
      t.setDaemon(true);
      t.start();
      return t;
    }

    /** The next stdout line whose JSON event is {@code name}; fails the test after {@code d}. */
    String await(String event, Duration d) throws InterruptedException {
      return awaitLine(l -> {
        Matcher m = EVENT.matcher(l);
        return m.find() && m.group(1).equals(event);
      }, d, "a " + event + " event");
    }

    /** The next stdout line matching {@code p}; fails the test after {@code d}. */
    String awaitLine(Predicate<String> p, Duration d, String what) throws InterruptedException {
      long end = System.nanoTime() + d.toNanos();
      for (long left; (left = end - System.nanoTime()) > 0; ) {
        String line = events.poll(Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)),
            TimeUnit.NANOSECONDS);
        if (line == null) {
          if (!process.isAlive() && events.isEmpty()) {
            break;
          }
          continue;
        }
        if (p.test(line)) {
          return line;
        }
      }
      fail("no " + what + " from " + name + " within " + d + " (alive: " + process.isAlive()
          + ")\n" + diagnostics());
      return null;
    }

    /** Waits for the process to exit; fails the test if it does not within {@code d}. */
    int awaitExit(Duration d, java.util.function.Supplier<String> context)
        throws InterruptedException {
      if (!process.waitFor(d.toMillis(), TimeUnit.MILLISECONDS)) {
        fail(name + " did not finish within " + d + "; " + context.get() + "\n" + diagnostics());
      }
      for (Thread t : readers) {
        t.join(2000);
      }
      return process.exitValue();
    }

    String diagnostics() {
      return name + " " + cmd + "\nstdout (last lines):\n  " + String.join("\n  ", tail(out, 15))
          + "\nstderr (last lines):\n  " + String.join("\n  ", tail(err, 30));
    }

    void close() throws InterruptedException {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      for (Thread t : readers) {
        t.join(2000);
      }
    }
  }

  // ---------------------------------------------------------------- data and checks

  /**
   * A few MB in nested directories with sizes that straddle 64 KiB pieces. No empty file:
   * transmission does not create empty files, so trees with one would never compare equal.
   */
  static Path makeData(Path parent, long seed) throws IOException {
    return makeData(parent, seed, new Object[][] {
        {"a.bin", 1_000_001}, {"sub/b.bin", 2_345_678}, {"sub/deeper/c.bin", 654_321},
        {"d.txt", 17}, {"z/last.bin", 65_537},
    });
  }

  /** Files {@code {relative path, Integer size}} of random bytes under {@code parent/data}. */
  static Path makeData(Path parent, long seed, Object[][] files) throws IOException {
    Path root = parent.resolve("data");
    Random r = new Random(seed);
    for (Object[] f : files) {
      Path p = root.resolve((String) f[0]);
      Files.createDirectories(p.getParent());
      byte[] b = new byte[(Integer) f[1]];
      r.nextBytes(b);
      Files.write(p, b);
    }
    return root;
  }

  /** Every regular file under {@code expected} exists under {@code actual} with equal bytes. */
  static void assertSameTree(Path expected, Path actual) throws IOException {
    List<Path> files;
    try (Stream<Path> s = Files.walk(expected)) {
      files = s.filter(Files::isRegularFile).toList();
    }
    assertThat(files).isNotEmpty();
    for (Path f : files) {
      Path g = actual.resolve(expected.relativize(f).toString());
      assertThat(g).as("downloaded file %s", g).isRegularFile();
      assertThat(Files.size(g)).as("size of %s", g).isEqualTo(Files.size(f));
      assertThat(Files.mismatch(f, g)).as("first differing byte of %s", g).isEqualTo(-1L);
    }
  }

  /** A port free on 127.0.0.1 a moment ago. */
  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      return s.getLocalPort();
    }
  }

  /** Waits until something accepts TCP connections on 127.0.0.1:{@code port}; false if not. */
  static boolean awaitListening(int port, Duration d) throws InterruptedException {
    return poll(() -> {
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        return true;
      } catch (IOException e) {
        return false;
      }
    }, d);
  }

  /**
   * Waits until a BitTorrent peer on 127.0.0.1:{@code port} answers a handshake for {@code
   * infoHash} (transmission accepts connections for seconds before it serves its torrent, and
   * bt backs off 10 s, then 20 s, after a dial closed before the handshake); false if not.
   */
  static boolean awaitHandshake(int port, byte[] infoHash, Duration d)
      throws InterruptedException {
    byte[] hello = new byte[68];
    hello[0] = 19;
    System.arraycopy("BitTorrent protocol".getBytes(StandardCharsets.US_ASCII), 0, hello, 1, 19);
    System.arraycopy(infoHash, 0, hello, 28, 20);
    System.arraycopy("-PROBE0-".getBytes(StandardCharsets.US_ASCII), 0, hello, 48, 8);
    new Random(port).ints(12, 'a', 'z' + 1).forEach(new java.util.function.IntConsumer() {
      int i = 56;

      @Override
      public void accept(int c) {
        hello[i++] = (byte) c;
      }
    });
    return poll(() -> {
      try (java.net.Socket s = new java.net.Socket()) {
        s.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 500);
        s.setSoTimeout(1000);
        s.getOutputStream().write(hello);
        byte[] reply = s.getInputStream().readNBytes(48);
        boolean ok = reply.length == 48 && java.util.Arrays.equals(reply, 0, 20, hello, 0, 20)
            && java.util.Arrays.equals(reply, 28, 48, hello, 28, 48);
        if (!ok) {
          Thread.sleep(200);
        }
        return ok;
      } catch (IOException e) {
        return false;
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }, d);
  }

  /** Polls {@code condition} every 50 ms; false if it did not hold within {@code d}. */
  static boolean poll(BooleanSupplier condition, Duration d) throws InterruptedException {
    long end = System.nanoTime() + d.toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() >= end) {
        return false;
      }
      Thread.sleep(50);
    }
    return true;
  }

  static List<String> tail(List<String> l, int n) {
    List<String> copy = List.copyOf(l);
    return copy.subList(Math.max(0, copy.size() - n), copy.size());
  }

  /** The last lines of a log file, or a note that it does not exist. */
  static String tailOf(Path log, int n) {
    try {
      return String.join("\n  ", tail(Files.readAllLines(log, StandardCharsets.ISO_8859_1), n));
    } catch (IOException e) {
      return "(no " + log + ")";
    }
  }

  /**
   * A listener writing bt's events into {@code sink}, for failure messages; with {@code
   * -Dbt.interop.trace=true} connections are also printed with a timestamp.
   */
  static TorrentListener recorder(List<String> sink) {
    return new TorrentListener() {
      @Override
      public void onStateChanged(Torrent torrent, TorrentState state) {
        sink.add("state " + state);
      }

      @Override
      public void onPeerConnected(Torrent torrent, PeerAddress peer) {
        sink.add("connected " + peer);
        if (Boolean.getBoolean("bt.interop.trace")) {
          System.err.println(java.time.Instant.now() + " connected " + peer);
        }
      }

      @Override
      public void onPeerDisconnected(Torrent torrent, PeerAddress peer, String reason) {
        sink.add("disconnected " + peer + ": " + reason);
      }

      @Override
      public void onHashFailed(Torrent torrent, int piece, Set<PeerAddress> contributors,
        Set<String> webSeeds) {
        sink.add("hash failed " + piece + " from " + contributors);
      }

      @Override
      public void onPeerBanned(Torrent torrent, PeerAddress peer, String reason) {
        sink.add("banned " + peer + ": " + reason);
      }
    };
  }
}
