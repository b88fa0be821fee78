package io.btlib.tracker.server.internal;

/**
 * Scratch space one server thread reuses for the peers of each announce reply: their compact
 * forms, IPv4 and IPv6 apart, copied under the registry's lock from each swarm's packed arrays,
 * and (for dictionary replies only) the peer records. Not thread-safe; one per thread.
 */
public final class PeerSample {
  /** IPv4 peers, 6 bytes each (address, big-endian port), {@link #count4} of them. */
  public final byte[] v4;
  /** IPv6 peers, 18 bytes each, {@link #count6} of them. */
  public final byte[] v6;
  /** The records of the sampled peers, IPv4 first, when {@link #wantEntries} was set. */
  public final PeerEntry[] entries;
  /** The number of IPv4 peers in {@link #v4}. */
  public int count4;
  /** The number of IPv6 peers in {@link #v6}. */
  public int count6;
  /** Seeders in the swarm after the announce. */
  public int seeders;
  /** Leechers in the swarm after the announce. */
  public int leechers;
  /** Set by the caller to also receive {@link #entries} (for the peer ids of a dict reply). */
  public boolean wantEntries;

  /** Room for {@code maxPeers} peers of each family. */
  public PeerSample(int maxPeers) {
    v4 = new byte[6 * maxPeers];
    v6 = new byte[18 * maxPeers];
    entries = new PeerEntry[maxPeers];
  }

  /** The number of peers sampled, both families. */
  public int count() {
    return count4 + count6;
  }

  /** Drops the references to peer records, so that evicted peers can be collected. */
  public void clearEntries() {
    java.util.Arrays.fill(entries, 0, count(), null);
  }
}
