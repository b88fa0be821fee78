package io.btlib.bencode;

import static io.btlib.bencode.TestBytes.bytes;
import static io.btlib.bencode.TestBytes.concat;
import static io.btlib.bencode.TestBytes.repeat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** maxDepth, maxStringLength, maxValues, maxInputBytes and the builder's checks. */
class BdecoderLimitsTest {

  private static void assertRejected(Bdecoder d, byte[] input, long offset, String reason) {
    BencodeException e = DecoderFeed.rejectedEveryWay(d, input);
    assertThat(e.offset()).isEqualTo(offset);
    assertThat(e.reason()).isEqualTo(reason);
  }

  private static byte[] nestedLists(int depth) {
    return concat(repeat('l', depth), repeat('e', depth));
  }

  @Test
  void acceptsNestingExactlyAtMaxDepth() {
    Bdecoder d = Bdecoder.builder().maxDepth(3).build();
    DecoderFeed.decodesEveryWay(d, bytes("llleee"));
    DecoderFeed.decodesEveryWay(d, bytes("d1:ad1:ali1eeee"));
    DecoderFeed.decodesEveryWay(Bdecoder.builder().maxDepth(1).build(), bytes("li1e1:ae"));
    DecoderFeed.decodesEveryWay(Bdecoder.strict(), nestedLists(Bdecoder.DEFAULT_MAX_DEPTH));
  }

  @Test
  void rejectsNestingOneDeeperThanMaxDepthAtTheOffendingContainer() {
    Bdecoder d = Bdecoder.builder().maxDepth(3).build();
    assertRejected(d, bytes("lllleeee"), 3, "nesting deeper than the limit of 3");
    assertRejected(d, bytes("d1:ad1:ad1:ali1eeeee"), 12, "nesting deeper than the limit of 3");
    assertRejected(d, bytes("li1elllleeeee"), 6, "nesting deeper than the limit of 3");
    assertRejected(
        Bdecoder.builder().maxDepth(1).build(), bytes("llee"), 1,
        "nesting deeper than the limit of 1");
    assertRejected(
        Bdecoder.lenient(),
        nestedLists(Bdecoder.DEFAULT_MAX_DEPTH + 1),
        Bdecoder.DEFAULT_MAX_DEPTH,
        "nesting deeper than the limit of 512");
  }

  @Test
  void nestingBombFailsWithBencodeExceptionWithDefaultDecoder() {
    byte[] bomb = repeat('l', 1_000_000);
    assertRejected(Bdecoder.strict(), bomb, 512, "nesting deeper than the limit of 512");
    assertRejected(
        Bdecoder.lenient(), repeat('d', 1_000_000), 512, "nesting deeper than the limit of 512");
  }

  @Test
  void nestingBombFailsWithBencodeExceptionEvenWithHugeMaxDepth() {
    // Decoding is iterative: the thread's stack plays no part, whatever maxDepth allows.
    Bdecoder d = Bdecoder.builder().maxDepth(10_000_000).build();
    assertThatThrownBy(() -> d.decode(repeat('l', 1_000_000)))
        .isInstanceOfSatisfying(
            BencodeException.class,
            e -> {
              assertThat(e.offset()).isEqualTo(1_000_000);
              assertThat(e.reason())
                  .isEqualTo(
                      "unexpected end of input, expected a value or 'e' to close the list opened"
                          + " at offset 999999");
            });
    assertThatThrownBy(() -> d.toBuilder().strict(false).build().decode(repeat('d', 1_000_000)))
        .isInstanceOfSatisfying(
            BencodeException.class, e -> assertThat(e.offset()).isEqualTo(1_000_000));
  }

  @Test
  void decodesMillionDeepBalancedNestingWithHugeMaxDepth() {
    // No equals/toString here: those recurse, like java.util.List's.
    Bdecoder d = Bdecoder.builder().maxDepth(10_000_000).build();
    BList root = (BList) d.decode(nestedLists(1_000_000));
    assertThat(root.sourceLength()).isEqualTo(2_000_000);
    BList child = (BList) root.get(0);
    assertThat(child.sourceOffset()).isEqualTo(1);
    assertThat(child.sourceLength()).isEqualTo(1_999_998);
    assertThat(BencodeWriter.encodedLength(root)).isEqualTo(2_000_000);
  }

  @Test
  void acceptsStringExactlyAtMaxStringLength() {
    Bdecoder d = Bdecoder.builder().maxStringLength(3).build();
    DecoderFeed.decodesEveryWay(d, bytes("l3:abc0:e"));
    DecoderFeed.decodesEveryWay(Bdecoder.builder().maxStringLength(0).build(), bytes("l0:0:e"));
  }

  @Test
  void rejectsStringLongerThanMaxStringLength() {
    Bdecoder d = Bdecoder.builder().maxStringLength(3).build();
    assertRejected(d, bytes("4:abcd"), 0, "string length 4 exceeds the limit of 3");
    assertRejected(d, bytes("l1:a4:abcde"), 4, "string length 4 exceeds the limit of 3");
    // the limit is checked first, before the bytes remaining
    assertRejected(d, bytes("4:ab"), 0, "string length 4 exceeds the limit of 3");
    assertRejected(
        Bdecoder.builder().maxStringLength(0).build(), bytes("1:a"), 0,
        "string length 1 exceeds the limit of 0");
    // keys are strings too
    assertRejected(d, bytes("d4:abcdi1ee"), 1, "string length 4 exceeds the limit of 3");
  }

  @Test
  void acceptsExactlyMaxValues() {
    Bdecoder d = Bdecoder.builder().maxValues(3).build();
    DecoderFeed.decodesEveryWay(d, bytes("li1ei2ee"));
    DecoderFeed.decodesEveryWay(d, bytes("l1:a1:be"));
    DecoderFeed.decodesEveryWay(d, bytes("d1:ai1ee"));
    DecoderFeed.decodesEveryWay(d, bytes("llee"));
    DecoderFeed.decodesEveryWay(Bdecoder.builder().maxValues(1).build(), bytes("i7e"));
  }

  @Test
  void rejectsMoreThanMaxValuesAtTheValueOverTheLimit() {
    Bdecoder d = Bdecoder.builder().maxValues(3).build();
    String reason = "more values than the limit of 3";
    assertRejected(d, bytes("li1ei2ei3ee"), 7, reason);
    assertRejected(d, bytes("l1:a1:b1:ce"), 7, reason);
    assertRejected(d, bytes("lllleeee"), 3, reason);
    assertRejected(d, bytes("d1:ai1e1:bi2ee"), 7, reason);
    assertRejected(
        Bdecoder.builder().maxValues(1).build(), bytes("li1ee"), 1,
        "more values than the limit of 1");
  }

  @Test
  void defaultMaxValuesBoundsManySmallValues() {
    int n = Bdecoder.DEFAULT_MAX_VALUES; // the list itself is one more
    byte[] input = concat(bytes("l"), repeat('0', 2 * n), bytes("e"));
    for (int i = 1; i < input.length - 1; i += 2) {
      input[i + 1] = ':';
    }
    assertThatThrownBy(() -> Bdecoder.strict().decode(input))
        .isInstanceOfSatisfying(
            BencodeException.class,
            e -> {
              assertThat(e.reason()).isEqualTo("more values than the limit of 2000000");
              assertThat(e.offset()).isEqualTo(1 + 2L * (n - 1));
            });
  }

  @Test
  void hasDocumentedDefaults() {
    Bdecoder d = Bdecoder.strict();
    assertThat(d.isStrict()).isTrue();
    assertThat(d.maxDepth()).isEqualTo(512).isEqualTo(Bdecoder.DEFAULT_MAX_DEPTH);
    assertThat(d.maxValues()).isEqualTo(2_000_000).isEqualTo(Bdecoder.DEFAULT_MAX_VALUES);
    assertThat(d.maxInputBytes()).isEqualTo(64 << 20).isEqualTo(Bdecoder.DEFAULT_MAX_INPUT_BYTES);
    assertThat(d.maxStringLength()).isEqualTo(Integer.MAX_VALUE);
    assertThat(Bdecoder.lenient().isStrict()).isFalse();
    assertThat(Bdecoder.builder().build().isStrict()).isTrue();
  }

  @Test
  void toBuilderKeepsEverySetting() {
    Bdecoder d =
        Bdecoder.builder()
            .strict(false)
            .maxDepth(7)
            .maxStringLength(8)
            .maxValues(9)
            .maxInputBytes(10)
            .build();
    Bdecoder copy = d.toBuilder().build();
    assertThat(copy.isStrict()).isFalse();
    assertThat(copy.maxDepth()).isEqualTo(7);
    assertThat(copy.maxStringLength()).isEqualTo(8);
    assertThat(copy.maxValues()).isEqualTo(9);
    assertThat(copy.maxInputBytes()).isEqualTo(10);
  }

  @Test
  void builderRejectsBadSettingsNamingTheValue() {
    assertThatThrownBy(() -> Bdecoder.builder().maxDepth(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxDepth must be >= 1: 0");
    assertThatThrownBy(() -> Bdecoder.builder().maxDepth(-5))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxDepth")
        .hasMessageContaining("-5");
    assertThatThrownBy(() -> Bdecoder.builder().maxStringLength(-1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxStringLength must be >= 0: -1");
    assertThatThrownBy(() -> Bdecoder.builder().maxValues(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxValues must be >= 1: 0");
    assertThatThrownBy(() -> Bdecoder.builder().maxInputBytes(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("maxInputBytes")
        .hasMessageEndingWith(": 0");
    assertThatThrownBy(() -> Bdecoder.builder().maxInputBytes(Integer.MAX_VALUE))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith(": " + Integer.MAX_VALUE);
  }

  @Test
  void builderAcceptsBoundarySettings() {
    Bdecoder d =
        Bdecoder.builder()
            .maxDepth(1)
            .maxStringLength(0)
            .maxValues(1)
            .maxInputBytes(Integer.MAX_VALUE - 8)
            .build();
    assertThat(d.maxInputBytes()).isEqualTo(Integer.MAX_VALUE - 8);
    assertThat(Bdecoder.builder().maxInputBytes(1).build().maxInputBytes()).isEqualTo(1);
    assertThat(Bdecoder.builder().maxDepth(Integer.MAX_VALUE).build().maxDepth())
        .isEqualTo(Integer.MAX_VALUE);
  }
}
