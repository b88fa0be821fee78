package io.btlib.storage.internal;

import java.io.IOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.WritableByteChannel;

/** Zero bytes for pad files, holes and preallocation, from one shared buffer. Internal, not API. */
public final class Zeros {
  private static final int SIZE = 64 * 1024;
  private static final ByteBuffer ZEROS = ByteBuffer.allocateDirect(SIZE).asReadOnlyBuffer();
  private static final byte[] ARRAY = new byte[SIZE];

  private Zeros() {}

  /** Fills the remaining bytes of {@code dst} with zeros; the position moves to the limit. */
  public static void fill(ByteBuffer dst) {
    while (dst.hasRemaining()) {
      dst.put(ARRAY, 0, Math.min(SIZE, dst.remaining()));
    }
  }

  /**
   * Writes up to {@code count} zeros to {@code target}, stopping early if a (non-blocking) target
   * takes nothing.
   *
   * @return the number of zeros written
   */
  public static long write(WritableByteChannel target, long count) throws IOException {
    long sent = 0;
    while (sent < count) {
      ByteBuffer z = ZEROS.duplicate();
      ((Buffer) z).limit((int) Math.min(SIZE, count - sent));
      int n = target.write(z);
      if (n <= 0) {
        break;
      }
      sent += n;
    }
    return sent;
  }

  /** Writes zeros into {@code channel} over {@code [from, to)}. */
  public static void fill(FileChannel channel, long from, long to) throws IOException {
    long pos = from;
    while (pos < to) {
      ByteBuffer z = ZEROS.duplicate();
      ((Buffer) z).limit((int) Math.min(SIZE, to - pos));
      while (z.hasRemaining()) {
        pos += channel.write(z, pos);
      }
    }
  }
}
