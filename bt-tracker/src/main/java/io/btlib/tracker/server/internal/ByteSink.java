package io.btlib.tracker.server.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static java.nio.charset.StandardCharsets.UTF_8;

import java.util.Arrays;

/**
 * A growable byte array with the few bencode and ASCII writers the server needs. Reused across
 * requests ({@link #reset()}), so a reply allocates nothing once the array has grown. Not
 * thread-safe.
 */
final class ByteSink {
  private byte[] buf;
  private int len;

  /** An empty sink with room for {@code initialCapacity} bytes. */
  public ByteSink(int initialCapacity) {
    buf = new byte[Math.max(16, initialCapacity)];
  }

  /** Empties the sink, keeping its array. */
  public ByteSink reset() {
    len = 0;
    return this;
  }

  /** The number of bytes written. */
  public int length() {
    return len;
  }

  /** The backing array; bytes [0, length()) are the content. Valid until the next write. */
  public byte[] array() {
    return buf;
  }

  /** A copy of the content. */
  public byte[] toByteArray() {
    return Arrays.copyOf(buf, len);
  }

  private void ensure(int extra) {
    if (buf.length - len < extra) {
      buf = Arrays.copyOf(buf, Math.max(buf.length * 2, len + extra));
    }
  }

  /** Appends one byte. */
  public ByteSink put(int b) {
    ensure(1);
    buf[len++] = (byte) b;
    return this;
  }

  /** Appends {@code src[off..off+n)}. */
  public ByteSink put(byte[] src, int off, int n) {
    ensure(n);
    System.arraycopy(src, off, buf, len, n);
    len += n;
    return this;
  }

  /** Appends the bytes of an ASCII string. */
  public ByteSink ascii(String s) {
    int n = s.length();
    ensure(n);
    for (int i = 0; i < n; i++) {
      buf[len++] = (byte) s.charAt(i);
    }
    return this;
  }

  /** Appends a non-negative or negative decimal number. */
  public ByteSink decimal(long v) {
    if (v == Long.MIN_VALUE) {
      return ascii(Long.toString(v));
    }
    ensure(20);
    if (v < 0) {
      buf[len++] = '-';
      v = -v;
    }
    int start = len;
    do {
      buf[len++] = (byte) ('0' + (v % 10));
      v /= 10;
    } while (v != 0);
    for (int i = start, j = len - 1; i < j; i++, j--) {
      byte t = buf[i];
      buf[i] = buf[j];
      buf[j] = t;
    }
    return this;
  }

  /** Appends a bencoded integer, {@code i<v>e}. */
  public ByteSink bint(long v) {
    return put('i').decimal(v).put('e');
  }

  /** Appends a bencoded string of ASCII text, {@code <n>:<text>}. */
  public ByteSink bstr(String ascii) {
    return decimal(ascii.length()).put(':').ascii(ascii);
  }

  /** Appends the header of a bencoded byte string of {@code n} bytes, {@code <n>:}. */
  public ByteSink bstrHeader(int n) {
    return decimal(n).put(':');
  }

  /** Appends a bencoded byte string. */
  public ByteSink bstr(byte[] b) {
    return bstrHeader(b.length).put(b, 0, b.length);
  }

  /** Appends a bencoded UTF-8 string (for messages that may hold any text). */
  public ByteSink bstrText(String text) {
    byte[] b = text.getBytes(UTF_8);
    return bstr(b);
  }

  @Override
  public String toString() {
    return new String(buf, 0, len, US_ASCII);
  }
}
