package io.btlib.policy;

import io.btlib.peer.PeerAddress;

/**
 * A known peer we are not connected to, for a {@link PeerSelector}.
 *
 * @param address where to dial
 * @param source where we learned of it
 * @param failures how many dials in a row failed (0 after a success)
 * @param lastAttemptNanos when we last dialled it (engine time), or {@link Long#MIN_VALUE}
 * @param seed whether it was a seed when we last knew (from PEX flags or a past connection)
 */
public record PeerCandidate(
    PeerAddress address, Source source, int failures, long lastAttemptNanos, boolean seed) {

  /** Where a peer address came from. */
  public enum Source {
    /** Given by the application (for example {@code --peer}): dialled and retried. */
    MANUAL,
    /** A tracker's announce reply. */
    TRACKER,
    /** The DHT. */
    DHT,
    /** Peer exchange (BEP 11). */
    PEX,
    /** It connected to us before. */
    INCOMING
  }

  /** Checks the values. */
  public PeerCandidate {
    if (address == null || source == null) {
      throw new NullPointerException(address == null ? "address" : "source");
    }
    if (failures < 0) {
      throw new IllegalArgumentException("failures must be >= 0: " + failures);
    }
  }

  /** Whether we have never dialled it. */
  public boolean isNew() {
    return lastAttemptNanos == Long.MIN_VALUE;
  }
}
