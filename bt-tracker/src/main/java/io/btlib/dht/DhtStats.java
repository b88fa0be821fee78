package io.btlib.dht;

import io.btlib.peer.PeerAddress;
import java.util.Optional;

/**
 * A snapshot of a {@link DhtNode}'s state, refreshed by the node's thread about every 100 ms.
 *
 * @param nodes nodes in the routing table
 * @param goodNodes of which good (answered within 15 minutes)
 * @param buckets k-buckets in the routing table
 * @param replacementNodes nodes waiting in the buckets' replacement caches
 * @param storedInfoHashes info hashes other nodes announced to us
 * @param storedPeers peers stored over all those info hashes
 * @param pendingQueries our queries waiting for an answer
 * @param packetsReceived datagrams received
 * @param packetsDropped datagrams dropped (malformed, unexpected, or rate limited)
 * @param queriesAnswered queries we answered
 * @param rateLimited queries dropped by the per-IP rate limit
 * @param externalAddress our address as other nodes last reported it (BEP 42 {@code ip})
 */
public record DhtStats(
    int nodes,
    int goodNodes,
    int buckets,
    int replacementNodes,
    int storedInfoHashes,
    int storedPeers,
    int pendingQueries,
    long packetsReceived,
    long packetsDropped,
    long queriesAnswered,
    long rateLimited,
    Optional<PeerAddress> externalAddress) {

  /** The snapshot of a node that has not started. */
  static final DhtStats EMPTY = new DhtStats(0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, Optional.empty());
}
