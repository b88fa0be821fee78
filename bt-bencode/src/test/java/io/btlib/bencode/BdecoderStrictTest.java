package io.btlib.bencode;

import static io.btlib.bencode.TestBytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * What the strict decoder rejects. Each rule is fed every way ({@link DecoderFeed}) and must fail
 * with the same {@link BencodeException#offset()} and {@link BencodeException#reason()}.
 */
class BdecoderStrictTest {

  private static BencodeException rejected(String input) {
    return DecoderFeed.rejectedEveryWay(Bdecoder.strict(), bytes(input));
  }

  private static void assertRejected(String input, long offset, String reason) {
    BencodeException e = rejected(input);
    assertThat(e.offset()).as("offset for %s", input).isEqualTo(offset);
    assertThat(e.reason()).as("reason for %s", input).isEqualTo(reason);
  }

  @Test
  void rejectsLeadingZeroInInteger() {
    assertRejected("i03e", 1, "leading zero in integer");
    assertRejected("i00e", 1, "leading zero in integer");
    assertRejected("li1ei-03ee", 6, "leading zero in integer");
  }

  @Test
  void rejectsNegativeZero() {
    assertRejected("i-0e", 0, "negative zero");
    assertRejected("l0:i-0ee", 3, "negative zero");
  }

  @Test
  void rejectsEmptyInteger() {
    assertRejected("ie", 0, "empty integer");
    assertRejected("lie", 1, "empty integer");
  }

  @Test
  void rejectsSignWithoutDigits() {
    assertRejected("i-e", 0, "integer has a sign but no digits");
  }

  @Test
  void rejectsOtherBytesInInteger() {
    assertRejected("i1xe", 2, "unexpected byte 'x' (0x78) in integer, expected a digit or 'e'");
    assertRejected("i+1e", 1, "unexpected byte '+' (0x2b) in integer, expected a digit or 'e'");
    assertRejected("i--1e", 2, "unexpected byte '-' (0x2d) in integer, expected a digit or 'e'");
    assertRejected("i1", 2, "unexpected end of input in integer, expected a digit or 'e'");
    assertRejected("i", 1, "unexpected end of input in integer, expected a digit or 'e'");
  }

  @Test
  void rejectsLeadingZeroInStringLength() {
    assertRejected("03:abc", 0, "leading zero in string length");
    assertRejected("00:", 0, "leading zero in string length");
    assertRejected("l1:a03:abce", 4, "leading zero in string length");
  }

  @Test
  void rejectsUnsortedKeys() {
    assertRejected(
        "d1:bi1e1:ai2ee", 7, "dictionary key \"a\" is out of order (after \"b\")");
    // unsigned order: 0x80 sorts after ASCII 'z', so "z" after 0x80 is out of order
    BencodeException e = rejected("d1:\u0080i1e1:zi2ee");
    assertThat(e.offset()).isEqualTo(7);
    assertThat(e.reason()).isEqualTo("dictionary key \"z\" is out of order (after 0x80)");
    // a key that is a proper prefix of the previous one
    assertRejected("d2:abi1e1:ai2ee", 8, "dictionary key \"a\" is out of order (after \"ab\")");
  }

  @Test
  void acceptsKeysSortedAsUnsignedBytes() {
    BDict d = Bdecoder.strict().decodeDict(bytes("d0:i0e1:ai1e2:aai2e1:zi3e1:\u0080i4ee"));
    assertThat(d.size()).isEqualTo(5);
    assertThat(d.isCanonicalOrder()).isTrue();
  }

  @Test
  void rejectsDuplicateKeys() {
    assertRejected("d1:ai1e1:ai2ee", 7, "duplicate dictionary key \"a\"");
    assertRejected("d0:i1e0:i2ee", 6, "duplicate dictionary key \"\"");
  }

  @Test
  void rejectsTrailingBytes() {
    assertRejected("i1ei2e", 3, "3 trailing bytes after the top-level value");
    assertRejected("le\u0000", 2, "1 trailing bytes after the top-level value");
    assertRejected("4:spame", 6, "1 trailing bytes after the top-level value");
  }

  @Test
  void rejectsNonStringKeys() {
    assertRejected("di1ei2ee", 1, "dictionary key must be a byte string, found INTEGER");
    assertRejected("dlei2ee", 1, "dictionary key must be a byte string, found LIST");
    assertRejected("d1:ad1:bi1edei2eee", 11, "dictionary key must be a byte string, found DICT");
  }

  @Test
  void rejectsMissingEndOfList() {
    assertRejected(
        "li1e",
        4,
        "unexpected end of input, expected a value or 'e' to close the list opened at offset 0");
    assertRejected(
        "lli1ee",
        6,
        "unexpected end of input, expected a value or 'e' to close the list opened at offset 0");
    assertRejected(
        "l",
        1,
        "unexpected end of input, expected a value or 'e' to close the list opened at offset 0");
  }

  @Test
  void rejectsMissingEndOfDict() {
    assertRejected(
        "d1:ai1e",
        7,
        "unexpected end of input, expected a value or 'e' to close the dictionary opened at"
            + " offset 0");
    assertRejected(
        "ld1:ai1ee",
        9,
        "unexpected end of input, expected a value or 'e' to close the list opened at offset 0");
  }

  @Test
  void rejectsTruncatedString() {
    assertRejected("5:abc", 0, "string length 5 exceeds the 3 bytes remaining");
    assertRejected("5", 1, "unexpected end of input in string length, expected ':'");
    assertRejected("12", 2, "unexpected end of input in string length, expected ':'");
    assertRejected("l3:ab", 1, "string length 3 exceeds the 2 bytes remaining");
    assertRejected("3x", 1, "unexpected byte 'x' (0x78) in string length, expected a digit or ':'");
  }

  @Test
  void rejectsStringLengthBeyondRemainingWithoutAllocating() {
    // Neither length is ever allocated: the first does not even fit in an int, the second is
    // checked against the one byte remaining. (With an allocation of 2 GiB this would not pass
    // quickly, or at all, on a small heap.)
    assertRejected("99999999999:", 0, "string length does not fit in 31 bits");
    assertRejected("2147483648:x", 0, "string length does not fit in 31 bits");
    assertRejected("2147483647:x", 0, "string length 2147483647 exceeds the 1 bytes remaining");
    assertRejected("l2147483647:xe", 1, "string length 2147483647 exceeds the 2 bytes remaining");
  }

  @Test
  void rejectsIntegersBeyond64Bits() {
    assertRejected("i9223372036854775808e", 0, "integer does not fit in 64 bits");
    assertRejected("i-9223372036854775809e", 0, "integer does not fit in 64 bits");
    assertRejected("i99999999999999999999999999e", 0, "integer does not fit in 64 bits");
    assertRejected("li1ei18446744073709551616ee", 4, "integer does not fit in 64 bits");
  }

  @Test
  void acceptsLongExtremes() {
    assertThat(DecoderFeed.decodesEveryWay(Bdecoder.strict(), bytes("i9223372036854775807e")))
        .isEqualTo(BInteger.of(Long.MAX_VALUE));
    assertThat(DecoderFeed.decodesEveryWay(Bdecoder.strict(), bytes("i-9223372036854775808e")))
        .isEqualTo(BInteger.of(Long.MIN_VALUE));
  }

  @Test
  void rejectsUnknownTypeBytes() {
    assertRejected("x", 0, "unexpected byte 'x' (0x78), expected a value (i, l, d or a digit)");
    assertRejected(
        "lxe", 1, "unexpected byte 'x' (0x78), expected a value (i, l, d or a digit) or 'e'");
    assertRejected("\u00ff", 0, "unexpected byte 0xff, expected a value (i, l, d or a digit)");
    assertRejected("-1", 0, "unexpected byte '-' (0x2d), expected a value (i, l, d or a digit)");
    assertRejected(" i1e", 0, "unexpected byte ' ' (0x20), expected a value (i, l, d or a digit)");
  }

  @Test
  void rejectsEndMarkerAtTopLevel() {
    assertRejected("e", 0, "unexpected 'e' outside any list or dictionary");
    assertRejected("lee", 2, "1 trailing bytes after the top-level value");
  }

  @Test
  void rejectsEmptyInput() {
    assertRejected("", 0, "unexpected end of input, expected a value");
  }

  @Test
  void rejectsDictEndingAfterKeyWithoutValue() {
    assertRejected("d1:ae", 4, "dictionary ends after key \"a\" without its value");
    assertRejected("d1:ai1e1:be", 10, "dictionary ends after key \"b\" without its value");
    assertRejected(
        "d1:a",
        4,
        "unexpected end of input, expected a value or 'e' to close the dictionary opened at"
            + " offset 0");
  }

  @Test
  void strictDecodeDocumentReportsNoLeniencies() {
    BDocument doc = Bdecoder.strict().decodeDocument(TorrentLike.document());
    assertThat(doc.isCanonical()).isTrue();
    assertThat(doc.leniencies()).isEmpty();
  }
}
