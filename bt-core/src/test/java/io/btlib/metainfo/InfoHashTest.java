package io.btlib.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class InfoHashTest {

  private static final String BUNNY_HEX = "dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c";
  /** Computed with Python's base64.b32encode, an implementation independent of bt's. */
  private static final String BUNNY_BASE32 = "3WBFL3G4PSSV7MF37AJSHWDQMLNR63I4";
  private static final String V2_HEX = "caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e";

  private static byte[] sequence(int length, int start) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = (byte) (start + i);
    }
    return b;
  }

  /** Base32 by arithmetic on one big number: independent of the bit-buffer code under test. */
  private static String base32ByBigInteger(byte[] twentyBytes) {
    String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    BigInteger n = new BigInteger(1, twentyBytes);
    char[] out = new char[32];
    for (int i = 31; i >= 0; i--) {
      out[i] = alphabet.charAt(n.and(BigInteger.valueOf(31)).intValue());
      n = n.shiftRight(5);
    }
    return new String(out);
  }

  @Test
  void ofCopiesTheArray() {
    byte[] src = sequence(20, 0);
    InfoHash h = InfoHash.of(src);
    src[0] = 99;
    assertThat(h.byteAt(0)).isEqualTo((byte) 0);
  }

  @Test
  void bytesReturnsACopy() {
    InfoHash h = InfoHash.of(sequence(20, 0));
    h.bytes()[0] = 99;
    assertThat(h.bytes()).isEqualTo(sequence(20, 0));
  }

  @Test
  void ofRejectsOtherLengthsNamingTheLength() {
    for (int length : new int[] {0, 1, 19, 21, 31, 33, 64}) {
      assertThatThrownBy(() -> InfoHash.of(new byte[length]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("got " + length);
    }
  }

  @Test
  void ofRangeReadsFromTheMiddleOfABuffer() {
    byte[] buffer = sequence(68, 0);
    assertThat(InfoHash.of(buffer, 28, 20)).isEqualTo(InfoHash.of(sequence(20, 28)));
    assertThatThrownBy(() -> InfoHash.of(buffer, 60, 20)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> InfoHash.of(buffer, 0, 21)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void versionFollowsLength() {
    InfoHash v1 = InfoHash.of(new byte[20]);
    InfoHash v2 = InfoHash.of(new byte[32]);
    assertThat(v1.version()).isEqualTo(1);
    assertThat(v1.isV1()).isTrue();
    assertThat(v1.isV2()).isFalse();
    assertThat(v1.length()).isEqualTo(InfoHash.V1_LENGTH);
    assertThat(v2.version()).isEqualTo(2);
    assertThat(v2.isV2()).isTrue();
    assertThat(v2.isV1()).isFalse();
    assertThat(v2.length()).isEqualTo(InfoHash.V2_LENGTH);
  }

  @Test
  void fromHexAcceptsEitherCaseAndHexIsLowercase() {
    InfoHash lower = InfoHash.fromHex(BUNNY_HEX);
    InfoHash upper = InfoHash.fromHex(BUNNY_HEX.toUpperCase());
    assertThat(upper).isEqualTo(lower);
    assertThat(upper.hex()).isEqualTo(BUNNY_HEX);
    assertThat(upper.toString()).isEqualTo(BUNNY_HEX);
    assertThat(InfoHash.fromHex(V2_HEX.toUpperCase()).hex()).isEqualTo(V2_HEX);
    assertThat(InfoHash.fromHex(V2_HEX).version()).isEqualTo(2);
  }

  @Test
  void fromHexRejectsWrongLength() {
    assertThatThrownBy(() -> InfoHash.fromHex(BUNNY_HEX.substring(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("40 or 64")
        .hasMessageContaining("got 39");
    assertThatThrownBy(() -> InfoHash.fromHex(""))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 0");
  }

  @Test
  void fromHexRejectsNonHexCharacterNamingIndex() {
    String bad = BUNNY_HEX.substring(0, 7) + "g" + BUNNY_HEX.substring(8);
    assertThatThrownBy(() -> InfoHash.fromHex(bad))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'g'")
        .hasMessageContaining("index 7");
    String signed = "+" + BUNNY_HEX.substring(1);
    assertThatThrownBy(() -> InfoHash.fromHex(signed)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void base32MatchesAnIndependentlyComputedVector() {
    InfoHash fromHex = InfoHash.fromHex(BUNNY_HEX);
    assertThat(fromHex.base32()).isEqualTo(BUNNY_BASE32);
    assertThat(InfoHash.fromBase32(BUNNY_BASE32)).isEqualTo(fromHex);
    assertThat(InfoHash.fromBase32(BUNNY_BASE32.toLowerCase())).isEqualTo(fromHex);
  }

  @Test
  void base32OfAllZeroAndAllOnes() {
    assertThat(InfoHash.of(new byte[20]).base32()).isEqualTo("A".repeat(32));
    byte[] ones = new byte[20];
    java.util.Arrays.fill(ones, (byte) 0xFF);
    assertThat(InfoHash.of(ones).base32()).isEqualTo("7".repeat(32));
    assertThat(InfoHash.fromBase32("7".repeat(32))).isEqualTo(InfoHash.of(ones));
  }

  @Test
  void base32AgreesWithBigIntegerImplementationOnRandomHashes() {
    Random random = new Random(20240501L);
    for (int i = 0; i < 2000; i++) {
      byte[] b = new byte[20];
      random.nextBytes(b);
      InfoHash h = InfoHash.of(b);
      String expected = base32ByBigInteger(b);
      assertThat(h.base32()).isEqualTo(expected);
      assertThat(InfoHash.fromBase32(expected)).isEqualTo(h);
      assertThat(InfoHash.fromHex(HexFormat.of().formatHex(b))).isEqualTo(InfoHash.fromBase32(expected));
    }
  }

  @Test
  void fromBase32RejectsWrongLengthAndAlphabet() {
    assertThatThrownBy(() -> InfoHash.fromBase32(BUNNY_BASE32 + "A"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 33");
    for (String bad : List.of("0", "1", "8", "9", "=", "-", "é")) {
      String text = bad + BUNNY_BASE32.substring(1);
      assertThatThrownBy(() -> InfoHash.fromBase32(text))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("'" + bad + "'")
          .hasMessageContaining("index 0");
    }
  }

  @Test
  void base32OfV2HashIsRefused() {
    InfoHash v2 = InfoHash.fromHex(V2_HEX);
    assertThatThrownBy(v2::base32).isInstanceOf(IllegalStateException.class).hasMessageContaining("32 bytes");
  }

  @Test
  void truncatedV2IsItsFirstTwentyBytesAndReportsVersionOne() {
    InfoHash v2 = InfoHash.fromHex(V2_HEX);
    InfoHash t = v2.truncated();
    assertThat(t.hex()).isEqualTo(V2_HEX.substring(0, 40));
    assertThat(t.length()).isEqualTo(20);
    assertThat(t.version()).isEqualTo(1);
    assertThat(t.isV1()).isTrue();
  }

  @Test
  void truncatedV1IsItself() {
    InfoHash v1 = InfoHash.fromHex(BUNNY_HEX);
    assertThat(v1.truncated()).isSameAs(v1);
  }

  @Test
  void copyToWritesAtOffsetAndChecksBounds() {
    InfoHash h = InfoHash.of(sequence(20, 1));
    byte[] dst = new byte[48];
    h.copyTo(dst, 28);
    assertThat(java.util.Arrays.copyOfRange(dst, 28, 48)).isEqualTo(sequence(20, 1));
    assertThat(dst[27]).isZero();
    assertThatThrownBy(() -> h.copyTo(dst, 29)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> h.copyTo(dst, -1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void byteAtChecksIndex() {
    InfoHash h = InfoHash.of(sequence(20, 5));
    assertThat(h.byteAt(19)).isEqualTo((byte) 24);
    assertThatThrownBy(() -> h.byteAt(20)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> h.byteAt(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void equalsAndHashCodeAreByContent() {
    InfoHash a = InfoHash.of(sequence(20, 3));
    InfoHash b = InfoHash.of(sequence(20, 3));
    assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
    assertThat(a).isNotEqualTo(InfoHash.of(sequence(20, 4)));
    assertThat(InfoHash.of(sequence(32, 3))).isNotEqualTo(a);
    assertThat(InfoHash.of(sequence(32, 3)).truncated()).isEqualTo(a);
    assertThat(a).isNotEqualTo(null).isNotEqualTo(a.hex());
  }

  @Test
  void compareToIsUnsigned() {
    byte[] low = new byte[20];
    byte[] high = new byte[20];
    low[0] = 0x7F;
    high[0] = (byte) 0x80;
    assertThat(InfoHash.of(low).compareTo(InfoHash.of(high))).isNegative();
    assertThat(InfoHash.of(high).compareTo(InfoHash.of(low))).isPositive();
    assertThat(InfoHash.of(low).compareTo(InfoHash.of(low.clone()))).isZero();
  }

  @Test
  void compareToPutsShorterFirstOnCommonPrefix() {
    InfoHash v2 = InfoHash.fromHex(V2_HEX);
    assertThat(v2.truncated().compareTo(v2)).isNegative();
    assertThat(v2.compareTo(v2.truncated())).isPositive();
  }

  @Test
  void sortOrderMatchesHexOrder() {
    Random random = new Random(7);
    List<InfoHash> hashes = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      byte[] b = new byte[20];
      random.nextBytes(b);
      hashes.add(InfoHash.of(b));
    }
    List<InfoHash> byBytes = new ArrayList<>(hashes);
    byBytes.sort(null);
    List<InfoHash> byHex = new ArrayList<>(hashes);
    byHex.sort((x, y) -> x.hex().compareTo(y.hex()));
    assertThat(byBytes).isEqualTo(byHex);
  }

  @Test
  void nullArgumentsAreRejected() {
    assertThatThrownBy(() -> InfoHash.of(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> InfoHash.fromHex(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> InfoHash.fromBase32(null)).isInstanceOf(NullPointerException.class);
  }
}
