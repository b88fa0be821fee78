package io.btlib.wire.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/** How bytes reach a session: all at once, a byte at a time, or in seeded random chunks. */
enum Feed {
  WHOLE,
  BYTE_BY_BYTE,
  RANDOM;

  /** The chunk sizes to deliver {@code length} bytes in. */
  int[] chunks(int length, Random r) {
    switch (this) {
      case WHOLE:
        return length == 0 ? new int[0] : new int[] {length};
      case BYTE_BY_BYTE: {
        int[] c = new int[length];
        java.util.Arrays.fill(c, 1);
        return c;
      }
      default: {
        List<Integer> c = new ArrayList<>();
        int left = length;
        while (left > 0) {
          int n = Math.min(left, 1 + r.nextInt(r.nextBoolean() ? 8 : 20_000));
          c.add(n);
          left -= n;
        }
        return c.stream().mapToInt(Integer::intValue).toArray();
      }
    }
  }
}
