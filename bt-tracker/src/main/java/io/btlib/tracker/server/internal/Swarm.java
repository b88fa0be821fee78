package io.btlib.tracker.server.internal;

import java.util.Arrays;

/**
 * The peers of one torrent. Not thread-safe: {@link SwarmRegistry} guards it with its lock.
 *
 * <p>Layout: an open-addressing table (linear probing, at most half full, deletion by backward
 * shift) finds a peer by address and port, reading the table slot and the record itself: the
 * key lives in the record, where a {@code HashMap} would add a node and a key object, each a
 * cache miss in a tracker with 10^5 peers. Each address family also has dense
 * parallel arrays (the records, their compact forms packed back to back, 6 or 18 bytes a peer,
 * and their last-announce times), filled in announce order and kept dense by swap-removal. A
 * sample of numwant peers then reads one small array, O(numwant), and a re-announce writes a
 * {@code long} and nothing else: no list is relinked and no reference is stored into these
 * long-lived objects, which matters because each such store costs the garbage collector (G1's
 * remembered-set refinement took a quarter of the CPU of an earlier, linked-list design).
 *
 * <p>Expiry: {@link #sweep} removes peers whose last announce is older than the cutoff; until
 * then, {@link #sample} skips them. Eviction at a cap is approximate LRU: of a few peers picked at
 * random, the one heard from least recently goes (as Redis evicts keys).
 */
final class Swarm {
  /**
   * Random starts a sample draws before it accepts one on self or a stale peer (then the peers
   * after that slot are slightly favoured until the next sweep removes the stale ones).
   */
  private static final int START_TRIES = 16;
  /** Peers examined to choose one to evict. */
  static final int EVICTION_PROBES = 8;
  private static final int MIN_TABLE = 8;

  /** The info hash, in the three parts of a {@link HashKey}, held here so a lookup reads them. */
  final long keyA;
  final long keyB;
  final int keyC;
  /** The key's hash in the registry's index (see {@link SwarmRegistry}). */
  final int indexHash;
  private PeerEntry[] table = new PeerEntry[MIN_TABLE];
  /** {@code table[i].hash} for each occupied slot: a probe that misses reads no record. */
  private int[] hashes = new int[MIN_TABLE];
  private int size;
  private final Family v4 = new Family(6);
  private final Family v6 = new Family(18);
  int seeders;
  int downloaded;
  long lastAnnounceNanos;
  /** Position in the registry's dense array of swarms. */
  int index;

  /** The peers of one address family, in dense parallel arrays with swap-removal. */
  private static final class Family {
    final int width;
    PeerEntry[] entries = new PeerEntry[0];
    byte[] compact = new byte[0];
    long[] lastSeen = new long[0];
    int n;

    Family(int width) {
      this.width = width;
    }

    void add(PeerEntry e, long now) {
      if (n == entries.length) {
        resize(Math.max(4, n * 2));
      }
      e.index = n;
      entries[n] = e;
      e.writeCompact(compact, n * width);
      lastSeen[n] = now;
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
        lastSeen[i] = lastSeen[last];
      }
      entries[last] = null;
      e.index = -1;
      if (n < entries.length / 4 && entries.length > 16) { // give memory back after a crowd left
        resize(entries.length / 2);
      }
    }

    private void resize(int cap) {
      entries = Arrays.copyOf(entries, cap);
      compact = Arrays.copyOf(compact, cap * width);
      lastSeen = Arrays.copyOf(lastSeen, cap);
    }
  }

  Swarm(HashKey hash, int indexHash) {
    this.keyA = hash.a();
    this.keyB = hash.b();
    this.keyC = hash.c();
    this.indexHash = indexHash;
  }

  /** The info hash. */
  HashKey hash() {
    return HashKey.of(keyA, keyB, keyC);
  }

  int size() {
    return size;
  }

  int leechers() {
    return size - seeders;
  }

  /** The peer at that address and port, whose {@link PeerEntry#hash} is {@code h}. */
  PeerEntry get(long hi, long lo, int port, int h) {
    PeerEntry[] t = table;
    int[] hs = hashes;
    int mask = t.length - 1;
    for (int i = h & mask; ; i = (i + 1) & mask) {
      PeerEntry e = t[i];
      if (e == null) {
        return null;
      }
      if (hs[i] == h && e.is(hi, lo, port)) {
        return e;
      }
    }
  }

  private void insert(PeerEntry e) {
    if ((size + 1) * 2 > table.length) {
      rehash(table.length * 2);
    }
    place(table, hashes, e);
    size++;
  }

  private static void place(PeerEntry[] t, int[] hs, PeerEntry e) {
    int mask = t.length - 1;
    int i = e.hash & mask;
    while (t[i] != null) {
      i = (i + 1) & mask;
    }
    t[i] = e;
    hs[i] = e.hash;
  }

  private void delete(PeerEntry e) {
    PeerEntry[] t = table;
    int[] hs = hashes;
    int mask = t.length - 1;
    int i = e.hash & mask;
    while (t[i] != e) {
      if (t[i] == null) {
        throw new IllegalStateException("peer not in its swarm's table");
      }
      i = (i + 1) & mask;
    }
    // backward shift: move up each later entry of the run whose home slot is not in (i, j]
    int j = i;
    while (true) {
      j = (j + 1) & mask;
      PeerEntry x = t[j];
      if (x == null) {
        break;
      }
      if (!staysInRun(i, j, hs[j] & mask)) {
        t[i] = x;
        hs[i] = hs[j];
        i = j;
      }
    }
    t[i] = null;
    size--;
    if (table.length > MIN_TABLE && size * 8 < table.length) { // a crowd left: give memory back
      rehash(table.length / 2);
    }
  }

  /**
   * For backward-shift deletion in a linear-probing table: whether the entry at slot {@code j},
   * whose home slot is {@code home}, stays put when slot {@code i} before it is emptied, that is
   * whether {@code home} lies cyclically in {@code (i, j]}.
   */
  static boolean staysInRun(int i, int j, int home) {
    return i <= j ? (i < home && home <= j) : (i < home || home <= j);
  }

  private void rehash(int capacity) {
    PeerEntry[] t = new PeerEntry[capacity];
    int[] hs = new int[capacity];
    for (PeerEntry e : table) {
      if (e != null) {
        place(t, hs, e);
      }
    }
    table = t;
    hashes = hs;
  }

  /** Adds a new peer, heard from at {@code nowNanos}. */
  void add(PeerEntry e, long nowNanos) {
    insert(e);
    (e.isIpv6() ? v6 : v4).add(e, nowNanos);
    if (e.seeder) {
      seeders++;
    }
  }

  /** Records that {@code e} announced at {@code nowNanos}. */
  void touch(PeerEntry e, long nowNanos) {
    (e.isIpv6() ? v6 : v4).lastSeen[e.index] = nowNanos;
  }

  void setSeeder(PeerEntry e, boolean seeder) {
    if (e.seeder != seeder) {
      e.seeder = seeder;
      seeders += seeder ? 1 : -1;
    }
  }

  void remove(PeerEntry e) {
    delete(e);
    (e.isIpv6() ? v6 : v4).remove(e);
    if (e.seeder) {
      seeders--;
    }
  }

  /**
   * A peer to evict: of {@value #EVICTION_PROBES} picked at random, the one heard from least
   * recently; null if the swarm is empty.
   */
  PeerEntry evictionCandidate(Rng rng) {
    int total = v4.n + v6.n;
    if (total == 0) {
      return null;
    }
    PeerEntry best = null;
    long bestSeen = 0;
    for (int i = 0; i < EVICTION_PROBES; i++) {
      int r = rng.nextInt(total);
      Family f = r < v4.n ? v4 : v6;
      int idx = r < v4.n ? r : r - v4.n;
      if (best == null || f.lastSeen[idx] - bestSeen < 0) {
        best = f.entries[idx];
        bestSeen = f.lastSeen[idx];
      }
    }
    return best;
  }

  /** Removes every peer last heard from before {@code cutoffNanos}; returns how many. */
  int sweep(long cutoffNanos) {
    return sweep(v4, cutoffNanos) + sweep(v6, cutoffNanos);
  }

  private int sweep(Family f, long cutoffNanos) {
    int removed = 0;
    for (int i = f.n - 1; i >= 0; i--) { // backwards: swap-removal only moves checked entries
      if (f.lastSeen[i] - cutoffNanos < 0) {
        remove(f.entries[i]);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Copies up to {@code want} live peers (heard from at or after {@code cutoffNanos}) of one
   * family, other than {@code self}, into {@code out}; returns how many. When there are more than
   * wanted, the sample is the run of the family's array that starts at a random live peer other
   * than {@code self} (wrapping at the end), stepping over {@code self} and stale peers: with the
   * start uniform over the eligible peers, each is in exactly {@code want} of the possible runs,
   * so every peer is equally likely to be picked, none twice; the run is copied a stretch at a
   * time, so a sample reads O(want) consecutive bytes. (A strided sample over the whole array,
   * tried first, cost 11% more CPU per announce at 200 peers a swarm: it touched every cache line
   * of the arrays.) Consecutive peers are those that first announced at about the same time, so
   * one reply's peers are correlated; each announce starts elsewhere, as a client announcing
   * again needs.
   */
  int sample(boolean ipv6, PeerEntry self, int want, long cutoffNanos, PeerSample out,
      Rng rng) {
    Family f = ipv6 ? v6 : v4;
    int n = f.n;
    int skip = self != null && self.isIpv6() == ipv6 && self.index >= 0 ? self.index : -1;
    if (want <= 0 || n == 0 || (n == 1 && skip == 0)) {
      return 0;
    }
    byte[] dst = ipv6 ? out.v6 : out.v4;
    int w = f.width;
    int base = ipv6 ? out.count6 : out.count4;
    int entryBase = out.count();
    byte[] src = f.compact;
    long[] seen = f.lastSeen;
    int idx = 0;
    if (n - (skip >= 0 ? 1 : 0) > want) {
      // start at a live peer other than self: a start on a skipped slot would give the peer
      // after it one more chance per skipped slot (2x at numwant 1 for the peer after self)
      idx = rng.nextInt(n);
      for (int tries = 1; tries < START_TRIES && (idx == skip || seen[idx] - cutoffNanos < 0);
          tries++) {
        idx = rng.nextInt(n);
      }
    }
    int k = 0;
    int scanned = 0;
    while (k < want && scanned < n) {
      int run = Math.min(Math.min(n - idx, want - k), n - scanned);
      int j = 0;
      while (j < run && idx + j != skip && seen[idx + j] - cutoffNanos >= 0) {
        j++;
      }
      if (j > 0) {
        System.arraycopy(src, idx * w, dst, (base + k) * w, j * w);
        if (out.wantEntries) {
          System.arraycopy(f.entries, idx, out.entries, entryBase + k, j);
        }
        k += j;
      }
      idx += j;
      scanned += j;
      if (j < run) { // self or a stale peer: step over it
        idx++;
        scanned++;
      }
      if (idx >= n) {
        idx -= n;
      }
    }
    if (ipv6) {
      out.count6 += k;
    } else {
      out.count4 += k;
    }
    return k;
  }
}
