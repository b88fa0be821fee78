package io.btlib.client.internal;

import io.btlib.peer.PeerAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.nio.channels.WritableByteChannel;

/** A {@link Link} over a non-blocking TCP socket registered with {@link NioHost}'s selector. */
final class NioLink implements Link {
  final SocketChannel channel;
  private final PeerAddress remote;
  SelectionKey key;
  private Object attachment;

  NioLink(SocketChannel channel, PeerAddress remote) {
    this.channel = channel;
    this.remote = remote;
  }

  @Override
  public PeerAddress remote() {
    return remote;
  }

  @Override
  public boolean finishConnect() throws IOException {
    return channel.finishConnect();
  }

  @Override
  public void interest(int ops) {
    int nio = ((ops & READ) != 0 ? SelectionKey.OP_READ : 0)
        | ((ops & WRITE) != 0 ? SelectionKey.OP_WRITE : 0);
    if (key.isValid() && key.interestOps() != nio) {
      key.interestOps(nio);
    }
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
  public WritableByteChannel transferTarget() {
    return channel; // FileChannel.transferTo uses sendfile only for a socket channel
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    return channel.read(dst);
  }

  @Override
  public int write(ByteBuffer src) throws IOException {
    return channel.write(src);
  }

  @Override
  public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
    return channel.write(srcs, offset, length);
  }

  @Override
  public long write(ByteBuffer[] srcs) throws IOException {
    return channel.write(srcs);
  }

  @Override
  public boolean isOpen() {
    return channel.isOpen();
  }

  @Override
  public void close() throws IOException {
    channel.close();
  }

  @Override
  public String toString() {
    return remote.toString();
  }
}
