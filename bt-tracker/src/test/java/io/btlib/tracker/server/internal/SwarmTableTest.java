package io.btlib.tracker.server.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The peer lookup inside {@link Swarm}: the scan of small swarms, the open-addressing table of
 * larger ones, and the switch between them, against a set as the model.
 */
class SwarmTableTest {
  private static final HashKey HASH = HashKey.of(new byte[20], 0);
  private static final long SEED = 12345L;

  private record Key(byte[] ip, int port) {
    long hi() {
      return PeerHash.hi(ip);
    }

    long lo() {
      return PeerHash.lo(ip);
    }

    int hash() {
      return PeerHash.hash(hi(), lo(), port, SEED);
    }

    String id() {
      return java.util.Arrays.toString(ip) + ":" + port;
    }
  }

  private static int find(Swarm s, Key k) {
    return s.find(k.ip.length == 16, k.hi(), k.lo(), k.port, k.hash());
  }

  /**
   * Random adds and removes, IPv4 and IPv6 mixed, addresses and ports from small ranges (so keys
   * differ in one part only), growing past the scan limit into a table of thousands of slots and
   * shrinking back; every key checked against the model after each step, and the arrays bounded.
   */
  @Test
  void agreesWithASetThroughGrowthShrinkingAndTheSwitchToATable() {
    Random rnd = new Random(7);
    Swarm s = new Swarm(HASH, 0, SEED);
    Set<String> model = new HashSet<>();
    List<Key> keys = new ArrayList<>();
    for (int step = 0; step < 12_000; step++) {
      int phase = step % 3000;
      boolean add = keys.isEmpty() || (phase < 1800 ? rnd.nextInt(4) != 0 : rnd.nextInt(4) == 0);
      if (add) {
        byte[] ip = rnd.nextInt(3) == 0 ? new byte[16] : new byte[4];
        ip[0] = 10;
        ip[ip.length - 1] = (byte) rnd.nextInt(4);
        Key k = new Key(ip, 1 + rnd.nextInt(1000));
        if (!model.add(k.id())) {
          assertThat(find(s, k)).isNotNegative();
          continue;
        }
        assertThat(find(s, k)).isEqualTo(-1);
        s.add(k.ip, k.port, k.hash(), null, rnd.nextBoolean(), step);
        keys.add(k);
      } else {
        Key k = keys.remove(rnd.nextInt(keys.size()));
        model.remove(k.id());
        s.remove(find(s, k));
        assertThat(find(s, k)).isEqualTo(-1);
      }
      assertThat(s.size()).isEqualTo(model.size());
      if (s.size() > Swarm.SCAN_MAX) {
        assertThat(s.tableCapacity()).isGreaterThanOrEqualTo(2 * s.size());
      } else if (s.size() <= Swarm.SCAN_MAX / 2) {
        assertThat(s.tableCapacity()).isZero();
      }
      assertThat(s.tableCapacity()).isLessThanOrEqualTo(Math.max(64, 8 * s.size()));
      assertThat(s.arrayCapacity()).isLessThanOrEqualTo(Math.max(16, 4 * s.size() + 8));
      if (step % 97 == 0 || keys.size() < 40) {
        Set<Integer> refs = new HashSet<>();
        for (Key k : keys) {
          int ref = find(s, k);
          assertThat(ref).as("step %d, %s", step, k.id()).isNotNegative();
          assertThat(refs.add(ref)).isTrue();
          Swarm.Family f = s.family(ref);
          int o = Swarm.slot(ref) * f.width;
          assertThat(java.util.Arrays.copyOfRange(f.compact, o, o + k.ip.length))
              .isEqualTo(k.ip);
        }
      }
    }
    for (Key k : new ArrayList<>(keys)) {
      s.remove(find(s, k));
    }
    assertThat(s.size()).isZero();
    assertThat(s.seeders).isZero();
    assertThat(s.tableCapacity()).isZero();
    assertThat(s.arrayCapacity()).isLessThanOrEqualTo(16);
  }

  @Test
  void aKeyDiffersInAnyPart() {
    for (int extra : new int[] {0, 40}) { // scanned, then in a table
      Swarm s = new Swarm(HASH, 0, SEED);
      for (int i = 0; i < extra; i++) {
        Key o = new Key(new byte[] {10, 1, 0, (byte) i}, 7000);
        s.add(o.ip, o.port, o.hash(), null, false, 0);
      }
      Key k = new Key(new byte[] {10, 0, 0, 1}, 6881);
      s.add(k.ip, k.port, k.hash(), null, false, 0);
      assertThat(find(s, k)).isNotNegative();
      assertThat(find(s, new Key(k.ip, 6882))).isEqualTo(-1);
      assertThat(find(s, new Key(new byte[] {10, 0, 0, 2}, 6881))).isEqualTo(-1);
      byte[] v6 = new byte[16];
      v6[15] = 1;
      assertThat(find(s, new Key(v6, 6881))).isEqualTo(-1);
    }
  }

  @Test
  void theHashDependsOnTheSeedAndEveryPart() {
    int base = PeerHash.hash(0, 0xFFFF_7F00_0001L, 6881, 99L);
    assertThat(PeerHash.hash(0, 0xFFFF_7F00_0001L, 6881, 100L)).isNotEqualTo(base);
    assertThat(PeerHash.hash(0, 0xFFFF_7F00_0001L, 6882, 99L)).isNotEqualTo(base);
    assertThat(PeerHash.hash(0, 0xFFFF_7F00_0002L, 6881, 99L)).isNotEqualTo(base);
    assertThat(PeerHash.hash(1, 0xFFFF_7F00_0001L, 6881, 99L)).isNotEqualTo(base);
    // one address, every port: the low bits a small table uses spread evenly
    int[] slots = new int[64];
    for (int port = 1; port <= 65535; port++) {
      slots[PeerHash.hash(0, 0xFFFF_7F00_0001L, port, 99L) & 63]++;
    }
    for (int c : slots) {
      assertThat(c).isBetween(800, 1250); // 1024 expected
    }
  }
}
