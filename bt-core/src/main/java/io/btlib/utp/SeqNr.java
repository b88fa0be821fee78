package io.btlib.utp;

/**
 * uTP's 16-bit sequence and ack numbers, which wrap around: comparisons and distances modulo
 * 2<sup>16</sup>, where a number is "after" another when it is less than half the space ahead.
 */
public final class SeqNr {
  /** The size of the space: numbers are 0 to 65535. */
  public static final int MODULUS = 1 << 16;
  private static final int MASK = MODULUS - 1;

  private SeqNr() {}

  /** {@code n} taken into the space (what {@code n + 1} on 65535 should give: 0). */
  public static int wrap(int n) {
    return n & MASK;
  }

  /** How far {@code to} is ahead of {@code from}, 0 to 65535. */
  public static int distance(int from, int to) {
    return (to - from) & MASK;
  }

  /** Whether {@code a} comes after {@code b}: less than half the space ahead of it. */
  public static boolean isAfter(int a, int b) {
    int d = distance(b, a);
    return d != 0 && d < MODULUS / 2;
  }

  /**
   * Orders {@code a} and {@code b} as the space wraps: negative if {@code a} is before {@code b},
   * 0 if equal, positive if after. (Not a total order over the whole space: only over any half.)
   */
  public static int compare(int a, int b) {
    int d = distance(b, a);
    return d == 0 ? 0 : d < MODULUS / 2 ? 1 : -1;
  }
}
