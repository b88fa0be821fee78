package io.btlib.wire.session;

/**
 * A block as requests name it; the key of the session's request bookkeeping.
 *
 * <p>{@code equals} and {@code hashCode} are written out: a record's generated ones go through
 * {@code ObjectMethods} method handles, which a fresh JVM runs interpreted and spins lambda forms
 * for, and this key is hashed twice per block received.
 */
record BlockKey(int piece, int offset, int length) {
  @Override
  public boolean equals(Object o) {
    if (!(o instanceof BlockKey)) {
      return false;
    }
    BlockKey k = (BlockKey) o;
    return piece == k.piece && offset == k.offset && length == k.length;
  }

  @Override
  public int hashCode() {
    return (piece * 31 + offset) * 31 + length;
  }

  @Override
  public String toString() {
    return "(piece " + piece + ", offset " + offset + ", length " + length + ")";
  }
}
