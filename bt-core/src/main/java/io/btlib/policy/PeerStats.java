package io.btlib.policy;

import io.btlib.peer.PeerAddress;

/**
 * One connected peer's figures for a {@link Choker}, precomputed by the engine.
 *
 * @param address the peer (the key a decision names it by)
 * @param interested whether the peer wants something we have; a peer we unchoked 5 s ago or
 *     more that has requested nothing since counts as not interested (until it requests or says
 *     interested again), so an idle peer cannot hold an upload slot
 * @param chokedByUs whether we are choking it now
 * @param downloadRate the rate it sends us payload at, bytes per second
 * @param uploadRate the rate we send it payload at, bytes per second
 * @param downloaded payload bytes it has sent us on this connection
 * @param uploaded payload bytes we have sent it on this connection
 * @param completion the fraction of the torrent it has, 0 to 1
 * @param snubbed whether it has sent nothing for a while despite our requests
 * @param connectedNanos when the connection was made (engine time)
 * @param lastUnchokedNanos when we last unchoked it, or {@link Long#MIN_VALUE} if never
 */
public record PeerStats(
    PeerAddress address,
    boolean interested,
    boolean chokedByUs,
    long downloadRate,
    long uploadRate,
    long downloaded,
    long uploaded,
    double completion,
    boolean snubbed,
    long connectedNanos,
    long lastUnchokedNanos) {

  /** Checks the values. */
  public PeerStats {
    if (address == null) {
      throw new NullPointerException("address");
    }
    if (downloadRate < 0 || uploadRate < 0 || downloaded < 0 || uploaded < 0) {
      throw new IllegalArgumentException("rates and byte counts must be >= 0");
    }
    if (!(completion >= 0 && completion <= 1)) {
      throw new IllegalArgumentException("completion must be in [0, 1]: " + completion);
    }
  }

  /** Whether the peer has the whole torrent. */
  public boolean isSeed() {
    return completion >= 1;
  }
}
