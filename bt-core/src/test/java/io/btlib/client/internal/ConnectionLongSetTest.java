package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The engine's set of requested blocks: the same answers as a {@link HashSet}, without boxing. */
class ConnectionLongSetTest {

  @Test
  void behavesAsAHashSetUnderRandomOperations() {
    Random r = new Random(42);
    for (int round = 0; round < 100; round++) {
      Connection.LongSet s = new Connection.LongSet();
      Set<Long> h = new HashSet<>();
      int pieces = 1 + r.nextInt(2000);
      for (int op = 0; op < 5000; op++) {
        long k = Connection.key(r.nextInt(pieces), r.nextInt(64));
        switch (r.nextInt(3)) {
          case 0 -> assertThat(s.add(k)).isEqualTo(h.add(k));
          case 1 -> assertThat(s.remove(k)).isEqualTo(h.remove(k));
          default -> assertThat(s.contains(k)).isEqualTo(h.contains(k));
        }
        assertThat(s.size()).isEqualTo(h.size());
      }
      Set<Long> listed = new HashSet<>();
      for (long k : s.toArray()) {
        listed.add(k);
      }
      assertThat(listed).isEqualTo(h);
      s.clear();
      assertThat(s.isEmpty()).isTrue();
      assertThat(s.toArray()).isEmpty();
    }
  }

  @Test
  void removingFromTheMiddleOfAProbeRunKeepsTheRestReachable() {
    Connection.LongSet s = new Connection.LongSet();
    for (long k = 0; k < 1000; k++) {
      s.add(k);
    }
    for (long k = 0; k < 1000; k += 2) {
      assertThat(s.remove(k)).isTrue();
    }
    for (long k = 0; k < 1000; k++) {
      assertThat(s.contains(k)).as("key %d", k).isEqualTo(k % 2 == 1);
    }
    assertThat(s.size()).isEqualTo(500);
  }

  @Test
  void refusesNegativeKeys() {
    assertThatThrownBy(() -> new Connection.LongSet().add(-2))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
