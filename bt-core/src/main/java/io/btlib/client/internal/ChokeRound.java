package io.btlib.client.internal;

import io.btlib.client.TorrentState;
import io.btlib.policy.ChokeContext;
import io.btlib.policy.ChokeDecision;
import io.btlib.policy.Choker;
import io.btlib.policy.PeerStats;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A torrent's choke rounds: every ten seconds the {@link Choker} decides which peers get upload
 * slots; in between, a free slot or one held by an idle peer is handed on at once. Owned by the
 * engine thread. Internal, not API.
 */
final class ChokeRound {
  private static final Logger log = LoggerFactory.getLogger(ChokeRound.class);
  private static final long RECHOKE_NANOS = 10 * 1_000_000_000L;
  /**
   * An unchoked, interested peer that has asked nothing of us for this long, and has nothing
   * queued with us, is idle (see Connection): its slot goes to a peer that waits. In a flash
   * crowd a peer stays interested in every peer that has a piece it lacks while it fetches that
   * piece from another; with 5 s (and only for peers that had requested nothing since the
   * unchoke) leechers' uplinks were a fifth idle on the simulated network.
   */
  static final long IDLE_UNCHOKED_NANOS = 1_000_000_000L;

  private final TorrentRuntime t;
  private final Engine engine;
  private final Choker choker;
  private long lastRechoke = Long.MIN_VALUE;
  private long round;
  /** A slot may be handed on before the next round (see {@link #afterEvents}). */
  private boolean rechokeSoon;

  ChokeRound(TorrentRuntime t) {
    this.t = t;
    this.engine = t.engine;
    this.choker = engine.config.choker().create();
  }

  /**
   * {@code c} said whether it is interested: a free slot need not wait for the next round, and
   * one held by a peer that lost interest is handed on now (as libtorrent chokes a peer that says
   * not interested), not at the next round.
   */
  void onInterest(Connection c) {
    PeerState p = c.peer();
    if (p.isInterestedInUs() ? p.isChokedByUs() && activeCount() < engine.config.uploadSlots()
        : !p.isChokedByUs()) {
      rechokeSoon = true;
    }
  }

  /**
   * We have a new piece, {@code piece}: peers that lack it and were idle may want it now (they
   * count as interested again), and one may take a free slot at once.
   */
  void onPieceVerified(int piece) {
    boolean waiting = false;
    for (Connection c : t.connections) {
      PeerState p = c.peer();
      if (p.isIdle() && !p.has(piece)) {
        p.idleEnded();
        waiting |= p.isChokedByUs() && p.isInterestedInUs();
      }
    }
    if (waiting && activeCount() < engine.config.uploadSlots()) {
      rechokeSoon = true;
    }
  }

  /** {@code c} closed: the slot it held goes to another peer now. */
  void onClosed(Connection c) {
    if (!c.peer().isChokedByUs()) {
      rechokeSoon = true;
    }
  }

  /** After a batch of events from {@code c}: hands a free slot on, flushing the others changed. */
  void afterEvents(Connection c, long now) {
    if (rechokeSoon && t.acceptsConnections()) {
      // a peer took a free slot's interest: unchoke it now rather than at the next tick
      rechokeSoon = false;
      for (Connection changed : rechoke(now)) {
        if (changed != c) {
          engine.flush(changed, now);
        }
      }
    }
  }

  /** The timer: a new round every ten seconds, or a slot handed on within the round. */
  void tick(long now) {
    if (now - lastRechoke >= RECHOKE_NANOS || lastRechoke == Long.MIN_VALUE) {
      lastRechoke = now;
      rechokeSoon = false;
      endIdleTurns();
      rechoke(now);
      round++;
    } else if (rechokeSoon || idleSlotHeld(now)) {
      rechokeSoon = false;
      rechoke(now); // the same round: turns and optimistic unchokes keep their timing
    }
  }

  /**
   * A new round: peers choked for being idle count as interested again (idle is for a turn).
   * Choked, they cannot request, and may not say interested again (they are): without this a
   * seeder, which gets no new piece to end it, would never unchoke them again.
   */
  private void endIdleTurns() {
    for (Connection c : t.connections) {
      PeerState p = c.peer();
      if (p.isIdle() && p.isChokedByUs()) {
        p.idleEnded();
      }
    }
  }

  /** Whether a peer waits for a slot: choked, interested, not idle. */
  private boolean anyWaiting() {
    for (Connection c : t.connections) {
      PeerState p = c.peer();
      if (p.handshakeDone() && p.isChokedByUs() && p.isInterestedInUs() && !p.isIdle()) {
        return true;
      }
    }
    return false;
  }

  /** Unchoked peers that use their slot (interested, not idle). */
  private int activeCount() {
    int n = 0;
    for (Connection c : t.connections) {
      PeerState p = c.peer();
      if (!p.isChokedByUs() && p.isInterestedInUs() && !p.isIdle()) {
        n++;
      }
    }
    return n;
  }

  /** Whether an upload slot is held by a newly idle peer while another peer waits for one. */
  private boolean idleSlotHeld(long now) {
    boolean idleFound = false;
    boolean waiting = false;
    for (Connection c : t.connections) {
      if (!c.peer().handshakeDone()) {
        continue;
      }
      if (!c.peer().isIdle() && isIdleUnchoked(c, now)) {
        idleFound = true;
      } else if (c.peer().isChokedByUs() && c.peer().isInterestedInUs()
          && !c.peer().isIdle()) {
        waiting = true;
      }
    }
    return idleFound && waiting;
  }

  private static boolean isIdleUnchoked(Connection c, long now) {
    PeerState p = c.peer();
    return !p.isChokedByUs() && p.isInterestedInUs() && p.uploadQueue().isEmpty()
        && p.ready().isEmpty() && p.readsInFlight() == 0
        && now - Math.max(p.lastUnchokedNanos(), p.peerRequestNanos()) >= IDLE_UNCHOKED_NANOS;
  }

  /** Runs the choker; returns the connections whose choke state changed. */
  private List<Connection> rechoke(long now) {
    List<PeerStats> stats = new ArrayList<>();
    int count = t.metainfo() == null ? 1 : t.metainfo().pieceCount();
    // a peer whose requests pause (a lossy path, a slow disk) keeps a slot nobody else wants
    boolean waiting = anyWaiting();
    for (Connection c : t.connections) {
      if (!c.peer().handshakeDone() || c.session == null) {
        continue;
      }
      PeerState p = c.peer();
      double completion =
          p.isSeed() ? 1.0 : Math.min(1.0, p.pieceCount() / (double) count);
      if (waiting && isIdleUnchoked(c, now)) {
        c.peer().idled(); // its slot goes to one that waits; with nobody waiting it keeps it
      }
      stats.add(new PeerStats(c.address, p.isInterestedInUs() && !p.isIdle(), p.isChokedByUs(),
          p.downloadRate(now), p.uploadRate(now), p.downloaded(), p.uploaded(), completion,
          p.isSnubbed(), p.connectedNanos(), p.lastUnchokedNanos()));
    }
    ChokeDecision d;
    try {
      d = choker.rechoke(stats, new ChokeContext(engine.config.uploadSlots(),
          t.state() == TorrentState.SEEDING, round, now, engine.random));
    } catch (RuntimeException e) {
      log.error("choker threw; ignored", e);
      return List.of();
    }
    List<Connection> changed = new ArrayList<>();
    boolean canUpload = t.pieces() != null;
    for (Connection c : t.connections) {
      if (!c.peer().handshakeDone() || c.session == null) {
        continue;
      }
      boolean unchoke = canUpload && d.isUnchoked(c.address);
      if (unchoke && c.peer().isChokedByUs()) {
        c.peer().unchokedAt(now);
        SeedSuggestions suggestions = t.seedSuggestions();
        if (suggestions != null) {
          suggestions.onUnchoked(c); // before the unchoke: the peer's first requests follow them
        }
        c.session.unchoke();
        changed.add(c);
      } else if (!unchoke && !c.peer().isChokedByUs()) {
        c.peer().choked();
        c.session.choke();
        changed.add(c);
        t.uploads.onChoked(c);
      }
    }
    return changed;
  }
}
