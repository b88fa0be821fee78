package io.btlib.policy;

import java.util.List;

/**
 * Decides whom we upload to: called every rechoke round (10 s) and when peers come or go, it
 * returns the peers to unchoke; the engine sends the choke and unchoke messages that differ from
 * the current state. It mutates nothing, so it is tested with made-up figures.
 *
 * <pre>{@code
 * // unchoke whoever has sent us the most, no optimistic unchoke
 * Choker greedy = (peers, ctx) -> new ChokeDecision(peers.stream()
 *     .filter(PeerStats::interested)
 *     .sorted(Comparator.comparingLong(PeerStats::downloaded).reversed())
 *     .limit(ctx.uploadSlots()).map(PeerStats::address).collect(Collectors.toSet()),
 *     Optional.empty());
 * }</pre>
 *
 * <p>Runs on the event loop: fast, never blocks, never throws, never calls back into the client.
 * One instance per torrent (see {@link Factory}), so it may keep state between rounds.
 */
@FunctionalInterface
public interface Choker {

  /** The unchoke set for this round. */
  ChokeDecision rechoke(List<PeerStats> peers, ChokeContext ctx);

  /** Makes the choker for each torrent. Must be thread-safe. */
  @FunctionalInterface
  interface Factory {
    /** A new choker. */
    Choker create();
  }
}
