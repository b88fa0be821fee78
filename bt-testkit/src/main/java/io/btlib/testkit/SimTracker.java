package io.btlib.testkit;

import io.btlib.client.PeerSource;
import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerCandidate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;

/**
 * A tracker at the simulated network's core, as a {@link PeerSource} per host: a client that
 * starts a torrent is registered at its host's address and listening port, and gets back up to
 * {@code numwant} other registered peers, chosen at random, one round trip of its host's link
 * later and then at every interval, until its torrent stops (which unregisters it). Peers can be
 * registered by hand too (dead addresses, misbehaving peers).
 */
public final class SimTracker {
  private final Simulation sim;
  private final Duration interval;
  private final int numwant;
  private final Random random;
  private final Map<InfoHash, Set<PeerAddress>> swarms = new HashMap<>();

  /** A tracker answering 50 peers every 30 seconds. */
  public SimTracker(Simulation sim) {
    this(sim, Duration.ofSeconds(30), 50);
  }

  /** A tracker answering up to {@code numwant} peers every {@code interval}. */
  public SimTracker(Simulation sim, Duration interval, int numwant) {
    this.sim = Objects.requireNonNull(sim);
    if (interval.isNegative() || interval.isZero() || numwant < 1) {
      throw new IllegalArgumentException("interval " + interval + ", numwant " + numwant);
    }
    this.interval = interval;
    this.numwant = numwant;
    this.random = sim.newRandom();
  }

  /** Registers {@code peer} in the swarm of {@code infoHash} (it never announces itself). */
  public void register(InfoHash infoHash, PeerAddress peer) {
    swarms.computeIfAbsent(infoHash, k -> new LinkedHashSet<>()).add(peer);
  }

  /** The peers registered for {@code infoHash}. */
  public Set<PeerAddress> peers(InfoHash infoHash) {
    return Collections.unmodifiableSet(swarms.getOrDefault(infoHash, Set.of()));
  }

  /** The peer source for clients on {@code host}. */
  public PeerSource sourceFor(SimHost host) {
    return context -> {
      InfoHash h = context.infoHashes().shortHash();
      PeerAddress self = PeerAddress.of(host.address(), context.listenPort());
      Duration rtt = host.link().latency().multipliedBy(2);
      boolean[] open = {true};
      Runnable[] announce = new Runnable[1];
      announce[0] = () -> {
        if (!open[0] || host.isVanished()) {
          return;
        }
        register(h, self);
        List<PeerAddress> others = new ArrayList<>(swarms.get(h));
        others.remove(self);
        Collections.shuffle(others, random);
        List<PeerAddress> answer = others.subList(0, Math.min(numwant, others.size()));
        if (!answer.isEmpty()) {
          context.addPeers(List.copyOf(answer), PeerCandidate.Source.TRACKER);
        }
        sim.schedule(interval, announce[0]);
      };
      sim.schedule(rtt, announce[0]);
      return () -> {
        open[0] = false;
        Set<PeerAddress> s = swarms.get(h);
        if (s != null) {
          s.remove(self);
        }
      };
    };
  }
}
