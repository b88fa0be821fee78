package io.btlib.bencode;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;

/**
 * Writes canonical bencode (BEP 3): dictionary keys sorted as raw unsigned bytes, integers and
 * string lengths without leading zeros.
 *
 * <p>Whole values: {@link #encode(BValue)} gives a new array, {@link #write(BValue, OutputStream)}
 * streams, and {@link #encode(BValue, ByteBuffer)} writes into the caller's buffer all or nothing.
 * Decoding canonical input and encoding the result gives back identical bytes. A leniently decoded
 * dictionary is written in sorted order; one with a duplicate key cannot be written canonically and
 * fails with {@link IllegalArgumentException}. Values are walked without recursion, so any depth
 * can be written.
 *
 * <p>Token by token: an instance writes to an {@link OutputStream} as it is told, checking as it
 * goes that keys come in ascending order, that every key has a value, and that containers close:
 *
 * <pre>{@code
 * BencodeWriter w = new BencodeWriter(out);
 * w.beginDict().key("interval").integer(1800).key("peers").string(compact).end();
 * }</pre>
 *
 * {@link #raw(ByteBuffer)} copies bytes that are already bencode (for example a torrent's original
 * {@code info} dictionary) unchanged. An instance is not thread-safe; it does not buffer or close
 * the stream.
 */
public final class BencodeWriter {
  private static final Comparator<BString> KEY_ORDER = BString::compareTo;

  private final OutputStream out;
  private final ArrayDeque<Level> levels = new ArrayDeque<>();
  private boolean done;

  /** A token writer onto {@code out}. */
  public BencodeWriter(OutputStream out) {
    if (out == null) {
      throw new NullPointerException("out");
    }
    this.out = out;
  }

  /** The canonical encoding of {@code value} as a new array. */
  public static byte[] encode(BValue value) {
    long n = encodedLength(value);
    if (n > Integer.MAX_VALUE - 8) {
      throw new IllegalArgumentException("encoding is " + n + " bytes, too large for an array");
    }
    ByteBuffer b = ByteBuffer.allocate((int) n);
    walk(value, new BufferSink(b));
    return b.array();
  }

  /**
   * Writes the canonical encoding of {@code value} into {@code dst} from its position, if it fits.
   *
   * @return true and the position moved past the encoding; or false and nothing written, if fewer
   *     than {@link #encodedLength(BValue)} bytes remain
   */
  public static boolean encode(BValue value, ByteBuffer dst) {
    if (encodedLength(value) > dst.remaining()) {
      return false;
    }
    walk(value, new BufferSink(dst));
    return true;
  }

  /**
   * Streams the canonical encoding of {@code value} to {@code out}, which is not flushed. A value
   * that has no canonical encoding (a duplicate key) fails before anything is written.
   */
  public static void write(BValue value, OutputStream out) throws IOException {
    encodedLength(value); // validates the whole value first, so a failure writes nothing
    try {
      walk(value, new StreamSink(out));
    } catch (UncheckedIOException e) {
      throw e.getCause();
    }
  }

  /** The number of bytes the canonical encoding of {@code value} takes. */
  public static long encodedLength(BValue value) {
    CountSink c = new CountSink();
    walk(value, c);
    return c.count;
  }

  // ---- token writer ----

  /** Opens a dictionary. */
  public BencodeWriter beginDict() throws IOException {
    beforeValue();
    out.write('d');
    levels.push(new Level(true));
    return this;
  }

  /** Opens a list. */
  public BencodeWriter beginList() throws IOException {
    beforeValue();
    out.write('l');
    levels.push(new Level(false));
    return this;
  }

  /** Closes the innermost open dictionary or list. */
  public BencodeWriter end() throws IOException {
    Level l = levels.peek();
    if (l == null) {
      throw new IllegalStateException("end() with no open list or dictionary");
    }
    if (l.dict && l.expectValue) {
      throw new IllegalStateException("end() after key " + l.lastKey + " without its value");
    }
    levels.pop();
    out.write('e');
    afterValue();
    return this;
  }

  /** Writes a dictionary key (UTF-8); keys must come in ascending unsigned-byte order. */
  public BencodeWriter key(String key) throws IOException {
    return key(BString.of(key));
  }

  /** Writes a dictionary key; keys must come in ascending unsigned-byte order. */
  public BencodeWriter key(BString key) throws IOException {
    Level l = levels.peek();
    if (l == null || !l.dict) {
      throw new IllegalStateException("key() outside a dictionary");
    }
    if (l.expectValue) {
      throw new IllegalStateException("key " + key + " after key " + l.lastKey + " without its value");
    }
    if (l.lastKey != null && l.lastKey.compareTo(key) >= 0) {
      throw new IllegalStateException(
          "key " + key + " is not after " + l.lastKey + " (keys must ascend, no duplicates)");
    }
    writeString(out, key.array(), key.arrayOffset(), key.length());
    l.lastKey = key;
    l.expectValue = true;
    return this;
  }

  /** Writes a byte string. */
  public BencodeWriter string(byte[] bytes) throws IOException {
    return string(bytes, 0, bytes.length);
  }

  /** Writes {@code length} bytes of {@code bytes} from {@code offset} as a byte string. */
  public BencodeWriter string(byte[] bytes, int offset, int length) throws IOException {
    if (offset < 0 || length < 0 || offset > bytes.length - length) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + ", length " + length + " outside array of " + bytes.length);
    }
    beforeValue();
    writeString(out, bytes, offset, length);
    afterValue();
    return this;
  }

  /** Writes the UTF-8 encoding of {@code text} as a byte string. */
  public BencodeWriter string(String text) throws IOException {
    return string(text.getBytes(StandardCharsets.UTF_8));
  }

  /** Writes an integer. */
  public BencodeWriter integer(long value) throws IOException {
    beforeValue();
    out.write('i');
    out.write(Long.toString(value).getBytes(StandardCharsets.US_ASCII));
    out.write('e');
    afterValue();
    return this;
  }

  /** Writes a whole value, canonically. */
  public BencodeWriter value(BValue value) throws IOException {
    beforeValue();
    write(value, out);
    afterValue();
    return this;
  }

  /**
   * Writes bytes that already are one bencoded value, unchanged (they are not checked; the caller
   * vouches for them). The buffer's position moves to its limit.
   */
  public BencodeWriter raw(ByteBuffer encoded) throws IOException {
    beforeValue();
    if (encoded.hasArray()) {
      out.write(encoded.array(), encoded.arrayOffset() + encoded.position(), encoded.remaining());
      ((Buffer) encoded).position(encoded.limit());
    } else {
      byte[] b = new byte[encoded.remaining()];
      encoded.get(b);
      out.write(b);
    }
    afterValue();
    return this;
  }

  /** Whether one complete top-level value has been written and every container closed. */
  public boolean isComplete() {
    return done && levels.isEmpty();
  }

  private void beforeValue() {
    Level l = levels.peek();
    if (l == null) {
      if (done) {
        throw new IllegalStateException("a complete top-level value was already written");
      }
      return;
    }
    if (l.dict && !l.expectValue) {
      throw new IllegalStateException("a dictionary value needs a key() first");
    }
  }

  private void afterValue() {
    Level l = levels.peek();
    if (l == null) {
      done = true;
    } else if (l.dict) {
      l.expectValue = false;
    }
  }

  private static final class Level {
    final boolean dict;
    BString lastKey;
    boolean expectValue;

    Level(boolean dict) {
      this.dict = dict;
    }
  }

  // ---- whole-value walking ----

  private interface Sink {
    void put(int b);

    void put(byte[] b, int off, int len);
  }

  private static final class CountSink implements Sink {
    long count;

    @Override
    public void put(int b) {
      count++;
    }

    @Override
    public void put(byte[] b, int off, int len) {
      count += len;
    }
  }

  private static final class BufferSink implements Sink {
    final ByteBuffer b;

    BufferSink(ByteBuffer b) {
      this.b = b;
    }

    @Override
    public void put(int v) {
      b.put((byte) v);
    }

    @Override
    public void put(byte[] a, int off, int len) {
      b.put(a, off, len);
    }
  }

  private static final class StreamSink implements Sink {
    final OutputStream out;

    StreamSink(OutputStream out) {
      this.out = out;
    }

    @Override
    public void put(int v) {
      try {
        out.write(v);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    @Override
    public void put(byte[] a, int off, int len) {
      try {
        out.write(a, off, len);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A container being walked: its children in write order, and how far we got. */
  private static final class Cursor {
    final BValue[] children; // for a dict: key, value, key, value...
    int next;

    Cursor(BValue[] children) {
      this.children = children;
    }
  }

  private static void walk(BValue root, Sink sink) {
    ArrayDeque<Cursor> stack = new ArrayDeque<>();
    BValue v = root;
    for (; ; ) {
      if (v != null) {
        if (v instanceof BString) {
          BString s = (BString) v;
          putString(sink, s.array(), s.arrayOffset(), s.length());
        } else if (v instanceof BInteger) {
          sink.put('i');
          byte[] digits = Long.toString(((BInteger) v).value()).getBytes(StandardCharsets.US_ASCII);
          sink.put(digits, 0, digits.length);
          sink.put('e');
        } else if (v instanceof BList) {
          sink.put('l');
          BList l = (BList) v;
          BValue[] c = new BValue[l.size()];
          for (int i = 0; i < c.length; i++) {
            c[i] = l.get(i);
          }
          stack.push(new Cursor(c));
        } else {
          sink.put('d');
          stack.push(new Cursor(canonicalEntries((BDict) v)));
        }
      }
      Cursor top = stack.peek();
      if (top == null) {
        return;
      }
      if (top.next < top.children.length) {
        v = top.children[top.next++];
      } else {
        sink.put('e');
        stack.pop();
        v = null;
      }
    }
  }

  private static BValue[] canonicalEntries(BDict d) {
    int n = d.size();
    BValue[] out = new BValue[n * 2];
    if (d.isCanonicalOrder()) {
      for (int i = 0; i < n; i++) {
        out[2 * i] = d.keyAt(i);
        out[2 * i + 1] = d.valueAt(i);
      }
      return out;
    }
    Integer[] order = new Integer[n];
    for (int i = 0; i < n; i++) {
      order[i] = i;
    }
    Arrays.sort(order, (a, b) -> KEY_ORDER.compare(d.keyAt(a), d.keyAt(b)));
    for (int i = 0; i < n; i++) {
      if (i > 0 && d.keyAt(order[i]).equals(d.keyAt(order[i - 1]))) {
        throw new IllegalArgumentException(
            "dictionary has duplicate key " + d.keyAt(order[i]) + ": it has no canonical encoding");
      }
      out[2 * i] = d.keyAt(order[i]);
      out[2 * i + 1] = d.valueAt(order[i]);
    }
    return out;
  }

  private static void putString(Sink sink, byte[] a, int off, int len) {
    byte[] prefix = Integer.toString(len).getBytes(StandardCharsets.US_ASCII);
    sink.put(prefix, 0, prefix.length);
    sink.put(':');
    sink.put(a, off, len);
  }

  private static void writeString(OutputStream out, byte[] a, int off, int len) throws IOException {
    out.write(Integer.toString(len).getBytes(StandardCharsets.US_ASCII));
    out.write(':');
    out.write(a, off, len);
  }

  /** For tests and small uses: the canonical encoding through a stream. */
  static byte[] encodeViaStream(BValue value) {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try {
      write(value, bos);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }
}
