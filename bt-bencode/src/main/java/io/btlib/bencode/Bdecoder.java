package io.btlib.bencode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * Decodes bencode (BEP 3) into {@link BValue}s, under limits that make any input safe to decode.
 *
 * <pre>{@code
 * BValue v = Bdecoder.strict().decode(bytes);          // canonical input only
 * BDocument d = Bdecoder.lenient().decodeDocument(bytes); // tolerant, reports what it tolerated
 * }</pre>
 *
 * <p><b>Strict</b> mode (the default, and what metainfo parsing uses) rejects every non-canonical
 * form: leading zeros ({@code i03e}, {@code 03:abc}), {@code i-0e}, dictionary keys that are not in
 * ascending unsigned-byte order or repeat, and bytes after the top-level value. <b>Lenient</b> mode
 * accepts those and lists each in {@link BDocument#leniencies()}. Neither mode accepts anything that
 * is not bencode at all ({@code ie}, {@code i-e}, a non-string key, a missing {@code e}, a truncated
 * string, an unknown type byte).
 *
 * <p><b>Limits</b> (each a budget for the whole input, checked before any allocation it guards):
 *
 * <ul>
 *   <li>{@code maxDepth} (default 512): lists and dictionaries nested deeper fail. Decoding is
 *       iterative, so no input can cause a {@code StackOverflowError} whatever the limit.
 *   <li>{@code maxStringLength} (default unlimited): a longer byte string fails. A string's length
 *       is always checked against the bytes remaining before anything else, so a length bomb
 *       ({@code 9999999999:}) fails at once.
 *   <li>{@code maxValues} (default 2,000,000, as libtorrent's token limit): more values in total
 *       fail; this bounds the memory a small hostile input can make the decoder allocate.
 *   <li>{@code maxInputBytes} (default 64 MiB): applies to {@link #decode(InputStream)} only.
 * </ul>
 *
 * <p>Integers must fit in a signed 64-bit value. Errors are {@link BencodeException}s naming the
 * problem and its byte offset; no other exception escapes for any input. Decoded byte strings are
 * views into the input array (for a {@code ByteBuffer} without an accessible array, into one copy of
 * it). Instances are immutable and thread-safe.
 */
public final class Bdecoder {
  /** Default for {@link Builder#maxDepth(int)}. */
  public static final int DEFAULT_MAX_DEPTH = 512;
  /** Default for {@link Builder#maxValues(int)}. */
  public static final int DEFAULT_MAX_VALUES = 2_000_000;
  /** Default for {@link Builder#maxInputBytes(int)}: 64 MiB. */
  public static final int DEFAULT_MAX_INPUT_BYTES = 64 << 20;

  private static final Bdecoder STRICT = builder().build();
  private static final Bdecoder LENIENT = builder().strict(false).build();

  private final boolean strict;
  private final int maxDepth;
  private final int maxStringLength;
  private final int maxValues;
  private final int maxInputBytes;

  private Bdecoder(Builder b) {
    this.strict = b.strict;
    this.maxDepth = b.maxDepth;
    this.maxStringLength = b.maxStringLength;
    this.maxValues = b.maxValues;
    this.maxInputBytes = b.maxInputBytes;
  }

  /** A strict decoder with the default limits. */
  public static Bdecoder strict() {
    return STRICT;
  }

  /** A lenient decoder with the default limits. */
  public static Bdecoder lenient() {
    return LENIENT;
  }

  /** A builder, starting strict with the default limits. */
  public static Builder builder() {
    return new Builder();
  }

  /** A builder holding this decoder's settings. */
  public Builder toBuilder() {
    Builder b = new Builder();
    b.strict = strict;
    b.maxDepth = maxDepth;
    b.maxStringLength = maxStringLength;
    b.maxValues = maxValues;
    b.maxInputBytes = maxInputBytes;
    return b;
  }

  /** Whether non-canonical input is rejected. */
  public boolean isStrict() {
    return strict;
  }

  /** The maximum nesting depth of lists and dictionaries. */
  public int maxDepth() {
    return maxDepth;
  }

  /** The maximum length of one byte string. */
  public int maxStringLength() {
    return maxStringLength;
  }

  /** The maximum number of values in one input. */
  public int maxValues() {
    return maxValues;
  }

  /** The maximum number of bytes {@link #decode(InputStream)} reads. */
  public int maxInputBytes() {
    return maxInputBytes;
  }

  /** Decodes the whole of {@code src} as one value. */
  public BValue decode(byte[] src) {
    return decode(src, 0, src.length);
  }

  /** Decodes {@code length} bytes of {@code src} from {@code offset} as one value. */
  public BValue decode(byte[] src, int offset, int length) {
    checkRange(src, offset, length);
    return new Parser(this, src, offset, length, false).parseWhole();
  }

  /**
   * Decodes the remaining bytes of {@code src} as one value, and moves its position to its limit.
   * A heap buffer is decoded in place; any other buffer is copied once.
   */
  public BValue decode(ByteBuffer src) {
    BValue v = decode(arrayOf(src), offsetOf(src), src.remaining());
    ((Buffer) src).position(src.limit());
    return v;
  }

  /**
   * Reads {@code in} to its end, at most {@link #maxInputBytes()} bytes, and decodes what it read
   * as one value. The stream is not closed.
   *
   * @throws BencodeException if the stream holds more than {@code maxInputBytes} bytes, or is not
   *     valid bencode
   * @throws IOException if reading fails
   */
  public BValue decode(InputStream in) throws IOException {
    byte[] bytes = readCapped(in);
    return decode(bytes, 0, bytes.length);
  }

  /**
   * Reads {@code in} to its end, at most {@link #maxInputBytes()} bytes, decodes it as one value
   * and reports what was accepted leniently. The stream is not closed.
   *
   * @throws BencodeException if the stream holds more than {@code maxInputBytes} bytes, or is not
   *     valid bencode
   * @throws IOException if reading fails
   */
  public BDocument decodeDocument(InputStream in) throws IOException {
    byte[] bytes = readCapped(in);
    return decodeDocument(bytes, 0, bytes.length);
  }

  /** Decodes the whole of {@code src} and reports what was accepted leniently. */
  public BDocument decodeDocument(byte[] src) {
    return decodeDocument(src, 0, src.length);
  }

  /** Decodes {@code length} bytes of {@code src} from {@code offset} and reports leniencies. */
  public BDocument decodeDocument(byte[] src, int offset, int length) {
    checkRange(src, offset, length);
    Parser p = new Parser(this, src, offset, length, true);
    BValue v = p.parseWhole();
    return new BDocument(v, p.leniencies());
  }

  /**
   * Decodes the one value at the start of the input and ignores what follows it, in either mode
   * (for messages that carry raw bytes after a bencoded header, as BEP 9's {@code ut_metadata}
   * data message does). The value's {@link BValue#sourceLength()} tells where it ended.
   */
  public BValue decodeFirst(byte[] src, int offset, int length) {
    checkRange(src, offset, length);
    return new Parser(this, src, offset, length, false).parseFirst();
  }

  /** Like {@link #decode(byte[])}, but the top-level value must be a dictionary. */
  public BDict decodeDict(byte[] src) {
    BValue v = decode(src);
    if (!(v instanceof BDict)) {
      throw new BencodeException("expected a dictionary at the top level, found " + v.type(), 0);
    }
    return (BDict) v;
  }

  private byte[] readCapped(InputStream in) throws IOException {
    // InputStream.readNBytes is Java 11: not on Android API 26
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream(
        Math.min(maxInputBytes, 8192));
    byte[] chunk = new byte[8192];
    int n;
    while (out.size() < maxInputBytes
        && (n = in.read(chunk, 0, Math.min(chunk.length, maxInputBytes - out.size()))) >= 0) {
      out.write(chunk, 0, n);
    }
    byte[] bytes = out.toByteArray();
    if (bytes.length == maxInputBytes && in.read() != -1) {
      throw new BencodeException("input is larger than the limit of " + maxInputBytes + " bytes",
          maxInputBytes);
    }
    return bytes;
  }

  private static byte[] arrayOf(ByteBuffer b) {
    if (b.hasArray()) {
      return b.array();
    }
    byte[] copy = new byte[b.remaining()];
    b.duplicate().get(copy);
    return copy;
  }

  private static int offsetOf(ByteBuffer b) {
    return b.hasArray() ? b.arrayOffset() + b.position() : 0;
  }

  private static void checkRange(byte[] src, int offset, int length) {
    if (offset < 0 || length < 0 || offset > src.length - length) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + ", length " + length + " outside array of " + src.length);
    }
  }

  /** Settings for a {@link Bdecoder}; each setter checks its argument at once. Not thread-safe. */
  public static final class Builder {
    private boolean strict = true;
    private int maxDepth = DEFAULT_MAX_DEPTH;
    private int maxStringLength = Integer.MAX_VALUE;
    private int maxValues = DEFAULT_MAX_VALUES;
    private int maxInputBytes = DEFAULT_MAX_INPUT_BYTES;

    Builder() {}

    /** Whether to reject non-canonical input (default true). */
    public Builder strict(boolean strict) {
      this.strict = strict;
      return this;
    }

    /** Maximum nesting of lists and dictionaries, at least 1 (default 512). */
    public Builder maxDepth(int maxDepth) {
      if (maxDepth < 1) {
        throw new IllegalArgumentException("maxDepth must be >= 1: " + maxDepth);
      }
      this.maxDepth = maxDepth;
      return this;
    }

    /** Maximum length of one byte string, at least 0 (default unlimited). */
    public Builder maxStringLength(int maxStringLength) {
      if (maxStringLength < 0) {
        throw new IllegalArgumentException("maxStringLength must be >= 0: " + maxStringLength);
      }
      this.maxStringLength = maxStringLength;
      return this;
    }

    /** Maximum number of values in one input, at least 1 (default 2,000,000). */
    public Builder maxValues(int maxValues) {
      if (maxValues < 1) {
        throw new IllegalArgumentException("maxValues must be >= 1: " + maxValues);
      }
      this.maxValues = maxValues;
      return this;
    }

    /**
     * Maximum bytes read by {@link Bdecoder#decode(InputStream)}, 1 to 2^31 - 9 (default 64 MiB).
     */
    public Builder maxInputBytes(int maxInputBytes) {
      if (maxInputBytes < 1 || maxInputBytes > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException(
            "maxInputBytes must be in [1, " + (Integer.MAX_VALUE - 8) + "]: " + maxInputBytes);
      }
      this.maxInputBytes = maxInputBytes;
      return this;
    }

    /** The decoder. */
    public Bdecoder build() {
      return new Bdecoder(this);
    }
  }
}
