package io.btlib.storage.internal;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class ByteRangesTest {

  @Test
  void adjacentAndOverlappingRangesMerge() {
    ByteRanges r = new ByteRanges();
    r.add(10, 20);
    r.add(30, 40);
    assertThat(r.covers(10, 20)).isTrue();
    assertThat(r.covers(15, 35)).isFalse();
    assertThat(r.firstGap(15, 35)).isEqualTo(20);
    r.add(20, 30); // touches both
    assertThat(r.covers(10, 40)).isTrue();
    assertThat(r).hasToString("{10=40}");
    r.add(0, 50); // swallows everything
    assertThat(r).hasToString("{0=50}");
    r.add(60, 70);
    r.add(55, 65);
    assertThat(r).hasToString("{0=50, 55=70}");
  }

  @Test
  void emptyRangesAreAlwaysCoveredAndNeverAdded() {
    ByteRanges r = new ByteRanges();
    assertThat(r.covers(5, 5)).isTrue();
    r.add(7, 7);
    assertThat(r.isEmpty()).isTrue();
    assertThat(r.firstGap(3, 9)).isEqualTo(3);
  }
}
