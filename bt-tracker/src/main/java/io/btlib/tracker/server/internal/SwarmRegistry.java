package io.btlib.tracker.server.internal;

import java.security.SecureRandom;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The tracker's state: swarms keyed by info hash, peers keyed by address and port, all in memory
 * and bounded. Thread-safe: one lock guards everything. The work done under it is two hash
 * lookups and copying at most numwant packed entries, so server threads hardly contend, and one
 * lock keeps the global peer count exact.
 *
 * <p>Bounds: at most {@code maxSwarms} swarms, {@code maxPeersPerSwarm} peers a swarm and {@code
 * maxPeers} peers in all. At a cap the victim is chosen by approximate LRU (the least recently
 * heard from of {@value Swarm#EVICTION_PROBES} picked at random): a new swarm evicts a swarm, a
 * new peer evicts a peer of its own swarm (swarm cap) or of an idle swarm (global cap). A peer
 * expires {@code peerTtlNanos} after its last announce: it is no longer handed out at once, and
 * {@link #sweep(long)} removes it (and swarms left empty), which the server runs periodically.
 * Counts (seeders, leechers) include expired peers until that sweep.
 *
 * <p>A swarm's {@code downloaded} counts each peer at most once: on a {@code completed} event, or
 * when a peer known as a leecher announces {@code left=0}, even with {@code stopped}. The second
 * rule catches clients that skip {@code completed} when they stop right after finishing (aria2
 * with {@code --seed-time=0} sends only {@code stopped}, with {@code left=0}).
 */
public final class SwarmRegistry {
  /** Event codes, numbered as in BEP 15. */
  public static final int EVENT_NONE = 0;
  /** A download finished: counted once per peer in the swarm's {@code downloaded}. */
  public static final int EVENT_COMPLETED = 1;
  /** The first announce of a peer. */
  public static final int EVENT_STARTED = 2;
  /** The peer leaves: it is removed and gets no peers back. */
  public static final int EVENT_STOPPED = 3;

  /** What {@link #announce} returns for an info hash that is not on the allow-list. */
  public static final int NOT_ALLOWED = -1;

  /** The bounds and defaults of a registry; validated by the public builder. */
  public record Limits(int maxSwarms, int maxPeersPerSwarm, int maxPeers, int defaultNumwant,
      int maxNumwant, long peerTtlNanos) {}

  private final Object lock = new Object();
  /**
   * The swarms by info hash: open addressing (linear probing, at most half full, backward-shift
   * deletion) over {@link Swarm#indexHash}, a hash of the whole key under {@link #indexSeed}
   * (clients choose info hashes, so they must not be able to aim at one run of slots), with each
   * key's first 8 bytes in {@link #slotKeys} beside it. A lookup reads the two arrays and the one
   * swarm that matches; a {@code HashMap} read a node and a key object besides, each a cache
   * miss under load.
   */
  private Swarm[] slots = new Swarm[MIN_SLOTS];
  private long[] slotKeys = new long[MIN_SLOTS];
  private static final int MIN_SLOTS = 32;
  /** The swarms, dense (in no order), for random eviction probes and sweeps. */
  private Swarm[] swarmList = new Swarm[16];
  private int swarmCount;
  private final Set<HashKey> allowed;
  private final Limits limits;
  /** The secret of the peer tables' hashes (see {@link PeerHash#hash}). */
  private final long seed;
  /** The secret of the swarm index's hash, distinct from the peer tables'. */
  private final long indexSeed;
  private int totalPeers;

  /**
   * @param allowed the only info hashes served, or null to serve any; not copied, must not change
   */
  public SwarmRegistry(Limits limits, Set<HashKey> allowed) {
    this.limits = limits;
    this.allowed = allowed;
    SecureRandom random = new SecureRandom();
    this.seed = random.nextLong();
    this.indexSeed = random.nextLong();
  }

  /** The limits this registry enforces. */
  public Limits limits() {
    return limits;
  }

  /** Whether {@code hash} may be announced or scraped. */
  public boolean isAllowed(HashKey hash) {
    return allowed == null || allowed.contains(hash);
  }

  /** The numwant to apply to a request: negative means "default", and the cap always applies. */
  public int numwant(long requested) {
    if (requested < 0) {
      return Math.min(limits.defaultNumwant(), limits.maxNumwant());
    }
    return (int) Math.min(requested, limits.maxNumwant());
  }

  /**
   * Records an announce and samples peers for the reply.
   *
   * @param ip the peer's address, 4 or 16 bytes; copied
   * @param peerId the peer id, or null to keep the one known; kept only in a swarm that has been
   *     asked for a dictionary reply ({@code out.wantPeerIds}), the only use of peer ids
   * @param numwant peers wanted, already capped by {@link #numwant(long)}
   * @param bothFamilies false to return only peers of the announcing peer's address family (UDP),
   *     true to add the other family after it (HTTP, which has {@code peers} and {@code peers6})
   * @param rng the calling thread's generator, for sampling and eviction
   * @param out receives the peers and the swarm's counts after this announce; its {@code
   *     wantEntries} is the caller's to set
   * @return how many peers were sampled, or {@link #NOT_ALLOWED} (then nothing is recorded);
   *     the allow-list is consulted only for a swarm not yet known, since one that is known was
   *     allowed when it was made, and the list never changes
   */
  public int announce(HashKey hash, byte[] ip, int port, HashKey peerId, boolean seeder, int event,
      int numwant, boolean bothFamilies, long nowNanos, Rng rng, PeerSample out) {
    long hi = PeerHash.hi(ip);
    long lo = PeerHash.lo(ip);
    boolean v6 = ip.length == 16;
    int h = PeerHash.hash(hi, lo, port, seed);
    out.count4 = 0;
    out.count6 = 0;
    synchronized (lock) {
      Swarm swarm = find(hash);
      if (swarm == null && !isAllowed(hash)) {
        return NOT_ALLOWED;
      }
      if (event == EVENT_STOPPED) {
        if (swarm != null) {
          int e = swarm.find(v6, hi, lo, port, h);
          if (e >= 0) {
            if (seeder && !swarm.isSeeder(e)) {
              countDownload(swarm, e); // finished and left at once (aria2 with --seed-time=0)
            }
            swarm.remove(e);
            totalPeers--;
          }
          out.seeders = swarm.seeders;
          out.leechers = swarm.leechers();
        } else {
          out.seeders = 0;
          out.leechers = 0;
        }
        return 0;
      }
      if (swarm == null) {
        if (swarmCount >= limits.maxSwarms()) {
          removeSwarm(oldestSwarm(rng, false));
        }
        swarm = addSwarm(hash);
      }
      swarm.lastAnnounceNanos = nowNanos;
      if (out.wantPeerIds) {
        swarm.keepPeerIds();
      }
      int self = swarm.find(v6, hi, lo, port, h);
      if (self < 0) {
        if (swarm.size() >= limits.maxPeersPerSwarm()) {
          swarm.remove(swarm.evictionCandidate(rng));
          totalPeers--;
        } else if (totalPeers >= limits.maxPeers()) {
          evictOneGlobally(swarm, rng);
        }
        self = swarm.add(ip, port, h, peerId, seeder, nowNanos);
        totalPeers++;
      } else {
        swarm.peerId(self, peerId);
        if (seeder && !swarm.isSeeder(self)) {
          countDownload(swarm, self);
        }
        swarm.setSeeder(self, seeder);
        swarm.touch(self, nowNanos);
      }
      if (event == EVENT_COMPLETED) {
        countDownload(swarm, self);
      }
      out.seeders = swarm.seeders;
      out.leechers = swarm.leechers();
      long cutoff = nowNanos - limits.peerTtlNanos();
      int n = swarm.sample(v6, self, numwant, cutoff, out, rng);
      if (bothFamilies && n < numwant) {
        n += swarm.sample(!v6, self, numwant - n, cutoff, out, rng);
      }
      return n;
    }
  }

  private static void countDownload(Swarm swarm, int peer) {
    if (swarm.markCounted(peer) && swarm.downloaded < Integer.MAX_VALUE) {
      swarm.downloaded++;
    }
  }

  private int indexHash(HashKey k) {
    long h = PeerHash.mix(indexSeed ^ k.a());
    h = PeerHash.mix(h ^ k.b());
    h = PeerHash.mix(h ^ k.c());
    return (int) (h ^ (h >>> 32));
  }

  private Swarm find(HashKey k) {
    Swarm[] t = slots;
    long[] keys = slotKeys;
    int mask = t.length - 1;
    long a = k.a();
    for (int i = indexHash(k) & mask; ; i = (i + 1) & mask) {
      Swarm s = t[i];
      if (s == null) {
        return null;
      }
      if (keys[i] == a && s.keyB == k.b() && s.keyC == k.c()) {
        return s;
      }
    }
  }

  private static void place(Swarm[] t, long[] keys, Swarm s) {
    int mask = t.length - 1;
    int i = s.indexHash & mask;
    while (t[i] != null) {
      i = (i + 1) & mask;
    }
    t[i] = s;
    keys[i] = s.keyA;
  }

  private void resizeSlots(int capacity) {
    Swarm[] t = new Swarm[capacity];
    long[] keys = new long[capacity];
    for (int i = 0; i < swarmCount; i++) {
      place(t, keys, swarmList[i]);
    }
    slots = t;
    slotKeys = keys;
  }

  private void unlink(Swarm s) {
    Swarm[] t = slots;
    long[] keys = slotKeys;
    int mask = t.length - 1;
    int i = s.indexHash & mask;
    while (t[i] != s) {
      if (t[i] == null) {
        throw new IllegalStateException("swarm not in the index");
      }
      i = (i + 1) & mask;
    }
    int j = i;
    while (true) { // backward shift, as in Swarm's peer table
      j = (j + 1) & mask;
      Swarm x = t[j];
      if (x == null) {
        break;
      }
      if (!Swarm.staysInRun(i, j, x.indexHash & mask)) {
        t[i] = x;
        keys[i] = keys[j];
        i = j;
      }
    }
    t[i] = null;
  }

  private Swarm addSwarm(HashKey hash) {
    Swarm s = new Swarm(hash, indexHash(hash), seed);
    int n = swarmCount;
    if (n == swarmList.length) {
      swarmList = Arrays.copyOf(swarmList, n * 2);
    }
    s.index = n;
    swarmList[n] = s;
    swarmCount = n + 1;
    if (swarmCount * 2 > slots.length) {
      resizeSlots(slots.length * 2);
    } else {
      place(slots, slotKeys, s);
    }
    return s;
  }

  private void removeSwarm(Swarm s) {
    unlink(s);
    int last = --swarmCount; // the count after removal is the last index
    Swarm moved = swarmList[last];
    swarmList[s.index] = moved;
    moved.index = s.index;
    swarmList[last] = null;
    totalPeers -= s.size();
    if (slots.length > MIN_SLOTS && swarmCount * 8 < slots.length) { // give memory back
      resizeSlots(slots.length / 2);
    }
  }

  /**
   * Of {@value Swarm#EVICTION_PROBES} swarms picked at random (with peers, if {@code withPeers}),
   * the one announced to least recently; null if none qualifies.
   */
  private Swarm oldestSwarm(Rng rng, boolean withPeers) {
    int n = swarmCount;
    Swarm best = null;
    for (int i = 0; i < Swarm.EVICTION_PROBES * (withPeers ? 4 : 1); i++) {
      Swarm s = swarmList[rng.nextInt(n)];
      if (withPeers && s.size() == 0) {
        continue;
      }
      if (best == null || s.lastAnnounceNanos - best.lastAnnounceNanos < 0) {
        best = s;
      }
      if (withPeers && i >= Swarm.EVICTION_PROBES && best != null) {
        break;
      }
    }
    return best;
  }

  /** Frees one peer slot, from an idle swarm (approximate LRU), else from {@code current}. */
  private void evictOneGlobally(Swarm current, Rng rng) {
    Swarm victim = oldestSwarm(rng, true);
    if (victim == null) {
      victim = current.size() > 0 ? current : null;
    }
    if (victim == null) {
      return; // every probe found an empty swarm: the cap is exceeded by one until the sweep
    }
    victim.remove(victim.evictionCandidate(rng));
    totalPeers--;
    if (victim.size() == 0 && victim != current) {
      removeSwarm(victim);
    }
  }

  /**
   * Writes the scrape figures of {@code hash} into {@code out}: seeders [0], completed [1],
   * leechers [2] (the order of a BEP 15 scrape reply); zeros for an unknown hash. Does not create
   * a swarm.
   */
  public void scrape(HashKey hash, int[] out) {
    synchronized (lock) {
      Swarm s = find(hash);
      out[0] = s == null ? 0 : s.seeders;
      out[1] = s == null ? 0 : s.downloaded;
      out[2] = s == null ? 0 : s.leechers();
    }
  }

  /**
   * Removes expired peers from every swarm, and swarms left empty. Takes the lock for one slice
   * of swarms at a time, about {@value #SWEEP_SLICE} peers' worth (well under a millisecond), so
   * announces never wait long for a sweep whatever the number of swarms; run it every minute or
   * so, not per request. Swarms are visited from the end of the dense array: a removal, or an
   * eviction between slices, moves the last swarm to a lower index, so a swarm never moves from
   * the part not yet visited into the part visited, and each swarm present throughout is visited.
   *
   * @return how many peers were removed
   */
  public int sweep(long nowNanos) {
    long cutoff = nowNanos - limits.peerTtlNanos();
    int removed = 0;
    int i = Integer.MAX_VALUE;
    while (i > 0) {
      synchronized (lock) {
        i = Math.min(i, swarmCount);
        int budget = SWEEP_SLICE;
        while (i > 0 && budget > 0) {
          Swarm s = swarmList[--i];
          budget -= s.size() + SWEEP_SWARM_COST;
          int n = s.sweep(cutoff);
          totalPeers -= n;
          removed += n;
          if (s.size() == 0) {
            removeSwarm(s);
          }
        }
      }
      // the lock is not fair: without this the sweeping thread takes it straight back, and an
      // announce waiting for it could wait for many slices
      Thread.yield();
    }
    return removed;
  }

  /** The work of one slice of a sweep, in peers examined. */
  static final int SWEEP_SLICE = 16_384;
  /** A swarm's cost in a sweep slice beyond its peers (reading the swarm and its arrays). */
  private static final int SWEEP_SWARM_COST = 8;

  /** The number of swarms. */
  public int swarmCount() {
    synchronized (lock) {
      return swarmCount;
    }
  }

  /** The swarm index's slot count (for tests: it grows at half full and shrinks at 1/8). */
  int indexCapacity() {
    synchronized (lock) {
      return slots.length;
    }
  }

  /**
   * The storage the registry holds, in slots: the swarm index, the dense swarm array, and every
   * swarm's peer arrays and table (for tests: under churn it must stay proportional to the
   * population, not grow with the peers and swarms that came and went).
   */
  long storageSlots() {
    synchronized (lock) {
      long n = slots.length + swarmList.length;
      for (int i = 0; i < swarmCount; i++) {
        n += swarmList[i].arrayCapacity() + swarmList[i].tableCapacity();
      }
      return n;
    }
  }

  /** The number of peers in all swarms. */
  public int peerCount() {
    synchronized (lock) {
      return totalPeers;
    }
  }

  /** Seeders, completed, leechers of every swarm (for tests and statistics); a snapshot. */
  public Map<HashKey, int[]> snapshot() {
    synchronized (lock) {
      Map<HashKey, int[]> out = new LinkedHashMap<>();
      for (int i = 0; i < swarmCount; i++) {
        Swarm s = swarmList[i];
        out.put(s.hash(), new int[] {s.seeders, s.downloaded, s.leechers()});
      }
      return out;
    }
  }
}
