package io.btlib.bencode;

import static io.btlib.bencode.TestBytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.bencode.Leniency.Kind;
import java.util.List;
import org.junit.jupiter.api.Test;

/** What the lenient decoder accepts, how it reports it, and what it still rejects. */
class BdecoderLenientTest {

  private static final Bdecoder LENIENT = Bdecoder.lenient();

  /** Decodes leniently every way, checks the report, and that strict rejects at the same spot. */
  private static BValue acceptedWith(String input, Leniency... expected) {
    byte[] b = bytes(input);
    BValue v = DecoderFeed.decodesEveryWay(LENIENT, b);
    BDocument doc = LENIENT.decodeDocument(b);
    assertThat(doc.value()).isEqualTo(v);
    assertThat(doc.leniencies()).as("leniencies of %s", input).containsExactly(expected);
    assertThat(doc.isCanonical()).isFalse();
    BencodeException e = DecoderFeed.rejectedEveryWay(Bdecoder.strict(), b);
    assertThat(e.offset()).as("strict offset for %s", input).isEqualTo(expected[0].offset());
    return v;
  }

  private static Leniency at(Kind kind, long offset) {
    return new Leniency(kind, offset);
  }

  @Test
  void acceptsLeadingZeroInInteger() {
    assertThat(acceptedWith("i03e", at(Kind.LEADING_ZERO, 1))).isEqualTo(BInteger.of(3));
    assertThat(acceptedWith("i-03e", at(Kind.LEADING_ZERO, 2))).isEqualTo(BInteger.of(-3));
    assertThat(acceptedWith("i000e", at(Kind.LEADING_ZERO, 1))).isEqualTo(BInteger.of(0));
  }

  @Test
  void acceptsLeadingZeroInStringLength() {
    assertThat(acceptedWith("03:abc", at(Kind.LEADING_ZERO, 0))).isEqualTo(BString.of("abc"));
    assertThat(acceptedWith("l00:e", at(Kind.LEADING_ZERO, 1)))
        .isEqualTo(BList.of(BString.of("")));
  }

  @Test
  void acceptsNegativeZero() {
    assertThat(acceptedWith("i-0e", at(Kind.NEGATIVE_ZERO, 0))).isEqualTo(BInteger.of(0));
  }

  @Test
  void reportsNegativeZeroWithLeadingZeroInInputOrder() {
    assertThat(acceptedWith("i-00e", at(Kind.NEGATIVE_ZERO, 0), at(Kind.LEADING_ZERO, 2)))
        .isEqualTo(BInteger.of(0));
  }

  @Test
  void acceptsUnsortedKeys() {
    BDict d = (BDict) acceptedWith("d1:bi1e1:ai2ee", at(Kind.UNSORTED_KEY, 7));
    assertThat(d.isCanonicalOrder()).isFalse();
    assertThat(d.keys()).containsExactly(BString.of("b"), BString.of("a"));
    assertThat(d.get("a")).isEqualTo(BInteger.of(2));
    assertThat(d.get("b")).isEqualTo(BInteger.of(1));
  }

  @Test
  void acceptsDuplicateKeysAndLookupsSeeTheFirst() {
    BDict d = (BDict) acceptedWith("d1:ai1e1:ai2ee", at(Kind.DUPLICATE_KEY, 7));
    assertThat(d.size()).isEqualTo(2);
    assertThat(d.isCanonicalOrder()).isFalse();
    assertThat(d.get("a")).isEqualTo(BInteger.of(1));
    assertThat(d.get(BString.of("a"))).isEqualTo(BInteger.of(1));
    assertThat(d.containsKey("a")).isTrue();
    assertThat(d.asMap()).containsExactly(java.util.Map.entry(BString.of("a"), BInteger.of(1)));
    assertThat(d.entries()).extracting(e -> e.getValue())
        .containsExactly(BInteger.of(1), BInteger.of(2));
    assertThat(d.toBuilder().build()).isEqualTo(BDict.builder().put("a", 1).build());
  }

  @Test
  void reportsNonAdjacentDuplicateKeyAsUnsorted() {
    BDict d = (BDict) acceptedWith("d1:ai1e1:bi2e1:ai3ee", at(Kind.UNSORTED_KEY, 13));
    assertThat(d.get("a")).isEqualTo(BInteger.of(1));
  }

  @Test
  void acceptsTrailingBytes() {
    assertThat(acceptedWith("i1ei2e", at(Kind.TRAILING_BYTES, 3))).isEqualTo(BInteger.of(1));
    assertThat(acceptedWith("leXYZ", at(Kind.TRAILING_BYTES, 2))).isEqualTo(BList.of());
  }

  @Test
  void reportsEveryLeniencyInInputOrder() {
    BDict d =
        (BDict)
            acceptedWith(
                "d1:bi03e1:a03:xyzexx",
                at(Kind.LEADING_ZERO, 5),
                at(Kind.UNSORTED_KEY, 8),
                at(Kind.LEADING_ZERO, 11),
                at(Kind.TRAILING_BYTES, 18));
    assertThat(d.get("a")).isEqualTo(BString.of("xyz"));
    assertThat(d.get("b")).isEqualTo(BInteger.of(3));
  }

  @Test
  void reportsLeniencyOffsetsRelativeToTheGivenRange() {
    byte[] b = bytes("xxd1:bi1e1:ai03eeyy");
    BDocument doc = LENIENT.decodeDocument(b, 2, b.length - 4);
    assertThat(doc.leniencies())
        .containsExactly(at(Kind.UNSORTED_KEY, 7), at(Kind.LEADING_ZERO, 11));
  }

  @Test
  void decodesManyLeniencies() {
    StringBuilder sb = new StringBuilder("l");
    for (int i = 0; i < 3000; i++) {
      sb.append("i01e");
    }
    BDocument doc = LENIENT.decodeDocument(bytes(sb.append('e').toString()));
    assertThat(((BList) doc.value()).size()).isEqualTo(3000);
    assertThat(doc.leniencies()).isNotEmpty();
    assertThat(doc.leniencies().get(0)).isEqualTo(at(Kind.LEADING_ZERO, 2));
  }

  @Test
  void stillRejectsWhatIsNotBencode() {
    for (String input :
        List.of(
            "ie",
            "i-e",
            "i",
            "i1",
            "i--1e",
            "di1ei2ee",
            "dlei2ee",
            "li1e",
            "d1:ai1e",
            "5:abc",
            "5",
            "3x",
            "99999999999:",
            "2147483647:x",
            "i9223372036854775808e",
            "i-9223372036854775809e",
            "x",
            "lxe",
            "\u00ff",
            "e",
            "",
            "d1:ae",
            "d1:a")) {
      BencodeException lenient = DecoderFeed.rejectedEveryWay(LENIENT, bytes(input));
      BencodeException strict = DecoderFeed.rejectedEveryWay(Bdecoder.strict(), bytes(input));
      assertThat(lenient.offset()).as("offset for %s", input).isEqualTo(strict.offset());
      assertThat(lenient.reason()).as("reason for %s", input).isEqualTo(strict.reason());
    }
  }

  @Test
  void canonicalInputHasNoLeniencies() {
    BDocument doc = LENIENT.decodeDocument(TorrentLike.document());
    assertThat(doc.isCanonical()).isTrue();
    assertThat(doc.value()).isEqualTo(Bdecoder.strict().decode(TorrentLike.document()));
  }
}
