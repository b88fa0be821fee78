package io.btlib.policy;

import io.btlib.peer.PeerAddress;
import java.util.Optional;
import java.util.Set;

/**
 * A {@link Choker}'s answer: the peers to have unchoked after this round; every other peer is
 * choked.
 *
 * @param unchoked the regular unchokes
 * @param optimistic the optimistic unchoke, if any (counted apart so the engine can report it)
 */
public record ChokeDecision(Set<PeerAddress> unchoked, Optional<PeerAddress> optimistic) {

  /** Copies the set. */
  public ChokeDecision {
    unchoked = Set.copyOf(unchoked);
    if (optimistic == null) {
      throw new NullPointerException("optimistic");
    }
  }

  /** Whether {@code peer} ends up unchoked. */
  public boolean isUnchoked(PeerAddress peer) {
    return unchoked.contains(peer) || optimistic.filter(peer::equals).isPresent();
  }
}
