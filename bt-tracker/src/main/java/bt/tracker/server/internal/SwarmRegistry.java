package bt.tracker.server.internal;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * The tracker's state: swarms keyed by info hash, peers keyed by address and port, all in memory
 * and bounded. Thread-safe: one lock guards everything. The work done under it is a couple of hash
 * lookups and copying at most numwant references, so two server threads hardly contend, and one
 * lock keeps the swarm order (for eviction) and the global peer count exact.
 *
 * <p>Bounds: at most {@code maxSwarms} swarms (a new one evicts the swarm announced to least
 * recently), {@code maxPeersPerSwarm} peers per swarm (a new one evicts the swarm's oldest peer)
 * and {@code maxPeers} peers in all (a new one evicts the oldest peer of the least recently used
 * swarm). A peer expires {@code peerTtlNanos} after its last announce: lazily when its swarm is
 * announced to, and by {@link #sweep(long)} for swarms nobody announces to any more.
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

  /** The bounds and defaults of a registry; validated by the public builder. */
  public record Limits(int maxSwarms, int maxPeersPerSwarm, int maxPeers, int defaultNumwant,
      int maxNumwant, long peerTtlNanos) {}

  private final Object lock = new Object();
  private final LinkedHashMap<HashKey, Swarm> swarms = new LinkedHashMap<>(64, 0.75f, true);
  private final Set<HashKey> allowed;
  private final Limits limits;
  private int totalPeers;

  /**
   * @param allowed the only info hashes served, or null to serve any; not copied, must not change
   */
  public SwarmRegistry(Limits limits, Set<HashKey> allowed) {
    this.limits = limits;
    this.allowed = allowed;
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
   * @param ip the peer's address, 4 or 16 bytes; kept (the caller must not reuse it)
   * @param peerId 20 bytes or null; kept
   * @param numwant peers wanted, already capped by {@link #numwant(long)}
   * @param bothFamilies false to return only peers of the announcing peer's address family (UDP),
   *     true to add the other family after it (HTTP, which has {@code peers} and {@code peers6})
   * @param out receives the peers and the swarm's counts after this announce; its {@code
   *     wantEntries} is the caller's to set
   * @return how many peers were sampled
   */
  public int announce(HashKey hash, byte[] ip, int port, byte[] peerId, boolean seeder, int event,
      int numwant, boolean bothFamilies, long nowNanos, Rng rng, PeerSample out) {
    PeerKey key = PeerKey.of(ip, port);
    out.count4 = 0;
    out.count6 = 0;
    synchronized (lock) {
      Swarm swarm = swarms.get(hash);
      if (swarm != null) {
        totalPeers -= swarm.expire(nowNanos - limits.peerTtlNanos());
      }
      if (event == EVENT_STOPPED) {
        if (swarm != null) {
          PeerEntry e = swarm.get(key);
          if (e != null) {
            if (seeder && !e.seeder) {
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
        if (swarms.size() >= limits.maxSwarms()) {
          evictOldestSwarm();
        }
        swarm = new Swarm(hash);
        swarms.put(hash, swarm);
      }
      PeerEntry self = swarm.get(key);
      if (self == null) {
        if (swarm.size() >= limits.maxPeersPerSwarm()) {
          swarm.remove(swarm.oldest());
          totalPeers--;
        } else if (totalPeers >= limits.maxPeers()) {
          evictOneGlobally(swarm);
        }
        self = new PeerEntry(key, ip, port, peerId);
        self.seeder = seeder;
        self.lastSeenNanos = nowNanos;
        swarm.add(self);
        totalPeers++;
      } else {
        self.peerId(peerId);
        self.lastSeenNanos = nowNanos;
        if (seeder && !self.seeder) {
          countDownload(swarm, self);
        }
        swarm.setSeeder(self, seeder); // get() above already moved it to the end
      }
      if (event == EVENT_COMPLETED) {
        countDownload(swarm, self);
      }
      out.seeders = swarm.seeders;
      out.leechers = swarm.leechers();
      boolean v6 = self.isIpv6();
      int n = swarm.sample(v6, self, numwant, out, rng);
      if (bothFamilies && n < numwant) {
        n += swarm.sample(!v6, self, numwant - n, out, rng);
      }
      return n;
    }
  }

  private static void countDownload(Swarm swarm, PeerEntry e) {
    if (!e.completedCounted) {
      e.completedCounted = true;
      if (swarm.downloaded < Integer.MAX_VALUE) {
        swarm.downloaded++;
      }
    }
  }

  private void evictOldestSwarm() {
    Iterator<Swarm> it = swarms.values().iterator();
    Swarm victim = it.next();
    it.remove();
    totalPeers -= victim.size();
  }

  /** Frees one peer slot, from the least recently used swarm that has a peer. */
  private void evictOneGlobally(Swarm current) {
    Iterator<Swarm> it = swarms.values().iterator();
    while (it.hasNext()) {
      Swarm s = it.next();
      PeerEntry oldest = s.oldest();
      if (oldest != null) {
        s.remove(oldest);
        totalPeers--;
        if (s.size() == 0 && s != current) {
          it.remove();
        }
        return;
      }
      if (s != current) {
        it.remove(); // an empty swarm on the way: drop it too
      }
    }
  }

  /**
   * Writes the scrape figures of {@code hash} into {@code out}: seeders [0], completed [1],
   * leechers [2] (the order of a BEP 15 scrape reply); zeros for an unknown hash. Does not create
   * a swarm and does not expire peers.
   */
  public void scrape(HashKey hash, int[] out) {
    synchronized (lock) {
      Swarm s = swarms.get(hash);
      out[0] = s == null ? 0 : s.seeders;
      out[1] = s == null ? 0 : s.downloaded;
      out[2] = s == null ? 0 : s.leechers();
    }
  }

  /**
   * Removes expired peers from every swarm, and swarms left empty. Holds the lock for one pass
   * over the swarms; a swarm with nothing to expire costs one comparison (its oldest peer is
   * first), so even 10^5 swarms take a few milliseconds.
   *
   * @return how many peers were removed
   */
  public int sweep(long nowNanos) {
    int removed = 0;
    synchronized (lock) {
      Iterator<Swarm> it = swarms.values().iterator(); // iterating leaves the access order alone
      while (it.hasNext()) {
        Swarm s = it.next();
        int n = s.expire(nowNanos - limits.peerTtlNanos());
        totalPeers -= n;
        removed += n;
        if (s.size() == 0) {
          it.remove();
        }
      }
    }
    return removed;
  }

  /** The number of swarms. */
  public int swarmCount() {
    synchronized (lock) {
      return swarms.size();
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
      for (Swarm s : swarms.values()) {
        out.put(s.hash, new int[] {s.seeders, s.downloaded, s.leechers()});
      }
      return out;
    }
  }
}
