/**
 * Bencoding (BEP 3): immutable values, a strict or lenient decoder with limits and byte spans, and
 * a canonical writer. Stands alone: no dependencies.
 */
module io.btlib.bencode {
  exports io.btlib.bencode;
}
