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
 * slots; in between, a free slot or one held by an idle peer is handed on at once.
 *
 * <p>Idle peers (interested, unchoked, asking nothing) are what a cheap crowd of connections is
 * made of, and nothing tells them from useful peers before each has been unchoked. Three defences,
 * the same for every {@link Choker} (which only ever sees an idle peer as not interested): each
 * turn a peer wastes is a strike, and only a request we accept forgives strikes; while a crowd
 * wastes turns, a peer that never asked us for anything (new, or struck) must pass a trial before
 * the choker sees it (unchoked beside the slots, many at once, it must request within a second),
 * and each strike in a row doubles the wait for its next trial ({@link PeerState#idled}), so a
 * crowd of thousands is sorted in seconds rather than a slot-second each; and at the connection
 * limit the stubbornly idle make room for new peers (peer turnover). Owned by the
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
  /** The most trials at once: a crowd of 5,000 idle connections is through in about 5 s. */
  static final int MAX_TRIALS = 1024;
  /** A peer with this many strikes in a row may be closed to make room at the connection limit. */
  static final int TURNOVER_STRIKES = 2;
  /** Idle strikes in two rounds that show a crowd wasting turns (see {@link #trialsNeeded}). */
  static final int CROWD_STRIKES = 16;
  /**
   * A slot freed or wanted between rounds is handed on at once, but at most once in this long
   * (the engine's tick); what changes in between waits for the tick. In a swarm of a hundred peers
   * interest comes and goes several times a second on every connection (each new piece makes
   * some neighbours interested and others done), and each hand-off ranks every peer again: 92% of
   * all rechokes on the simulated 100-peer swarm were such hand-offs, 8 a second per peer. (A
   * passed trial is still decided at once: its request must not be served first.)
   */
  static final long HANDOFF_NANOS = 100_000_000L;

  private final TorrentRuntime t;
  private final Engine engine;
  private final Choker choker;
  private long lastRechoke = Long.MIN_VALUE;
  private long round;
  /** A slot may be handed on before the next round (see {@link #afterEvents}). */
  private boolean rechokeSoon;
  /** When {@link #afterEvents} last handed a slot on (see {@link #HANDOFF_NANOS}). */
  private long lastHandoff = Long.MIN_VALUE;
  /** Turns wasted by idle peers that never asked us for anything, this round and the last. */
  private int strikesThisRound;
  private int strikesLastRound;
  /** Peers on trial now. */
  private int trials;

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
    if (c.peer().onTrial()) {
      c.peer().trialEnded();
      trials--;
    } else if (!c.peer().isChokedByUs()) {
      rechokeSoon = true;
    }
  }

  /** After a batch of events from {@code c}: hands a free slot on, flushing the others changed. */
  void afterEvents(Connection c, long now) {
    PeerState p = c.peer();
    boolean passed = false;
    if (p.onTrial() && p.peerRequestNanos() >= p.trialSinceNanos()) {
      // passed: it stays unchoked until the choker, which sees it now, decides (at once)
      p.trialPassed();
      trials--;
      rechokeSoon = true;
      passed = true;
    }
    if (rechokeSoon && t.acceptsConnections()
        && (passed || now - lastHandoff >= HANDOFF_NANOS || lastHandoff == Long.MIN_VALUE)) {
      // a peer took a free slot's interest: unchoke it now rather than at the next tick
      rechokeSoon = false;
      lastHandoff = now;
      for (Connection changed : rechoke(now)) {
        if (changed != c) {
          engine.flush(changed, now);
        }
      }
    }
  }

  /** The timer: a new round every ten seconds, or a slot handed on within the round. */
  void tick(long now) {
    endTrials(now);
    if (now - lastRechoke >= RECHOKE_NANOS || lastRechoke == Long.MIN_VALUE) {
      lastRechoke = now;
      rechokeSoon = false;
      strikesLastRound = strikesThisRound;
      strikesThisRound = 0;
      endIdleTurns();
      turnover();
      rechoke(now);
      round++;
    } else if (rechokeSoon || idleSlotHeld(now)) {
      rechokeSoon = false;
      rechoke(now); // the same round: turns and optimistic unchokes keep their timing
    }
    startTrials(now);
  }

  /**
   * Whether turns are being wasted by a crowd: {@link #CROWD_STRIKES} idle strikes (or two per
   * slot, if more) in this round and the last, of peers that never asked us for anything. Only
   * then must such a peer pass a trial before the choker sees it; in a swarm of peers that use
   * their turns, or are idle now and then (a leecher that fetches what we have from others) the
   * choker sees every interested peer, as it always did.
   */
  private boolean trialsNeeded() {
    return strikesThisRound + strikesLastRound
        >= Math.max(CROWD_STRIKES, 2 * engine.config.uploadSlots());
  }

  /**
   * Whether the choker must not see {@code p} yet. While trials are needed, a peer that never
   * asked us for anything must first show on trial that it will use a turn: one never unchoked,
   * or one that wasted a turn. A peer that asked before stays in the choker's sight even if idle
   * now and then (it fetches what we have from others; a streaming reader asks only for its
   * window): a trial it failed would mark it idle for the rest of the round, just when it may
   * come to need us (on the simulated network, seeks to missing bytes took 5× longer).
   */
  private boolean awaitsTrial(PeerState p) {
    return trialsNeeded() && !p.everRequested() && (!p.tried() || p.idleStrikes() > 0);
  }

  /** Ends the trials whose peer asked nothing in time: choked, with a strike. */
  private void endTrials(long now) {
    if (trials == 0) {
      return;
    }
    for (Connection c : t.connections) {
      PeerState p = c.peer();
      if (p.onTrial() && c.session != null && now - p.trialSinceNanos() >= IDLE_UNCHOKED_NANOS
          && p.uploadQueue().isEmpty() && p.ready().isEmpty() && p.readsInFlight() == 0) {
        trials--;
        p.trialFailed(now, round);
        c.session.choke();
        strikesThisRound++;
      }
    }
  }

  /**
   * While turns are being wasted, unchokes on trial the interested peers that await one and whose
   * strikes let them have it this round, up to {@link #MAX_TRIALS} at once, chosen at random so
   * that no place in the connection list waits for the whole crowd. Trials cost no upload: a peer
   * that passes goes to the choker at once, in the same batch of events as its request, and is
   * choked before anything is read for it unless the choker gives it a slot.
   */
  private void startTrials(long now) {
    if (!trialsNeeded() || t.pieces() == null || !t.acceptsConnections()) {
      return;
    }
    List<Connection> due = new ArrayList<>();
    for (Connection c : t.connections) {
      PeerState p = c.peer();
      if (p.handshakeDone() && c.session != null && p.isChokedByUs() && p.isInterestedInUs()
          && !p.isIdle() && awaitsTrial(p) && p.trialDue(round)) {
        due.add(c);
      }
    }
    for (int i = 0; i < due.size() && trials < MAX_TRIALS; i++) {
      int j = i + engine.random.nextInt(due.size() - i);
      Connection c = due.get(j);
      due.set(j, due.get(i));
      c.peer().trialAt(now);
      c.session.unchoke();
      trials++;
    }
  }

  /**
   * Peer turnover: at the connection limit, with peers known that we are not connected to, closes
   * up to one in 25 of the connections among the stubbornly idle (most strikes first), so that
   * peers who would use a slot get in (libtorrent drops its least useful peers at the limit too).
   */
  private void turnover() {
    int limit = engine.config.maxConnectionsPerTorrent();
    if (t.connections.size() < limit || t.peers.idleCount() == 0) {
      return;
    }
    for (int n = Math.max(1, limit / 25); n > 0; n--) {
      Connection worst = stubbornlyIdle();
      if (worst == null) {
        return;
      }
      engine.close(worst, "peer turnover: idle for " + worst.peer().idleStrikes() + " turns");
    }
  }

  /**
   * The connection to close for a newcomer at the connection limit: the one that wasted the most
   * turns in a row (and has asked for nothing since), at least {@link #TURNOVER_STRIKES} if it
   * never asked us for anything, twice that if it did (a leecher busy with others is idle now and
   * then), and holds no slot; null if there is none.
   */
  Connection stubbornlyIdle() {
    Connection worst = null;
    for (Connection c : t.connections) {
      PeerState p = c.peer();
      int strikes = p.idleStrikes();
      if (p.isChokedByUs() && !p.onTrial() && !c.closed
          && strikes >= (p.everRequested() ? 2 * TURNOVER_STRIKES : TURNOVER_STRIKES)
          && (worst == null || strikes > worst.peer().idleStrikes())) {
        worst = c;
      }
    }
    return worst;
  }

  /**
   * A new round: peers choked for being idle count as interested again (idle is for a turn; while
   * turns are being wasted, they still need a trial first). Choked, they cannot request, and may
   * not say interested again (they are): without this a seeder, which gets no new piece to end
   * it, would never unchoke them again.
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
      if (p.handshakeDone() && p.isChokedByUs() && p.isInterestedInUs() && !p.isIdle()
          && !awaitsTrial(p)) {
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
      if (!p.isChokedByUs() && p.isInterestedInUs() && !p.isIdle() && !p.onTrial()) {
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
          && !c.peer().isIdle() && !awaitsTrial(c.peer())) {
        waiting = true;
      }
    }
    return idleFound && waiting;
  }

  private static boolean isIdleUnchoked(Connection c, long now) {
    PeerState p = c.peer();
    return !p.isChokedByUs() && !p.onTrial() && p.isInterestedInUs() && p.uploadQueue().isEmpty()
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
        p.idled(round); // its slot goes to one that waits; with nobody waiting it keeps it
        if (!p.everRequested()) {
          strikesThisRound++;
        }
      }
      // a peer on trial, or awaiting one, is not the choker's yet: it sees it as not interested
      boolean interested = p.isInterestedInUs() && !p.isIdle() && !p.onTrial()
          && !awaitsTrial(p);
      stats.add(new PeerStats(c.address, interested, p.isChokedByUs() || p.onTrial(),
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
      if (c.peer().onTrial()) {
        continue; // its trial decides (see endTrials and afterEvents)
      }
      if (c.peer().takeTrialPassed() && unchoke) {
        c.peer().unchokedAt(now); // unchoked already: its turn starts now
        continue;
      }
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
