package io.btlib.policy;

import io.btlib.peer.PeerAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.ToDoubleFunction;

/**
 * The built-in {@link Choker}s, after libtorrent's.
 *
 * <ul>
 *   <li>{@link #titForTat()} (the default): while downloading, the upload slots but one go to the
 *       interested peers that send us the most (reciprocation); the last slot is an optimistic
 *       unchoke that moves every 3 rounds (30 s) to a random choked peer, newcomers three times as
 *       likely, so new peers get a first piece to trade. When seeding it hands over to {@link
 *       #seedRoundRobin()}.
 *   <li>{@link #seedRoundRobin()}: every interested peer gets a turn: a peer keeps its slot for 3
 *       rounds, then the peers that have waited longest take over.
 *   <li>{@link #seedFastestUpload()}: the slots go to the peers we upload to fastest, plus an
 *       optimistic slot so new peers can show their speed.
 *   <li>{@link #seedAntiLeech()}: prefers peers that have just started or have nearly finished,
 *       which starves peers that download without sharing in the middle of the torrent.
 *   <li>{@link #rateBased(Choker.Factory)}: instead of a fixed number, opens as many slots as the
 *       upload can fill: another slot only while every unchoked peer gets at least 1 KiB/s more
 *       than the last.
 * </ul>
 *
 * <p>Snubbed peers (which send nothing despite our requests) never get a regular slot.
 */
public final class Chokers {
  /** Rounds an optimistic unchoke, or a round-robin turn, lasts (3 × 10 s). */
  static final int ROTATION_ROUNDS = 3;
  /** A peer connected less than this long is a newcomer for the optimistic unchoke. */
  static final long NEWCOMER_NANOS = 60_000_000_000L;

  private Chokers() {}

  /** Tit-for-tat with optimistic unchoke; round-robin once seeding. */
  public static Choker.Factory titForTat() {
    return () -> new TitForTat(PeerStats::downloadRate, new RoundRobin());
  }

  /** Seeding: each interested peer in turn. */
  public static Choker.Factory seedRoundRobin() {
    return RoundRobin::new;
  }

  /** Seeding: the fastest uploads, plus an optimistic slot. */
  public static Choker.Factory seedFastestUpload() {
    return () -> {
      TitForTat t = new TitForTat(PeerStats::uploadRate, null);
      return (peers, ctx) -> t.decide(peers, ctx);
    };
  }

  /** Seeding: peers that have just started or nearly finished first. */
  public static Choker.Factory seedAntiLeech() {
    return () -> {
      TitForTat t = new TitForTat(s -> Math.abs(s.completion() - 0.5), null);
      return (peers, ctx) -> t.decide(peers, ctx);
    };
  }

  /** Wraps a choker so that the number of upload slots follows the upload rate achieved. */
  public static Choker.Factory rateBased(Choker.Factory inner) {
    return () -> {
      Choker c = inner.create();
      return (peers, ctx) -> c.rechoke(peers, new ChokeContext(rateBasedSlots(peers),
          ctx.seeding(), ctx.round(), ctx.nowNanos(), ctx.random()));
    };
  }

  /**
   * libtorrent's rate-based slot count: walk the unchoked peers from fastest upload down, opening a
   * slot while each peer's rate is at least a threshold that starts at 1 KiB/s and grows by 1 KiB/s
   * per slot; then one more slot to probe for spare capacity. At least 2.
   */
  static int rateBasedSlots(List<PeerStats> peers) {
    List<PeerStats> unchoked = new ArrayList<>();
    for (PeerStats p : peers) {
      if (!p.chokedByUs()) {
        unchoked.add(p);
      }
    }
    unchoked.sort(Comparator.comparingLong(PeerStats::uploadRate).reversed());
    int slots = 0;
    long threshold = 1024;
    for (PeerStats p : unchoked) {
      if (p.uploadRate() < threshold) {
        break;
      }
      slots++;
      threshold += 1024;
    }
    return Math.max(2, slots + 1);
  }

  /** Regular slots by a score, plus a rotating optimistic slot. */
  private static final class TitForTat implements Choker {
    private final ToDoubleFunction<PeerStats> score;
    private final Choker whenSeeding;
    private PeerAddress optimistic;
    private long optimisticSince = Long.MIN_VALUE;

    TitForTat(ToDoubleFunction<PeerStats> score, Choker whenSeeding) {
      this.score = score;
      this.whenSeeding = whenSeeding;
    }

    @Override
    public ChokeDecision rechoke(List<PeerStats> peers, ChokeContext ctx) {
      if (ctx.seeding() && whenSeeding != null) {
        return whenSeeding.rechoke(peers, ctx);
      }
      return decide(peers, ctx);
    }

    ChokeDecision decide(List<PeerStats> peers, ChokeContext ctx) {
      int slots = ctx.uploadSlots();
      if (slots == 0) {
        optimistic = null;
        return new ChokeDecision(Set.of(), Optional.empty());
      }
      int regular = slots == 1 ? 0 : slots - 1;
      List<PeerStats> candidates = new ArrayList<>();
      for (PeerStats p : peers) {
        if (p.interested() && !p.snubbed()) {
          candidates.add(p);
        }
      }
      // highest score first; a peer already unchoked wins a tie (no flapping); other ties are
      // broken at random: in a flash crowd every rate is 0 at first, and peers that all unchoked
      // the first peers they connected to left the later ones waiting for optimistic unchokes
      java.util.Collections.shuffle(candidates, ctx.random());
      candidates.sort(Comparator.comparingDouble(score).reversed()
          .thenComparing(PeerStats::chokedByUs));
      Set<PeerAddress> unchoked = new HashSet<>();
      for (int i = 0; i < candidates.size() && unchoked.size() < regular; i++) {
        unchoked.add(candidates.get(i).address());
      }
      boolean keep = optimistic != null && ctx.round() - optimisticSince < ROTATION_ROUNDS
          && !unchoked.contains(optimistic) && isInterested(peers, optimistic);
      if (!keep) {
        optimistic = pickOptimistic(peers, unchoked, ctx);
        optimisticSince = ctx.round();
      }
      return new ChokeDecision(unchoked, Optional.ofNullable(optimistic));
    }

    private static boolean isInterested(List<PeerStats> peers, PeerAddress a) {
      for (PeerStats p : peers) {
        if (p.address().equals(a)) {
          return p.interested();
        }
      }
      return false;
    }

    /** A random interested peer outside the regular set, newcomers weighted three times. */
    private static PeerAddress pickOptimistic(List<PeerStats> peers, Set<PeerAddress> regular,
        ChokeContext ctx) {
      long total = 0;
      for (PeerStats p : peers) {
        if (p.interested() && !regular.contains(p.address())) {
          total += weight(p, ctx);
        }
      }
      if (total == 0) {
        return null;
      }
      // Random.nextLong(bound) is Java 17; weights sum to a few thousand at most
      long pick = total <= Integer.MAX_VALUE ? ctx.random().nextInt((int) total)
          : Math.floorMod(ctx.random().nextLong(), total);
      for (PeerStats p : peers) {
        if (p.interested() && !regular.contains(p.address())) {
          pick -= weight(p, ctx);
          if (pick < 0) {
            return p.address();
          }
        }
      }
      return null;
    }

    private static long weight(PeerStats p, ChokeContext ctx) {
      return ctx.nowNanos() - p.connectedNanos() < NEWCOMER_NANOS ? 3 : 1;
    }
  }

  /** Seeding round robin: turns of {@link #ROTATION_ROUNDS} rounds, longest waiting next. */
  private static final class RoundRobin implements Choker {
    private final java.util.Map<PeerAddress, Long> turnStarted = new java.util.HashMap<>();

    @Override
    public ChokeDecision rechoke(List<PeerStats> peers, ChokeContext ctx) {
      int slots = ctx.uploadSlots();
      Set<PeerAddress> present = new HashSet<>();
      for (PeerStats p : peers) {
        present.add(p.address());
      }
      turnStarted.keySet().retainAll(present);
      Set<PeerAddress> unchoked = new HashSet<>();
      // peers in the middle of their turn keep it
      for (PeerStats p : peers) {
        Long since = turnStarted.get(p.address());
        if (!p.chokedByUs() && p.interested() && since != null
            && ctx.round() - since < ROTATION_ROUNDS && unchoked.size() < slots) {
          unchoked.add(p.address());
        }
      }
      // the rest go to those who have waited longest (never unchoked first)
      List<PeerStats> waiting = new ArrayList<>();
      for (PeerStats p : peers) {
        if (p.interested() && !unchoked.contains(p.address())) {
          waiting.add(p);
        }
      }
      waiting.sort(Comparator.comparingLong(PeerStats::lastUnchokedNanos)
          .thenComparing(p -> !p.chokedByUs()));
      for (PeerStats p : waiting) {
        if (unchoked.size() >= slots) {
          break;
        }
        unchoked.add(p.address());
        if (p.chokedByUs() || !turnStarted.containsKey(p.address())) {
          turnStarted.put(p.address(), ctx.round());
        }
      }
      turnStarted.keySet().retainAll(unchoked);
      return new ChokeDecision(unchoked, Optional.empty());
    }
  }
}
