package io.btlib.cli.stream;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small HTTP/1.1 server for {@code bt stream}: {@code GET} and {@code HEAD} of a torrent's
 * files, with byte ranges and keep-alive, for media players.
 *
 * <pre>{@code
 * try (StreamServer s = StreamServer.start(InetAddress.getLoopbackAddress(), 0, files, 32)) {
 *   System.out.println(s.url(files.get(0)));   // http://127.0.0.1:PORT/0/movie.mkv
 *   ...
 * }
 * }</pre>
 *
 * <p>URLs: {@code /INDEX/PATH} for each file (see {@link #url(ServedFile)}); {@code /} lists
 * them as text. Ranges: see {@code ByteRanges} (one range → 206, several → the whole file as 200,
 * a bad one → 416). Hostile requests get 400, 404, 405, 414, 416, 431 or 505 and the server goes
 * on; a client that leaves in the middle of a body is dropped without a word.
 *
 * <p>Threads: one acceptor, one watchdog (see {@code Exchange#probe()}), and one thread per
 * connection up to {@code maxConnections}; a connection over the limit gets 503. {@link #close()}
 * stops them all, closes every connection and interrupts reads blocked in a file's channel.
 */
public final class StreamServer implements AutoCloseable {
  static final long PROBE_MILLIS = 100;

  private final ServerSocket server;
  private final Map<Integer, ServedFile> files;
  private final ThreadPoolExecutor pool;
  private final ScheduledExecutorService watchdog;
  private final Set<Exchange> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;
  private volatile boolean closed;

  private StreamServer(ServerSocket server, List<ServedFile> files, int maxConnections) {
    this.server = server;
    Map<Integer, ServedFile> byIndex = new LinkedHashMap<>();
    for (ServedFile f : files) {
      if (byIndex.put(f.index(), f) != null) {
        throw new IllegalArgumentException("two files with index " + f.index());
      }
    }
    this.files = Map.copyOf(byIndex);
    AtomicInteger n = new AtomicInteger();
    this.pool = new ThreadPoolExecutor(0, maxConnections, 30, TimeUnit.SECONDS,
        new SynchronousQueue<>(), r -> daemon(r, "bt-http-" + n.incrementAndGet()));
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "bt-http-watchdog"));
    this.acceptor = daemon(this::accept, "bt-http-accept");
  }

  /**
   * Binds {@code bind:port} (port 0: any free port) and starts serving {@code files}.
   *
   * @param maxConnections the most connections served at once, at least 1
   * @throws IOException if the address cannot be bound
   */
  public static StreamServer start(InetAddress bind, int port, List<ServedFile> files,
      int maxConnections) throws IOException {
    if (maxConnections < 1) {
      throw new IllegalArgumentException("maxConnections < 1: " + maxConnections);
    }
    ServerSocket ss = new ServerSocket();
    StreamServer s;
    try {
      ss.setReuseAddress(true);
      ss.bind(new InetSocketAddress(bind, port), 64);
      s = new StreamServer(ss, files, maxConnections);
    } catch (IOException | RuntimeException e) {
      ss.close();
      throw e;
    }
    s.watchdog.scheduleWithFixedDelay(s::probeAll, PROBE_MILLIS, PROBE_MILLIS,
        TimeUnit.MILLISECONDS);
    s.acceptor.start();
    return s;
  }

  /** The bound address and port. */
  public InetSocketAddress address() {
    return (InetSocketAddress) server.getLocalSocketAddress();
  }

  /** The URL of {@code file}: {@code http://HOST:PORT/INDEX/PATH}, path segments encoded. */
  public String url(ServedFile file) {
    InetAddress a = address().getAddress();
    String host = a.getHostAddress();
    if (host.indexOf(':') >= 0) {
      host = "[" + host.replaceFirst("%.*$", "") + "]";
    }
    return "http://" + host + ":" + address().getPort() + UrlPaths.of(file);
  }

  /** The number of connections open now. */
  public int connections() {
    return open.size();
  }

  /**
   * Waits until no connection is open, or {@code timeoutMillis} has passed.
   *
   * @return whether none is open
   */
  public boolean awaitNoConnections(long timeoutMillis) throws InterruptedException {
    long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMillis);
    synchronized (open) {
      for (long left = timeoutMillis; !open.isEmpty() && left > 0;
          left = TimeUnit.NANOSECONDS.toMillis(end - System.nanoTime())) {
        open.wait(left);
      }
      return open.isEmpty();
    }
  }

  private void ended(Exchange x) {
    open.remove(x);
    synchronized (open) {
      open.notifyAll();
    }
  }

  private void accept() {
    while (!closed) {
      Socket s;
      try {
        s = server.accept();
      } catch (IOException e) {
        if (closed) {
          return;
        }
        continue; // e.g. too many open files for a moment: keep serving the others
      }
      Exchange[] self = new Exchange[1];
      Exchange x = new Exchange(s, files, () -> ended(self[0]));
      self[0] = x;
      open.add(x);
      try {
        pool.execute(x);
      } catch (RejectedExecutionException e) {
        ended(x);
        Exchange.busy(s);
      }
      if (closed) {
        x.end();
      }
    }
  }

  private void probeAll() {
    for (Exchange x : open) {
      x.probe();
    }
  }

  /** Stops accepting, closes every connection and waits up to 5 s for their threads to end. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    try {
      server.close();
    } catch (IOException e) {
      // closing anyway
    }
    watchdog.shutdownNow();
    for (Exchange x : open) {
      x.end();
    }
    pool.shutdownNow();
    try {
      acceptor.join(5000);
      pool.awaitTermination(5, TimeUnit.SECONDS);
      watchdog.awaitTermination(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }
}
