package bt.tracker.server.internal;

import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;

/**
 * The peers of one torrent. Not thread-safe: {@link SwarmRegistry} guards it with its lock.
 *
 * <p>Peers sit in an access-ordered map (a re-announce looks the peer up, which moves it to the
 * end), so the peer heard from least recently is always first: expiry pops from the front until it
 * meets a live peer, and eviction at the cap removes the first. Each address family also has
 * dense parallel arrays, the records and their compact forms packed back to back (6 or 18 bytes
 * a peer), so that a sample of numwant peers costs O(numwant) reads of one small array rather
 * than numwant pointer chases through the heap.
 */
final class Swarm {
  final HashKey hash;
  private final LinkedHashMap<PeerKey, PeerEntry> peers = new LinkedHashMap<>(8, 0.75f, true);
  private final Family v4 = new Family(6);
  private final Family v6 = new Family(18);
  int seeders;
  int downloaded;

  /** The peers of one address family, in dense arrays with swap-removal. */
  private static final class Family {
    final int width;
    PeerEntry[] entries = new PeerEntry[0];
    byte[] compact = new byte[0];
    int n;

    Family(int width) {
      this.width = width;
    }

    void add(PeerEntry e) {
      if (n == entries.length) {
        int cap = Math.max(4, n * 2);
        entries = Arrays.copyOf(entries, cap);
        compact = Arrays.copyOf(compact, cap * width);
      }
      e.index = n;
      entries[n] = e;
      e.writeCompact(compact, n * width);
      n++;
    }

    void remove(PeerEntry e) {
      int last = --n;
      int i = e.index;
      if (i != last) {
        PeerEntry moved = entries[last];
        entries[i] = moved;
        moved.index = i;
        System.arraycopy(compact, last * width, compact, i * width, width);
      }
      entries[last] = null;
      e.index = -1;
      if (n < entries.length / 4 && entries.length > 16) { // give memory back after a crowd left
        entries = Arrays.copyOf(entries, entries.length / 2);
        compact = Arrays.copyOf(compact, entries.length * width);
      }
    }
  }

  Swarm(HashKey hash) {
    this.hash = hash;
  }

  int size() {
    return peers.size();
  }

  int leechers() {
    return peers.size() - seeders;
  }

  /** The peer at {@code key}, moved to the end of the order (it is announcing now). */
  PeerEntry get(PeerKey key) {
    return peers.get(key);
  }

  /** Adds a new peer at the end of the order. */
  void add(PeerEntry e) {
    peers.put(e.key, e);
    (e.isIpv6() ? v6 : v4).add(e);
    if (e.seeder) {
      seeders++;
    }
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
    (e.isIpv6() ? v6 : v4).remove(e);
    if (e.seeder) {
      seeders--;
    }
  }

  /** The peer heard from least recently, or null if the swarm is empty. */
  PeerEntry oldest() {
    Iterator<PeerEntry> it = peers.values().iterator();
    return it.hasNext() ? it.next() : null;
  }

  /** Removes peers last seen before {@code cutoffNanos}; returns how many. */
  int expire(long cutoffNanos) {
    if (peers.isEmpty()) {
      return 0;
    }
    int removed = 0;
    Iterator<PeerEntry> it = peers.values().iterator(); // iterating keeps the order
    while (it.hasNext()) {
      PeerEntry e = it.next();
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
   * Copies up to {@code want} peers of one family, other than {@code self}, into {@code out};
   * returns how many. When there are more than wanted, the sample is an arithmetic progression
   * over the family's array with a random start and a random step coprime to its size: every peer
   * is equally likely to be picked, no peer twice, at a cost of O(want).
   */
  int sample(boolean ipv6, PeerEntry self, int want, PeerSample out, Rng rng) {
    Family f = ipv6 ? v6 : v4;
    int n = f.n;
    int skip = self != null && self.isIpv6() == ipv6 && self.index >= 0 ? self.index : -1;
    int others = skip >= 0 ? n - 1 : n;
    if (want <= 0 || others <= 0) {
      return 0;
    }
    byte[] dst = ipv6 ? out.v6 : out.v4;
    int w = f.width;
    int base = ipv6 ? out.count6 : out.count4;
    int entryBase = out.count();
    int k = 0;
    if (others <= want) {
      // all of them, in at most two copies around the asking peer
      if (skip < 0) {
        System.arraycopy(f.compact, 0, dst, base * w, n * w);
      } else {
        System.arraycopy(f.compact, 0, dst, base * w, skip * w);
        System.arraycopy(f.compact, (skip + 1) * w, dst, (base + skip) * w, (n - skip - 1) * w);
      }
      if (out.wantEntries) {
        for (int i = 0; i < n; i++) {
          if (i != skip) {
            out.entries[entryBase + k++] = f.entries[i];
          }
        }
      }
      k = others;
    } else {
      int start = rng.nextInt(n);
      int step = 1;
      for (int tries = 0; tries < 8; tries++) {
        int s = 1 + rng.nextInt(n - 1);
        if (gcd(s, n) == 1) {
          step = s;
          break;
        }
      }
      int idx = start;
      byte[] src = f.compact;
      for (int i = 0; i < n && k < want; i++) {
        if (idx != skip) {
          System.arraycopy(src, idx * w, dst, (base + k) * w, w);
          if (out.wantEntries) {
            out.entries[entryBase + k] = f.entries[idx];
          }
          k++;
        }
        idx += step;
        if (idx >= n) {
          idx -= n;
        }
      }
    }
    if (ipv6) {
      out.count6 += k;
    } else {
      out.count4 += k;
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
