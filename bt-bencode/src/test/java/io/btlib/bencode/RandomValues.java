package io.btlib.bencode;

import java.util.Random;

/**
 * Random {@link BValue} trees from a seeded {@link Random}: binary strings (empty
 * included), longs with extremes, lists, and dictionaries with random binary keys that often share
 * prefixes and cross 0x80, so canonical ordering is exercised.
 */
final class RandomValues {
  private static final long[] EXTREMES = {
    Long.MIN_VALUE, Long.MIN_VALUE + 1, Long.MAX_VALUE, Long.MAX_VALUE - 1, 0, 1, -1, 9, 10, -10,
    Integer.MAX_VALUE, Integer.MIN_VALUE, 1L << 32, -(1L << 53)
  };

  private final Random r;
  private final int maxStringLength;

  RandomValues(Random r, int maxStringLength) {
    this.r = r;
    this.maxStringLength = maxStringLength;
  }

  RandomValues(Random r) {
    this(r, 40);
  }

  /** A value nested at most {@code maxDepth} containers deep (0: a string or an integer). */
  BValue value(int maxDepth) {
    int k = r.nextInt(maxDepth > 0 ? 10 : 4);
    if (k < 2) {
      return integer();
    }
    if (k < 4) {
      return string();
    }
    if (k < 7) {
      return list(maxDepth);
    }
    return dict(maxDepth);
  }

  BInteger integer() {
    switch (r.nextInt(4)) {
      case 0:
        return BInteger.of(EXTREMES[r.nextInt(EXTREMES.length)]);
      case 1:
        return BInteger.of(r.nextLong());
      default:
        return BInteger.of(r.nextInt(-1000, 1000));
    }
  }

  BString string() {
    int n;
    switch (r.nextInt(6)) {
      case 0:
        n = 0;
        break;
      case 1:
        n = r.nextInt(maxStringLength + 1);
        break;
      default:
        n = r.nextInt(Math.min(8, maxStringLength) + 1);
    }
    byte[] b = new byte[n];
    fill(b);
    return BString.of(b);
  }

  /** A key from a small alphabet, so that shared prefixes, equal keys and 0x7f/0x80 boundaries
   * come up often. */
  BString key() {
    if (r.nextInt(4) == 0) {
      return string();
    }
    byte[] alphabet = {0, 'a', 'b', 'z', 0x7f, (byte) 0x80, (byte) 0xc3, (byte) 0xff};
    byte[] b = new byte[r.nextInt(5)];
    for (int i = 0; i < b.length; i++) {
      b[i] = alphabet[r.nextInt(alphabet.length)];
    }
    return BString.of(b);
  }

  BList list(int maxDepth) {
    BValue[] items = new BValue[r.nextInt(maxDepth > 3 ? 4 : 6)];
    for (int i = 0; i < items.length; i++) {
      items[i] = value(maxDepth - 1);
    }
    return BList.of(items);
  }

  BDict dict(int maxDepth) {
    BDict.Builder b = BDict.builder();
    int n = r.nextInt(maxDepth > 3 ? 4 : 7);
    for (int i = 0; i < n; i++) {
      b.put(key(), value(maxDepth - 1));
    }
    return b.build();
  }

  private void fill(byte[] b) {
    int style = r.nextInt(3);
    for (int i = 0; i < b.length; i++) {
      if (style == 0) {
        b[i] = (byte) r.nextInt(256); // binary
      } else if (style == 1) {
        b[i] = (byte) ('a' + r.nextInt(26)); // text
      } else {
        b[i] = (byte) "0123456789:eild-"
            .charAt(r.nextInt(16)); // bencode look-alike
      }
    }
  }
}
