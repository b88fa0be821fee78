package io.btlib.bencode;

import java.nio.ByteBuffer;

/**
 * Where a decoded integer, list or dictionary came from: its source array and its byte span. The
 * one place the span accessors of {@link BValue} are implemented for them ({@link BString} keeps
 * its own, leaner fields). A value built in code has no source.
 */
abstract class SourceSpan {
  private final byte[] src;
  private final int arrayStart;
  private final int spanOffset;
  private final int spanLength;

  SourceSpan(byte[] src, int arrayStart, int spanOffset, int spanLength) {
    this.src = src;
    this.arrayStart = arrayStart;
    this.spanOffset = spanOffset;
    this.spanLength = spanLength;
  }

  /** See {@link BValue#sourceOffset()}. */
  public int sourceOffset() {
    return spanOffset;
  }

  /** See {@link BValue#sourceLength()}. */
  public int sourceLength() {
    return spanLength;
  }

  /** See {@link BValue#sourceBytes()}. */
  public ByteBuffer sourceBytes() {
    if (src == null) {
      throw new IllegalStateException("value was not decoded: it has no source bytes");
    }
    return ByteBuffer.wrap(src, arrayStart, spanLength).slice().asReadOnlyBuffer();
  }
}
