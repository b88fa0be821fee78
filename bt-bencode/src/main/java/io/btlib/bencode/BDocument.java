package io.btlib.bencode;

import java.util.List;

/**
 * The result of decoding with a report: the value, and the non-canonical forms that a lenient
 * decoder accepted on the way (always empty for a strict decoder, which rejects them instead).
 *
 * <p>At most the first 1,024 leniencies are listed, so a hostile input cannot grow the report
 * without bound; {@link #isCanonical()} is exact either way.
 *
 * @param value the decoded top-level value
 * @param leniencies what was accepted that canonical bencode forbids, in input order (at most the
 *     first 1,024)
 */
public record BDocument(BValue value, List<Leniency> leniencies) {

  /** Copies the list. */
  public BDocument {
    if (value == null) {
      throw new NullPointerException("value");
    }
    leniencies = List.copyOf(leniencies);
  }

  /** Whether the input was canonical bencode. */
  public boolean isCanonical() {
    return leniencies.isEmpty();
  }
}
