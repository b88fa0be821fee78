package io.btlib.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PeerIdTest {

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Test
  void ofCopiesTheArrayAndBytesReturnsACopy() {
    byte[] src = ascii("-BT0100-abcdefghijkl");
    PeerId id = PeerId.of(src);
    src[0] = 'x';
    assertThat(id.byteAt(0)).isEqualTo((byte) '-');
    id.bytes()[1] = 'x';
    assertThat(id.bytes()).isEqualTo(ascii("-BT0100-abcdefghijkl"));
  }

  @Test
  void ofRejectsOtherLengthsNamingTheLength() {
    for (int length : new int[] {0, 19, 21, 32}) {
      assertThatThrownBy(() -> PeerId.of(new byte[length]))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("got " + length);
    }
  }

  @Test
  void readsTwentyBytesAtAnOffset() {
    byte[] handshake = new byte[68];
    System.arraycopy(ascii("-qB4630-0123456789ab"), 0, handshake, 48, 20);
    assertThat(PeerId.of(handshake, 48)).isEqualTo(PeerId.of(ascii("-qB4630-0123456789ab")));
    assertThatThrownBy(() -> PeerId.of(handshake, 49)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void hexRoundTripsInEitherCase() {
    PeerId id = PeerId.of(ascii("-BT0100-abcdefghijkl"));
    assertThat(id.hex()).isEqualTo("2d4254303130302d6162636465666768696a6b6c");
    assertThat(PeerId.fromHex(id.hex())).isEqualTo(id);
    assertThat(PeerId.fromHex(id.hex().toUpperCase())).isEqualTo(id);
  }

  @Test
  void fromHexRejectsBadLengthAndCharactersNamingThem() {
    assertThatThrownBy(() -> PeerId.fromHex("abcd"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 4");
    assertThatThrownBy(() -> PeerId.fromHex("2d4254303130302d6162636465666768696a6b6z"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("'z' at index 39");
  }

  @Test
  void toStringShowsHexAndTheAzureusPrefix() {
    PeerId id = PeerId.of(ascii("-qB4630-0123456789ab"));
    assertThat(id.azureusPrefix()).contains("-qB4630-");
    assertThat(id).hasToString(id.hex() + " (-qB4630-)");
  }

  @Test
  void toStringIsPlainHexWithoutAnAzureusPrefix() {
    for (String s : new String[] {"M7-2-2--0123456789ab", "-qB 630-0123456789ab", "-qB4630+0123456789ab",
        "xqB4630-0123456789ab"}) {
      PeerId id = PeerId.of(ascii(s));
      assertThat(id.azureusPrefix()).as(s).isEmpty();
      assertThat(id).hasToString(id.hex());
    }
    PeerId binary = PeerId.of(new byte[20]);
    assertThat(binary).hasToString("0".repeat(40));
  }

  @Test
  void randomKeepsThePrefixAndFillsWithUrlSafeCharacters() {
    PeerId id = PeerId.random("-BT0100-", new Random(1));
    String s = new String(id.bytes(), StandardCharsets.US_ASCII);
    assertThat(s).startsWith("-BT0100-").hasSize(20);
    assertThat(s.substring(8)).matches("[A-Za-z0-9._~-]{12}");
    assertThat(id.azureusPrefix()).contains("-BT0100-");
  }

  @Test
  void randomIsRepeatableForTheSameSeedAndDiffersAcrossSeeds() {
    assertThat(PeerId.random("-BT0100-", new Random(7)))
        .isEqualTo(PeerId.random("-BT0100-", new Random(7)))
        .isNotEqualTo(PeerId.random("-BT0100-", new Random(8)));
  }

  @Test
  void randomAcceptsEmptyAndFullLengthPrefixes() {
    assertThat(PeerId.random("", new Random(1)).hex()).hasSize(40);
    String full = "ABCDEFGHIJKLMNOPQRST";
    assertThat(PeerId.random(full, new Random(1)).bytes()).isEqualTo(ascii(full));
  }

  @Test
  void randomRejectsLongOrNonAsciiPrefixes() {
    Random rng = new Random(1);
    assertThatThrownBy(() -> PeerId.random("ABCDEFGHIJKLMNOPQRSTU", rng))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 21");
    assertThatThrownBy(() -> PeerId.random("-BT0é00-", rng))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("index 4");
    assertThatThrownBy(() -> PeerId.random("-BT\n100-", rng))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("index 3");
  }

  @Test
  void ordersAsUnsignedBytes() {
    byte[] low = new byte[20];
    byte[] high = new byte[20];
    high[0] = (byte) 0x80;
    assertThat(PeerId.of(low)).isLessThan(PeerId.of(high));
    assertThat(PeerId.of(high).compareTo(PeerId.of(high.clone()))).isZero();
  }

  @Test
  void copyToWritesTheBytesAtTheOffset() {
    byte[] dst = new byte[25];
    PeerId.of(ascii("-BT0100-abcdefghijkl")).copyTo(dst, 5);
    assertThat(new String(dst, 5, 20, StandardCharsets.US_ASCII)).isEqualTo("-BT0100-abcdefghijkl");
    assertThatThrownBy(() -> PeerId.of(new byte[20]).copyTo(dst, 6))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }
}
