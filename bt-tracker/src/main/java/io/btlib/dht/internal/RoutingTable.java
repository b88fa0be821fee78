package io.btlib.dht.internal;

import io.btlib.dht.NodeId;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;

/**
 * A Kademlia routing table of k-buckets (BEP 5, k = {@link #K}), split libtorrent-style: bucket
 * {@code i} holds nodes whose ids share exactly {@code i} leading bits with ours, and the last
 * bucket holds all nodes sharing at least as many; only the last bucket (the one containing our own
 * id) splits when full.
 *
 * <p>Node states follow BEP 5: <b>good</b> if it answered one of our queries within the last 15
 * minutes (or answered once and has queried us within 15 minutes) and has not failed since;
 * <b>bad</b> after {@link #BAD_FAILURES} unanswered queries in a row; <b>questionable</b>
 * otherwise. A full bucket replaces a bad node at once; failing that, the newcomer waits in the
 * bucket's replacement cache (at most k) and {@link #add} returns the questionable nodes to ping; a
 * node that then fails enough becomes bad and gives its place to the newest replacement.
 *
 * <p>Each public IP may hold one place in the table (as libtorrent's default {@code
 * dht_restrict_routing_ips}), so one host cannot fill buckets with many ports; local addresses (see
 * {@link Bep42#isExempt}) are not limited, so loopback swarms work.
 *
 * <p>Time is given by the caller. Not thread-safe (used by the DHT thread only).
 */
public final class RoutingTable {
  /** The bucket size. */
  public static final int K = 8;

  /** How long a node stays good after it last answered, and a bucket fresh after a change. */
  public static final long GOOD_MILLIS = 15 * 60_000L;

  /** Unanswered queries in a row that make a node bad. */
  public static final int BAD_FAILURES = 2;

  /**
   * How long after a node's last answer {@link #stalest} offers it to be pinged, at least: well
   * before it would turn questionable at {@link #GOOD_MILLIS}. Each answer adds a spread of up to
   * {@link #REFRESH_SPREAD_MILLIS}.
   */
  public static final long REFRESH_AFTER_MILLIS = 10 * 60_000L;

  /**
   * The spread added to {@link #REFRESH_AFTER_MILLIS}, different for each node and answer: a node
   * in many tables (an old one: a good node is never replaced) would otherwise get their pings in
   * waves, every table having met it at about the same time. In the 3,000-node simulation it
   * took the most queries a node got in a minute from 76 to 55.
   */
  public static final long REFRESH_SPREAD_MILLIS = 4 * 60_000L;

  /** How long a node pinged by {@link #stalest} or {@link #startVerifying} is not offered again. */
  static final long REPING_MILLIS = 60_000L;

  /** One node in the table. */
  public static final class Entry {
    private final NodeInfo info;
    private long lastResponse = -1;
    private long lastQuery = -1;
    private int failures;
    private long pingedAt = -1;

    Entry(NodeInfo info) {
      this.info = info;
    }

    /** The node. */
    public NodeInfo info() {
      return info;
    }

    /** Unanswered queries in a row. */
    public int failures() {
      return failures;
    }

    /** Whether the node is good at {@code now}. */
    public boolean isGood(long now) {
      if (lastResponse < 0 || failures > 0) {
        return false;
      }
      return now - Math.max(lastResponse, lastQuery) < GOOD_MILLIS;
    }

    /** Whether the node ever answered one of our queries. */
    public boolean hasAnswered() {
      return lastResponse >= 0;
    }

    /** Whether the node is bad. */
    public boolean isBad() {
      return failures >= BAD_FAILURES;
    }
  }

  private static final class Bucket {
    final List<Entry> nodes = new ArrayList<>(K);
    final List<Entry> replacements = new ArrayList<>(K);
    long lastChanged;

    Bucket(long now) {
      lastChanged = now;
    }
  }

  private final NodeId self;
  private final List<Bucket> buckets = new ArrayList<>();
  /** {@link #stalest} finds nothing due before this time (a lower bound, kept by it). */
  private long staleScanAt = Long.MIN_VALUE;

  /** An empty table for the node {@code self}. */
  public RoutingTable(NodeId self, long now) {
    this.self = self;
    buckets.add(new Bucket(now));
  }

  /** Our own id. */
  public NodeId self() {
    return self;
  }

  private int indexOf(NodeId id) {
    return Math.min(self.commonPrefixLength(id), buckets.size() - 1);
  }

  /**
   * Adds or refreshes a node that just answered us ({@code responded}) or queried us.
   *
   * @return the questionable nodes of the full bucket that should be pinged (empty if none)
   */
  public List<NodeInfo> add(NodeInfo node, boolean responded, long now) {
    if (node.id().equals(self)) {
      return List.of();
    }
    while (true) {
      int index = indexOf(node.id());
      Bucket b = buckets.get(index);
      for (Entry e : b.nodes) {
        if (e.info.id().equals(node.id())) {
          if (!e.info.address().equals(node.address())) {
            return List.of(); // an id claimed from another address: keep the one we know
          }
          touch(e, responded, now);
          b.lastChanged = now;
          return List.of();
        }
      }
      if (findByAddress(node.address()) != null) {
        return List.of(); // same address, new id: ignore rather than let it take two places
      }
      if (!Bep42.isExempt(node.address().getAddress()) && hasIp(node.address())) {
        return List.of(); // one node per public IP, as libtorrent: a host cannot fill buckets
      }
      if (b.nodes.size() < K) {
        Entry e = new Entry(node);
        touch(e, responded, now);
        b.nodes.add(e);
        b.replacements.removeIf(r -> r.info.id().equals(node.id()));
        b.lastChanged = now;
        return List.of();
      }
      if (index == buckets.size() - 1 && index < NodeId.BITS - 1) {
        split(now);
        continue;
      }
      for (int i = 0; i < b.nodes.size(); i++) {
        if (b.nodes.get(i).isBad()) {
          Entry e = new Entry(node);
          touch(e, responded, now);
          b.nodes.set(i, e);
          b.lastChanged = now;
          return List.of();
        }
      }
      if (!responded) {
        return List.of(); // only nodes known to answer wait for a place
      }
      b.replacements.removeIf(r -> r.info.id().equals(node.id()));
      Entry r = new Entry(node);
      touch(r, true, now);
      b.replacements.add(r);
      if (b.replacements.size() > K) {
        b.replacements.remove(0);
      }
      List<NodeInfo> ping = new ArrayList<>();
      for (Entry e : b.nodes) {
        if (!e.isGood(now) && (e.pingedAt < 0 || now - e.pingedAt > 10_000)) {
          e.pingedAt = now;
          ping.add(e.info);
        }
      }
      return ping;
    }
  }

  private static void touch(Entry e, boolean responded, long now) {
    if (responded) {
      e.lastResponse = now;
      e.failures = 0;
    } else {
      e.lastQuery = now;
    }
  }

  private void split(long now) {
    int last = buckets.size() - 1;
    Bucket old = buckets.get(last);
    Bucket near = new Bucket(now);
    near.lastChanged = old.lastChanged;
    old.nodes.removeIf(
        e -> {
          if (self.commonPrefixLength(e.info.id()) > last) {
            near.nodes.add(e);
            return true;
          }
          return false;
        });
    old.replacements.removeIf(
        e -> {
          if (self.commonPrefixLength(e.info.id()) > last) {
            near.replacements.add(e);
            return true;
          }
          return false;
        });
    buckets.add(near);
  }

  /**
   * Records that {@code id} failed to answer; a node that turns bad yields to a replacement. A node
   * that never answered us is bad at its first failure: it only ever queried us, and may be behind
   * a NAT that lets nothing in.
   */
  public void failed(NodeId id) {
    failed(id, false);
  }

  /**
   * {@link #failed(NodeId)}; with {@code evict}, a node that turns bad and has no replacement
   * waiting leaves the table too, instead of keeping its place until a newcomer takes it. The
   * caller evicts only while other nodes answer it, so that a network outage of its own does not
   * empty the table.
   */
  public void failed(NodeId id, boolean evict) {
    Bucket b = buckets.get(indexOf(id));
    for (int i = 0; i < b.nodes.size(); i++) {
      Entry e = b.nodes.get(i);
      if (e.info.id().equals(id)) {
        e.failures = e.lastResponse < 0 ? Math.max(BAD_FAILURES, e.failures + 1) : e.failures + 1;
        if (e.isBad() && !b.replacements.isEmpty()) {
          b.nodes.set(i, b.replacements.remove(b.replacements.size() - 1));
        } else if (e.isBad() && evict) {
          b.nodes.remove(i);
        }
        return;
      }
    }
    b.replacements.removeIf(r -> r.info.id().equals(id));
  }

  /**
   * Whether the node {@code id} is in the table without ever having answered us and has not been
   * pinged yet; if so it is marked pinged at {@code now}, and the caller pings it. A node that
   * queried us is added at once (as BEP 5 says) but is handed to others only once it answers (see
   * {@link #closestOfEach}), as libtorrent does with nodes it has not pinged.
   */
  public boolean startVerifying(NodeId id, long now) {
    Entry e = find(id);
    if (e == null || e.lastResponse >= 0 || e.pingedAt >= 0) {
      return false;
    }
    e.pingedAt = now;
    return true;
  }

  /**
   * The node whose last answer is oldest, if that was at least {@link #REFRESH_AFTER_MILLIS} (plus
   * its spread) ago and it was not pinged in the last minute, marked pinged at {@code now}; or
   * null. Pinging one
   * such node a second keeps a table of a few hundred nodes good (BEP 5: answered within 15
   * minutes) and finds the nodes that left, where bucket refreshes alone do not: a bucket counts as
   * fresh while any one of its nodes is heard from.
   */
  public NodeInfo stalest(long now) {
    if (now < staleScanAt) {
      return null; // nothing can be due yet: skip the scan
    }
    Entry oldest = null;
    long nextDue = Long.MAX_VALUE;
    for (Bucket b : buckets) {
      for (Entry e : b.nodes) {
        if (e.lastResponse < 0 || e.isBad()) {
          continue; // they turn due only by answering, which makes them fresh
        }
        long due = Math.max(refreshDue(e),
            e.pingedAt < 0 ? Long.MIN_VALUE : e.pingedAt + REPING_MILLIS);
        if (due > now) {
          nextDue = Math.min(nextDue, due);
        } else if (oldest == null || e.lastResponse < oldest.lastResponse) {
          if (oldest != null) {
            nextDue = now; // another one is due: look again next time
          }
          oldest = e;
        } else {
          nextDue = now;
        }
      }
    }
    if (oldest != null) {
      oldest.pingedAt = now;
      nextDue = Math.min(nextDue, now + REPING_MILLIS);
    }
    // answers only move due times later, and new nodes are due REFRESH_AFTER_MILLIS from now at
    // the earliest
    staleScanAt = Math.min(nextDue, now + REFRESH_AFTER_MILLIS);
    return oldest == null ? null : oldest.info;
  }

  /**
   * When {@link #stalest} may first offer {@code e}: {@link #REFRESH_AFTER_MILLIS} after its last
   * answer plus a spread drawn from its id and the time of that answer (no random source here,
   * and the answer times of two tables differ by their latencies).
   */
  static long refreshDue(Entry e) {
    long mix = e.info.id().hashCode() * 0x9E3779B97F4A7C15L + e.lastResponse * 0xC2B2AE3D27D4EB4FL;
    mix ^= mix >>> 29;
    return e.lastResponse + REFRESH_AFTER_MILLIS + Math.floorMod(mix, REFRESH_SPREAD_MILLIS);
  }

  /** The node at {@code address}, or null. */
  public Entry findByAddress(InetSocketAddress address) {
    for (Bucket b : buckets) {
      for (Entry e : b.nodes) {
        if (e.info.address().equals(address)) {
          return e;
        }
      }
    }
    return null;
  }

  private boolean hasIp(InetSocketAddress address) {
    for (Bucket b : buckets) {
      for (Entry e : b.nodes) {
        if (e.info.address().getAddress().equals(address.getAddress())) {
          return true;
        }
      }
    }
    return false;
  }

  /** The node with {@code id}, or null. */
  public Entry find(NodeId id) {
    for (Entry e : buckets.get(indexOf(id)).nodes) {
      if (e.info.id().equals(id)) {
        return e;
      }
    }
    return null;
  }

  /** Up to {@code n} nodes that are not bad, closest to {@code target} first. */
  public List<NodeInfo> closest(NodeId target, int n) {
    List<Entry> sorted = byDistance(target, true, true);
    List<NodeInfo> out = new ArrayList<>(Math.min(n, sorted.size()));
    for (int i = 0; i < sorted.size() && i < n; i++) {
      out.add(sorted.get(i).info);
    }
    return out;
  }

  /**
   * Up to {@code n} nodes that are not bad and have answered us, of each address family asked for
   * (BEP 32 {@code want}), closest to {@code target} first: what we tell others. A node that only
   * queried us may be unreachable (behind a NAT), and handing it on would spread it.
   */
  public List<NodeInfo> closestOfEach(NodeId target, int n, boolean ipv4, boolean ipv6) {
    List<NodeInfo> out = new ArrayList<>();
    int got4 = 0;
    int got6 = 0;
    for (Entry e : byDistance(target, ipv4, ipv6)) {
      if (e.lastResponse < 0) {
        continue;
      }
      if (isIpv6(e) ? got6++ < n : got4++ < n) {
        out.add(e.info);
      }
    }
    return out;
  }

  /** The nodes that are not bad, of the families asked for, closest to {@code target} first. */
  private List<Entry> byDistance(NodeId target, boolean ipv4, boolean ipv6) {
    List<Entry> all = new ArrayList<>();
    for (Bucket b : buckets) {
      for (Entry e : b.nodes) {
        if (!e.isBad() && (isIpv6(e) ? ipv6 : ipv4)) {
          all.add(e);
        }
      }
    }
    all.sort(Comparator.comparing(e -> e.info.id(), target::compareDistance));
    return all;
  }

  private static boolean isIpv6(Entry e) {
    return e.info.address().getAddress() instanceof java.net.Inet6Address;
  }

  /** All nodes in the table. */
  public List<Entry> entries() {
    List<Entry> out = new ArrayList<>();
    for (Bucket b : buckets) {
      out.addAll(b.nodes);
    }
    return out;
  }

  /** The number of nodes in the table (replacement caches excluded). */
  public int size() {
    int n = 0;
    for (Bucket b : buckets) {
      n += b.nodes.size();
    }
    return n;
  }

  /** The number of good nodes at {@code now}. */
  public int goodCount(long now) {
    int n = 0;
    for (Bucket b : buckets) {
      for (Entry e : b.nodes) {
        if (e.isGood(now)) {
          n++;
        }
      }
    }
    return n;
  }

  /** The number of buckets. */
  public int bucketCount() {
    return buckets.size();
  }

  /** The number of nodes waiting in replacement caches. */
  public int replacementCount() {
    int n = 0;
    for (Bucket b : buckets) {
      n += b.replacements.size();
    }
    return n;
  }

  /**
   * Random lookup targets for the buckets not changed for {@link #GOOD_MILLIS}, each in its
   * bucket's range; marks those buckets changed at {@code now} so each is refreshed once.
   */
  public List<NodeId> refreshTargets(long now, Random random) {
    List<NodeId> out = new ArrayList<>();
    for (int i = 0; i < buckets.size(); i++) {
      Bucket b = buckets.get(i);
      if (now - b.lastChanged >= GOOD_MILLIS) {
        b.lastChanged = now;
        out.add(randomIdInBucket(i, random));
      }
    }
    return out;
  }

  /** A random id that falls in bucket {@code index}. */
  public NodeId randomIdInBucket(int index, Random random) {
    byte[] id = NodeId.random(random).bytes();
    byte[] own = self.bytes();
    boolean last = index == buckets.size() - 1;
    int prefix = last ? index : index + 1;
    for (int bit = 0; bit < prefix; bit++) {
      boolean v = (own[bit >>> 3] & (0x80 >>> (bit & 7))) != 0;
      if (!last && bit == index) {
        v = !v;
      }
      if (v) {
        id[bit >>> 3] |= (byte) (0x80 >>> (bit & 7));
      } else {
        id[bit >>> 3] &= (byte) ~(0x80 >>> (bit & 7));
      }
    }
    return NodeId.of(id);
  }
}
