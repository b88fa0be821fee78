package bt.bencode;

import java.util.List;

/**
 * The result of decoding with a report: the value, and every non-canonical form that a lenient
 * decoder accepted on the way (always empty for a strict decoder, which rejects them instead).
 *
 * @param value the decoded top-level value
 * @param leniencies what was accepted that canonical bencode forbids, in input order
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
