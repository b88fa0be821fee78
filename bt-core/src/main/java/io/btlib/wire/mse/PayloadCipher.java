package io.btlib.wire.mse;

import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * One direction of a connection's payload after the MSE handshake: an RC4 stream that goes on
 * where the handshake left it, or the identity when plaintext was negotiated. Encryption and
 * decryption are the same operation.
 *
 * <pre>{@code
 * int start = in.position();
 * channel.read(in);
 * decryptor.apply(in, start, in.position() - start);   // decrypt what arrived, in place
 * }</pre>
 *
 * <p>Bytes must go through in stream order, each exactly once. Not thread-safe: one per direction
 * of one connection. Nothing is allocated per call; a direct buffer is processed through a small
 * array the cipher keeps.
 */
public final class PayloadCipher {
  private static final int CHUNK = 8 * 1024;
  private final Rc4 rc4;
  private byte[] scratch;

  PayloadCipher(Rc4 rc4) {
    this.rc4 = rc4;
  }

  /** The identity: plaintext payload. */
  public static PayloadCipher plaintext() {
    return new PayloadCipher(null);
  }

  /** Whether this cipher leaves bytes as they are (plaintext was negotiated). */
  public boolean isPlaintext() {
    return rc4 == null;
  }

  /** Transforms {@code b[offset, offset + length)} in place. */
  public void apply(byte[] b, int offset, int length) {
    java.util.Objects.checkFromIndexSize(offset, length, b.length);
    if (rc4 != null && length > 0) {
      rc4.processBytes(b, offset, length, b, offset);
    }
  }

  /**
   * Transforms {@code length} bytes of {@code buf} from index {@code offset} in place; the
   * buffer's position and limit are left alone.
   *
   * @throws java.nio.ReadOnlyBufferException if {@code buf} is read-only
   */
  public void apply(ByteBuffer buf, int offset, int length) {
    java.util.Objects.checkFromIndexSize(offset, length, buf.limit());
    if (rc4 == null || length == 0) {
      return;
    }
    if (buf.hasArray()) {
      int at = buf.arrayOffset() + offset;
      rc4.processBytes(buf.array(), at, length, buf.array(), at);
      return;
    }
    if (buf.isReadOnly()) {
      throw new java.nio.ReadOnlyBufferException();
    }
    byte[] s = scratch();
    // through the position (absolute bulk get/put are Java 13: not on Android API 26)
    int saved = buf.position();
    for (int done = 0; done < length; ) {
      int n = Math.min(s.length, length - done);
      ((Buffer) buf).position(offset + done);
      buf.get(s, 0, n);
      rc4.processBytes(s, 0, n, s, 0);
      ((Buffer) buf).position(offset + done);
      buf.put(s, 0, n);
      done += n;
    }
    ((Buffer) buf).position(saved);
  }

  /**
   * Transforms all of {@code src}'s remaining bytes into {@code dst}, advancing both positions;
   * {@code src} is not modified (it may be read-only or shared).
   *
   * @throws java.nio.BufferOverflowException if {@code dst} has less room than {@code src} has
   *     bytes
   */
  public void apply(ByteBuffer src, ByteBuffer dst) {
    int length = src.remaining();
    if (dst.remaining() < length) {
      throw new java.nio.BufferOverflowException();
    }
    if (rc4 == null) {
      dst.put(src);
      return;
    }
    if (dst.hasArray()) {
      int at = dst.arrayOffset() + dst.position();
      if (src.hasArray()) {
        rc4.processBytes(src.array(), src.arrayOffset() + src.position(), length, dst.array(), at);
        ((Buffer) src).position(src.limit());
      } else {
        src.get(dst.array(), at, length);
        rc4.processBytes(dst.array(), at, length, dst.array(), at);
      }
      ((Buffer) dst).position(dst.position() + length);
      return;
    }
    byte[] s = scratch();
    while (src.hasRemaining()) {
      int n = Math.min(s.length, src.remaining());
      src.get(s, 0, n);
      rc4.processBytes(s, 0, n, s, 0);
      dst.put(s, 0, n);
    }
  }

  private byte[] scratch() {
    if (scratch == null) {
      scratch = new byte[CHUNK];
    }
    return scratch;
  }

  @Override
  public String toString() {
    return rc4 == null ? "PayloadCipher[plaintext]" : "PayloadCipher[rc4]";
  }
}
