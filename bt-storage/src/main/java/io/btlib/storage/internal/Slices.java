package io.btlib.storage.internal;

import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * {@code ByteBuffer.slice(int, int)} for Android API 26, which lacks it (Java 13): the same
 * bytes, a new buffer of {@code length} bytes starting at absolute {@code index}, big-endian.
 */
public final class Slices {
  private Slices() {}

  /**
   * The slice of {@code b} from absolute {@code index}, {@code length} bytes long; {@code b}'s
   * position and limit are unchanged.
   *
   * @throws IndexOutOfBoundsException if the range is not within {@code b}'s limit
   */
  public static ByteBuffer slice(ByteBuffer b, int index, int length) {
    if (index < 0 || length < 0 || index > b.limit() - length) {
      throw new IndexOutOfBoundsException("slice " + index + "+" + length
          + " of a buffer whose limit is " + b.limit());
    }
    ByteBuffer d = b.duplicate();
    ((Buffer) d).limit(index + length).position(index);
    return d.slice();
  }
}
