package io.btlib.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class InfoHashesTest {

  private static final InfoHash V1 = InfoHash.fromHex("dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c");
  private static final InfoHash V2 =
      InfoHash.fromHex("caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e");

  @Test
  void v1OnlyHasV1AndUsesItAsShortHash() {
    InfoHashes h = InfoHashes.ofV1(V1);
    assertThat(h.v1()).contains(V1);
    assertThat(h.v2()).isEmpty();
    assertThat(h.hasV1()).isTrue();
    assertThat(h.hasV2()).isFalse();
    assertThat(h.isHybrid()).isFalse();
    assertThat(h.shortHash()).isEqualTo(V1);
    assertThat(h.shortHashes()).containsExactly(V1);
  }

  @Test
  void v2OnlyUsesTruncatedV2AsShortHash() {
    InfoHashes h = InfoHashes.ofV2(V2);
    assertThat(h.v1()).isEmpty();
    assertThat(h.v2()).contains(V2);
    assertThat(h.isHybrid()).isFalse();
    assertThat(h.shortHash()).isEqualTo(V2.truncated());
    assertThat(h.shortHash().length()).isEqualTo(20);
    assertThat(h.shortHashes()).containsExactly(V2.truncated());
  }

  @Test
  void hybridPrefersV1AsShortHashAndListsBoth() {
    InfoHashes h = InfoHashes.of(V1, V2);
    assertThat(h.isHybrid()).isTrue();
    assertThat(h.shortHash()).isEqualTo(V1);
    assertThat(h.shortHashes()).containsExactly(V1, V2.truncated());
  }

  @Test
  void matchesShortAcceptsV1OrTruncatedV2Only() {
    InfoHashes h = InfoHashes.of(V1, V2);
    assertThat(h.matchesShort(V1)).isTrue();
    assertThat(h.matchesShort(V2.truncated())).isTrue();
    assertThat(h.matchesShort(V2)).isFalse();
    assertThat(h.matchesShort(InfoHash.of(new byte[20]))).isFalse();
    assertThat(InfoHashes.ofV1(V1).matchesShort(V2.truncated())).isFalse();
    assertThat(InfoHashes.ofV2(V2).matchesShort(V1)).isFalse();
    assertThat(InfoHashes.ofV2(V2).matchesShort(V2.truncated())).isTrue();
  }

  @Test
  void rejectsNeitherHash() {
    assertThatThrownBy(() -> InfoHashes.of(null, null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("at least one");
  }

  @Test
  void rejectsV1OfWrongLengthNamingIt() {
    assertThatThrownBy(() -> InfoHashes.ofV1(V2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("v1")
        .hasMessageContaining("got 32");
  }

  @Test
  void rejectsV2OfWrongLengthNamingIt() {
    assertThatThrownBy(() -> InfoHashes.ofV2(V1))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("v2")
        .hasMessageContaining("got 20");
    assertThatThrownBy(() -> InfoHashes.of(V1, V2.truncated())).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void factoriesRejectNull() {
    assertThatThrownBy(() -> InfoHashes.ofV1(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> InfoHashes.ofV2(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> InfoHashes.of(V1, V2).matchesShort(null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void equalsAndHashCodeCoverBothHashes() {
    assertThat(InfoHashes.of(V1, V2)).isEqualTo(InfoHashes.of(InfoHash.of(V1.bytes()), InfoHash.of(V2.bytes())))
        .hasSameHashCodeAs(InfoHashes.of(V1, V2));
    assertThat(InfoHashes.of(V1, V2)).isNotEqualTo(InfoHashes.ofV1(V1)).isNotEqualTo(InfoHashes.ofV2(V2));
    assertThat(InfoHashes.ofV1(V1)).isNotEqualTo(InfoHashes.ofV2(V2)).isNotEqualTo(null);
  }

  @Test
  void toStringShowsPresentHashesInHex() {
    assertThat(InfoHashes.ofV1(V1).toString()).isEqualTo("InfoHashes[v1=" + V1.hex() + "]");
    assertThat(InfoHashes.ofV2(V2).toString()).isEqualTo("InfoHashes[v2=" + V2.hex() + "]");
    assertThat(InfoHashes.of(V1, V2).toString())
        .isEqualTo("InfoHashes[v1=" + V1.hex() + ", v2=" + V2.hex() + "]");
  }

  @Test
  void shortHashesIsUnmodifiable() {
    List<InfoHash> list = InfoHashes.of(V1, V2).shortHashes();
    assertThatThrownBy(() -> list.add(V1)).isInstanceOf(UnsupportedOperationException.class);
  }
}
