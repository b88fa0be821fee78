package io.btlib.benchmarks;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentState;
import io.btlib.client.TorrentStatus;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerId;
import io.btlib.storage.FileStorage;
import io.btlib.storage.TorrentCreator;
import io.btlib.wire.Handshake;
import io.btlib.wire.PeerMessage;
import io.btlib.wire.WireDecoder;
import io.btlib.wire.WireEncoder;
import io.btlib.wire.WireException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Many peers on one bt client, over loopback with real sockets (issue 18, many peers): what a
 * connected peer costs the client in memory, and what a MiB costs it in CPU, as the number of
 * peers grows.
 *
 * <pre>
 * java -Xmx2g -cp bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.ManyPeers MODE PEERS
 *      [--torrents T] [--mib M] [--seconds S] [--slots K] [--dir DIR]
 * </pre>
 *
 * <p>The bt client (this process) holds {@code T} torrents of {@code M} MiB (256 KiB pieces,
 * random content, files under {@code DIR}, default a temporary directory that is deleted). A second
 * process (this class with {@code peers}: a single-threaded NIO load generator, so that its
 * memory and CPU are not the client's) opens {@code PEERS} connections to it, spread evenly over
 * the torrents, each from its own loopback address (127.1.x.y) and peer id. Once every
 * connection has finished its handshake the measurement starts:
 *
 * <ul>
 *   <li>{@code download}: the client downloads every torrent; every fake peer is a seed that
 *       unchokes the client and answers its requests at once, so the client's request pipeline
 *       and piece picker serve {@code PEERS} peers. Measured until every torrent is complete.
 *   <li>{@code seed}: the client seeds; every fake peer is an interested leecher that keeps 16
 *       requests in flight while unchoked ({@code K} upload slots a torrent, default the client's
 *       8). Measured for {@code S} seconds (default 20).
 *   <li>{@code idle}: the client seeds; the fake peers connect and say nothing more. Measured for
 *       {@code S} seconds.
 * </ul>
 *
 * <p>Printed: the time for all connections to be set up, heap after GC per connected peer (the
 * growth over the heap before the first connection), resident anonymous memory, threads, open
 * descriptors, the process's CPU seconds in the window (utime + stime of {@code /proc/self/stat},
 * all threads: engine, disk, GC, JIT) and the engine thread's own, MiB moved, and CPU
 * milliseconds per MiB.
 */
public final class ManyPeers {
  private static final int PIECE = 256 * 1024;
  private static final int BLOCK = 16 * 1024;

  private ManyPeers() {}

  /** Entry point; see the class doc. */
  public static void main(String[] args) throws Exception {
    if (args.length > 0 && args[0].equals("peers")) {
      Farm.main(args);
      return;
    }
    if (args.length < 2) {
      throw new IllegalArgumentException(
          "usage: ManyPeers download|seed|idle PEERS [--torrents T] [--mib M] [--seconds S]"
              + " [--slots K] [--dir DIR]");
    }
    String mode = args[0];
    if (!List.of("download", "seed", "idle").contains(mode)) {
      throw new IllegalArgumentException("mode must be download, seed or idle: " + mode);
    }
    int peers = Integer.parseInt(args[1]);
    int torrents = 1;
    int mib = 64;
    int seconds = 20;
    int slots = 8;
    Path dir = null;
    for (int i = 2; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--torrents" -> torrents = Integer.parseInt(args[i + 1]);
        case "--mib" -> mib = Integer.parseInt(args[i + 1]);
        case "--seconds" -> seconds = Integer.parseInt(args[i + 1]);
        case "--slots" -> slots = Integer.parseInt(args[i + 1]);
        case "--dir" -> dir = Path.of(args[i + 1]);
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    boolean temporary = dir == null;
    if (temporary) {
      dir = Files.createTempDirectory("many-peers");
    }
    try {
      run(mode, peers, torrents, mib, seconds, slots, dir);
    } finally {
      if (temporary) {
        delete(dir);
      }
    }
  }

  private static void run(String mode, int peers, int torrents, int mib, int seconds, int slots,
      Path dir) throws Exception {
    List<Metainfo> metas = new ArrayList<>();
    List<String> farmArgs = new ArrayList<>();
    Random random = new Random(1);
    for (int i = 0; i < torrents; i++) {
      Path src = dir.resolve("src-" + i);
      Files.createDirectories(src);
      Path file = src.resolve("data-" + i + ".bin");
      byte[] chunk = new byte[1 << 20];
      try (OutputStream out = Files.newOutputStream(file)) {
        for (int k = 0; k < mib; k++) {
          random.nextBytes(chunk);
          out.write(chunk);
        }
      }
      Metainfo m = TorrentCreator.builder(file).pieceLength(PIECE).build().create();
      Path torrentFile = dir.resolve("t-" + i + ".torrent");
      Files.write(torrentFile, m.encode());
      metas.add(m);
      farmArgs.add(torrentFile.toString());
      farmArgs.add(file.toString());
    }
    int perTorrent = (peers + torrents - 1) / torrents;
    try (Client client = Client.builder().listenAddress(InetAddress.getLoopbackAddress())
        .maxConnectionsPerTorrent(perTorrent + 16).maxConnections(peers + 64)
        .uploadSlots(slots).build()) {
      List<Torrent> ts = new ArrayList<>();
      for (int i = 0; i < torrents; i++) {
        Metainfo m = metas.get(i);
        Path where = mode.equals("download") ? dir.resolve("dl-" + i) : dir.resolve("src-" + i);
        Files.createDirectories(where);
        Torrent t = client.add(m, FileStorage.open(m, where));
        t.start();
        ts.add(t);
      }
      if (!mode.equals("download")) {
        for (Torrent t : ts) {
          t.completion().get(5, TimeUnit.MINUTES); // checked: seeding
        }
      }
      long heap0 = heapAfterGc();
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx2g",
          "-cp", System.getProperty("java.class.path"), ManyPeers.class.getName(), "peers", mode,
          Integer.toString(peers), "127.0.0.1:" + client.listenAddress().getPort()));
      cmd.addAll(farmArgs);
      Process farm = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      try (BufferedReader farmOut = new BufferedReader(
              new InputStreamReader(farm.getInputStream(), StandardCharsets.US_ASCII));
          OutputStream farmIn = farm.getOutputStream()) {
        long t0 = System.nanoTime();
        String line = farmOut.readLine();
        if (line == null || !line.startsWith("ready")) {
          throw new IllegalStateException("load generator failed: " + line);
        }
        double connectSeconds = (System.nanoTime() - t0) / 1e9;
        int connected = 0;
        for (Torrent t : ts) {
          connected += t.status().peers();
        }
        long heap1 = heapAfterGc();
        long rss = rssAnonKiB();
        int fds = openFds(); // while every peer is connected
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long engine = engineThread(threads);
        double cpu0 = processCpuSeconds();
        long engineCpu0 = threads.getThreadCpuTime(engine);
        long bytes0 = moved(ts, mode);
        long start = System.nanoTime();
        farmIn.write("go\n".getBytes(StandardCharsets.US_ASCII));
        farmIn.flush();
        if (mode.equals("download")) {
          for (Torrent t : ts) {
            while (!t.completion().isDone()) {
              try {
                t.completion().get(2, TimeUnit.SECONDS);
              } catch (java.util.concurrent.TimeoutException e) {
                if (Boolean.getBoolean("bt.progress")) {
                  TorrentStatus st = t.status();
                  System.err.printf(Locale.ROOT, "%.0f s: %d/%d pieces, %.1f MiB/s, %d peers%n",
                      (System.nanoTime() - start) / 1e9, st.piecesHave(), st.pieceCount(),
                      st.downloadRate() / 1048576.0, st.peers());
                }
              }
            }
          }
        } else {
          Thread.sleep(seconds * 1000L);
        }
        double wall = (System.nanoTime() - start) / 1e9;
        double cpu = processCpuSeconds() - cpu0;
        double engineCpu = (threads.getThreadCpuTime(engine) - engineCpu0) / 1e9;
        double movedMiB = (moved(ts, mode) - bytes0) / 1048576.0;
        int stillConnected = 0;
        for (Torrent t : ts) {
          stillConnected += t.status().peers();
        }
        System.out.printf(Locale.ROOT, "| %s | %d | %d | %.1f | %d | %.1f | %.0f | %d | %d | %.1f"
                + " | %.2f | %.2f | %.0f | %.1f | %s | %s |%n",
            mode, peers, torrents, connectSeconds, connected,
            (heap1 - heap0) / 1024.0 / Math.max(1, connected), rss / 1024.0,
            Thread.activeCount(), fds, wall, cpu, engineCpu, movedMiB, movedMiB / wall,
            movedMiB > 0 ? String.format(Locale.ROOT, "%.1f", 1000 * cpu / movedMiB) : "-",
            movedMiB > 0 ? String.format(Locale.ROOT, "%.1f", 1000 * engineCpu / movedMiB) : "-");
        System.out.printf(Locale.ROOT, "(connected after the window: %d)%n", stillConnected);
      } finally {
        farm.destroy();
        farm.waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  /** The table's header. */
  static String header() {
    return "| mode | peers | torrents | connect s | connected | heap KiB per peer | RssAnon MiB"
        + " | threads | fds | window s | CPU s | engine CPU s | MiB | MiB/s | CPU ms per MiB"
        + " | engine ms per MiB |";
  }

  private static long moved(List<Torrent> ts, String mode) {
    long sum = 0;
    for (Torrent t : ts) {
      TorrentStatus s = t.status();
      sum += mode.equals("download") ? s.downloaded() : s.uploaded();
    }
    return sum;
  }

  private static long engineThread(ThreadMXBean threads) {
    for (ThreadInfo info : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (info != null && info.getThreadName().startsWith("bt-engine")) {
        return info.getThreadId();
      }
    }
    throw new IllegalStateException("no bt-engine thread");
  }

  private static long heapAfterGc() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
  }

  private static double processCpuSeconds() throws IOException {
    String s = Files.readString(Path.of("/proc/self/stat"));
    String[] f = s.substring(s.lastIndexOf(')') + 2).split(" ");
    return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
  }

  private static long rssAnonKiB() throws IOException {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("RssAnon:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  private static int openFds() throws IOException {
    try (Stream<Path> s = Files.list(Path.of("/proc/self/fd"))) {
      return (int) s.count();
    }
  }

  private static void delete(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  // --------------------------------------------------------------------- the load generator

  /**
   * The fake peers: one thread, one selector, {@code PEERS} connections. Prints {@code ready}
   * once every connection has exchanged handshakes, then waits for {@code go} on stdin.
   */
  static final class Farm {
    private final String mode;
    private final Selector selector;
    private final List<FakePeer> all = new ArrayList<>();
    private int handshaken;
    private boolean go;

    Farm(String mode) throws IOException {
      this.mode = mode;
      this.selector = Selector.open();
    }

    static void main(String[] args) throws Exception {
      String mode = args[1];
      int peers = Integer.parseInt(args[2]);
      String[] hp = args[3].split(":");
      InetSocketAddress target = new InetSocketAddress(hp[0], Integer.parseInt(hp[1]));
      List<Metainfo> metas = new ArrayList<>();
      List<byte[]> contents = new ArrayList<>();
      for (int i = 4; i + 1 < args.length; i += 2) {
        metas.add(Metainfo.parse(Path.of(args[i])));
        contents.add(mode.equals("download") ? Files.readAllBytes(Path.of(args[i + 1])) : null);
      }
      Farm farm = new Farm(mode);
      Random random = new Random(7);
      for (int i = 0; i < peers; i++) {
        int t = i % metas.size();
        farm.open(target, i, metas.get(t), contents.get(t), random);
      }
      Thread stdin = new Thread(() -> {
        try {
          BufferedReader in = new BufferedReader(
              new InputStreamReader(System.in, StandardCharsets.US_ASCII));
          if ("go".equals(in.readLine())) {
            farm.go = true;
            farm.selector.wakeup();
          }
          in.readLine(); // until the parent closes it
        } catch (IOException e) {
          // the parent is gone: exit below
        }
        System.exit(0);
      }, "farm-stdin");
      stdin.setDaemon(true);
      stdin.start();
      farm.loop(peers);
    }

    private void open(InetSocketAddress target, int i, Metainfo m, byte[] content, Random random)
        throws IOException {
      SocketChannel ch = SocketChannel.open();
      ch.configureBlocking(false);
      // each peer its own source address: nothing in the client may key on one address
      ch.bind(new InetSocketAddress(
          InetAddress.getByAddress(new byte[] {127, 1, (byte) (i >>> 8), (byte) (i & 255 | 1)}), 0));
      ch.connect(target);
      byte[] id = new byte[20];
      random.nextBytes(id);
      System.arraycopy("-FK0001-".getBytes(StandardCharsets.US_ASCII), 0, id, 0, 8);
      FakePeer p = new FakePeer(ch, m, content, PeerId.of(id), random.nextInt(m.pieceCount()));
      all.add(p);
      ch.register(selector, SelectionKey.OP_CONNECT, p);
    }

    private void loop(int peers) throws IOException {
      boolean started = false;
      boolean announced = false;
      while (true) {
        selector.select(1000);
        if (!announced && handshaken == peers) {
          announced = true;
          System.out.println("ready " + handshaken);
          System.out.flush();
        }
        if (go && !started) {
          started = true;
          for (FakePeer p : all) {
            p.start();
          }
        }
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey k = it.next();
          it.remove();
          FakePeer p = (FakePeer) k.attachment();
          try {
            if (k.isConnectable() && p.ch.finishConnect()) {
              p.connected();
            }
            if (k.isValid() && k.isReadable()) {
              p.read();
            }
            if (k.isValid() && k.isWritable()) {
              p.flush();
            }
          } catch (IOException | WireException | RuntimeException e) {
            System.err.println("fake peer dropped: " + e);
            k.cancel();
            p.ch.close();
          }
        }
        if (started) {
          for (FakePeer p : all) {
            if (p.ch.isOpen()) {
              try {
                p.pump();
              } catch (IOException e) {
                p.ch.close();
              }
            }
          }
        }
      }
    }

    /** One connection: a seed (download mode) or a leecher (seed mode), or silent (idle). */
    final class FakePeer {
      final SocketChannel ch;
      final Metainfo m;
      final byte[] content;
      final PeerId id;
      final ByteBuffer in = ByteBuffer.allocate(64 * 1024);
      ByteBuffer out = ByteBuffer.allocate(4 * 1024);
      final WireDecoder decoder = new WireDecoder();
      final ArrayDeque<PeerMessage.Request> asked = new ArrayDeque<>();
      boolean handshakeIn;
      boolean clientInterested;
      boolean unchokedByClient;
      boolean sentUnchoke;
      int inFlight;
      int nextPiece;
      int nextBlock;

      FakePeer(SocketChannel ch, Metainfo m, byte[] content, PeerId id, int firstPiece) {
        this.ch = ch;
        this.m = m;
        this.content = content;
        this.id = id;
        this.nextPiece = firstPiece;
      }

      void connected() throws IOException {
        InfoHash ih = m.infoHashes().v1().orElseThrow();
        new Handshake(0, ih, id).encode(out);
        if (mode.equals("download")) {
          byte[] bits = new byte[(m.pieceCount() + 7) / 8];
          for (int i = 0; i < m.pieceCount(); i++) {
            bits[i >> 3] |= (byte) (0x80 >>> (i & 7));
          }
          send(PeerMessage.Bitfield.of(bits));
        }
        flush();
      }

      void start() {
        if (mode.equals("seed")) {
          send(new PeerMessage.Interested());
        }
      }

      void read() throws IOException, WireException {
        int n = ch.read(in);
        if (n < 0) {
          throw new IOException("closed by the client");
        }
        in.flip();
        if (!handshakeIn) {
          if (in.remaining() < Handshake.LENGTH) {
            in.compact();
            return;
          }
          Handshake.decode(in);
          handshakeIn = true;
          handshaken++;
        }
        decoder.decode(in, this::onMessage);
        in.compact();
        flush();
      }

      private void onMessage(PeerMessage msg) {
        if (msg instanceof PeerMessage.Interested) {
          clientInterested = true;
        } else if (msg instanceof PeerMessage.Request r) {
          asked.add(r);
        } else if (msg instanceof PeerMessage.Cancel c) {
          asked.removeIf(r -> r.piece() == c.piece() && r.offset() == c.offset());
        } else if (msg instanceof PeerMessage.Unchoke) {
          unchokedByClient = true;
        } else if (msg instanceof PeerMessage.Choke) {
          unchokedByClient = false;
          inFlight = 0;
        } else if (msg instanceof PeerMessage.Piece) {
          inFlight--;
        }
      }

      /** After go: unchoke an interested client; answer requests; keep requests in flight. */
      void pump() throws IOException {
        if (mode.equals("download")) {
          if (clientInterested && !sentUnchoke) {
            sentUnchoke = true;
            send(new PeerMessage.Unchoke());
          }
          while (!asked.isEmpty() && out.position() < 256 * 1024) {
            PeerMessage.Request r = asked.poll();
            long at = (long) r.piece() * m.pieceLength() + r.offset();
            ensure(13 + r.length());
            WireEncoder.encodePieceHeader(r.piece(), r.offset(), r.length(), out);
            out.put(content, (int) at, r.length());
          }
        } else if (mode.equals("seed")) {
          while (unchokedByClient && inFlight < 16) {
            int len = Math.min(BLOCK, m.pieceSize(nextPiece) - nextBlock * BLOCK);
            send(new PeerMessage.Request(nextPiece, nextBlock * BLOCK, len));
            inFlight++;
            if ((++nextBlock) * BLOCK >= m.pieceSize(nextPiece)) {
              nextBlock = 0;
              nextPiece = (nextPiece + 1) % m.pieceCount();
            }
          }
        }
        if (out.position() > 0) {
          flush();
        }
      }

      void send(PeerMessage msg) {
        ensure(WireEncoder.encodedLength(msg));
        WireEncoder.encode(msg, out);
      }

      private void ensure(int n) {
        if (out.remaining() < n) {
          ByteBuffer bigger = ByteBuffer.allocate(Math.max(out.capacity() * 2, out.position() + n));
          out.flip();
          bigger.put(out);
          out = bigger;
        }
      }

      void flush() throws IOException {
        out.flip();
        ch.write(out);
        out.compact();
        SelectionKey k = ch.keyFor(selector);
        if (k != null && k.isValid()) {
          k.interestOps(SelectionKey.OP_READ | (out.position() > 0 ? SelectionKey.OP_WRITE : 0));
        }
      }
    }
  }
}
