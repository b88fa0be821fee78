package io.btlib.webseed.internal;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A small web seed for tests on 127.0.0.1: serves files by their decoded path, with single-range
 * {@code Range} support written here (206 with {@code Content-Range}), and misbehaviours to order.
 */
public final class TestWebServer implements AutoCloseable {
  /** How the server answers. */
  public enum Mode {
    /** Ranges as asked. */
    GOOD,
    /** Ranges as asked, every byte flipped. */
    LYING,
    /** 200 with the whole file, Range ignored. */
    IGNORES_RANGE,
    /** 404 to everything. */
    NOT_FOUND,
    /** Never answers (until closed). */
    SILENT,
    /** 206 with the right Content-Range, but 100 bytes more than asked. */
    EXTRA_BYTES,
    /** 206 with the right Content-Range, chunked, 100 bytes more than asked. */
    EXTRA_BYTES_CHUNKED,
    /** 206 with the right Content-Range, chunked, one byte short. */
    SHORT_CHUNKED,
    /** 206 naming a range other than the one asked. */
    WRONG_RANGE,
    /** 302 to the same path on the same server with a "/moved" prefix, then GOOD. */
    REDIRECT
  }

  private final HttpServer server;
  private final ExecutorService pool;
  private final Map<String, byte[]> files = new ConcurrentHashMap<>();
  private final CountDownLatch closing = new CountDownLatch(1);
  /** Each request: "path range" as the server saw it (path decoded). */
  public final List<String> requests = new CopyOnWriteArrayList<>();
  public final AtomicInteger bytesSent = new AtomicInteger();
  public volatile Mode mode;

  public TestWebServer(Mode mode) throws IOException {
    this.mode = mode;
    server = HttpServer.create(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0), 50);
    AtomicInteger n = new AtomicInteger();
    pool = Executors.newFixedThreadPool(8, r -> {
      Thread t = new Thread(r, "test-webseed-server-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    server.setExecutor(pool);
    server.createContext("/", this::handle);
    server.start();
  }

  /** Serves {@code data} at {@code path} (decoded, starting with '/'). */
  public TestWebServer put(String path, byte[] data) {
    files.put(path, data);
    return this;
  }

  /**
   * Waits until the server has seen {@code n} requests (it records each as it arrives, before
   * answering), up to {@code timeout}; whether it has.
   */
  public boolean awaitRequests(int n, long timeout, TimeUnit unit) throws InterruptedException {
    long deadline = System.nanoTime() + unit.toNanos(timeout);
    synchronized (requests) {
      for (long left = unit.toNanos(timeout); requests.size() < n && left > 0;
          left = deadline - System.nanoTime()) {
        TimeUnit.NANOSECONDS.timedWait(requests, left);
      }
      return requests.size() >= n;
    }
  }

  /** The base URL, {@code http://127.0.0.1:port}, without a trailing slash. */
  public String base() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getPath();
      String range = x.getRequestHeaders().getFirst("Range");
      synchronized (requests) {
        requests.add(path + " " + range);
        requests.notifyAll();
      }
      Mode m = mode;
      if (m == Mode.SILENT) {
        try {
          closing.await(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return;
      }
      if (m == Mode.NOT_FOUND) {
        x.sendResponseHeaders(404, -1);
        return;
      }
      if (m == Mode.REDIRECT) {
        if (!path.startsWith("/moved/")) {
          x.getResponseHeaders().set("Location", base() + "/moved" + x.getRequestURI()
              .getRawPath());
          x.sendResponseHeaders(302, -1);
          return;
        }
        path = path.substring("/moved".length());
      }
      byte[] f = files.get(path);
      if (f == null) {
        x.sendResponseHeaders(404, -1);
        return;
      }
      long first = 0;
      long last = f.length - 1;
      boolean ranged = false;
      if (range != null && range.startsWith("bytes=") && m != Mode.IGNORES_RANGE) {
        String[] r = range.substring(6).split("-", 2);
        first = Long.parseLong(r[0]);
        last = r[1].isEmpty() ? f.length - 1 : Math.min(f.length - 1, Long.parseLong(r[1]));
        if (first > last || first >= f.length) {
          x.getResponseHeaders().set("Content-Range", "bytes */" + f.length);
          x.sendResponseHeaders(416, -1);
          return;
        }
        ranged = true;
      }
      int len = (int) (last - first + 1);
      boolean extra = m == Mode.EXTRA_BYTES || m == Mode.EXTRA_BYTES_CHUNKED;
      byte[] body = new byte[len + (extra ? 100 : 0) - (m == Mode.SHORT_CHUNKED ? 1 : 0)];
      System.arraycopy(f, (int) first, body, 0, Math.min(len, body.length));
      if (m == Mode.LYING) {
        for (int i = 0; i < body.length; i++) {
          body[i] = (byte) ~body[i];
        }
      }
      if (ranged) {
        long shownFirst = m == Mode.WRONG_RANGE ? first + 1 : first;
        long shownLast = m == Mode.WRONG_RANGE ? last + 1 : last;
        x.getResponseHeaders().set("Content-Range",
            "bytes " + shownFirst + "-" + shownLast + "/" + f.length);
        boolean chunked = m == Mode.EXTRA_BYTES_CHUNKED || m == Mode.SHORT_CHUNKED;
        x.sendResponseHeaders(206, chunked ? 0 : body.length);
      } else {
        x.sendResponseHeaders(200, body.length);
      }
      try (OutputStream out = x.getResponseBody()) {
        for (int off = 0; off < body.length; off += 8192) {
          int n = Math.min(8192, body.length - off);
          out.write(body, off, n);
          bytesSent.addAndGet(n);
        }
      } catch (IOException e) {
        // the client hung up: it had what it wanted
      }
    } catch (RuntimeException e) {
      x.sendResponseHeaders(500, -1);
    }
  }

  @Override
  public void close() {
    closing.countDown();
    server.stop(0);
    pool.shutdownNow();
  }
}
