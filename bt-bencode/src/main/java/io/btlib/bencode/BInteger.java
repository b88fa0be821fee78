package io.btlib.bencode;


/**
 * A bencoded integer, limited to a signed 64-bit value (the decoder rejects larger ones).
 *
 * <p>Equality is by value only; the source span does not take part.
 */
public final class BInteger extends SourceSpan implements BValue {
  private static final BInteger[] SMALL = new BInteger[256];

  static {
    for (int i = 0; i < SMALL.length; i++) {
      SMALL[i] = new BInteger(i, null, -1, -1, -1);
    }
  }

  private final long value;

  BInteger(long value, byte[] src, int arrayStart, int spanOffset, int spanLength) {
    super(src, arrayStart, spanOffset, spanLength);
    this.value = value;
  }

  /** An integer value. */
  public static BInteger of(long value) {
    if (value >= 0 && value < SMALL.length) {
      return SMALL[(int) value];
    }
    return new BInteger(value, null, -1, -1, -1);
  }

  @Override
  public Type type() {
    return Type.INTEGER;
  }

  /** The value. */
  public long value() {
    return value;
  }

  /**
   * The value as an {@code int}.
   *
   * @throws ArithmeticException if it does not fit
   */
  public int intValue() {
    return Math.toIntExact(value);
  }




  @Override
  public boolean equals(Object o) {
    return o instanceof BInteger && ((BInteger) o).value == value;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(value);
  }

  @Override
  public String toString() {
    return Long.toString(value);
  }
}
