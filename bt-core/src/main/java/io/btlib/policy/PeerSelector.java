package io.btlib.policy;

import io.btlib.peer.PeerAddress;
import java.util.List;

/**
 * Chooses which known peers to dial next, when the engine has room for more connections. It also
 * owns the retry policy: a candidate it leaves out is simply not dialled this time.
 *
 * <p>Runs on the event loop: fast, never blocks, never throws, never calls back into the client.
 * One instance per torrent (see {@link Factory}).
 */
@FunctionalInterface
public interface PeerSelector {

  /**
   * Up to {@code slots} of {@code candidates} to dial now, best first.
   *
   * @param nowNanos the engine's monotonic time
   */
  List<PeerAddress> select(List<PeerCandidate> candidates, int slots, long nowNanos);

  /** Makes the selector for each torrent. Must be thread-safe. */
  @FunctionalInterface
  interface Factory {
    /** A new selector. */
    PeerSelector create();
  }
}
