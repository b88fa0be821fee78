package io.btlib.cli;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class TextTest {
  @Test
  void leavesOrdinaryTextAlone() {
    String s = "multi/sub/é 漢字 \uD83D\uDE00.bin";
    assertThat(Text.printable(s)).isSameAs(s);
  }

  @Test
  void escapesControlsBidiAndLoneSurrogates() {
    assertThat(Text.printable("a\nb\u001b[0m\u0085\u202e\u007f")).isEqualTo(
        "a\\u000ab\\u001b[0m\\u0085\\u202e\\u007f");
    assertThat(Text.printable("x\uD800y\uDC00")).isEqualTo("x\\ud800y\\udc00");
    assertThat(Text.printable("\uD83D\uDE00\n")).isEqualTo("\uD83D\uDE00\\u000a");
  }

  @Test
  void oneLineCutsLongText() {
    String s = Text.oneLine("x".repeat(10_000));
    assertThat(s).hasSize(Text.MAX_LINE + 3).endsWith("...");
    assertThat(Text.oneLine(null)).isEmpty();
  }
}
