package io.btlib.bencode;

import static io.btlib.bencode.TestBytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The value types: lookups, ordering, equality, text forms, factories. */
class BValueTest {

  private static final String[] NON_ASCII_KEYS = {"\u00e9t\u00e9", "\u65e5\u672c", "\ud83d\ude00"};

  private static BDict dictWithKeys(List<String> keys) {
    BDict.Builder b = BDict.builder();
    for (int i = 0; i < keys.size(); i++) {
      b.put(keys.get(i), i);
    }
    return b.build();
  }

  private static List<String> keys(int n) {
    List<String> keys = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      keys.add("key" + (char) ('a' + i % 26) + i);
    }
    keys.addAll(List.of(NON_ASCII_KEYS));
    keys.add("");
    keys.add("\u007f");
    return keys;
  }

  private static void assertLookups(BDict d, List<String> keys) {
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      assertThat(d.get(k)).as("get(%s)", k).isEqualTo(BInteger.of(i));
      assertThat(d.get(BString.of(k))).isEqualTo(BInteger.of(i));
      assertThat(d.containsKey(k)).isTrue();
    }
    for (String missing :
        List.of("\u0000", "a", "keya", "keyz99", "zzz", "\u00e9", "\u00e9t\u00e9s", "\uffff",
            "\ud83d\ude01", "key")) {
      assertThat(d.get(missing)).as("get(%s)", missing).isNull();
      assertThat(d.containsKey(missing)).isFalse();
    }
  }

  @Test
  void getByStringFindsKeysInSmallDict() {
    List<String> keys = keys(3); // 3 + 5 = 8 keys: the linear path
    BDict built = dictWithKeys(keys);
    assertThat(built.size()).isLessThan(12);
    assertLookups(built, keys);
    assertLookups(Bdecoder.strict().decodeDict(BencodeWriter.encode(built)), keys);
  }

  @Test
  void getByStringFindsKeysInLargeDict() {
    for (int n : new int[] {7, 8, 20, 100}) { // 12, 13, 25, 105 keys: the binary search path
      List<String> keys = keys(n);
      BDict built = dictWithKeys(keys);
      assertThat(built.size()).isGreaterThanOrEqualTo(12);
      assertLookups(built, keys);
      BDict decoded = Bdecoder.strict().decodeDict(BencodeWriter.encode(built));
      assertThat(decoded.isCanonicalOrder()).isTrue();
      assertLookups(decoded, keys);
    }
  }

  @Test
  void getByStringFindsKeysInLargeUnsortedLenientDict() {
    StringBuilder sb = new StringBuilder("d");
    for (int i = 30; i >= 0; i--) {
      String k = "k" + (char) ('a' + i % 26) + i;
      sb.append(k.length()).append(':').append(k).append('i').append(i).append('e');
    }
    sb.append("1:bi100e1:bi101e"); // and a duplicate: the first wins
    BDict d = (BDict) Bdecoder.lenient().decode(bytes(sb.append('e').toString()));
    assertThat(d.isCanonicalOrder()).isFalse();
    for (int i = 0; i <= 30; i++) {
      assertThat(d.get("k" + (char) ('a' + i % 26) + i)).isEqualTo(BInteger.of(i));
    }
    assertThat(d.get("b")).isEqualTo(BInteger.of(100));
  }

  @Test
  void compareToStringAgreesWithCompareToEncodedString() {
    Random r = new Random(20240601);
    char[] alphabet = {
      'a', 'b', 'z', '\u0000', '\u007f', '\u0080', '\u00e9', '\u00ff', '\u0100', '\u07ff',
      '\u0800', '\u65e5', '\uffff', '\ud83d', '\ude00', '\ud800'
    };
    for (int i = 0; i < 20_000; i++) {
      String a = randomString(r, alphabet);
      String b = randomString(r, alphabet);
      BString sa = r.nextBoolean() ? BString.of(a) : randomBinary(r);
      int expected = Integer.signum(sa.compareTo(BString.of(b)));
      assertThat(Integer.signum(sa.compareTo(b)))
          .as("%s vs %s", sa, BString.of(b))
          .isEqualTo(expected);
      assertThat(sa.contentEquals(b)).isEqualTo(sa.equals(BString.of(b)));
      assertThat(sa.contentEquals(b.getBytes(StandardCharsets.UTF_8)))
          .isEqualTo(sa.equals(BString.of(b)));
      assertThat(BString.of(a).compareTo(a)).isZero();
      assertThat(BString.of(a).contentEquals(a)).isTrue();
    }
  }

  private static String randomString(Random r, char[] alphabet) {
    char[] c = new char[r.nextInt(6)];
    for (int i = 0; i < c.length; i++) {
      c[i] = alphabet[r.nextInt(r.nextInt(4) == 0 ? alphabet.length : 3)];
    }
    return new String(c);
  }

  private static BString randomBinary(Random r) {
    byte[] b = new byte[r.nextInt(6)];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) (r.nextBoolean() ? "abz".charAt(r.nextInt(3)) : r.nextInt(256));
    }
    return BString.of(b);
  }

  @Test
  void comparesStringsAsUnsignedBytes() {
    assertThat(BString.of(new byte[] {(byte) 0x80}).compareTo(BString.of("z"))).isPositive();
    assertThat(BString.of(new byte[] {(byte) 0x80}).compareTo("z")).isPositive();
    assertThat(BString.of("a").compareTo(BString.of("ab"))).isNegative();
    assertThat(BString.of("ab").compareTo("a")).isPositive();
    assertThat(BString.of("").compareTo("")).isZero();
    assertThat(BString.of("\u00e9").compareTo("\u00e9")).isZero();
    assertThat(BString.of("z").compareTo("\u00e9")).isNegative();
  }

  @Test
  void equalValuesHaveEqualHashCodesWhateverTheirSource() {
    byte[] src = bytes("d1:ai1e1:bl4:spami-3eee");
    BDict decoded = Bdecoder.strict().decodeDict(src);
    BDict built =
        BDict.builder()
            .put("a", 1)
            .put("b", BList.of(BString.of("spam"), BInteger.of(-3)))
            .build();
    assertEqualPair(decoded, built);
    assertEqualPair(decoded.get("b"), built.get("b"));
    assertEqualPair(((BList) decoded.get("b")).get(0), BString.of("spam"));
    assertEqualPair(((BList) decoded.get("b")).get(1), BInteger.of(-3));
    assertEqualPair(BInteger.of(1000), BInteger.of(1000));
    assertEqualPair(BString.of("xspamx").slice(1, 4), BString.of("spam"));
    assertEqualPair(BString.of(""), BString.of(new byte[0]));
    assertEqualPair(BList.of(), BList.of(List.of()));
    assertEqualPair(BDict.empty(), BDict.builder().build());

    assertThat(BString.of("1")).isNotEqualTo(BInteger.of(1));
    assertThat(BList.of()).isNotEqualTo(BDict.empty());
    assertThat(BString.of("a")).isNotEqualTo(BString.of("b")).isNotEqualTo(null);
    assertThat(BInteger.of(1)).isNotEqualTo(BInteger.of(2));
    assertThat(BList.of(BInteger.of(1))).isNotEqualTo(BList.of(BInteger.of(2)));
    assertThat(BDict.builder().put("a", 1).build())
        .isNotEqualTo(BDict.builder().put("a", 2).build())
        .isNotEqualTo(BDict.builder().put("b", 1).build());
  }

  private static void assertEqualPair(BValue a, BValue b) {
    assertThat(a).isEqualTo(a).isEqualTo(b).isNotEqualTo(null).isNotEqualTo("x");
    assertThat(b).isEqualTo(a);
    assertThat(a.hashCode()).isEqualTo(b.hashCode());
    assertThat(a.hashCode()).isEqualTo(a.hashCode());
  }

  @Test
  void toStringIsReadableAndHexForBinary() {
    assertThat(BString.of("spam")).hasToString("\"spam\"");
    assertThat(BString.of("a\"b\\c")).hasToString("\"a\\\"b\\\\c\"");
    assertThat(BString.of("")).hasToString("\"\"");
    assertThat(BString.of(new byte[] {0, 1, (byte) 0xab, (byte) 0xff}))
        .hasToString("0x0001abff");
    assertThat(BString.of("caf\u00e9")).hasToString("0x636166c3a9");
    assertThat(BString.of(TestBytes.repeat('x', 100)))
        .hasToString("\"" + "x".repeat(64) + "\"...(100 bytes)");
    assertThat(BInteger.of(-42)).hasToString("-42");
    assertThat(BList.of(BInteger.of(1), BString.of("a"))).hasToString("[1, \"a\"]");
    assertThat(BDict.builder().put("b", "x").put("a", 1).build())
        .hasToString("{\"a\"=1, \"b\"=\"x\"}");
    assertThat(BDict.empty()).hasToString("{}");
  }

  @Test
  void stringFactoriesCopy() {
    byte[] b = bytes("abc");
    BString s = BString.of(b);
    b[0] = 'X';
    assertThat(s.bytes()).isEqualTo(bytes("abc"));
    BString part = BString.of(bytes("xabcx"), 1, 3);
    assertThat(part).isEqualTo(BString.of("abc"));
    assertThatThrownBy(() -> BString.of(b, 2, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    ByteBuffer buf = ByteBuffer.wrap(bytes("xyz"));
    buf.position(1);
    assertThat(BString.of(buf)).isEqualTo(BString.of("yz"));
    assertThat(buf.position()).isEqualTo(1);
  }

  @Test
  void stringAccessorsCheckBounds() throws IOException {
    BString s = (BString) Bdecoder.strict().decode(bytes("5:hello"));
    assertThat(s.length()).isEqualTo(5);
    assertThat(s.isEmpty()).isFalse();
    assertThat(BString.of("").isEmpty()).isTrue();
    assertThat(s.byteAt(0)).isEqualTo((byte) 'h');
    assertThatThrownBy(() -> s.byteAt(5)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> s.byteAt(-1)).isInstanceOf(IndexOutOfBoundsException.class);
    byte[] dst = new byte[4];
    s.copyTo(1, dst, 1, 3);
    assertThat(dst).isEqualTo(new byte[] {0, 'e', 'l', 'l'});
    assertThatThrownBy(() -> s.copyTo(3, dst, 0, 3))
        .isInstanceOf(IndexOutOfBoundsException.class);
    BString slice = s.slice(1, 3);
    assertThat(slice).isEqualTo(BString.of("ell"));
    assertThat(slice.hasSource()).isFalse();
    assertThatThrownBy(() -> s.slice(4, 2)).isInstanceOf(IndexOutOfBoundsException.class);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    s.writeContentTo(out);
    assertThat(out.toByteArray()).isEqualTo(bytes("hello"));
  }

  @Test
  void integerIntValueFailsWhenTooLarge() {
    assertThat(BInteger.of(Integer.MAX_VALUE).intValue()).isEqualTo(Integer.MAX_VALUE);
    assertThatThrownBy(() -> BInteger.of(1L << 31).intValue())
        .isInstanceOf(ArithmeticException.class);
    assertThat(BInteger.of(7).type()).isEqualTo(BValue.Type.INTEGER);
  }

  @Test
  void listIsImmutableAndRejectsNull() {
    BValue[] items = {BInteger.of(1), BInteger.of(2)};
    BList l = BList.of(items);
    items[0] = BInteger.of(9);
    assertThat(l.get(0)).isEqualTo(BInteger.of(1));
    assertThat(l.values()).containsExactly(BInteger.of(1), BInteger.of(2));
    assertThatThrownBy(() -> l.values().add(BInteger.of(3)))
        .isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> BList.of(BInteger.of(1), null))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("1");
    assertThat(l.type()).isEqualTo(BValue.Type.LIST);
  }

  @Test
  void dictBuilderSortsReplacesAndRemoves() {
    BDict d =
        BDict.builder().put("b", 1).put("a", 2).put("b", 3).put("c", "x").remove("c").build();
    assertThat(d.keys()).containsExactly(BString.of("a"), BString.of("b"));
    assertThat(d.get("b")).isEqualTo(BInteger.of(3));
    assertThat(d.isCanonicalOrder()).isTrue();
    assertThat(d.toBuilder().put("0", 0).build().keyAt(0)).isEqualTo(BString.of("0"));
    assertThat(d.valueAt(0)).isEqualTo(BInteger.of(2));
    assertThatThrownBy(() -> d.keys().clear()).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> BDict.builder().put((BString) null, BInteger.of(1)))
        .isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> BDict.builder().put("a", (BValue) null))
        .isInstanceOf(NullPointerException.class);
    assertThat(d.type()).isEqualTo(BValue.Type.DICT);
  }

  @Test
  void leniencyAndDocumentCheckTheirArguments() {
    assertThatThrownBy(() -> new Leniency(Leniency.Kind.LEADING_ZERO, -1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("-1");
    assertThatThrownBy(() -> new Leniency(null, 0)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> new BDocument(null, List.of()))
        .isInstanceOf(NullPointerException.class);
    List<Leniency> list = new ArrayList<>();
    BDocument doc = new BDocument(BInteger.of(1), list);
    list.add(new Leniency(Leniency.Kind.TRAILING_BYTES, 1));
    assertThat(doc.leniencies()).isEmpty();
    assertThat(doc.isCanonical()).isTrue();
  }

  @Test
  void exceptionMessageJoinsReasonAndOffset() {
    BencodeException e = new BencodeException("leading zero in integer", 17);
    assertThat(e).hasMessage("leading zero in integer at offset 17");
    assertThat(e.reason()).isEqualTo("leading zero in integer");
    assertThat(e.offset()).isEqualTo(17);
  }
}
