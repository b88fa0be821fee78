package io.btlib.tracker.server.internal;

import java.util.Arrays;

/**
 * The peers of one torrent. Not thread-safe: {@link SwarmRegistry} guards it with its lock.
 *
 * <p>Layout: no object per peer. Each address family has dense parallel arrays, filled in
 * announce order and kept dense by swap-removal: the compact forms packed back to back (6 or 18
 * bytes a peer: address and port, which are also the peer's key), a {@code long} a peer holding
 * the last-announce time shifted left by {@value #FLAG_BITS} with the peer's flags in the low bits
 * (seeder, download counted, peer id known), and, only once the swarm has been asked for a
 * dictionary reply, the 20-byte peer ids (see {@link #keepPeerIds}). A peer is named by a
 * <em>ref</em>: its index in its family's arrays, with {@link #V6} set for IPv6. That is 14 bytes
 * an IPv4 peer (34 with its id), where a record object per peer (before issue 18) cost about 220
 * with its table slots and arrays: the record, its address and peer id arrays, references to it.
 *
 * <p>Lookup by address and port: a swarm of at most {@value #SCAN_MAX} peers (most swarms of a
 * public tracker) scans its packed addresses, one or two cache lines; a larger one keeps an
 * open-addressing table of refs (linear probing, at most half full, backward-shift deletion)
 * whose probes compare the packed key directly, hashed under the registry's secret seed (peers
 * choose their ports, so they must not be able to aim at one run of slots). The table is
 * dropped again when the swarm shrinks to half that size.
 *
 * <p>A sample of numwant peers reads one small array, O(numwant), and a re-announce writes a
 * {@code long} and nothing else: no reference is stored into these long-lived objects, which
 * matters because each such store costs the garbage collector (G1's remembered-set refinement
 * took a quarter of the CPU of an earlier, linked-list design).
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
  /** The most peers a lookup scans; a larger swarm has a hash table. */
  static final int SCAN_MAX = 16;
  private static final int MIN_TABLE = 64;
  /** The bit of a ref that says IPv6. */
  static final int V6 = 1 << 30;
  /** Flags in the low bits of a peer's time word. */
  static final int SEEDER = 1;
  static final int COUNTED = 2;
  static final int HAS_ID = 4;
  static final int FLAG_BITS = 3;
  private static final int FLAG_MASK = (1 << FLAG_BITS) - 1;
  private static final int ID = HashKey.LENGTH;
  private static final byte[] NO_BYTES = new byte[0];
  private static final long[] NO_LONGS = new long[0];

  /** The info hash, in the three parts of a {@link HashKey}, held here so a lookup reads them. */
  final long keyA;
  final long keyB;
  final int keyC;
  /** The key's hash in the registry's index (see {@link SwarmRegistry}). */
  final int indexHash;
  /** The secret of the peer table's hash; the registry's, shared by all its swarms. */
  private final long seed;
  /** Refs + 1 (0 is an empty slot), or null while the swarm has at most SCAN_MAX peers. */
  private int[] table;
  private int size;
  private final Family v4 = new Family(6);
  private Family v6;
  int seeders;
  int downloaded;
  long lastAnnounceNanos;
  /** Position in the registry's dense array of swarms. */
  int index;

  /** The peers of one address family, in dense parallel arrays with swap-removal. */
  static final class Family {
    final int width;
    final int ipLength;
    byte[] compact = NO_BYTES;
    long[] seen = NO_LONGS;
    /** The peer ids, or null until the swarm is asked for a dictionary reply. */
    byte[] ids;
    int n;

    Family(int width) {
      this.width = width;
      this.ipLength = width - 2;
    }

    int capacity() {
      return seen.length;
    }

    void resize(int cap) {
      compact = Arrays.copyOf(compact, cap * width);
      seen = Arrays.copyOf(seen, cap);
      if (ids != null) {
        ids = Arrays.copyOf(ids, cap * ID);
      }
    }

    /** Whether peer {@code i} has this address (as {@link PeerHash#hi}/{@link PeerHash#lo}). */
    boolean is(int i, long hi, long lo, int port) {
      int o = i * width;
      byte[] c = compact;
      if (ipLength == 4) {
        if (HashKey.getInt(c, o) != (int) lo) {
          return false;
        }
      } else if (HashKey.getLong(c, o + 8) != lo || HashKey.getLong(c, o) != hi) {
        return false;
      }
      return ((c[o + ipLength] & 255) << 8 | (c[o + ipLength + 1] & 255)) == port;
    }

    int hash(int i, long seed) {
      int o = i * width;
      byte[] c = compact;
      long hi = ipLength == 4 ? 0 : HashKey.getLong(c, o);
      long lo = ipLength == 4 ? 0xFFFF_0000_0000L | (HashKey.getInt(c, o) & 0xFFFF_FFFFL)
          : HashKey.getLong(c, o + 8);
      int port = (c[o + ipLength] & 255) << 8 | (c[o + ipLength + 1] & 255);
      return PeerHash.hash(hi, lo, port, seed);
    }
  }

  Swarm(HashKey hash, int indexHash, long seed) {
    this.keyA = hash.a();
    this.keyB = hash.b();
    this.keyC = hash.c();
    this.indexHash = indexHash;
    this.seed = seed;
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

  /** Whether the swarm has a hash table (for tests: it has one above {@value #SCAN_MAX}). */
  int tableCapacity() {
    return table == null ? 0 : table.length;
  }

  /** Slots allocated in the family arrays, both families (for tests: bounded by size). */
  int arrayCapacity() {
    return v4.capacity() + (v6 == null ? 0 : v6.capacity());
  }

  Family family(int ref) {
    return (ref & V6) != 0 ? v6 : v4;
  }

  static int slot(int ref) {
    return ref & ~V6;
  }

  /**
   * The ref of the peer at that address and port, or -1; {@code h} is its {@link
   * PeerHash#hash} under this swarm's seed.
   */
  int find(boolean ipv6, long hi, long lo, int port, int h) {
    int[] t = table;
    if (t == null) {
      Family f = ipv6 ? v6 : v4;
      if (f == null) {
        return -1;
      }
      for (int i = 0, n = f.n; i < n; i++) {
        if (f.is(i, hi, lo, port)) {
          return ipv6 ? i | V6 : i;
        }
      }
      return -1;
    }
    int mask = t.length - 1;
    for (int i = h & mask; ; i = (i + 1) & mask) {
      int r = t[i] - 1;
      if (r < 0) {
        return -1;
      }
      if (((r & V6) != 0) == ipv6 && family(r).is(slot(r), hi, lo, port)) {
        return r;
      }
    }
  }

  /** Adds a new peer heard from at {@code nowNanos}; returns its ref. */
  int add(byte[] ip, int port, int h, HashKey peerId, boolean seeder, long nowNanos) {
    boolean ipv6 = ip.length == 16;
    Family f = ipv6 ? v6 : v4;
    if (f == null) {
      f = v6 = new Family(18);
      if (v4.ids != null) {
        f.ids = NO_BYTES;
      }
    }
    int i = f.n;
    if (i == f.capacity()) {
      // 2, 4, 6, 8, 12, 18, ...: little slack in the many small swarms (20% at 10 peers)
      f.resize(i < 8 ? i + 2 : i + (i >> 1));
    }
    int o = i * f.width;
    System.arraycopy(ip, 0, f.compact, o, ip.length);
    f.compact[o + ip.length] = (byte) (port >>> 8);
    f.compact[o + ip.length + 1] = (byte) port;
    int flags = seeder ? SEEDER : 0;
    if (peerId != null && f.ids != null) {
      peerId.copyTo(f.ids, i * ID);
      flags |= HAS_ID;
    }
    f.seen[i] = nowNanos << FLAG_BITS | flags;
    f.n = i + 1;
    size++;
    if (seeder) {
      seeders++;
    }
    int ref = ipv6 ? i | V6 : i;
    if (table != null) {
      if (size * 2 > table.length) {
        rehash(table.length * 2);
      } else {
        place(table, h, ref);
      }
    } else if (size > SCAN_MAX) {
      rehash(Math.max(MIN_TABLE, Integer.highestOneBit(size * 4)));
    }
    return ref;
  }

  private static void place(int[] t, int h, int ref) {
    int mask = t.length - 1;
    int i = h & mask;
    while (t[i] != 0) {
      i = (i + 1) & mask;
    }
    t[i] = ref + 1;
  }

  private void rehash(int capacity) {
    int[] t = new int[capacity];
    for (int i = 0; i < v4.n; i++) {
      place(t, v4.hash(i, seed), i);
    }
    if (v6 != null) {
      for (int i = 0; i < v6.n; i++) {
        place(t, v6.hash(i, seed), i | V6);
      }
    }
    table = t;
  }

  /** The table slot holding {@code ref}. */
  private int slotOf(int ref) {
    int[] t = table;
    int mask = t.length - 1;
    int i = family(ref).hash(slot(ref), seed) & mask;
    while (t[i] != ref + 1) {
      if (t[i] == 0) {
        throw new IllegalStateException("peer not in its swarm's table");
      }
      i = (i + 1) & mask;
    }
    return i;
  }

  private void tableDelete(int ref) {
    int[] t = table;
    int mask = t.length - 1;
    int i = slotOf(ref);
    int j = i;
    while (true) { // backward shift: move up each later entry whose home is not in (i, j]
      j = (j + 1) & mask;
      int x = t[j] - 1;
      if (x < 0) {
        break;
      }
      if (!staysInRun(i, j, family(x).hash(slot(x), seed) & mask)) {
        t[i] = t[j];
        i = j;
      }
    }
    t[i] = 0;
  }

  /**
   * For backward-shift deletion in a linear-probing table: whether the entry at slot {@code j},
   * whose home slot is {@code home}, stays put when slot {@code i} before it is emptied, that is
   * whether {@code home} lies cyclically in {@code (i, j]}.
   */
  static boolean staysInRun(int i, int j, int home) {
    return i <= j ? (i < home && home <= j) : (i < home || home <= j);
  }

  /** Removes the peer {@code ref}; the peer last in its family's arrays takes its index. */
  void remove(int ref) {
    Family f = family(ref);
    int i = slot(ref);
    int last = f.n - 1;
    if (table != null) {
      tableDelete(ref);
      if (i != last) {
        table[slotOf(ref & V6 | last)] = ref + 1; // the last peer moves to index i
      }
    }
    if ((f.seen[i] & SEEDER) != 0) {
      seeders--;
    }
    if (i != last) {
      System.arraycopy(f.compact, last * f.width, f.compact, i * f.width, f.width);
      if (f.ids != null) {
        System.arraycopy(f.ids, last * ID, f.ids, i * ID, ID);
      }
      f.seen[i] = f.seen[last];
    }
    f.n = last;
    size--;
    if (f.n < f.capacity() / 4 && f.capacity() > 8) { // a crowd left: give memory back
      f.resize(f.capacity() / 2);
    }
    if (f == v6 && f.n == 0) {
      v6 = null;
    }
    if (table != null) {
      if (size <= SCAN_MAX / 2) {
        table = null;
      } else if (table.length > MIN_TABLE && size * 8 < table.length) {
        rehash(table.length / 2);
      }
    }
  }

  /** Records that {@code ref} announced at {@code nowNanos}. */
  void touch(int ref, long nowNanos) {
    Family f = family(ref);
    int i = slot(ref);
    f.seen[i] = nowNanos << FLAG_BITS | (f.seen[i] & FLAG_MASK);
  }

  boolean isSeeder(int ref) {
    return (family(ref).seen[slot(ref)] & SEEDER) != 0;
  }

  void setSeeder(int ref, boolean seeder) {
    Family f = family(ref);
    int i = slot(ref);
    if (((f.seen[i] & SEEDER) != 0) != seeder) {
      f.seen[i] ^= SEEDER;
      seeders += seeder ? 1 : -1;
    }
  }

  /** Marks {@code ref}'s download as counted; returns false if it already was. */
  boolean markCounted(int ref) {
    Family f = family(ref);
    int i = slot(ref);
    if ((f.seen[i] & COUNTED) != 0) {
      return false;
    }
    f.seen[i] |= COUNTED;
    return true;
  }

  /**
   * From now on, keeps the peers' ids (for dictionary replies, BEP 3); until then a swarm keeps
   * none, which saves 20 of 34 bytes an IPv4 peer: UDP and compact replies carry no peer ids, and
   * clients that want dictionaries are rare. Peers heard from before have no id until they
   * announce again.
   */
  void keepPeerIds() {
    if (v4.ids == null) {
      v4.ids = new byte[v4.capacity() * ID];
      if (v6 != null) {
        v6.ids = new byte[v6.capacity() * ID];
      }
    }
  }

  /** Keeps {@code id} as {@code ref}'s peer id, unless it is null or ids are not kept. */
  void peerId(int ref, HashKey id) {
    Family f = family(ref);
    if (id != null && f.ids != null) {
      int i = slot(ref);
      id.copyTo(f.ids, i * ID);
      f.seen[i] |= HAS_ID;
    }
  }

  /**
   * A peer to evict: of {@value #EVICTION_PROBES} picked at random, the one heard from least
   * recently; -1 if the swarm is empty.
   */
  int evictionCandidate(Rng rng) {
    int n4 = v4.n;
    int total = n4 + (v6 == null ? 0 : v6.n);
    if (total == 0) {
      return -1;
    }
    int best = -1;
    long bestSeen = 0;
    for (int i = 0; i < EVICTION_PROBES; i++) {
      int r = rng.nextInt(total);
      int ref = r < n4 ? r : (r - n4) | V6;
      long seen = family(ref).seen[slot(ref)];
      if (best < 0 || seen - bestSeen < 0) {
        best = ref;
        bestSeen = seen;
      }
    }
    return best;
  }

  /** Removes every peer last heard from before {@code cutoffNanos}; returns how many. */
  int sweep(long cutoffNanos) {
    long cut = cutoffNanos << FLAG_BITS;
    int removed = 0;
    for (int i = v4.n - 1; i >= 0; i--) { // backwards: swap-removal only moves checked entries
      if (v4.seen[i] - cut < 0) {
        remove(i);
        removed++;
      }
    }
    for (int i = v6 == null ? -1 : v6.n - 1; i >= 0; i--) {
      if (v6.seen[i] - cut < 0) {
        remove(i | V6);
        removed++;
      }
    }
    return removed;
  }

  /**
   * Copies up to {@code want} live peers (heard from at or after {@code cutoffNanos}) of one
   * family, other than {@code self} (a ref, or -1), into {@code out}; returns how many. When
   * there are more than wanted, the sample is the run of the family's array that starts at a
   * random live peer other than {@code self} (wrapping at the end), stepping over {@code self}
   * and stale peers: with the start uniform over the eligible peers, each is in exactly {@code
   * want} of the possible runs, so every peer is equally likely to be picked, none twice; the run
   * is copied a stretch at a time, so a sample reads O(want) consecutive bytes. (A strided sample
   * over the whole array, tried first, cost 11% more CPU per announce at 200 peers a swarm: it
   * touched every cache line of the arrays.) Consecutive peers are those that first announced at
   * about the same time, so one reply's peers are correlated; each announce starts elsewhere, as
   * a client announcing again needs.
   */
  int sample(boolean ipv6, int self, int want, long cutoffNanos, PeerSample out, Rng rng) {
    Family f = ipv6 ? v6 : v4;
    if (f == null) {
      return 0;
    }
    int n = f.n;
    int skip = self >= 0 && ((self & V6) != 0) == ipv6 ? slot(self) : -1;
    if (want <= 0 || n == 0 || (n == 1 && skip == 0)) {
      return 0;
    }
    byte[] dst = ipv6 ? out.v6 : out.v4;
    int w = f.width;
    int base = ipv6 ? out.count6 : out.count4;
    byte[] src = f.compact;
    long[] seen = f.seen;
    long cut = cutoffNanos << FLAG_BITS;
    int idx = 0;
    if (n - (skip >= 0 ? 1 : 0) > want) {
      // start at a live peer other than self: a start on a skipped slot would give the peer
      // after it one more chance per skipped slot (2x at numwant 1 for the peer after self)
      idx = rng.nextInt(n);
      for (int tries = 1; tries < START_TRIES && (idx == skip || seen[idx] - cut < 0);
          tries++) {
        idx = rng.nextInt(n);
      }
    }
    int k = 0;
    int scanned = 0;
    while (k < want && scanned < n) {
      int run = Math.min(Math.min(n - idx, want - k), n - scanned);
      int j = 0;
      while (j < run && idx + j != skip && seen[idx + j] - cut >= 0) {
        j++;
      }
      if (j > 0) {
        System.arraycopy(src, idx * w, dst, (base + k) * w, j * w);
        if (out.wantPeerIds) {
          byte[] ids = ipv6 ? out.ids6 : out.ids4;
          boolean[] known = ipv6 ? out.idKnown6 : out.idKnown4;
          if (f.ids != null) {
            System.arraycopy(f.ids, idx * ID, ids, (base + k) * ID, j * ID);
          }
          for (int q = 0; q < j; q++) {
            known[base + k + q] = (seen[idx + q] & HAS_ID) != 0;
          }
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
