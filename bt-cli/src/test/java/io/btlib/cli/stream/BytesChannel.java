package io.btlib.cli.stream;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.nio.channels.SeekableByteChannel;
import java.util.concurrent.CountDownLatch;

/**
 * A read-only channel over a byte array for tests; with a gate, a read of bytes at or past {@code
 * gateAt} blocks until the gate opens, like a torrent reader waiting for a piece (interruptibly).
 */
final class BytesChannel implements SeekableByteChannel {
  private final byte[] data;
  private final long gateAt;
  private final CountDownLatch gate;
  private final CountDownLatch closedLatch = new CountDownLatch(1);
  private long position;
  private volatile boolean open = true;

  BytesChannel(byte[] data) {
    this(data, Long.MAX_VALUE, new CountDownLatch(0));
  }

  BytesChannel(byte[] data, long gateAt, CountDownLatch gate) {
    this.data = data;
    this.gateAt = gateAt;
    this.gate = gate;
  }

  @Override
  public int read(ByteBuffer dst) throws IOException {
    if (!open) {
      throw new ClosedChannelException();
    }
    if (position >= data.length) {
      return -1;
    }
    long end = data.length;
    if (position < gateAt) {
      end = Math.min(end, gateAt);
    } else {
      try {
        gate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        close();
        throw new java.nio.channels.ClosedByInterruptException();
      }
    }
    int n = (int) Math.min(dst.remaining(), end - position);
    dst.put(data, (int) position, n);
    position += n;
    return n;
  }

  @Override
  public int write(ByteBuffer src) {
    throw new NonWritableChannelException();
  }

  @Override
  public long position() {
    return position;
  }

  @Override
  public SeekableByteChannel position(long p) {
    position = p;
    return this;
  }

  @Override
  public long size() {
    return data.length;
  }

  @Override
  public SeekableByteChannel truncate(long size) {
    throw new NonWritableChannelException();
  }

  @Override
  public boolean isOpen() {
    return open;
  }

  @Override
  public void close() {
    open = false;
    closedLatch.countDown();
  }

  /** Counts down when the channel is closed. */
  CountDownLatch closed() {
    return closedLatch;
  }
}
