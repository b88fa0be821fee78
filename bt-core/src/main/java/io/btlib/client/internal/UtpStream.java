package io.btlib.client.internal;

import io.btlib.peer.PeerAddress;
import io.btlib.utp.UtpConnection;
import java.io.IOException;
import java.net.ConnectException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;

/**
 * A {@link Link} over a uTP connection of a {@link UtpEndpoint}: the stream's reads and writes
 * go to the connection's buffers, readiness comes from the endpoint's {@link
 * UtpEndpoint#service}. It behaves as a non-blocking TCP socket would: a write takes what the
 * send buffer has room for, a read gives -1 after the peer's FIN and throws once the connection
 * was reset or timed out.
 */
final class UtpStream implements Link {
  final UtpConnection connection;
  private final PeerAddress remote;
  /** Dialled and not yet reported connectable. */
  boolean dialing;
  int interest;
  private Object attachment;
  private boolean open = true;

  UtpStream(UtpConnection connection, PeerAddress remote, boolean dialing) {
    this.connection = connection;
    this.remote = remote;
    this.dialing = dialing;
  }

  @Override
  public PeerAddress remote() {
    return remote;
  }

  @Override
  public boolean utp() {
    return true;
  }

  @Override
  public boolean finishConnect() throws IOException {
    return switch (connection.state()) {
      case SYN_SENT -> false;
      case CONNECTED -> true;
      case CLOSED -> throw new ConnectException(connection.closeReason());
    };
  }

  @Override
  public void interest(int ops) {
    this.interest = ops;
  }

  @Override
  public void attach(Object attachment) {
    this.attachment = attachment;
  }

  @Override
  public Object attachment() {
    return attachment;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    int n = connection.read(dst);
    if (n == 0 && connection.state() == UtpConnection.State.CLOSED && !connection.isEndOfStream()) {
      throw new IOException(connection.closeReason()); // reset or timed out: not a clean end
    }
    return n;
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    if (connection.state() == UtpConnection.State.CLOSED) {
      throw new IOException(connection.closeReason());
    }
    return connection.write(src);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    long n = 0;
    for (int i = offset; i < offset + length; i++) {
      if (!srcs[i].hasRemaining()) {
        continue;
      }
      int k = write(srcs[i]);
      n += k;
      if (srcs[i].hasRemaining()) {
        break; // the send buffer is full
      }
    }
    return n;
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    return write(srcs, 0, srcs.length);
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  /**
   * Closes our side as TCP would: a FIN after the bytes written so far, or a RESET if received
   * bytes were left unread (the peer learns at once that they were not taken).
   */
  @Override
  public void close() {
    if (!open) {
      return;
    }
    open = false;
    if (connection.available() > 0 || connection.state() == UtpConnection.State.SYN_SENT) {
      connection.reset();
    } else {
      connection.close();
    }
  }

  @Override
  public String toString() {
    return "utp:" + remote;
  }
}
