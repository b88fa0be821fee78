package io.btlib.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback HTTP/1.1 server that answers each request with what a script writes on the raw
 * socket, for answers no well-behaved server sends. Counts connections, keeps the request heads,
 * and notes when a client closed its connection.
 */
final class RawServer implements AutoCloseable {
  interface Script {
    /**
     * Answers one request (its head is {@code head}; {@code in} is the rest of the connection);
     * returns false to close the connection.
     */
    boolean answer(String head, InputStream in, OutputStream out) throws IOException;
  }

  private final ServerSocket server;
  private final Thread acceptor;
  final List<String> heads = new CopyOnWriteArrayList<>();
  final AtomicInteger connections = new AtomicInteger();
  /** Counted down when a client closes a connection (the server reads its end). */
  final CountDownLatch clientClosed = new CountDownLatch(1);
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  volatile Script script;

  RawServer(Script script) throws IOException {
    this.script = script;
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    acceptor = new Thread(this::acceptLoop, "raw-server");
    acceptor.setDaemon(true);
    acceptor.start();
  }

  URI uri(String path) {
    return URI.create("http://127.0.0.1:" + server.getLocalPort() + path);
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket s = server.accept();
        sockets.add(s);
        connections.incrementAndGet();
        Thread t = new Thread(() -> serve(s), "raw-server-conn");
        t.setDaemon(true);
        t.start();
      } catch (IOException e) {
        return;
      }
    }
  }

  private void serve(Socket s) {
    try (Socket socket = s) {
      InputStream in = socket.getInputStream();
      while (true) {
        String head = readHead(in);
        if (head == null) {
          clientClosed.countDown();
          return;
        }
        heads.add(head);
        if (!script.answer(head, in, socket.getOutputStream())) {
          return;
        }
        socket.getOutputStream().flush();
      }
    } catch (IOException e) {
      if (!server.isClosed()) {
        clientClosed.countDown(); // a reset: the client closed too
      }
    }
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        return null;
      }
      b.write(c);
      state = (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
          ? state + 1 : 0;
    }
    return b.toString(StandardCharsets.ISO_8859_1);
  }

  /**
   * Sends nothing more and waits until the client closes the connection (or the server is
   * closed); then counts {@link #clientClosed} down. Returns false, to end the connection.
   */
  boolean stall(InputStream in) {
    try {
      while (in.read() >= 0) {
        // ignore what the client sends
      }
      clientClosed.countDown();
    } catch (IOException e) {
      if (!server.isClosed()) {
        clientClosed.countDown(); // a reset by the client
      }
    }
    return false;
  }

  static void write(OutputStream out, String s) throws IOException {
    out.write(s.getBytes(StandardCharsets.ISO_8859_1));
    out.flush();
  }

  @Override
  public void close() throws IOException {
    server.close();
    for (Socket s : sockets) {
      s.close();
    }
  }
}
