package io.btlib.bencode;

/**
 * A departure from canonical bencode that a lenient {@link Bdecoder} accepted, and where.
 *
 * @param kind what was accepted
 * @param offset the byte offset in the input where it was found
 */
public record Leniency(Kind kind, long offset) {

  /** The non-canonical forms a lenient decoder accepts. */
  public enum Kind {
    /** An integer or a string length written with a leading zero, e.g. {@code i03e}, {@code 03:abc}. */
    LEADING_ZERO,
    /** The integer {@code i-0e}. */
    NEGATIVE_ZERO,
    /** A dictionary key that sorts before the key that precedes it. */
    UNSORTED_KEY,
    /** A dictionary key equal to the key just before it; lookups see the first. */
    DUPLICATE_KEY,
    /** Bytes after the end of the top-level value; they are ignored. */
    TRAILING_BYTES
  }

  /** Checks the offset. */
  public Leniency {
    if (kind == null) {
      throw new NullPointerException("kind");
    }
    if (offset < 0) {
      throw new IllegalArgumentException("offset must be >= 0: " + offset);
    }
  }
}
