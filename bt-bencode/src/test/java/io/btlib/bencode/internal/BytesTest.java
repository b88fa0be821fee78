package io.btlib.bencode.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** {@link Bytes} gives the same answers as the Java 9-17 APIs it stands in for. */
class BytesTest {
  private final Random random = new Random(7);

  private byte[] bytes(int n) {
    byte[] b = new byte[n];
    random.nextBytes(b);
    return b;
  }

  @Test
  void rangeEqualsAndCompareAgreeWithArrays() {
    for (int round = 0; round < 2000; round++) {
      byte[] a = bytes(random.nextInt(6));
      byte[] b = random.nextBoolean() ? a.clone() : bytes(random.nextInt(6));
      if (b.length > 0 && random.nextBoolean()) {
        b[random.nextInt(b.length)] ^= (byte) 0x80; // differ in the sign bit: unsigned order
      }
      int af = random.nextInt(a.length + 1);
      int at = af + random.nextInt(a.length - af + 1);
      int bf = random.nextInt(b.length + 1);
      int bt = bf + random.nextInt(b.length - bf + 1);
      assertThat(Bytes.equals(a, af, at, b, bf, bt))
          .isEqualTo(Arrays.equals(a, af, at, b, bf, bt));
      assertThat(Integer.signum(Bytes.compareUnsigned(a, af, at, b, bf, bt)))
          .isEqualTo(Integer.signum(Arrays.compareUnsigned(a, af, at, b, bf, bt)));
      assertThat(Integer.signum(Bytes.compareUnsigned(a, b)))
          .isEqualTo(Integer.signum(Arrays.compareUnsigned(a, b)));
    }
  }

  @Test
  void badRangesAreRefusedAsArraysDoes() {
    byte[] a = new byte[4];
    assertThatThrownBy(() -> Bytes.equals(a, 3, 2, a, 0, 0))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 > to 2");
    assertThatThrownBy(() -> Bytes.compareUnsigned(a, 0, 5, a, 0, 1))
        .isInstanceOf(ArrayIndexOutOfBoundsException.class).hasMessageContaining("0..5 of 4");
  }

  @Test
  void hexAgreesWithHexFormat() {
    byte[] b = bytes(300);
    String hex = HexFormat.of().formatHex(b);
    assertThat(Bytes.toHex(b)).isEqualTo(hex);
    assertThat(Bytes.parseHex(hex)).isEqualTo(b);
    assertThat(Bytes.parseHex(hex.toUpperCase(java.util.Locale.ROOT))).isEqualTo(b);
    for (int c = 0; c < 128; c++) {
      assertThat(Bytes.isHexDigit(c)).as("char %d", c).isEqualTo(HexFormat.isHexDigit(c));
      if (HexFormat.isHexDigit(c)) {
        assertThat(Bytes.fromHexDigit(c)).isEqualTo(HexFormat.fromHexDigit(c));
      }
    }
  }

  @Test
  void badHexIsRefusedNamingTheProblem() {
    assertThatThrownBy(() -> Bytes.parseHex("abc"))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not even: 3");
    assertThatThrownBy(() -> Bytes.parseHex("0g"))
        .isInstanceOf(NumberFormatException.class).hasMessageContaining("\"g\"");
  }
}
