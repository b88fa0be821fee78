package io.btlib.bencode;

import java.nio.ByteBuffer;

/**
 * A bencoded value: a byte string, an integer, a list or a dictionary (BEP 3).
 *
 * <p>Values are immutable. A value produced by a {@link Bdecoder} remembers its byte span in the
 * source: {@link #sourceOffset()} and {@link #sourceLength()} locate it, and {@link #sourceBytes()}
 * gives a read-only view of exactly those bytes (used to hash a torrent's {@code info} dictionary
 * over its original bytes rather than a re-encoding). A value built in code has no span.
 *
 * <p>Decoded values keep a reference to the source array; retaining one small value retains the
 * whole array. Copy what you keep for long ({@link BString#bytes()}).
 */
public sealed interface BValue permits BString, BInteger, BList, BDict {

  /** The kind of a value, for dispatch without pattern matching. */
  enum Type {
    /** A byte string, {@link BString}. */
    STRING,
    /** An integer, {@link BInteger}. */
    INTEGER,
    /** A list, {@link BList}. */
    LIST,
    /** A dictionary, {@link BDict}. */
    DICT
  }

  /** This value's kind. */
  Type type();

  /** The offset of this value's first byte in the decoder's input, or -1 if it was not decoded. */
  int sourceOffset();

  /** The number of bytes this value occupied in the decoder's input, or -1 if it was not decoded. */
  int sourceLength();

  /** Whether this value was decoded and so has a byte span in a source. */
  default boolean hasSource() {
    return sourceOffset() >= 0;
  }

  /**
   * A read-only view of the exact bytes this value was decoded from.
   *
   * @throws IllegalStateException if the value was built in code rather than decoded
   */
  ByteBuffer sourceBytes();
}
