package io.btlib.benchmarks;

import static java.nio.charset.StandardCharsets.US_ASCII;

import io.btlib.metainfo.InfoHash;
import io.btlib.tracker.server.TrackerServer;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A load generator for BitTorrent trackers over loopback: UDP (BEP 15) announces with a window of
 * outstanding requests, and HTTP announces over several connections (kept alive when the tracker
 * allows it, or one connection per request with {@code --close}). Announces spread over many
 * info hashes and peers (the peer is told apart by its announced port), a quarter of them seeders.
 *
 * <pre>
 * TrackerLoad hashes N FILE          write the N benchmark info hashes, hex, one a line
 *                                    (an opentracker whitelist)
 * TrackerLoad serve UDP HTTP FILE    run a bt TrackerServer on 127.0.0.1 allowing the hashes in
 *                                    FILE until stdin closes; prints "ready UDP HTTP"
 *                                    (-Dbt.udpThreads=N sets its UDP threads, default 1;
 *                                    -Dbt.maxPeers, -Dbt.maxSwarms, -Dbt.peerTimeout=SECONDS
 *                                    the builder's settings of those names); a line "stats" on
 *                                    stdin prints "stats MILLIS peers P swarms S heap_after_gc B"
 * TrackerLoad load [--udp PORT] [--http PORT] [--seconds 5] [--warmup 2] [--hashes 1000]
 *                  [--peers 200] [--window 64] [--threads 1] [--connections 16] [--close]
 *                                    prints "udp_announces_per_s X" and "http_announces_per_s X"
 *                                    (the measured seconds), and "replies_total N" (every
 *                                    announce answered, warm-up included: divided by the
 *                                    tracker's CPU seconds over the same run it gives the
 *                                    tracker's own cost, whichever side is the bottleneck)
 * </pre>
 *
 * <p>Not a JMH benchmark: the system under test is another process (or, for bt, another JVM), so
 * the figure is end-to-end announces a second, client costs included. Compare trackers only with
 * the same client settings, in the same run.
 */
public final class TrackerLoad {
  private TrackerLoad() {}

  /** Entry point; see the class doc. */
  public static void main(String[] args) throws Exception {
    if (args.length == 0) {
      throw new IllegalArgumentException("usage: hashes N FILE | serve UDP HTTP FILE | load ...");
    }
    switch (args[0]) {
      case "hashes":
        writeHashes(Integer.parseInt(args[1]), Path.of(args[2]));
        break;
      case "serve":
        serve(Integer.parseInt(args[1]), Integer.parseInt(args[2]), Path.of(args[3]));
        break;
      case "load":
        load(args);
        break;
      default:
        throw new IllegalArgumentException("unknown mode " + args[0]);
    }
  }

  static byte[][] hashes(int n) throws NoSuchAlgorithmException {
    byte[][] out = new byte[n][];
    MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
    for (int i = 0; i < n; i++) {
      out[i] = sha1.digest(("bt-tracker-bench-" + i).getBytes(US_ASCII));
    }
    return out;
  }

  private static void writeHashes(int n, Path file) throws Exception {
    List<String> lines = new ArrayList<>();
    for (byte[] h : hashes(n)) {
      lines.add(HexFormat.of().formatHex(h));
    }
    Files.write(file, lines);
  }

  private static void serve(int udp, int http, Path whitelist) throws Exception {
    List<InfoHash> allowed = new ArrayList<>();
    for (String line : Files.readAllLines(whitelist)) {
      if (!line.isBlank()) {
        allowed.add(InfoHash.fromHex(line.trim()));
      }
    }
    TrackerServer.Builder b = TrackerServer.builder()
        .bindAddress(InetAddress.getByName("127.0.0.1"))
        .udpPort(udp).httpPort(http).allowedInfoHashes(allowed)
        .udpThreads(Integer.getInteger("bt.udpThreads", 1))
        .maxPeers(Integer.getInteger("bt.maxPeers", 1_000_000))
        .maxSwarms(Integer.getInteger("bt.maxSwarms", 100_000));
    if (Integer.getInteger("bt.peerTimeout") != null) {
      b.peerTimeout(Duration.ofSeconds(Integer.getInteger("bt.peerTimeout")));
    }
    TrackerServer server = b.build();
    b = null; // the server keeps its own copy of the allow-list: drop the others for "stats"
    allowed = null;
    try (TrackerServer s = server.start();
        BufferedReader commands = new BufferedReader(new InputStreamReader(System.in, US_ASCII))) {
      System.out.println("ready " + s.udpPort() + " " + s.httpPort());
      System.out.flush();
      String line;
      while ((line = commands.readLine()) != null) { // run until stdin closes
        if (line.trim().equals("stats")) {
          printStats(s);
        }
      }
    }
  }

  /**
   * Prints "stats MILLIS peers P swarms S heap_after_gc BYTES": the heap in use right after a
   * full collection (System.gc(), which G1 runs as a full, stop-the-world collection).
   */
  private static void printStats(TrackerServer s) {
    System.gc();
    long used = ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    System.out.println("stats " + System.currentTimeMillis() + " peers " + s.peerCount()
        + " swarms " + s.swarmCount() + " heap_after_gc " + used);
    System.out.flush();
  }

  // ---- load ----

  private static final class Options {
    int udp = -1;
    int http = -1;
    int seconds = 5;
    int warmup = 2;
    int hashes = 1000;
    int peers = 200;
    int window = 64;
    int threads = 1;
    int connections = 16;
    boolean close;
  }

  private static void load(String[] args) throws Exception {
    Options o = new Options();
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--close")) {
        o.close = true;
        continue;
      }
      int v = Integer.parseInt(args[++i]);
      switch (a) {
        case "--udp": o.udp = v; break;
        case "--http": o.http = v; break;
        case "--seconds": o.seconds = v; break;
        case "--warmup": o.warmup = v; break;
        case "--hashes": o.hashes = v; break;
        case "--peers": o.peers = v; break;
        case "--window": o.window = v; break;
        case "--threads": o.threads = v; break;
        case "--connections": o.connections = v; break;
        default: throw new IllegalArgumentException("unknown option " + a);
      }
    }
    byte[][] hashes = hashes(o.hashes);
    if (o.udp > 0) {
      double rate = run(o, () -> new UdpLoad(o, hashes));
      System.out.printf("udp_announces_per_s %.0f%n", rate);
    }
    if (o.http > 0) {
      double rate = run(o, () -> new HttpLoad(o, hashes));
      System.out.printf("http%s_announces_per_s %.0f%n", o.close ? "_close" : "", rate);
    }
  }

  interface LoadFactory {
    Load make() throws IOException;
  }

  /** One client thread's loop; counts replies into {@link #done}. */
  abstract static class Load implements Runnable {
    final AtomicLong done = new AtomicLong();
    final AtomicLong errors = new AtomicLong();
    volatile boolean running = true;
    long rng = System.nanoTime() | 1;

    int next(int bound) {
      rng ^= rng << 13;
      rng ^= rng >>> 7;
      rng ^= rng << 17;
      return (int) ((rng >>> 1) % bound);
    }
  }

  private static double run(Options o, LoadFactory f) throws Exception {
    List<Load> loads = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    for (int t = 0; t < o.threads; t++) {
      Load l = f.make();
      loads.add(l);
      Thread th = new Thread(l, "tracker-load-" + t);
      th.setDaemon(true);
      threads.add(th);
      th.start();
    }
    Thread.sleep(o.warmup * 1000L);
    long start = System.nanoTime();
    long before = sum(loads, false);
    long errorsBefore = sum(loads, true);
    Thread.sleep(o.seconds * 1000L);
    long after = sum(loads, false);
    long elapsed = System.nanoTime() - start;
    long errs = sum(loads, true) - errorsBefore;
    for (Load l : loads) {
      l.running = false;
    }
    for (Thread th : threads) {
      th.join(5000);
    }
    System.out.println("replies_total " + sum(loads, false));
    if (errs > 0) {
      System.out.println("  (" + errs + " requests failed or met a closed connection; retried)");
    }
    return (after - before) * 1e9 / elapsed;
  }

  private static long sum(List<Load> loads, boolean errors) {
    long s = 0;
    for (Load l : loads) {
      s += errors ? l.errors.get() : l.done.get();
    }
    return s;
  }

  /** UDP announces with {@code window} requests in flight on one socket. */
  static final class UdpLoad extends Load {
    private final Options o;
    private final byte[][] hashes;
    private final DatagramChannel ch;
    private final Selector selector;
    private final ByteBuffer out = ByteBuffer.allocateDirect(98);
    private final ByteBuffer in = ByteBuffer.allocateDirect(4096);
    private long cid;
    private int tid;

    UdpLoad(Options o, byte[][] hashes) throws IOException {
      this.o = o;
      this.hashes = hashes;
      ch = DatagramChannel.open();
      ch.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), o.udp));
      ch.configureBlocking(false);
      selector = Selector.open();
      ch.register(selector, SelectionKey.OP_READ);
    }

    private boolean connect() throws IOException {
      for (int attempt = 0; attempt < 50 && running; attempt++) {
        out.clear();
        out.putLong(0x41727101980L).putInt(0).putInt(-1).flip();
        ch.write(out);
        long until = System.nanoTime() + 100_000_000L;
        while (System.nanoTime() < until) {
          selector.select(20);
          selector.selectedKeys().clear();
          in.clear();
          while (ch.read(in) > 0) {
            if (in.position() >= 16 && in.getInt(0) == 0 && in.getInt(4) == -1) {
              cid = in.getLong(8);
              return true;
            }
            in.clear();
          }
        }
      }
      return false;
    }

    private void send() throws IOException {
      int h = next(hashes.length);
      int p = next(o.peers);
      out.clear();
      out.putLong(cid).putInt(1).putInt(++tid & 0x7FFFFFFF).put(hashes[h]);
      out.putLong(0x2D4254303030312DL).putLong(h).putInt(p); // peer id
      out.putLong(0).putLong(p % 4 == 0 ? 0 : 1000).putLong(0);
      out.putInt(0).putInt(0).putInt(p).putInt(50).putShort((short) (1024 + p)).flip();
      ch.write(out);
    }

    @Override
    public void run() {
      try {
        if (!connect()) {
          throw new IOException("no connect reply from UDP port " + o.udp);
        }
        long connectedAt = System.nanoTime();
        long lastReply = System.nanoTime();
        for (int i = 0; i < o.window; i++) {
          send();
        }
        while (running) {
          selector.select(20);
          selector.selectedKeys().clear();
          int got = 0;
          while (true) {
            in.clear();
            if (ch.read(in) <= 0) {
              break;
            }
            got++;
            int action = in.getInt(0);
            if (action == 1) {
              done.incrementAndGet();
            } else {
              errors.incrementAndGet();
            }
            send();
          }
          long now = System.nanoTime();
          if (got > 0) {
            lastReply = now;
          } else if (now - lastReply > 200_000_000L) { // the window was lost: refill it
            for (int i = 0; i < o.window; i++) {
              send();
            }
            lastReply = now;
          }
          if (now - connectedAt > 50_000_000_000L) {
            connect(); // connection ids live a minute or two
            connectedAt = now;
          }
        }
      } catch (IOException e) {
        System.out.println("udp load failed: " + e);
      } finally {
        try {
          selector.close();
          ch.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }
  }

  /** HTTP announces, one in flight per connection. */
  static final class HttpLoad extends Load {
    private final Options o;
    private final String[] encodedHashes;
    private final Selector selector;
    private final InetSocketAddress target;

    HttpLoad(Options o, byte[][] hashes) throws IOException {
      this.o = o;
      this.encodedHashes = new String[hashes.length];
      for (int i = 0; i < hashes.length; i++) {
        StringBuilder sb = new StringBuilder();
        for (byte b : hashes[i]) {
          sb.append('%').append(Character.forDigit((b >> 4) & 15, 16))
              .append(Character.forDigit(b & 15, 16));
        }
        encodedHashes[i] = sb.toString();
      }
      selector = Selector.open();
      target = new InetSocketAddress(InetAddress.getByName("127.0.0.1"), o.http);
    }

    private final class Conn {
      SocketChannel ch;
      ByteBuffer out;
      ByteBuffer in = ByteBuffer.allocate(8192);
    }

    private void open(Conn c) throws IOException {
      c.ch = SocketChannel.open();
      c.ch.configureBlocking(false);
      c.ch.connect(target);
      c.in.clear();
      c.ch.register(selector, SelectionKey.OP_CONNECT, c);
    }

    private ByteBuffer request() {
      int h = next(encodedHashes.length);
      int p = next(o.peers);
      String peerId = String.format("-BT0001-%06d%06d", h % 1_000_000, p);
      String s = "GET /announce?info_hash=" + encodedHashes[h] + "&peer_id=" + peerId
          + "&port=" + (1024 + p) + "&uploaded=0&downloaded=0&left=" + (p % 4 == 0 ? 0 : 1000)
          + "&compact=1&numwant=50 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
          + (o.close ? "Connection: close\r\n" : "") + "\r\n";
      return ByteBuffer.wrap(s.getBytes(US_ASCII));
    }

    /** The length of a complete response at the start of {@code b}, or -1. */
    private static int complete(ByteBuffer b) {
      int n = b.position();
      byte[] a = b.array();
      for (int i = 3; i < n; i++) {
        if (a[i] == '\n' && a[i - 1] == '\r' && a[i - 2] == '\n' && a[i - 3] == '\r') {
          String head = new String(a, 0, i, US_ASCII).toLowerCase();
          int k = head.indexOf("content-length:");
          if (k < 0) {
            return -1;
          }
          int e = head.indexOf('\r', k);
          int len = Integer.parseInt(head.substring(k + 15, e < 0 ? head.length() : e).trim());
          return i + 1 + len <= n ? i + 1 + len : -1;
        }
      }
      return -1;
    }

    private static boolean closes(ByteBuffer b) {
      String head = new String(b.array(), 0, Math.min(b.position(), 512), US_ASCII).toLowerCase();
      return head.contains("connection: close") || head.startsWith("http/1.0");
    }

    @Override
    public void run() {
      try {
        for (int i = 0; i < o.connections; i++) {
          open(new Conn());
        }
        while (running) {
          selector.select(50);
          Iterator<SelectionKey> it = selector.selectedKeys().iterator();
          while (it.hasNext()) {
            SelectionKey k = it.next();
            it.remove();
            Conn c = (Conn) k.attachment();
            try {
              if (k.isConnectable()) {
                c.ch.finishConnect();
                c.out = request();
                k.interestOps(SelectionKey.OP_WRITE);
              }
              if (k.isValid() && k.isWritable()) {
                c.ch.write(c.out);
                if (!c.out.hasRemaining()) {
                  k.interestOps(SelectionKey.OP_READ);
                }
              }
              if (k.isValid() && k.isReadable()) {
                int n = c.ch.read(c.in);
                int len = complete(c.in);
                if (len > 0) {
                  done.incrementAndGet();
                  boolean close = o.close || closes(c.in);
                  if (close) {
                    k.cancel();
                    c.ch.close();
                    open(c);
                  } else {
                    c.in.clear();
                    c.out = request();
                    c.ch.write(c.out);
                    k.interestOps(c.out.hasRemaining() ? SelectionKey.OP_WRITE
                        : SelectionKey.OP_READ);
                  }
                } else if (n < 0) {
                  // closed without a reply: an error, or a server that closes after each reply
                  // without saying so (opentracker); the request is sent again on a new connection
                  errors.incrementAndGet();
                  k.cancel();
                  c.ch.close();
                  open(c);
                }
              }
            } catch (IOException e) {
              errors.incrementAndGet();
              k.cancel();
              c.ch.close();
              open(c);
            }
          }
        }
      } catch (IOException e) {
        System.out.println("http load failed: " + e);
      } finally {
        for (SelectionKey k : selector.keys()) {
          try {
            k.channel().close();
          } catch (IOException ignored) {
            // closing
          }
        }
        try {
          selector.close();
        } catch (IOException ignored) {
          // closing
        }
      }
    }
  }
}
