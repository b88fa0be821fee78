package io.btlib.bencode;

import static io.btlib.bencode.TestBytes.bytes;
import static io.btlib.bencode.TestBytes.concat;
import static io.btlib.bencode.TestBytes.remaining;
import static io.btlib.bencode.TestBytes.show;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.fail;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;

/**
 * The feeding helper of STYLE.md section 5 item 20, adapted to a decoder that takes whole inputs.
 *
 * <p>{@link Bdecoder} has no partial-input state to split across calls, so "every way" here means
 * every input form it accepts: the plain array; a range of a larger array with junk around it (so
 * offsets must be relative to the range and nothing outside it may be read); a heap buffer; a heap
 * slice with a non-zero {@code arrayOffset} and position; a direct buffer; a read-only buffer; and
 * input streams that deliver the bytes whole, one byte per read, and in seeded random chunks. On
 * top of that: every proper prefix (truncation at every index) must fail, and trailing bytes must
 * fail strict, be reported lenient, and be ignored by {@code decodeFirst}.
 */
final class DecoderFeed {
  private DecoderFeed() {}

  /** One way of handing bytes to a decoder. */
  enum Way {
    ARRAY,
    ARRAY_RANGE,
    HEAP_BUFFER,
    HEAP_SLICE,
    DIRECT_BUFFER,
    READ_ONLY_BUFFER,
    STREAM_WHOLE,
    STREAM_BYTE_BY_BYTE,
    STREAM_RANDOM_CHUNKS
  }

  // junk around ranges: bytes that would change the result if the decoder read outside its range
  private static final byte[] JUNK_BEFORE = bytes("i9el5:");
  private static final byte[] JUNK_AFTER = bytes("ei1e3:x");

  /** Decodes {@code input} one way. */
  static BValue decode(Bdecoder d, byte[] input, Way way) {
    switch (way) {
      case ARRAY:
        return d.decode(input.clone());
      case ARRAY_RANGE:
        {
          byte[] big = concat(JUNK_BEFORE, input, JUNK_AFTER);
          return d.decode(big, JUNK_BEFORE.length, input.length);
        }
      case HEAP_BUFFER:
        return decodeBuffer(d, ByteBuffer.wrap(input.clone()));
      case HEAP_SLICE:
        {
          byte[] big = concat(JUNK_BEFORE, JUNK_BEFORE, input, JUNK_AFTER);
          ByteBuffer slice =
              ByteBuffer.wrap(big, JUNK_BEFORE.length, big.length - JUNK_BEFORE.length).slice();
          assertThat(slice.arrayOffset()).isEqualTo(JUNK_BEFORE.length);
          slice.position(JUNK_BEFORE.length).limit(JUNK_BEFORE.length + input.length);
          return decodeBuffer(d, slice);
        }
      case DIRECT_BUFFER:
        {
          ByteBuffer direct = ByteBuffer.allocateDirect(input.length + 8);
          direct.position(3);
          direct.put(input).flip().position(3);
          return decodeBuffer(d, direct);
        }
      case READ_ONLY_BUFFER:
        return decodeBuffer(d, ByteBuffer.wrap(input.clone()).asReadOnlyBuffer());
      case STREAM_WHOLE:
        return decodeStream(d, new ByteArrayInputStream(input));
      case STREAM_BYTE_BY_BYTE:
        return decodeStream(d, new ChunkedInputStream(input, null));
      case STREAM_RANDOM_CHUNKS:
        return decodeStream(
            d, new ChunkedInputStream(input, new Random(input.length * 31L + 7)));
      default:
        throw new AssertionError(way);
    }
  }

  private static BValue decodeBuffer(Bdecoder d, ByteBuffer b) {
    int limit = b.limit();
    BValue v = d.decode(b);
    assertThat(b.position()).as("position after decode(ByteBuffer)").isEqualTo(limit);
    assertThat(b.limit()).isEqualTo(limit);
    return v;
  }

  private static BValue decodeStream(Bdecoder d, InputStream in) {
    try {
      return d.decode(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Decodes {@code input} every way, asserts that all ways give equal values with the same span
   * (offsets relative to the input's first byte), and returns the plain-array result.
   */
  static BValue decodesEveryWay(Bdecoder d, byte[] input) {
    BValue expected = d.decode(input.clone());
    if (d.isStrict()) {
      assertThat(expected.sourceLength()).isEqualTo(input.length);
    }
    for (Way way : Way.values()) {
      BValue v;
      try {
        v = decode(d, input, way);
      } catch (BencodeException e) {
        throw new AssertionError(way + " failed on " + show(input) + ": " + e.getMessage(), e);
      }
      assertThat(v).as("%s of %s", way, show(input)).isEqualTo(expected);
      assertThat(v.sourceOffset()).as("%s sourceOffset", way).isZero();
      // the whole input, or less when a lenient decoder skipped trailing bytes
      assertThat(v.sourceLength()).as("%s sourceLength", way).isEqualTo(expected.sourceLength());
      assertThat(remaining(v.sourceBytes()))
          .as("%s sourceBytes", way)
          .isEqualTo(Arrays.copyOf(input, expected.sourceLength()));
    }
    return expected;
  }

  /**
   * Asserts that every way of feeding {@code input} fails with a {@link BencodeException} at the
   * same offset with the same reason, and returns the plain-array exception.
   */
  static BencodeException rejectedEveryWay(Bdecoder d, byte[] input) {
    BencodeException first = rejected(d, input, Way.ARRAY);
    for (Way way : Way.values()) {
      BencodeException e = rejected(d, input, way);
      assertThat(e.offset()).as("%s offset for %s", way, show(input)).isEqualTo(first.offset());
      assertThat(e.reason()).as("%s reason for %s", way, show(input)).isEqualTo(first.reason());
    }
    assertThat(first.offset()).isBetween(0L, (long) input.length);
    assertThat(first.getMessage()).isEqualTo(first.reason() + " at offset " + first.offset());
    return first;
  }

  private static BencodeException rejected(Bdecoder d, byte[] input, Way way) {
    Throwable t = catchThrowable(() -> decode(d, input, way));
    if (!(t instanceof BencodeException)) {
      throw new AssertionError(
          way + " of " + show(input) + ": expected BencodeException but got " + t, t);
    }
    return (BencodeException) t;
  }

  /** Every proper prefix of a valid encoding is truncated input and must fail, in either mode. */
  static void everyProperPrefixFails(Bdecoder d, byte[] encoding) {
    for (int n = 0; n < encoding.length; n++) {
      byte[] prefix = Arrays.copyOf(encoding, n);
      Throwable t = catchThrowable(() -> d.decode(prefix));
      if (!(t instanceof BencodeException)) {
        fail("prefix of %d bytes %s: expected BencodeException but got %s", n, show(prefix), t);
      }
      // a truncation is found at the end of the input, or at the start of a string whose
      // length prefix promises more bytes than remain
      assertThat(((BencodeException) t).offset()).as("offset for prefix %s", show(prefix))
          .isBetween(0L, (long) n);
      // the same prefix inside a longer array: the decoder must not read past its range
      byte[] big = concat(encoding, JUNK_AFTER);
      int len = n;
      Throwable t2 = catchThrowable(() -> d.decode(big, 0, len));
      assertThat(t2).isInstanceOf(BencodeException.class);
      assertThat(((BencodeException) t2).offset()).isEqualTo(((BencodeException) t).offset());
    }
  }

  /**
   * Appending bytes to a valid encoding: strict rejects at the first extra byte, lenient decodes
   * the same value and reports {@link Leniency.Kind#TRAILING_BYTES} there, and {@code decodeFirst}
   * ignores them in both modes and tells where the value ended.
   */
  static void trailingBytesAreHandled(byte[] encoding, byte[] trailing) {
    byte[] input = concat(encoding, trailing);
    BValue expected = Bdecoder.strict().decode(encoding);

    BencodeException e = rejectedEveryWay(Bdecoder.strict(), input);
    assertThat(e.offset()).isEqualTo(encoding.length);
    assertThat(e.reason()).isEqualTo(trailing.length + " trailing bytes after the top-level value");

    for (Way way : Way.values()) {
      assertThat(decode(Bdecoder.lenient(), input, way)).as("lenient %s", way).isEqualTo(expected);
    }
    BDocument doc = Bdecoder.lenient().decodeDocument(input);
    assertThat(doc.value()).isEqualTo(expected);
    assertThat(doc.leniencies())
        .containsExactly(new Leniency(Leniency.Kind.TRAILING_BYTES, encoding.length));
    assertThat(doc.isCanonical()).isFalse();

    for (Bdecoder d : new Bdecoder[] {Bdecoder.strict(), Bdecoder.lenient()}) {
      BValue first = d.decodeFirst(input, 0, input.length);
      assertThat(first).isEqualTo(expected);
      assertThat(first.sourceLength()).isEqualTo(encoding.length);
    }
  }

  /** An input stream that hands out at most one byte per read, or seeded random chunks. */
  static final class ChunkedInputStream extends InputStream {
    private final byte[] data;
    private final Random random; // null: one byte per read
    private int pos;

    ChunkedInputStream(byte[] data, Random random) {
      this.data = data;
      this.random = random;
    }

    @Override
    public int read() {
      return pos < data.length ? data[pos++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      if (pos >= data.length) {
        return -1;
      }
      int n = random == null ? 1 : 1 + random.nextInt(Math.min(len, 17));
      n = Math.min(n, Math.min(len, data.length - pos));
      System.arraycopy(data, pos, b, off, n);
      pos += n;
      return n;
    }
  }
}
