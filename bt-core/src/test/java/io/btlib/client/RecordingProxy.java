package io.btlib.client;

import io.btlib.peer.PeerAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A TCP relay on 127.0.0.1 that forwards every connection to one target and records the first
 * bytes of each direction: what a passive observer of the wire would see. Its threads are daemons
 * and stop on {@link #close()}.
 */
final class RecordingProxy implements AutoCloseable {
  static final int RECORD_LIMIT = 4 << 20;

  /** One relayed connection. */
  static final class Relayed {
    final ByteArrayOutputStream up = new ByteArrayOutputStream();
    final ByteArrayOutputStream down = new ByteArrayOutputStream();
    volatile boolean ended;
    private final CountDownLatch end = new CountDownLatch(1);

    /** Waits until either direction of the connection has ended. */
    boolean awaitEnd(long seconds) throws InterruptedException {
      return end.await(seconds, TimeUnit.SECONDS);
    }

    synchronized byte[] up() {
      return up.toByteArray();
    }

    synchronized byte[] down() {
      return down.toByteArray();
    }
  }

  private final ServerSocket server;
  private final InetSocketAddress target;
  private final List<Relayed> relayed = new ArrayList<>();
  private final List<Socket> sockets = new ArrayList<>();
  private final List<Thread> threads = new ArrayList<>();
  private volatile boolean closed;
  private final CountDownLatch firstRelayed = new CountDownLatch(1);

  RecordingProxy(InetSocketAddress target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getByName("127.0.0.1"));
    start("proxy-accept", this::acceptLoop);
  }

  PeerAddress address() {
    return PeerAddress.of(server.getInetAddress(), server.getLocalPort());
  }

  synchronized List<Relayed> relayed() {
    return new ArrayList<>(relayed);
  }

  /** The first relayed connection, once there is one (within {@code seconds}). */
  Relayed first(long seconds) throws InterruptedException {
    if (!firstRelayed.await(seconds, TimeUnit.SECONDS)) {
      throw new AssertionError("no connection through the proxy within " + seconds + " s");
    }
    return relayed().get(0);
  }

  private synchronized void start(String name, Runnable r) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    threads.add(t);
    t.start();
  }

  private void acceptLoop() {
    while (!closed) {
      try {
        Socket in = server.accept();
        Socket out = new Socket(target.getAddress(), target.getPort());
        Relayed r = new Relayed();
        synchronized (this) {
          sockets.add(in);
          sockets.add(out);
          relayed.add(r);
        }
        firstRelayed.countDown();
        start("proxy-up", () -> pump(in, out, r, true));
        start("proxy-down", () -> pump(out, in, r, false));
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void pump(Socket from, Socket to, Relayed r, boolean up) {
    byte[] buf = new byte[64 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      int n;
      while ((n = in.read(buf)) > 0) {
        synchronized (r) {
          ByteArrayOutputStream rec = up ? r.up : r.down;
          if (rec.size() < RECORD_LIMIT) {
            rec.write(buf, 0, Math.min(n, RECORD_LIMIT - rec.size()));
          }
        }
        out.write(buf, 0, n);
      }
    } catch (IOException e) {
      // the other side went away
    } finally {
      r.ended = true;
      r.end.countDown();
      try {
        from.close();
        to.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

  @Override
  public void close() throws IOException {
    closed = true;
    server.close();
    List<Socket> all;
    List<Thread> started;
    synchronized (this) {
      all = new ArrayList<>(sockets);
      started = new ArrayList<>(threads); // the accept loop may still be starting some
    }
    for (Socket s : all) {
      s.close();
    }
    for (Thread t : started) {
      try {
        t.join(2000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
