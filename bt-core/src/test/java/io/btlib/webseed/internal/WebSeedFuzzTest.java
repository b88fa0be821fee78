package io.btlib.webseed.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.nio.charset.StandardCharsets;

/**
 * Coverage-guided fuzz target (Jazzer) for what a web seed's 206 answer says about itself: the
 * {@code Content-Range} header. Only {@link WebSeedException} escapes, and an accepted range is in
 * order and reads back the same once written in canonical form.
 *
 * <p>{@code mvn test} replays {@code src/test/resources/io/btlib/webseed/internal/
 * WebSeedFuzzTestInputs/contentRange/}; {@code JAZZER_FUZZ=1} with {@code
 * -Dtest='WebSeedFuzzTest#contentRange'} fuzzes it (or {@code TARGETS=contentRange
 * interop/fuzz.sh}).
 */
class WebSeedFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void contentRange(byte[] data) throws WebSeedException {
    ContentRange r;
    try {
      r = ContentRange.parse(new String(data, StandardCharsets.ISO_8859_1));
    } catch (WebSeedException e) {
      return;
    }
    assertThat(r.first()).isNotNegative();
    assertThat(r.last()).isGreaterThanOrEqualTo(r.first());
    if (r.total() != -1) {
      assertThat(r.total()).isGreaterThan(r.last());
    }
    String canonical = "bytes " + r.first() + "-" + r.last() + "/"
        + (r.total() == -1 ? "*" : Long.toString(r.total()));
    assertThat(ContentRange.parse(canonical)).isEqualTo(r);
  }
}
