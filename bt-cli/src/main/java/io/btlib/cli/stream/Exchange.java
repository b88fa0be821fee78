package io.btlib.cli.stream;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One client connection: reads a request head, answers it, and again while both sides keep the
 * connection (RFC 9112, 9.3), on the thread the server gave it.
 *
 * <p>A body is read from the file's channel, which may block until the bytes are verified. A
 * client that goes away then would leave the thread blocked, holding its reader's priority on
 * pieces nobody wants any more (a player that seeks drops its connection and opens a new one),
 * so the server's watchdog calls {@link #probe()} on every connection now and then: while a body
 * is being sent, it peeks at the socket, and an end of stream there closes the socket and
 * interrupts the thread, which closes the channel.
 */
final class Exchange implements Runnable {
  /** How long a connection may wait for (the rest of) a request head. */
  static final int IDLE_MILLIS = 30_000;
  static final int CHUNK = 64 * 1024;

  private static final DateTimeFormatter HTTP_DATE =
      DateTimeFormatter.ofPattern("EEE, dd MMM yyyy HH:mm:ss 'GMT'", Locale.US);

  private final Socket socket;
  private final Map<Integer, ServedFile> files;
  private final Runnable onEnd;
  private final Object lock = new Object();
  private InputStream in;
  private Thread bodyThread; // the handler while it sends a body, guarded by lock
  private volatile boolean gone;

  Exchange(Socket socket, Map<Integer, ServedFile> files, Runnable onEnd) {
    this.socket = socket;
    this.files = files;
    this.onEnd = onEnd;
  }

  @Override
  public void run() {
    try (Socket s = socket) {
      s.setSoTimeout(IDLE_MILLIS);
      s.setTcpNoDelay(true);
      in = new BufferedInputStream(s.getInputStream(), 8192);
      OutputStream out = new BufferedOutputStream(s.getOutputStream(), CHUNK);
      while (!gone) {
        RequestHead head;
        try {
          head = RequestHeadReader.read(in);
        } catch (HttpError e) {
          error(out, e, false);
          return;
        }
        if (head == null || !answer(head, out)) {
          return;
        }
      }
    } catch (IOException | RuntimeException e) {
      // the client went away, timed out or sent a broken stream, or a read of the file failed
      // mid-body (the short body tells the client): this connection ends, the server goes on
    } finally {
      Thread.interrupted(); // an interrupt from probe() or close() ends with this connection
      onEnd.run();
    }
  }

  /** Answers one request; whether the connection stays open for another. */
  private boolean answer(RequestHead head, OutputStream out) throws IOException {
    boolean keep = head.keepAlive() && !head.hasBody(); // a body we do not read: close after
    boolean get = head.method().equals("GET");
    if (!get && !head.method().equals("HEAD")) {
      send(out, 405, "Method Not Allowed", keep, head,
          List.of("Allow: GET, HEAD"), "only GET and HEAD are served\n");
      return keep;
    }
    List<String> segments;
    try {
      segments = UrlPaths.segments(head.target());
    } catch (HttpError e) {
      error(out, e, false);
      return false;
    }
    if (segments.isEmpty()) {
      StringBuilder sb = new StringBuilder();
      files.values().stream().sorted((a, b) -> Integer.compare(a.index(), b.index()))
          .forEach(f -> sb.append(UrlPaths.of(f)).append('\t').append(f.length()).append('\n'));
      byte[] body = sb.toString().getBytes(StandardCharsets.UTF_8);
      head(out, 200, "OK", keep, head, List.of("Content-Type: text/plain; charset=utf-8",
          "Content-Length: " + body.length));
      if (get) {
        out.write(body);
      }
      out.flush();
      return keep;
    }
    ServedFile file = find(segments);
    if (file == null) {
      send(out, 404, "Not Found", keep, head, List.of(), "no such file\n");
      return keep;
    }
    long length = file.length();
    // RFC 9110 14.2: range handling is defined for GET only, so HEAD describes the whole file
    ByteRanges.Answer range = ByteRanges.parse(get ? head.header("range") : null, length);
    String type = "Content-Type: " + MediaTypes.of(file.path());
    if (range.kind() == ByteRanges.Kind.UNSATISFIABLE) {
      send(out, 416, "Range Not Satisfiable", keep, head,
          List.of("Content-Range: bytes */" + length, "Accept-Ranges: bytes"),
          "range not satisfiable\n");
      return keep;
    }
    boolean partial = range.kind() == ByteRanges.Kind.PARTIAL;
    head(out, partial ? 206 : 200, partial ? "Partial Content" : "OK", keep, head, partial
        ? List.of(type, "Accept-Ranges: bytes", "Content-Length: " + range.count(),
            "Content-Range: bytes " + range.first() + "-" + range.last() + "/" + length)
        : List.of(type, "Accept-Ranges: bytes", "Content-Length: " + length));
    out.flush();
    if (get && range.count() > 0) {
      body(file, range.first(), range.count(), out);
    }
    return keep;
  }

  private ServedFile find(List<String> segments) {
    if (segments.size() < 2 || !segments.get(0).matches("[0-9]{1,9}")) {
      return null;
    }
    ServedFile f = files.get(Integer.parseInt(segments.get(0)));
    if (f == null || !String.join("/", segments.subList(1, segments.size())).equals(f.path())) {
      return null;
    }
    return f;
  }

  /** Sends {@code count} bytes of {@code file} from {@code first}. */
  private void body(ServedFile file, long first, long count, OutputStream out) throws IOException {
    synchronized (lock) {
      bodyThread = Thread.currentThread();
    }
    try (SeekableByteChannel ch = file.opener().open()) {
      ch.position(first);
      ByteBuffer buf = ByteBuffer.allocate(CHUNK);
      long left = count;
      while (left > 0) {
        ((java.nio.Buffer) buf).clear();
        ((java.nio.Buffer) buf).limit((int) Math.min(CHUNK, left));
        int n = ch.read(buf);
        if (n < 0) {
          throw new IOException("file ended " + left + " bytes early");
        }
        out.write(buf.array(), 0, n);
        left -= n;
        if (n < CHUNK) {
          out.flush(); // a short read: the next may block, so the client gets these bytes now
        }
      }
      out.flush();
    } finally {
      synchronized (lock) {
        bodyThread = null;
      }
      Thread.interrupted();
    }
  }

  /**
   * Called by the server's watchdog: if a body is being sent and the client has closed its end,
   * ends this connection. Never blocks for more than about a millisecond.
   */
  void probe() {
    synchronized (lock) {
      if (bodyThread == null || gone) {
        return;
      }
      try {
        socket.setSoTimeout(1);
        in.mark(1);
        int b = in.read();
        if (b < 0) {
          end();
        } else {
          in.reset(); // a pipelined request: keep it for later
        }
      } catch (SocketTimeoutException e) {
        // still there
      } catch (IOException e) {
        end();
      } finally {
        try {
          if (!gone) {
            socket.setSoTimeout(IDLE_MILLIS);
          }
        } catch (IOException e) {
          end();
        }
      }
    }
  }

  /** Ends the connection from another thread: closes the socket, interrupts a body's read. */
  void end() {
    synchronized (lock) {
      gone = true;
      try {
        socket.close();
      } catch (IOException e) {
        // closing anyway
      }
      if (bodyThread != null) {
        bodyThread.interrupt();
      }
    }
  }

  private void error(OutputStream out, HttpError e, boolean keep) throws IOException {
    send(out, e.status(), reason(e.status()), keep, null, List.of(), e.getMessage() + "\n");
  }

  private static String reason(int status) {
    switch (status) {
      case 400:
        return "Bad Request";
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

  /** A whole response with a short text body (none for HEAD). */
  private static void send(OutputStream out, int status, String reason, boolean keep,
      RequestHead req, List<String> fields, String text) throws IOException {
    byte[] body = text.getBytes(StandardCharsets.UTF_8);
    List<String> all = new java.util.ArrayList<>(fields);
    all.add("Content-Type: text/plain; charset=utf-8");
    all.add("Content-Length: " + body.length);
    head(out, status, reason, keep, req, all);
    if (req == null || !req.method().equals("HEAD")) {
      out.write(body);
    }
    out.flush();
  }

  private static void head(OutputStream out, int status, String reason, boolean keep,
      RequestHead req, List<String> fields) throws IOException {
    StringBuilder sb = new StringBuilder(256);
    sb.append("HTTP/1.1 ").append(status).append(' ').append(reason).append("\r\n");
    sb.append("Date: ").append(HTTP_DATE.format(ZonedDateTime.now(ZoneOffset.UTC))).append("\r\n");
    sb.append("Server: bt\r\n");
    for (String f : fields) {
      sb.append(f).append("\r\n");
    }
    if (!keep) {
      sb.append("Connection: close\r\n");
    } else if (req != null && req.minorVersion() == 0) {
      sb.append("Connection: keep-alive\r\n");
    }
    sb.append("\r\n");
    out.write(sb.toString().getBytes(StandardCharsets.ISO_8859_1));
  }

  /** A response to a connection over the limit, sent by the acceptor, which then closes it. */
  static void busy(Socket s) {
    try {
      s.setSoTimeout(1000);
      String r = "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 1\r\nContent-Length: 0\r\n"
          + "Connection: close\r\n\r\n";
      s.getOutputStream().write(r.getBytes(StandardCharsets.ISO_8859_1));
    } catch (IOException e) {
      // gone already
    } finally {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
  }
}
