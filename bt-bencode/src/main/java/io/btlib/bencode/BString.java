package io.btlib.bencode;

import io.btlib.bencode.internal.Bytes;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * A bencoded byte string: arbitrary bytes, not necessarily text.
 *
 * <p>A decoded string is a view into the decoder's source array; {@link #bytes()} copies, {@link
 * #asByteBuffer()} does not. Text is read only through an explicit charset ({@link
 * #asString(Charset)}), or strictly as UTF-8 with {@link #utf8()}. Equality and ordering are by
 * content; ordering compares bytes as unsigned values, as canonical bencode sorts dictionary keys.
 */
public final class BString implements BValue, Comparable<BString> {
  private static final byte[] EMPTY = new byte[0];

  private final byte[] src;
  private final int off;
  private final int len;
  // span in the decoder's input: offset of the length prefix, or -1; and the prefix's length
  private final int spanOffset;
  private final int prefixLength;
  private int hash;

  BString(byte[] src, int off, int len, int spanOffset, int prefixLength) {
    this.src = src;
    this.off = off;
    this.len = len;
    this.spanOffset = spanOffset;
    this.prefixLength = prefixLength;
  }

  /** A string holding a copy of {@code bytes}. */
  public static BString of(byte[] bytes) {
    return new BString(bytes.length == 0 ? EMPTY : bytes.clone(), 0, bytes.length, -1, 0);
  }

  /** A string holding a copy of {@code length} bytes of {@code bytes} from {@code offset}. */
  public static BString of(byte[] bytes, int offset, int length) {
    if (offset < 0 || length < 0 || offset > bytes.length - length) {
      throw new IndexOutOfBoundsException(
          "offset " + offset + ", length " + length + " outside array of " + bytes.length);
    }
    return new BString(Arrays.copyOfRange(bytes, offset, offset + length), 0, length, -1, 0);
  }

  /** A string holding the UTF-8 encoding of {@code text}. */
  public static BString of(String text) {
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return new BString(b, 0, b.length, -1, 0);
  }

  /** A string holding a copy of the remaining bytes of {@code buffer}; its position is unchanged. */
  public static BString of(ByteBuffer buffer) {
    byte[] b = new byte[buffer.remaining()];
    buffer.duplicate().get(b);
    return new BString(b, 0, b.length, -1, 0);
  }

  @Override
  public Type type() {
    return Type.STRING;
  }

  /** The number of bytes in this string. */
  public int length() {
    return len;
  }

  /** Whether the string has no bytes. */
  public boolean isEmpty() {
    return len == 0;
  }

  /** The byte at {@code index}. */
  public byte byteAt(int index) {
    if (index < 0 || index >= len) {
      throw new IndexOutOfBoundsException("index " + index + " outside string of " + len + " bytes");
    }
    return src[off + index];
  }

  /** A copy of this string's bytes. */
  public byte[] bytes() {
    return Arrays.copyOfRange(src, off, off + len);
  }

  /** Copies {@code length} bytes from {@code srcIndex} of this string into {@code dst}. */
  public void copyTo(int srcIndex, byte[] dst, int dstIndex, int length) {
    if (srcIndex < 0 || length < 0 || srcIndex > len - length) {
      throw new IndexOutOfBoundsException(
          "range " + srcIndex + "+" + length + " outside string of " + len + " bytes");
    }
    System.arraycopy(src, off + srcIndex, dst, dstIndex, length);
  }

  /** A read-only view of this string's bytes; no copy is made. */
  public ByteBuffer asByteBuffer() {
    return ByteBuffer.wrap(src, off, len).slice().asReadOnlyBuffer();
  }

  /** A view of {@code length} bytes from {@code index}, sharing the same source; no copy is made. */
  public BString slice(int index, int length) {
    if (index < 0 || length < 0 || index > len - length) {
      throw new IndexOutOfBoundsException(
          "range " + index + "+" + length + " outside string of " + len + " bytes");
    }
    return new BString(src, off + index, length, -1, 0);
  }

  /** Writes this string's bytes (without the length prefix) to {@code out}. */
  public void writeContentTo(OutputStream out) throws IOException {
    out.write(src, off, len);
  }

  /**
   * Decodes the bytes as text in {@code charset}; malformed input is replaced, as {@link
   * String#String(byte[], int, int, Charset)} does.
   */
  public String asString(Charset charset) {
    return new String(src, off, len, charset);
  }

  /**
   * Decodes the bytes as strict UTF-8.
   *
   * @throws CharacterCodingException if the bytes are not well-formed UTF-8
   */
  public String utf8() throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(src, off, len))
        .toString();
  }

  /** Whether the bytes are well-formed UTF-8. */
  public boolean isUtf8() {
    try {
      utf8();
      return true;
    } catch (CharacterCodingException e) {
      return false;
    }
  }

  /**
   * Whether this string's bytes equal the UTF-8 encoding of {@code text}, without allocating for
   * ASCII text.
   */
  public boolean contentEquals(String text) {
    int n = text.length();
    if (n == len) {
      boolean ascii = true;
      for (int i = 0; i < n; i++) {
        char c = text.charAt(i);
        if (c >= 0x80) {
          ascii = false;
          break;
        }
        if (src[off + i] != (byte) c) {
          return false;
        }
      }
      if (ascii) {
        return true;
      }
    } else if (n > len) {
      return false; // UTF-8 never has fewer bytes than UTF-16 code units
    }
    byte[] b = text.getBytes(StandardCharsets.UTF_8);
    return Bytes.equals(src, off, off + len, b, 0, b.length);
  }

  /** Whether this string's bytes equal {@code bytes}. */
  public boolean contentEquals(byte[] bytes) {
    return Bytes.equals(src, off, off + len, bytes, 0, bytes.length);
  }

  /**
   * Compares with the UTF-8 encoding of {@code text} as unsigned bytes (canonical key order),
   * without allocating for ASCII text.
   */
  public int compareTo(String text) {
    int n = text.length();
    int m = Math.min(n, len);
    for (int i = 0; i < m; i++) {
      char c = text.charAt(i);
      if (c >= 0x80) {
        return compareTo(of(text));
      }
      int d = (src[off + i] & 0xFF) - c;
      if (d != 0) {
        return d;
      }
    }
    for (int i = m; i < n; i++) {
      if (text.charAt(i) >= 0x80) {
        return compareTo(of(text));
      }
    }
    return len - n;
  }

  @Override
  public int compareTo(BString o) {
    return Bytes.compareUnsigned(src, off, off + len, o.src, o.off, o.off + o.len);
  }

  @Override
  public int sourceOffset() {
    return spanOffset;
  }

  @Override
  public int sourceLength() {
    return spanOffset < 0 ? -1 : prefixLength + len;
  }

  @Override
  public ByteBuffer sourceBytes() {
    if (spanOffset < 0) {
      throw new IllegalStateException("value was not decoded: it has no source bytes");
    }
    return ByteBuffer.wrap(src, off - prefixLength, prefixLength + len).slice().asReadOnlyBuffer();
  }

  // package-private access for the writer and the decoder
  byte[] array() {
    return src;
  }

  int arrayOffset() {
    return off;
  }

  @Override
  public boolean equals(Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof BString)) {
      return false;
    }
    BString s = (BString) o;
    return len == s.len && Bytes.equals(src, off, off + len, s.src, s.off, s.off + s.len);
  }

  @Override
  public int hashCode() {
    int h = hash;
    if (h == 0 && len > 0) {
      h = 1;
      for (int i = off, end = off + len; i < end; i++) {
        h = 31 * h + src[i];
      }
      hash = h;
    }
    return h;
  }

  /**
   * Printable ASCII text is shown quoted; anything else as hex. Long strings are cut at 64 bytes,
   * with the full length noted.
   */
  @Override
  public String toString() {
    int shown = Math.min(len, 64);
    boolean printable = true;
    for (int i = 0; i < shown; i++) {
      int b = src[off + i] & 0xFF;
      if (b < 0x20 || b >= 0x7F) {
        printable = false;
        break;
      }
    }
    StringBuilder sb = new StringBuilder(shown * 2 + 16);
    if (printable) {
      sb.append('"');
      for (int i = 0; i < shown; i++) {
        char c = (char) src[off + i];
        if (c == '"' || c == '\\') {
          sb.append('\\');
        }
        sb.append(c);
      }
      sb.append('"');
    } else {
      sb.append("0x");
      for (int i = 0; i < shown; i++) {
        sb.append(Character.forDigit((src[off + i] >> 4) & 0xF, 16));
        sb.append(Character.forDigit(src[off + i] & 0xF, 16));
      }
    }
    if (shown < len) {
      sb.append("...(").append(len).append(" bytes)");
    }
    return sb.toString();
  }
}
