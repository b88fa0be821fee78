package io.btlib.tracker.server.internal;

/**
 * Scratch space one server thread reuses for the peers of each announce reply: their compact
 * forms, IPv4 and IPv6 apart, copied under the registry's lock from each swarm's packed arrays,
 * and (for dictionary replies only) their peer ids beside them. Not thread-safe; one per thread.
 */
public final class PeerSample {
  /** IPv4 peers, 6 bytes each (address, big-endian port), {@link #count4} of them. */
  public final byte[] v4;
  /** IPv6 peers, 18 bytes each, {@link #count6} of them. */
  public final byte[] v6;
  /** The 20-byte peer ids of the peers in {@link #v4}, when {@link #wantPeerIds} was set. */
  public final byte[] ids4;
  /** The 20-byte peer ids of the peers in {@link #v6}, when {@link #wantPeerIds} was set. */
  public final byte[] ids6;
  /** Whether the peer id of each peer in {@link #v4} is known (it announced one). */
  public final boolean[] idKnown4;
  /** Whether the peer id of each peer in {@link #v6} is known (it announced one). */
  public final boolean[] idKnown6;
  /** The number of IPv4 peers in {@link #v4}. */
  public int count4;
  /** The number of IPv6 peers in {@link #v6}. */
  public int count6;
  /** Seeders in the swarm after the announce. */
  public int seeders;
  /** Leechers in the swarm after the announce. */
  public int leechers;
  /** Set by the caller to also receive the peer ids (for a dictionary reply). */
  public boolean wantPeerIds;

  /** Room for {@code maxPeers} peers of each family. */
  public PeerSample(int maxPeers) {
    v4 = new byte[6 * maxPeers];
    v6 = new byte[18 * maxPeers];
    ids4 = new byte[HashKey.LENGTH * maxPeers];
    ids6 = new byte[HashKey.LENGTH * maxPeers];
    idKnown4 = new boolean[maxPeers];
    idKnown6 = new boolean[maxPeers];
  }

  /** The number of peers sampled, both families. */
  public int count() {
    return count4 + count6;
  }
}
