package io.btlib.wire.session;

/** A block as requests name it; the key of the session's request bookkeeping. */
record BlockKey(int piece, int offset, int length) {
  @Override
  public String toString() {
    return "(piece " + piece + ", offset " + offset + ", length " + length + ")";
  }
}
