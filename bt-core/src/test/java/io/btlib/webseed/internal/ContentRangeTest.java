package io.btlib.webseed.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ContentRangeTest {

  @Test
  void parsesARangeWithItsTotal() throws Exception {
    assertThat(ContentRange.parse("bytes 0-499/1234")).isEqualTo(new ContentRange(0, 499, 1234));
  }

  @Test
  void parsesAnUnknownTotalAsMinusOne() throws Exception {
    assertThat(ContentRange.parse(" bytes 10-10/* ")).isEqualTo(new ContentRange(10, 10, -1));
  }

  @Test
  void rejectsAMissingHeader() {
    assertThatThrownBy(() -> ContentRange.parse(null)).isInstanceOf(WebSeedException.class)
        .hasMessageContaining("without Content-Range");
  }

  @Test
  void rejectsUnitsOtherThanBytes() {
    assertThatThrownBy(() -> ContentRange.parse("items 0-1/2"))
        .isInstanceOf(WebSeedException.class).hasMessageContaining("not a byte range");
  }

  @Test
  void rejectsTheUnsatisfiedForm() {
    assertThatThrownBy(() -> ContentRange.parse("bytes */1234"))
        .isInstanceOf(WebSeedException.class);
  }

  @Test
  void rejectsALastBeforeTheFirst() {
    assertThatThrownBy(() -> ContentRange.parse("bytes 5-4/10"))
        .isInstanceOf(WebSeedException.class).hasMessageContaining("out of order");
  }

  @Test
  void rejectsARangePastTheTotal() {
    assertThatThrownBy(() -> ContentRange.parse("bytes 0-10/10"))
        .isInstanceOf(WebSeedException.class).hasMessageContaining("out of order");
  }

  @Test
  void rejectsNegativeSignsAndGarbageDigits() {
    for (String bad : new String[] {"bytes -1-4/10", "bytes 0-+4/10", "bytes 0x1-2/10",
        "bytes 1-2/ten", "bytes 1-/10", "bytes 99999999999999999999-1/2", "bytes 1-2",
        "bytes 1-2/3/4", "bytes \u0000-1/2", "bytes "}) {
      assertThatThrownBy(() -> ContentRange.parse(bad)).as(bad)
          .isInstanceOf(WebSeedException.class);
    }
  }

  @Test
  void rejectsAnOversizedHeaderWithoutEchoingItAll() {
    String huge = "bytes 0-1/" + "9".repeat(10_000);
    assertThatThrownBy(() -> ContentRange.parse(huge)).isInstanceOf(WebSeedException.class)
        .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
  }
}
