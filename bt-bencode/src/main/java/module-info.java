/**
 * Bencoding (BEP 3): immutable values, a strict or lenient decoder with limits and byte spans, and
 * a canonical writer. Stands alone: no dependencies.
 *
 * <p>{@code io.btlib.bencode.internal} (byte-array helpers that Android API 26 lacks in the JDK) is
 * shared with bt's other modules only.
 */
module io.btlib.bencode {
  exports io.btlib.bencode;

  exports io.btlib.bencode.internal to io.btlib.core, io.btlib.storage, io.btlib.tracker;
}
