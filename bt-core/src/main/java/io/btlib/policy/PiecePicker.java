package io.btlib.policy;

import io.btlib.metainfo.Metainfo;

/**
 * Chooses which blocks to request from a peer. The engine asks whenever a peer has room in its
 * request queue; the picker adds up to {@code maxBlocks} blocks to {@code out}.
 *
 * <pre>{@code
 * // request pieces in order, for streaming
 * PiecePicker inOrder = (peer, swarm, max, out) -> {
 *   for (int p = swarm.nextWanted(0); p >= 0; p = swarm.nextWanted(p + 1)) {
 *     if (!peer.has(p)) continue;
 *     for (int b = 0; b < swarm.blockCount(p); b++) {
 *       if (!swarm.isBlockReceived(p, b) && swarm.blockRequests(p, b) == 0 && !out.add(p, b)) return;
 *     }
 *   }
 * };
 * }</pre>
 *
 * <p>The engine filters what the picker returns: blocks the peer lacks, blocks already received,
 * blocks already requested from this peer, and (while the peer chokes us) pieces that are not
 * allowed fast are dropped, so a sloppy picker costs requests, never correctness. Runs on the event
 * loop: fast, never blocks, never throws, never calls back into the client. One instance per
 * torrent (see {@link Factory}); not called concurrently.
 */
@FunctionalInterface
public interface PiecePicker {

  /** Adds up to {@code maxBlocks} blocks to request from {@code peer} to {@code out}. */
  void pickBlocks(PeerView peer, SwarmView swarm, int maxBlocks, BlockSink out);

  /** Makes the picker for each torrent. Must be thread-safe. */
  @FunctionalInterface
  interface Factory {
    /** The picker for {@code torrent}. */
    PiecePicker create(Metainfo torrent);
  }
}
