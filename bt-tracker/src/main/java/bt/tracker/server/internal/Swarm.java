package bt.tracker.server.internal;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The peers of one torrent. Not thread-safe: {@link SwarmRegistry} guards it with its lock.
 *
 * <p>Peers sit in a map in announce order (a re-announce moves the peer to the end), so the
 * oldest is always first: expiry pops from the front until it meets a live peer, and eviction at
 * the cap removes the first. Each address family also has a dense array, so that a random sample
 * costs O(numwant), not O(swarm size).
 */
final class Swarm {
  final HashKey hash;
  private final LinkedHashMap<PeerKey, PeerEntry> peers = new LinkedHashMap<>();
  private PeerEntry[] v4 = new PeerEntry[4];
  private int n4;
  private PeerEntry[] v6 = new PeerEntry[0];
  private int n6;
  int seeders;
  int downloaded;

  Swarm(HashKey hash) {
    this.hash = hash;
  }

  int size() {
    return peers.size();
  }

  int leechers() {
    return peers.size() - seeders;
  }

  PeerEntry get(PeerKey key) {
    return peers.get(key);
  }

  /** Adds a new peer at the end of the announce order. */
  void add(PeerEntry e) {
    peers.put(e.key, e);
    if (e.isIpv6()) {
      if (n6 == v6.length) {
        v6 = Arrays.copyOf(v6, Math.max(4, n6 * 2));
      }
      e.index = n6;
      v6[n6++] = e;
    } else {
      if (n4 == v4.length) {
        v4 = Arrays.copyOf(v4, n4 * 2);
      }
      e.index = n4;
      v4[n4++] = e;
    }
    if (e.seeder) {
      seeders++;
    }
  }

  /** Moves a peer that announced again to the end of the announce order. */
  void touch(PeerEntry e) {
    peers.remove(e.key);
    peers.put(e.key, e);
  }

  void setSeeder(PeerEntry e, boolean seeder) {
    if (e.seeder != seeder) {
      e.seeder = seeder;
      seeders += seeder ? 1 : -1;
    }
  }

  void remove(PeerEntry e) {
    peers.remove(e.key);
    unlink(e);
  }

  private void unlink(PeerEntry e) {
    if (e.isIpv6()) {
      PeerEntry last = v6[--n6];
      v6[e.index] = last;
      last.index = e.index;
      v6[n6] = null;
    } else {
      PeerEntry last = v4[--n4];
      v4[e.index] = last;
      last.index = e.index;
      v4[n4] = null;
    }
    if (e.seeder) {
      seeders--;
    }
    e.index = -1;
  }

  /** The peer that announced least recently, or null if the swarm is empty. */
  PeerEntry oldest() {
    Iterator<PeerEntry> it = peers.values().iterator();
    return it.hasNext() ? it.next() : null;
  }

  /** Removes peers last seen before {@code cutoffNanos}; returns how many. */
  int expire(long cutoffNanos) {
    int removed = 0;
    Iterator<Map.Entry<PeerKey, PeerEntry>> it = peers.entrySet().iterator();
    while (it.hasNext()) {
      PeerEntry e = it.next().getValue();
      if (e.lastSeenNanos - cutoffNanos >= 0) {
        break;
      }
      it.remove();
      unlink(e);
      removed++;
    }
    return removed;
  }

  /**
   * Copies up to {@code want} peers of one family, other than {@code self}, into {@code out} from
   * {@code outOff}; returns how many. When there are more than wanted, the sample is an arithmetic
   * progression with a random start and a random step coprime to the count: every peer is equally
   * likely to be picked, and the cost is O(want).
   */
  int sample(boolean ipv6, PeerEntry self, int want, PeerEntry[] out, int outOff, Rng rng) {
    PeerEntry[] arr = ipv6 ? v6 : v4;
    int n = ipv6 ? n6 : n4;
    int others = self != null && self.isIpv6() == ipv6 && self.index >= 0 ? n - 1 : n;
    if (want <= 0 || others <= 0) {
      return 0;
    }
    int k = 0;
    if (others <= want) {
      for (int i = 0; i < n; i++) {
        if (arr[i] != self) {
          out[outOff + k++] = arr[i];
        }
      }
      return k;
    }
    int start = rng.nextInt(n);
    int step = 1;
    for (int tries = 0; tries < 8; tries++) {
      int s = 1 + rng.nextInt(n - 1);
      if (gcd(s, n) == 1) {
        step = s;
        break;
      }
    }
    long idx = start;
    for (int i = 0; i < n && k < want; i++) {
      PeerEntry e = arr[(int) idx];
      if (e != self) {
        out[outOff + k++] = e;
      }
      idx += step;
      if (idx >= n) {
        idx -= n;
      }
    }
    return k;
  }

  private static int gcd(int a, int b) {
    while (b != 0) {
      int t = a % b;
      a = b;
      b = t;
    }
    return a;
  }
}
