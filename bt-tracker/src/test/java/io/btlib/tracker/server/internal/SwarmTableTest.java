package io.btlib.tracker.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The open-addressing peer table inside {@link Swarm}, against a HashMap model. */
class SwarmTableTest {
  private static final HashKey HASH = HashKey.of(new byte[20], 0);

  private record Key(long hi, long lo, int port) {}

  private static PeerEntry entry(Key k, int hash) {
    byte[] ip = k.hi == 0 ? new byte[] {10, 0, (byte) (k.lo >>> 8), (byte) k.lo}
        : new byte[16];
    return new PeerEntry(k.hi, k.lo, hash, ip, k.port, null);
  }

  /**
   * Random adds and removes, hashes drawn from a few values (so runs of colliding keys, wrapping
   * round the table's end, are the rule) or from the real hash; every key checked after each step.
   */
  @Test
  void agreesWithAMapThroughGrowthShrinkingAndCollisions() {
    for (int collisionValues : new int[] {1, 3, 64, 0}) {
      Random rnd = new Random(collisionValues);
      Swarm s = new Swarm(HASH, 0);
      Map<Key, PeerEntry> model = new HashMap<>();
      List<Key> keys = new ArrayList<>();
      for (int step = 0; step < 4000; step++) {
        boolean add = model.isEmpty() || (step % 1000 < 600 ? rnd.nextInt(4) != 0
            : rnd.nextInt(4) == 0); // grow, then mostly shrink
        if (add) {
          Key k = new Key(rnd.nextInt(3) == 0 ? rnd.nextLong() : 0, rnd.nextInt(1 << 16),
              1 + rnd.nextInt(65535));
          if (model.containsKey(k)) {
            continue;
          }
          int h = collisionValues == 0 ? PeerEntry.hash(k.hi, k.lo, k.port, 12345L)
              : -1 - rnd.nextInt(collisionValues); // near the top: probes wrap to slot 0
          PeerEntry e = entry(k, h);
          assertThat(s.get(k.hi, k.lo, k.port, h)).isNull();
          s.add(e, step);
          model.put(k, e);
          keys.add(k);
        } else {
          Key k = keys.remove(rnd.nextInt(keys.size()));
          s.remove(model.remove(k));
        }
        assertThat(s.size()).isEqualTo(model.size());
        if (step % 50 == 0 || model.size() < 40) {
          for (Map.Entry<Key, PeerEntry> m : model.entrySet()) {
            Key k = m.getKey();
            assertThat(s.get(k.hi, k.lo, k.port, m.getValue().hash))
                .as("step %d, %d collision values", step, collisionValues)
                .isSameAs(m.getValue());
          }
        }
      }
      for (Key k : new ArrayList<>(keys)) {
        s.remove(model.remove(k));
      }
      assertThat(s.size()).isZero();
    }
  }

  @Test
  void aKeyDiffersInAnyPart() {
    Swarm s = new Swarm(HASH, 0);
    Key k = new Key(0, 0xFFFF_0A00_0001L, 6881);
    PeerEntry e = entry(k, 5);
    s.add(e, 0);
    assertThat(s.get(k.hi, k.lo, k.port, 5)).isSameAs(e);
    assertThat(s.get(k.hi, k.lo, 6882, 5)).isNull();
    assertThat(s.get(k.hi, k.lo + 1, k.port, 5)).isNull();
    assertThat(s.get(1, k.lo, k.port, 5)).isNull();
    assertThat(s.get(k.hi, k.lo, k.port, 6)).isNull();
  }

  @Test
  void theHashDependsOnTheSeedAndEveryPart() {
    int base = PeerEntry.hash(0, 0xFFFF_7F00_0001L, 6881, 99L);
    assertThat(PeerEntry.hash(0, 0xFFFF_7F00_0001L, 6881, 100L)).isNotEqualTo(base);
    assertThat(PeerEntry.hash(0, 0xFFFF_7F00_0001L, 6882, 99L)).isNotEqualTo(base);
    assertThat(PeerEntry.hash(0, 0xFFFF_7F00_0002L, 6881, 99L)).isNotEqualTo(base);
    assertThat(PeerEntry.hash(1, 0xFFFF_7F00_0001L, 6881, 99L)).isNotEqualTo(base);
    // one address, every port: the low bits a small table uses spread evenly
    int[] slots = new int[64];
    for (int port = 1; port <= 65535; port++) {
      slots[PeerEntry.hash(0, 0xFFFF_7F00_0001L, port, 99L) & 63]++;
    }
    for (int c : slots) {
      assertThat(c).isBetween(800, 1250); // 1024 expected
    }
  }
}
