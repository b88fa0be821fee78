package io.btlib.bencode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

/** Values nested far deeper than the stack allows still compare, hash and print. */
class DeepValuesTest {
  private static final int DEPTH = 200_000;

  static byte[] nested(char open) {
    byte[] b = new byte[DEPTH * 2 + 2];
    Arrays.fill(b, 0, DEPTH, (byte) open);
    b[DEPTH] = '0';
    b[DEPTH + 1] = ':';
    for (int i = 0; i < DEPTH; i++) {
      b[DEPTH + 2 + i] = 'e';
    }
    return b;
  }

  @Test
  void deepListsCompareHashAndPrintWithoutStackOverflow() {
    Bdecoder deep = Bdecoder.builder().maxDepth(DEPTH).build();
    BValue a = deep.decode(nested('l'));
    BValue b = deep.decode(nested('l'));
    assertThat(a.equals(b)).isTrue();
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(a.toString()).contains("[...]").hasSizeLessThan(1000);
    assertThat(BencodeWriter.encode(a)).isEqualTo(nested('l'));
  }

  @Test
  void deepValuesThatDifferAtTheBottomAreUnequal() {
    Bdecoder deep = Bdecoder.builder().maxDepth(DEPTH).build();
    byte[] other = nested('l');
    other[DEPTH] = '1';
    other[DEPTH + 1] = ':';
    // "1:" swallows the first 'e' as its content: shift by rebuilding one level shallower
    byte[] fixed = new byte[other.length + 1];
    System.arraycopy(other, 0, fixed, 0, DEPTH + 2);
    fixed[DEPTH + 2] = 'x';
    System.arraycopy(other, DEPTH + 2, fixed, DEPTH + 3, DEPTH);
    BValue a = deep.decode(nested('l'));
    BValue b = deep.decode(fixed);
    assertThat(a.equals(b)).isFalse();
  }
}
