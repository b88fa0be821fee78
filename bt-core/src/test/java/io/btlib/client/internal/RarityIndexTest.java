package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

class RarityIndexTest {

  /** Random puts, moves and removals against a plain map: the visit order and membership agree. */
  @Test
  void visitsFiledPiecesByPriorityThenAvailability() {
    for (long seed = 0; seed < 50; seed++) {
      Random r = new Random(seed);
      int n = 1 + r.nextInt(300);
      RarityIndex index = new RarityIndex(n, new Random(seed + 1000));
      Map<Integer, int[]> model = new HashMap<>();
      for (int op = 0; op < 2000; op++) {
        int p = r.nextInt(n);
        if (r.nextInt(4) == 0) {
          index.remove(p);
          model.remove(p);
        } else {
          int prio = 1 + r.nextInt(7);
          int avail = r.nextInt(r.nextBoolean() ? 3 : 200);
          index.put(p, prio, avail);
          model.put(p, new int[] {prio, avail});
        }
        if (op % 100 == 0 || op == 1999) {
          List<Integer> visited = new ArrayList<>();
          index.visit(visited::add);
          assertThat(visited).containsExactlyInAnyOrderElementsOf(model.keySet());
          assertThat(index.size()).isEqualTo(model.size());
          Comparator<Integer> order = Comparator.<Integer>comparingInt(x -> -model.get(x)[0])
              .thenComparingInt(x -> model.get(x)[1]);
          assertThat(visited).isSortedAccordingTo(order);
          for (int x = 0; x < n; x++) {
            assertThat(index.contains(x)).isEqualTo(model.containsKey(x));
          }
        }
      }
    }
  }

  @Test
  void aVisitStopsWhenTheVisitorSaysSo() {
    RarityIndex index = new RarityIndex(10, new Random(1));
    for (int p = 0; p < 10; p++) {
      index.put(p, 1, p);
    }
    List<Integer> seen = new ArrayList<>();
    index.visit(p -> {
      seen.add(p);
      return seen.size() < 3;
    });
    assertThat(seen).containsExactly(0, 1, 2);
  }

  /** Tied pieces come first equally often: the tie-break is random, not index order. */
  @Test
  void tiesComeInARandomOrder() {
    int[] first = new int[8];
    Random seeds = new Random(3);
    for (int i = 0; i < 4000; i++) {
      RarityIndex index = new RarityIndex(8, new Random(seeds.nextLong()));
      for (int p = 0; p < 8; p++) {
        index.put(p, 1, 0);
      }
      int[] head = {-1};
      index.visit(p -> {
        head[0] = p;
        return false;
      });
      first[head[0]]++;
    }
    for (int c : first) {
      assertThat(c).isBetween(350, 650);
    }
  }

  @Test
  void refusesPrioritiesOutsideOneToSeven() {
    RarityIndex index = new RarityIndex(4, new Random(1));
    assertThatThrownBy(() -> index.put(0, 0, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> index.put(0, 8, 1)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> index.put(0, 1, -1)).isInstanceOf(IllegalArgumentException.class);
    index.put(1, 1, 1);
    index.put(1, 1, 1); // filed there already: nothing
    assertThat(index.size()).isEqualTo(1);
  }
}
