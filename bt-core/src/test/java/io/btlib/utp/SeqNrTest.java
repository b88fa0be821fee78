package io.btlib.utp;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import org.junit.jupiter.api.Test;

class SeqNrTest {

  @Test
  void numbersWrapAt65536() {
    assertThat(SeqNr.wrap(65535 + 1)).isZero();
    assertThat(SeqNr.wrap(-1)).isEqualTo(65535);
    assertThat(SeqNr.distance(65530, 4)).isEqualTo(10);
    assertThat(SeqNr.distance(4, 65530)).isEqualTo(65526);
  }

  @Test
  void afterMeansLessThanHalfTheSpaceAhead() {
    assertThat(SeqNr.isAfter(3, 65534)).isTrue();
    assertThat(SeqNr.isAfter(65534, 3)).isFalse();
    assertThat(SeqNr.isAfter(7, 7)).isFalse();
    assertThat(SeqNr.isAfter(32767, 0)).isTrue();
    assertThat(SeqNr.isAfter(32768, 0)).isFalse(); // exactly half: before
    assertThat(SeqNr.compare(0, 65535)).isPositive();
    assertThat(SeqNr.compare(65535, 0)).isNegative();
    assertThat(SeqNr.compare(12, 12)).isZero();
  }

  @Test
  void compareAgreesWithPlainOrderWithinAWindow() {
    Random r = new Random(3);
    for (int i = 0; i < 100_000; i++) {
      int base = r.nextInt(65536);
      int a = r.nextInt(32767);
      int b = r.nextInt(32767);
      int sa = SeqNr.wrap(base + a);
      int sb = SeqNr.wrap(base + b);
      assertThat(Integer.signum(SeqNr.compare(sa, sb))).isEqualTo(Integer.compare(a, b));
      assertThat(SeqNr.isAfter(sa, sb)).isEqualTo(a > b);
      assertThat(SeqNr.compare(sa, sb)).isEqualTo(-SeqNr.compare(sb, sa));
    }
  }
}
