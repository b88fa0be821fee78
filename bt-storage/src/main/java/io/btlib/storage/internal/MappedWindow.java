package io.btlib.storage.internal;

import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Field;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;

/**
 * One thread's read-only mapping of a window of one file: reused while reads stay inside it,
 * unmapped as soon as a read moves elsewhere and on {@link #close()}. Internal, not API.
 *
 * <p>Why: hashing straight from the page cache skips the kernel's copy that {@code pread} makes,
 * which is what separates a two-thread recheck from OpenSSL's figure (see the README). A window
 * of {@value #WINDOW_MIB} MiB keeps the number of {@code mmap} calls low without mapping whole
 * files; it is unmapped explicitly ({@code sun.misc.Unsafe.invokeCleaner}, the only way in Java
 * 17) so a recheck of a large torrent never holds more than one window per thread. Where that
 * method is missing, windows are left to the garbage collector.
 *
 * <p>A view returned by {@link #view} is valid only until the next call on this window: using it
 * later would read unmapped memory. Not thread-safe: one window per thread.
 */
public final class MappedWindow implements AutoCloseable {
  /** The size of a window, in MiB. */
  public static final int WINDOW_MIB = 64;

  private static final long WINDOW = (long) WINDOW_MIB << 20;
  private static final long ALIGN = 2L << 20;
  private static final MethodHandle UNMAP = unmapper();

  private MappedByteBuffer buffer;
  private int file = -1;
  private long start;

  /**
   * A read-only view of {@code length} bytes of file {@code fileIndex} from {@code position},
   * mapping a new window if the current one does not hold them.
   *
   * @param fileIndex identifies the file for reuse of the window
   * @param channel the file, open for reading
   * @param fileSize the file's size now; the range must lie within it
   * @throws IOException if mapping fails
   */
  public ByteBuffer view(int fileIndex, FileChannel channel, long position, int length,
      long fileSize) throws IOException {
    if (position < 0 || length < 0 || position + length > fileSize) {
      throw new IllegalArgumentException("range " + position + "+" + length
          + " outside a file of " + fileSize + " bytes");
    }
    if (buffer == null || file != fileIndex || position < start
        || position + length > start + buffer.capacity()) {
      release();
      long s = position & -ALIGN;
      long end = Math.min(fileSize, Math.max(s + WINDOW, position + length));
      buffer = channel.map(FileChannel.MapMode.READ_ONLY, s, end - s);
      start = s;
      file = fileIndex;
    }
    return Slices.slice(buffer, (int) (position - start), length);
  }

  /** Unmaps the current window, if any. */
  public void release() {
    MappedByteBuffer b = buffer;
    buffer = null;
    file = -1;
    if (b != null) {
      unmap(b);
    }
  }

  /**
   * Unmaps a mapped buffer now where the JDK allows it (else the garbage collector does later).
   * Every view of it becomes invalid: the caller must hold the only references.
   */
  public static void unmap(MappedByteBuffer buffer) {
    if (UNMAP != null) {
      try {
        UNMAP.invokeExact((ByteBuffer) buffer);
      } catch (Throwable t) {
        // left to the garbage collector
      }
    }
  }

  @Override
  public void close() {
    release();
  }

  /** Whether windows are unmapped explicitly (otherwise the garbage collector unmaps them). */
  public static boolean unmapsExplicitly() {
    return UNMAP != null;
  }

  private static MethodHandle unmapper() {
    try {
      Class<?> unsafeClass = Class.forName("sun.misc.Unsafe");
      Field f = unsafeClass.getDeclaredField("theUnsafe");
      f.setAccessible(true);
      return MethodHandles.lookup()
          .findVirtual(unsafeClass, "invokeCleaner",
              MethodType.methodType(void.class, ByteBuffer.class))
          .bindTo(f.get(null));
    } catch (ReflectiveOperationException | RuntimeException e) {
      return null;
    }
  }
}
