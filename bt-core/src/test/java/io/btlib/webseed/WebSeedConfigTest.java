package io.btlib.webseed;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WebSeedConfigTest {

  @Test
  void defaultsAreEnabledWithFourRequestsOfOneMebibyte() {
    assertThat(WebSeedConfig.DEFAULTS.enabled()).isTrue();
    assertThat(WebSeedConfig.DEFAULTS.maxRequestsPerSeed()).isEqualTo(4);
    assertThat(WebSeedConfig.DEFAULTS.maxRequestBytes()).isEqualTo(1 << 20);
    assertThat(WebSeedConfig.DEFAULTS.maxHashFailures()).isEqualTo(3);
    assertThat(WebSeedConfig.DISABLED.enabled()).isFalse();
  }

  @Test
  void settersRejectBadValuesAtOnceNamingThem() {
    WebSeedConfig.Builder b = WebSeedConfig.builder();
    assertThatThrownBy(() -> b.maxRequestsPerSeed(0)).hasMessageContaining("maxRequestsPerSeed")
        .hasMessageContaining(": 0");
    assertThatThrownBy(() -> b.maxRequestsPerSeed(17)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.maxRequestBytes(16385)).hasMessageContaining("multiple of 16384");
    assertThatThrownBy(() -> b.maxRequestBytes(32 << 20))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> b.requestTimeout(Duration.ZERO))
        .hasMessageContaining("requestTimeout");
    assertThatThrownBy(() -> b.retryDelay(Duration.ofSeconds(-1)))
        .hasMessageContaining("retryDelay");
    assertThatThrownBy(() -> b.connectTimeout(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> b.maxConsecutiveErrors(0))
        .hasMessageContaining("maxConsecutiveErrors");
    assertThatThrownBy(() -> b.maxHashFailures(0)).hasMessageContaining("maxHashFailures");
    assertThatThrownBy(() -> b.maxWholeFileBytes(-1)).hasMessageContaining("maxWholeFileBytes");
  }

  @Test
  void buildRejectsAMaximumDelayBelowTheFirst() {
    assertThatThrownBy(() -> WebSeedConfig.builder().retryDelay(Duration.ofSeconds(10))
        .maxRetryDelay(Duration.ofSeconds(1)).build())
        .hasMessageContaining("shorter than retryDelay");
  }

  @Test
  void toBuilderCopiesEveryValue() {
    WebSeedConfig c = WebSeedConfig.builder().enabled(false).maxRequestsPerSeed(2)
        .maxRequestBytes(32768).connectTimeout(Duration.ofSeconds(1))
        .requestTimeout(Duration.ofSeconds(2)).retryDelay(Duration.ofSeconds(3))
        .maxRetryDelay(Duration.ofSeconds(4)).maxConsecutiveErrors(5).maxHashFailures(6)
        .maxWholeFileBytes(7).build();
    assertThat(c.toBuilder().build()).isEqualTo(c);
  }
}
