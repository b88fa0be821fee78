package io.btlib.tracker.server;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.util.Arrays;

/** A blocking HTTP/1.1 client on a raw socket, for tests that need to send odd bytes. */
final class RawHttp implements AutoCloseable {
  final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  RawHttp(InetAddress address, int port) throws IOException {
    socket = new Socket(address, port);
    socket.setSoTimeout(8000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  void send(byte[] bytes) throws IOException {
    out.write(bytes);
    out.flush();
  }

  void send(String s) throws IOException {
    send(s.getBytes(ISO_8859_1));
  }

  /** One response: status line and headers as text, then the body per Content-Length. */
  Response read() throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) >= 0) {
      head.write(c);
      byte[] h = head.toByteArray();
      int n = h.length;
      if (n >= 4 && h[n - 4] == '\r' && h[n - 3] == '\n' && h[n - 2] == '\r' && h[n - 1] == '\n') {
        break;
      }
    }
    String text = head.toString(ISO_8859_1);
    if (text.isEmpty()) {
      return null; // closed before any byte
    }
    int len = 0;
    for (String line : text.split("\r\n")) {
      if (line.toLowerCase().startsWith("content-length:")) {
        len = Integer.parseInt(line.substring(15).trim());
      }
    }
    byte[] body = in.readNBytes(len);
    return new Response(Integer.parseInt(text.substring(9, 12)), text, body);
  }

  /** True if the server closed the connection (EOF) before the read timeout. */
  boolean closedByServer() throws IOException {
    try {
      return in.read() < 0;
    } catch (java.net.SocketException reset) {
      return true;
    }
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }

  record Response(int status, String head, byte[] body) {
    @Override
    public String toString() {
      return head + new String(body, ISO_8859_1);
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Response r && r.status == status && r.head.equals(head)
          && Arrays.equals(r.body, body);
    }

    @Override
    public int hashCode() {
      return status;
    }
  }
}
