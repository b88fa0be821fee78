package io.btlib.policy;

import io.btlib.peer.PeerAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The built-in {@link PeerSelector}: dials peers given by the application first, then peers never
 * tried, then those that failed least; a peer that failed waits before the next try, 10 s doubling
 * with each failure up to 30 minutes (a manual peer: up to 60 s, so it is retried for as long as
 * the torrent runs).
 */
public final class PeerSelectors {
  static final long BASE_BACKOFF_NANOS = 10_000_000_000L;
  static final long MAX_BACKOFF_NANOS = 30 * 60_000_000_000L;
  static final long MAX_MANUAL_BACKOFF_NANOS = 60_000_000_000L;

  private PeerSelectors() {}

  /** The default selector. */
  public static PeerSelector.Factory defaults() {
    return () -> PeerSelectors::select;
  }

  /** How long after its last attempt a candidate may be dialled again. */
  static long backoffNanos(PeerCandidate c) {
    if (c.failures() == 0) {
      return 0;
    }
    int shift = Math.min(c.failures() - 1, 30);
    long b = BASE_BACKOFF_NANOS << shift;
    long cap = c.source() == PeerCandidate.Source.MANUAL ? MAX_MANUAL_BACKOFF_NANOS
        : MAX_BACKOFF_NANOS;
    return b <= 0 || b > cap ? cap : b;
  }

  static List<PeerAddress> select(List<PeerCandidate> candidates, int slots, long now) {
    List<PeerCandidate> ready = new ArrayList<>();
    for (PeerCandidate c : candidates) {
      if (c.isNew() || now - c.lastAttemptNanos() >= backoffNanos(c)) {
        ready.add(c);
      }
    }
    ready.sort(Comparator.comparing((PeerCandidate c) -> c.source() != PeerCandidate.Source.MANUAL)
        .thenComparing(c -> !c.isNew())
        .thenComparingInt(PeerCandidate::failures)
        .thenComparingLong(PeerCandidate::lastAttemptNanos));
    List<PeerAddress> out = new ArrayList<>();
    for (int i = 0; i < ready.size() && out.size() < slots; i++) {
      out.add(ready.get(i).address());
    }
    return out;
  }
}
