package io.btlib.tracker.server.internal;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A small HTTP/1.1 server for tracker GETs on one selector thread: non-blocking accept, read,
 * parse ({@link HttpRequestHead}), handle ({@link HttpTrackerHandler}) and write, with keep-alive
 * and pipelining (requests on a connection are answered in order, one at a time).
 *
 * <p>Why not {@code com.sun.net.httpserver}: it costs a thread hand-off, several objects and a
 * header map per request, its limits (request line, header size, slow clients) are system
 * properties shared by the whole JVM rather than per server, and its idle-connection handling
 * cannot be bounded per server. A tracker request is a single GET line with no body, so a GET-only
 * HTTP/1.1 parser is small enough to make hostile-proof and test byte by byte, and keeps the whole
 * request on one thread with no allocation beyond growing a swarm's packed arrays.
 *
 * <p>Limits: a request line over {@code maxRequestLine} bytes gets 414, a head over {@code
 * maxHead} 431, a malformed head 400/405/505, and the connection is closed after the reply. A
 * connection must deliver each complete request within {@code timeoutNanos} of its previous reply
 * (or of being accepted), and must read its replies, or it is closed: a slow-loris client holds a
 * slot for one timeout at most. At {@code maxConnections}, a new connection takes the slot of the
 * oldest one that has been open {@value #IDLE_GRACE_MILLIS} ms without completing a request (so a
 * host holding every slot with idle sockets cannot lock out others), or is closed at once if
 * every connection has been served. If accepting fails (no file descriptors left), accepting
 * pauses until the next periodic check instead of spinning on the ready key.
 */
public final class HttpServerLoop implements Runnable {
  private static final Logger log = LoggerFactory.getLogger(HttpServerLoop.class);
  private static final long CHECK_EVERY_NANOS = 250_000_000L;
  private static final long IDLE_GRACE_MILLIS = 1000;

  private final ServerSocketChannel server;
  private final Selector selector;
  private final HttpTrackerHandler handler;
  private final LongSupplier ticker;
  private final long timeoutNanos;
  private final int maxConnections;
  private final int maxRequestLine;
  private final int maxHead;
  private final Set<Conn> conns = new HashSet<>();
  private final ByteSink body = new ByteSink(4096);
  private final ByteSink head = new ByteSink(256);
  private final ByteBuffer[] pair = new ByteBuffer[2];
  private volatile boolean running = true;
  private final SelectionKey acceptKey;
  private boolean acceptPaused;

  /** A loop serving {@code server}, which must be bound; the loop owns and closes both. */
  public HttpServerLoop(ServerSocketChannel server, HttpTrackerHandler handler, LongSupplier ticker,
      long timeoutNanos, int maxConnections, int maxRequestLine, int maxHead) throws IOException {
    this.server = server;
    this.handler = handler;
    this.ticker = ticker;
    this.timeoutNanos = timeoutNanos;
    this.maxConnections = maxConnections;
    this.maxRequestLine = maxRequestLine;
    this.maxHead = maxHead;
    this.selector = Selector.open();
    server.configureBlocking(false);
    acceptKey = server.register(selector, SelectionKey.OP_ACCEPT);
  }

  /** Stops the loop and closes every socket; the thread running {@link #run()} then returns. */
  public void stop() {
    running = false;
    selector.wakeup();
  }

  /** The number of open client connections (approximate when read from another thread). */
  public int connectionCount() {
    return conns.size();
  }

  @Override
  public void run() {
    long nextCheck = ticker.getAsLong() + CHECK_EVERY_NANOS;
    try {
      while (running) {
        selector.select(250);
        Iterator<SelectionKey> it = selector.selectedKeys().iterator();
        while (it.hasNext()) {
          SelectionKey k = it.next();
          it.remove();
          try {
            if (!k.isValid()) {
              continue;
            }
            if (k.isAcceptable()) {
              accept();
            } else {
              Conn c = (Conn) k.attachment();
              if (k.isWritable()) {
                flush(c);
              }
              if (k.isValid() && k.isReadable()) {
                read(c);
              }
            }
          } catch (IOException | RuntimeException e) {
            // one connection's failure (reset, or a bug on hostile input) costs that connection
            if (e instanceof RuntimeException) {
              log.warn("HTTP tracker connection failed", e);
            }
            if (k.attachment() instanceof Conn) {
              close((Conn) k.attachment());
            }
          }
        }
        long now = ticker.getAsLong();
        if (now - nextCheck >= 0) {
          nextCheck = now + CHECK_EVERY_NANOS;
          expire(now);
          if (acceptPaused && acceptKey.isValid()) {
            acceptPaused = false;
            acceptKey.interestOps(SelectionKey.OP_ACCEPT);
          }
        }
      }
    } catch (IOException | ClosedSelectorException e) {
      if (running) {
        log.warn("HTTP tracker loop stopped", e);
      }
    } finally {
      for (Conn c : new ArrayList<>(conns)) {
        close(c);
      }
      closeQuietly(server);
      closeQuietly(selector);
    }
  }

  private void accept() {
    SocketChannel ch;
    while (true) {
      try {
        ch = server.accept();
      } catch (IOException e) {
        // e.g. out of file descriptors: stop selecting for accepts until the next check
        log.warn("HTTP tracker cannot accept connections: {}", e.toString());
        acceptPaused = true;
        acceptKey.interestOps(0);
        return;
      }
      if (ch == null) {
        return;
      }
      long now = ticker.getAsLong();
      if (conns.size() >= maxConnections && !evictIdle(now)) {
        closeQuietly(ch);
        continue;
      }
      try {
        ch.configureBlocking(false);
        ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
        InetSocketAddress remote = (InetSocketAddress) ch.getRemoteAddress();
        Conn c = new Conn(ch, remote.getAddress().getAddress(), maxHead);
        c.accepted = now;
        c.deadline = now + timeoutNanos;
        c.key = ch.register(selector, SelectionKey.OP_READ, c);
        conns.add(c);
      } catch (IOException e) {
        closeQuietly(ch);
      }
    }
  }

  /**
   * Closes the oldest connection that has completed no request in the grace period, to make room;
   * false if there is none.
   */
  private boolean evictIdle(long now) {
    long graceNanos = IDLE_GRACE_MILLIS * 1_000_000L;
    Conn oldest = null;
    for (Conn c : conns) {
      if (!c.served && now - c.accepted >= graceNanos
          && (oldest == null || c.accepted - oldest.accepted < 0)) {
        oldest = c;
      }
    }
    if (oldest == null) {
      return false;
    }
    close(oldest);
    return true;
  }

  private void read(Conn c) throws IOException {
    if (c.inLen == c.in.length && c.in.length < maxHead) { // grow, up to the head limit
      c.in = Arrays.copyOf(c.in, Math.min(maxHead, c.in.length * 4));
    }
    int n = c.ch.read(ByteBuffer.wrap(c.in, c.inLen, c.in.length - c.inLen));
    if (n < 0) {
      close(c);
      return;
    }
    c.inLen += n;
    process(c);
  }

  /** Answers every complete request buffered, until one reply cannot be written at once. */
  private void process(Conn c) throws IOException {
    while (c.out == null && c.inLen > 0 && !c.closing) {
      int r = c.parser.parse(c.in, c.inLen);
      if (r == HttpRequestHead.NEED_MORE) {
        return;
      }
      if (r < 0) {
        c.closing = true;
        c.key.interestOps(0);
        send(c, -r, reasonOf(-r), null, false);
        return;
      }
      int status = handler.handle(c.in, c.parser.targetStart(), c.parser.targetEnd(), c.ip,
          ticker.getAsLong(), body);
      boolean keepAlive = c.parser.keepAlive();
      System.arraycopy(c.in, r, c.in, 0, c.inLen - r);
      c.inLen -= r;
      c.parser.reset();
      c.served = true;
      c.deadline = ticker.getAsLong() + timeoutNanos;
      if (!keepAlive) {
        c.closing = true;
        c.key.interestOps(0);
      }
      send(c, status, status == 200 ? "OK" : reasonOf(status), body, keepAlive);
    }
  }

  private void send(Conn c, int status, String reason, ByteSink content, boolean keepAlive)
      throws IOException {
    int len = content == null ? 0 : content.length();
    head.reset().ascii("HTTP/1.1 ").decimal(status).put(' ').ascii(reason)
        .ascii("\r\nContent-Type: text/plain\r\nContent-Length: ").decimal(len).ascii("\r\n");
    if (!keepAlive) {
      head.ascii("Connection: close\r\n");
    }
    head.ascii("\r\n");
    pair[0] = ByteBuffer.wrap(head.array(), 0, head.length());
    pair[1] = ByteBuffer.wrap(content == null ? new byte[0] : content.array(), 0, len);
    c.ch.write(pair);
    if (pair[0].hasRemaining() || pair[1].hasRemaining()) {
      // the socket is full: keep a copy of the rest and wait until it drains
      ByteBuffer rest = ByteBuffer.allocate(pair[0].remaining() + pair[1].remaining());
      ((Buffer) rest.put(pair[0]).put(pair[1])).flip();
      c.out = rest;
      c.key.interestOps(SelectionKey.OP_WRITE);
    } else if (c.closing) {
      close(c);
    }
    pair[0] = null;
    pair[1] = null;
  }

  private void flush(Conn c) throws IOException {
    c.ch.write(c.out);
    if (c.out.hasRemaining()) {
      return;
    }
    c.out = null;
    if (c.closing) {
      close(c);
      return;
    }
    c.key.interestOps(SelectionKey.OP_READ);
    process(c); // pipelined requests that waited for this reply
  }

  private void expire(long now) {
    List<Conn> late = null;
    for (Conn c : conns) {
      if (now - c.deadline >= 0) {
        if (late == null) {
          late = new ArrayList<>();
        }
        late.add(c);
      }
    }
    if (late != null) {
      for (Conn c : late) {
        close(c);
      }
    }
  }

  private void close(Conn c) {
    if (conns.remove(c)) {
      if (c.key != null) {
        c.key.cancel();
      }
      closeQuietly(c.ch);
    }
  }

  private static String reasonOf(int status) {
    switch (status) {
      case 400:
        return "Bad Request";
      case 404:
        return "Not Found";
      case 405:
        return "Method Not Allowed";
      case 414:
        return "URI Too Long";
      case 431:
        return "Request Header Fields Too Large";
      case 505:
        return "HTTP Version Not Supported";
      default:
        return "Error";
    }
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing: nothing left to do
    }
  }

  /** One client connection; touched only by the loop thread. */
  private final class Conn {
    final SocketChannel ch;
    final byte[] ip;
    byte[] in;
    final HttpRequestHead parser = new HttpRequestHead(maxRequestLine, maxHead);
    int inLen;
    SelectionKey key;
    ByteBuffer out;
    long deadline;
    /** When it was accepted, and whether it has completed a request since. */
    long accepted;
    boolean served;
    boolean closing;

    Conn(SocketChannel ch, byte[] ip, int capacity) {
      this.ch = ch;
      this.ip = ip;
      this.in = new byte[Math.min(1024, capacity)]; // a tracker GET is ~300 bytes
    }
  }
}
