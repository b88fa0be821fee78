package io.btlib.dht.internal;

import io.btlib.dht.NodeId;
import io.btlib.peer.PeerAddress;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/**
 * The peers other nodes announced to us, bounded: at most {@code maxPeersPerHash} per info hash
 * (the oldest announce is dropped first) and {@code maxInfoHashes} info hashes (the least recently
 * announced hash is dropped first); each peer expires {@code ttlMillis} after its last announce.
 * Time is given by the caller. Not thread-safe (used by the DHT thread only).
 */
public final class PeerStore {
  private final int maxInfoHashes;
  private final int maxPeersPerHash;
  private final long ttlMillis;
  private final LinkedHashMap<NodeId, LinkedHashMap<PeerAddress, Long>> byHash =
      new LinkedHashMap<>(16, 0.75f, true);
  private int peers;
  private long nextSweep = Long.MIN_VALUE;

  /** How often {@link #expire} sweeps at most. */
  public static final long EXPIRE_EVERY_MILLIS = 60_000;

  /** A store with these caps. */
  public PeerStore(int maxInfoHashes, int maxPeersPerHash, long ttlMillis) {
    if (maxInfoHashes < 1 || maxPeersPerHash < 1 || ttlMillis < 1) {
      throw new IllegalArgumentException("caps must be positive");
    }
    this.maxInfoHashes = maxInfoHashes;
    this.maxPeersPerHash = maxPeersPerHash;
    this.ttlMillis = ttlMillis;
  }

  /** Records that {@code peer} announced {@code infoHash} at {@code now}. */
  public void add(NodeId infoHash, PeerAddress peer, long now) {
    LinkedHashMap<PeerAddress, Long> set = byHash.get(infoHash);
    if (set == null) {
      if (byHash.size() >= maxInfoHashes) {
        Iterator<Map.Entry<NodeId, LinkedHashMap<PeerAddress, Long>>> it =
            byHash.entrySet().iterator();
        peers -= it.next().getValue().size();
        it.remove();
      }
      set = new LinkedHashMap<>();
      byHash.put(infoHash, set);
    }
    if (set.remove(peer) == null) {
      peers++;
    }
    set.put(peer, now + ttlMillis);
    if (set.size() > maxPeersPerHash) {
      Iterator<PeerAddress> it = set.keySet().iterator();
      it.next();
      it.remove();
      peers--;
    }
  }

  /** Up to {@code max} live peers for {@code infoHash}, a random choice if there are more. */
  public List<PeerAddress> get(NodeId infoHash, int max, long now, Random random) {
    LinkedHashMap<PeerAddress, Long> set = byHash.get(infoHash);
    if (set == null) {
      return List.of();
    }
    List<PeerAddress> out = new ArrayList<>(set.size());
    for (Map.Entry<PeerAddress, Long> e : set.entrySet()) {
      if (e.getValue() > now) {
        out.add(e.getKey());
      }
    }
    while (out.size() > max) {
      out.set(random.nextInt(out.size()), out.get(out.size() - 1));
      out.remove(out.size() - 1);
    }
    return out;
  }

  /**
   * Drops the peers that expired by {@code now}, and info hashes left with none; scans the store
   * at most once every {@link #EXPIRE_EVERY_MILLIS} (a full store is 200,000 peers, and {@link
   * #get} never returns an expired one anyway, so a late sweep only holds memory a little longer).
   */
  public void expire(long now) {
    if (now < nextSweep) {
      return;
    }
    nextSweep = now + EXPIRE_EVERY_MILLIS;
    Iterator<LinkedHashMap<PeerAddress, Long>> sets = byHash.values().iterator();
    while (sets.hasNext()) {
      LinkedHashMap<PeerAddress, Long> set = sets.next();
      Iterator<Long> it = set.values().iterator();
      while (it.hasNext()) {
        if (it.next() <= now) {
          it.remove();
          peers--;
        }
      }
      if (set.isEmpty()) {
        sets.remove();
      }
    }
  }

  /** The number of info hashes held. */
  public int infoHashes() {
    return byHash.size();
  }

  /** The number of peers held over all info hashes. */
  public int peers() {
    return peers;
  }
}
