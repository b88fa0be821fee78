package io.btlib.benchmarks;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.LockSupport;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A userspace delay line for TCP on loopback: a relay that accepts connections on one port,
 * dials a target for each, and forwards both directions through a link with a fixed one-way delay
 * and a rate cap. The kernel here has no {@code netem}, so this is how a benchmark or a test puts
 * a long round trip between two peers on one machine.
 *
 * <p>Each direction is a reader and a writer thread. The reader paces what it takes from the
 * socket to the rate cap (a bottleneck link serialising bytes; the sender's socket buffer and the
 * relay's receive buffer are the queue in front of it), stamps each chunk with the time it
 * leaves the link plus the delay, and hands it to the writer, which holds it until then. What is
 * in the delay line is bounded by {@code bufferBytes} (by default twice the rate × delay product
 * plus 8 MiB), enough that the line itself never throttles: a reader eagerly takes what the
 * sender has written, so what limits throughput is what the two applications keep in flight.
 *
 * <pre>
 * java -cp bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.DelayLine \
 *     LISTEN_PORT TARGET_HOST:PORT ONE_WAY_DELAY_MS RATE_MIB_PER_S
 * java -cp bt-benchmarks/target/benchmarks.jar io.btlib.benchmarks.DelayLine \
 *     --check ONE_WAY_DELAY_MS RATE_MIB_PER_S [SECONDS]
 * </pre>
 *
 * <p>The first form relays until killed; it prints {@code {"event":"listening","port":P}}
 * when ready (port 0 picks one) and a {@code relayed} line per direction as it ends (see
 * {@link #report}). The second pushes bytes through a delay line on loopback for SECONDS
 * (default 10) like iperf and prints the rate the receiver saw after the first byte arrived, as
 * a share of the cap. A rate of 0 means no cap. Instances are {@link AutoCloseable}:
 * {@link #close()} stops the listener and every relayed connection, and waits for no thread.
 */
public final class DelayLine implements AutoCloseable {
  private static final int CHUNK = 64 * 1024;
  /** Credit a paced reader may bank after an oversleep: bursts no longer than this. */
  private static final long BURST_NANOS = 2_000_000L;

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final long delayNanos;
  private final long bytesPerSecond;
  private final long bufferBytes;
  private final List<Socket> sockets = new ArrayList<>();
  private final Thread acceptor;
  private volatile boolean closed;
  private volatile java.util.function.Consumer<String> reporter;

  private DelayLine(ServerSocket server, InetSocketAddress target, long delayNanos,
      long bytesPerSecond, long bufferBytes) {
    this.server = server;
    this.target = target;
    this.delayNanos = delayNanos;
    this.bytesPerSecond = bytesPerSecond;
    this.bufferBytes = bufferBytes;
    this.acceptor = new Thread(this::acceptLoop, "delay-line-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
  }

  /**
   * Starts a delay line listening on the loopback address.
   *
   * @param listenPort the port to listen on, 0 for any
   * @param target where each accepted connection is relayed to
   * @param oneWayDelayNanos how long each byte spends in the line, each way
   * @param bytesPerSecond the rate cap each way, 0 for none
   * @return the running delay line
   * @throws IOException if the port cannot be bound
   */
  public static DelayLine start(int listenPort, InetSocketAddress target, long oneWayDelayNanos,
      long bytesPerSecond) throws IOException {
    if (oneWayDelayNanos < 0 || bytesPerSecond < 0) {
      throw new IllegalArgumentException("delay and rate must be >= 0: " + oneWayDelayNanos
          + ", " + bytesPerSecond);
    }
    long product = bytesPerSecond == 0 ? 64L << 20
        : (long) (bytesPerSecond * (oneWayDelayNanos / 1e9));
    long buffer = 2 * product + (8L << 20);
    ServerSocket s = new ServerSocket();
    s.setReceiveBufferSize(4 << 20);
    s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), listenPort), 64);
    DelayLine line = new DelayLine(s, target, oneWayDelayNanos, bytesPerSecond, buffer);
    line.acceptor.start();
    return line;
  }

  /**
   * Asks for a line about each direction that carried at least 4 MiB, when it ends: its bytes,
   * seconds from its first to its last byte, the rate over all of it, and the rate over the
   * second half of its bytes (past the senders' slow start).
   *
   * @param reporter called on a relay thread with each line, or null for none
   */
  public void report(java.util.function.Consumer<String> reporter) {
    this.reporter = reporter;
  }

  /** The port this line listens on. */
  public int port() {
    return server.getLocalPort();
  }

  /** The address this line listens on, to give a peer instead of the target. */
  public InetSocketAddress address() {
    return new InetSocketAddress(server.getInetAddress(), server.getLocalPort());
  }

  private void acceptLoop() {
    while (!closed) {
      Socket in;
      try {
        in = server.accept();
      } catch (IOException e) {
        return; // closed
      }
      try {
        Socket out = new Socket();
        out.setReceiveBufferSize(4 << 20);
        out.setSendBufferSize(4 << 20);
        out.setTcpNoDelay(true);
        out.connect(target, 10_000);
        in.setTcpNoDelay(true);
        in.setSendBufferSize(4 << 20);
        synchronized (sockets) {
          if (closed) {
            in.close();
            out.close();
            return;
          }
          sockets.add(in);
          sockets.add(out);
        }
        String name = in.getPort() + "-" + out.getLocalPort();
        new Direction(in, out, "delay-line-up-" + name).start();
        new Direction(out, in, "delay-line-down-" + name).start();
      } catch (IOException e) {
        closeQuietly(in);
      }
    }
  }

  /** Stops listening and closes every relayed connection. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    synchronized (sockets) {
      for (Socket s : sockets) {
        closeQuietly(s);
      }
      sockets.clear();
    }
  }

  private static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // closing anyway
    }
  }

  /** One direction of one connection: a pacing reader and a delaying writer. */
  private final class Direction {
    private final Socket from;
    private final Socket to;
    private final String name;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Chunk> queue = new ArrayDeque<>();
    private long queuedBytes;
    private boolean eof;
    private boolean failed;

    Direction(Socket from, Socket to, String name) {
      this.from = from;
      this.to = to;
      this.name = name;
    }

    void start() {
      Thread r = new Thread(this::readLoop, name + "-read");
      Thread w = new Thread(this::writeLoop, name + "-write");
      r.setDaemon(true);
      w.setDaemon(true);
      r.start();
      w.start();
    }

    private void readLoop() {
      long linkFree = System.nanoTime();
      try {
        InputStream in = from.getInputStream();
        while (true) {
          byte[] buf = new byte[CHUNK];
          int n = in.read(buf);
          if (n < 0) {
            break;
          }
          long now = System.nanoTime();
          long leaves = now;
          if (bytesPerSecond > 0) {
            linkFree = Math.max(linkFree, now - BURST_NANOS) + n * 1_000_000_000L / bytesPerSecond;
            leaves = linkFree;
            sleepUntil(linkFree);
          }
          put(new Chunk(buf, n, leaves + delayNanos));
        }
      } catch (IOException | InterruptedException e) {
        fail();
        return;
      }
      lock.lock();
      try {
        eof = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    private void put(Chunk c) throws InterruptedException {
      lock.lock();
      try {
        while (queuedBytes > 0 && queuedBytes + c.length > bufferBytes && !failed) {
          changed.await();
        }
        queue.addLast(c);
        queuedBytes += c.length;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
    }

    /** When the writer had passed each whole MiB: index i holds the time of MiB i + 1. */
    private long[] mibNanos = new long[256];
    private long written;
    private long firstNanos;

    private void count(int n) {
      long now = System.nanoTime();
      if (written == 0) {
        firstNanos = now;
      }
      long before = written >> 20;
      written += n;
      for (long m = before; m < written >> 20; m++) {
        if (m >= mibNanos.length) {
          mibNanos = java.util.Arrays.copyOf(mibNanos, mibNanos.length * 2);
        }
        mibNanos[(int) m] = now;
      }
    }

    private void report() {
      java.util.function.Consumer<String> r = reporter;
      int mib = (int) (written >> 20);
      if (r == null || mib < 4) {
        return;
      }
      long last = mibNanos[mib - 1];
      double secs = (last - firstNanos) / 1e9;
      double half = (last - mibNanos[mib / 2 - 1]) / 1e9;
      r.accept(String.format(Locale.ROOT,
          "{\"event\":\"relayed\",\"direction\":\"%s\",\"bytes\":%d,\"seconds\":%.3f,"
              + "\"rateMiBps\":%.2f,\"secondHalfMiBps\":%.2f}",
          name, written, secs, mib / secs, (mib - mib / 2) / half));
    }

    private void writeLoop() {
      try {
        OutputStream out = to.getOutputStream();
        while (true) {
          Chunk c;
          lock.lock();
          try {
            while (queue.isEmpty() && !eof && !failed) {
              changed.await();
            }
            if (failed) {
              return;
            }
            if (queue.isEmpty()) {
              break; // eof and drained
            }
            c = queue.peekFirst();
          } finally {
            lock.unlock();
          }
          sleepUntil(c.due);
          out.write(c.bytes, 0, c.length);
          count(c.length);
          lock.lock();
          try {
            queue.pollFirst();
            queuedBytes -= c.length;
            changed.signalAll();
          } finally {
            lock.unlock();
          }
        }
        to.shutdownOutput();
      } catch (IOException | InterruptedException e) {
        fail();
      } finally {
        report();
      }
    }

    private void fail() {
      lock.lock();
      try {
        failed = true;
        changed.signalAll();
      } finally {
        lock.unlock();
      }
      closeQuietly(from);
      closeQuietly(to);
    }
  }

  private static void sleepUntil(long due) throws InterruptedException {
    long wait;
    while ((wait = due - System.nanoTime()) > 0) {
      LockSupport.parkNanos(wait);
      if (Thread.interrupted()) {
        throw new InterruptedException();
      }
    }
  }

  private record Chunk(byte[] bytes, int length, long due) {}

  /** Entry point; see the class doc. */
  public static void main(String[] args) throws Exception {
    if (args.length >= 3 && args[0].equals("--check")) {
      double seconds = args.length > 3 ? Double.parseDouble(args[3]) : 10;
      check(Long.parseLong(args[1]), Double.parseDouble(args[2]), seconds);
      return;
    }
    if (args.length != 4) {
      System.err.println("usage: DelayLine LISTEN_PORT HOST:PORT ONE_WAY_DELAY_MS RATE_MIBPS\n"
          + "       DelayLine --check ONE_WAY_DELAY_MS RATE_MIBPS [SECONDS]");
      System.exit(2);
    }
    int colon = args[1].lastIndexOf(':');
    InetSocketAddress target = new InetSocketAddress(args[1].substring(0, colon),
        Integer.parseInt(args[1].substring(colon + 1)));
    DelayLine line = start(Integer.parseInt(args[0]), target,
        Long.parseLong(args[2]) * 1_000_000L, (long) (Double.parseDouble(args[3]) * 1048576));
    line.report(l -> {
      synchronized (System.out) {
        System.out.println(l);
        System.out.flush();
      }
    });
    System.out.println("{\"event\":\"listening\",\"port\":" + line.port() + "}");
    System.out.flush();
    Thread.currentThread().join(); // until killed
  }

  /** Pushes bytes through a delay line for {@code seconds} and prints the receiver's rate. */
  private static void check(long delayMs, double mibps, double seconds) throws Exception {
    try (ServerSocket sink = new ServerSocket()) {
      sink.setReceiveBufferSize(4 << 20);
      sink.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      long rate = (long) (mibps * 1048576);
      try (DelayLine line = start(0, (InetSocketAddress) sink.getLocalSocketAddress(),
          delayMs * 1_000_000L, rate)) {
        long[] result = new long[3]; // first byte's time, last byte's time, bytes after the first
        Thread receiver = new Thread(() -> {
          try (Socket s = sink.accept()) {
            InputStream in = s.getInputStream();
            byte[] buf = new byte[1 << 20];
            int n = in.read(buf);
            result[0] = System.nanoTime();
            long total = 0;
            while ((n = in.read(buf)) >= 0) {
              total += n;
              result[1] = System.nanoTime();
            }
            result[2] = total;
          } catch (IOException e) {
            throw new IllegalStateException(e);
          }
        });
        receiver.start();
        long start = System.nanoTime();
        try (Socket s = new Socket()) {
          s.setSendBufferSize(4 << 20);
          s.connect(line.address());
          OutputStream out = s.getOutputStream();
          byte[] buf = new byte[1 << 20];
          long end = start + (long) (seconds * 1e9);
          while (System.nanoTime() < end) {
            out.write(buf);
          }
          s.shutdownOutput();
          receiver.join();
        }
        double secs = (result[1] - result[0]) / 1e9;
        double got = result[2] / 1048576.0 / secs;
        System.out.printf(Locale.ROOT,
            "delay line %d ms one way, cap %.1f MiB/s: received %.1f MiB in %.2f s after the"
                + " first byte (%.0f ms after connecting): %.2f MiB/s, %.1f%% of the cap%n",
            delayMs, mibps, result[2] / 1048576.0, secs, (result[0] - start) / 1e6, got,
            rate == 0 ? 0 : 100 * got / mibps);
      }
    }
  }
}
