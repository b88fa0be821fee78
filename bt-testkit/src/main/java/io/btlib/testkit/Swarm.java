package io.btlib.testkit;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.testkit.internal.DiskStorage;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One torrent's swarm on a {@link Simulation}: seeders and leechers, each a bt client on a host of
 * its own, finding each other through a {@link SimTracker}; run until every leecher has the whole
 * torrent, then read the figures: when each finished, what the seeders uploaded on the wire, and
 * whether every copy is intact. Peers can leave and come back (their storage keeps what they had)
 * and hosts can vanish, for churn. A way to measure a download policy:
 *
 * <pre>{@code
 * try (Swarm swarm = new Swarm(1, SimTorrent.random(2, 16 << 20, 256 * 1024))) {
 *   AccessLink home = AccessLink.symmetric(2 << 20, Duration.ofMillis(30));
 *   swarm.addSeeder(home, b -> {});
 *   for (int i = 0; i < 50; i++) {
 *     swarm.addLeecher(home, b -> b.piecePicker(myPicker));
 *   }
 *   Swarm.Result r = swarm.run(Duration.ofMinutes(30));
 *   System.out.println(r.lastCompletion() + ", seeder sent " + r.seederCopies() + " copies");
 * }
 * }</pre>
 *
 * A uTP swarm is the same with each client's transport set: {@code swarm.addLeecher(home, b ->
 * b.transport(Transport.UTP))}, and faults on the hosts' links ({@code
 * peer.host().faults(LinkFaults.loss(0.01))}) for a lossy one.
 *
 * <p>Used on one thread, like its simulation.
 */
public final class Swarm implements AutoCloseable {
  private final Simulation sim;
  private final SimTorrent torrent;
  private final SimTracker tracker;
  private final List<Peer> peers = new ArrayList<>();

  /** A swarm of {@code torrent} on a new simulation seeded with {@code seed}. */
  public Swarm(long seed, SimTorrent torrent) {
    this.sim = new Simulation(seed);
    this.torrent = Objects.requireNonNull(torrent);
    this.tracker = new SimTracker(sim);
  }

  /** The simulation the swarm runs on (for hosts of other kinds, scheduled events). */
  public Simulation simulation() {
    return sim;
  }

  /** The swarm's tracker. */
  public SimTracker tracker() {
    return tracker;
  }

  /** The torrent. */
  public SimTorrent torrent() {
    return torrent;
  }

  /** The peers, in the order they were added. */
  public List<Peer> peers() {
    return List.copyOf(peers);
  }

  /**
   * Adds a seeder on a new host behind {@code link}, started now; {@code configure} may change
   * its client's builder (the tracker is added to it already).
   */
  public Peer addSeeder(AccessLink link, Consumer<Client.Builder> configure) {
    DiskStorage disk = new DiskStorage(torrent.seededStorage());
    Peer p = new Peer(sim.addHost(link), true, disk, configure);
    peers.add(p);
    p.join();
    return p;
  }

  /** Adds a leecher on a new host behind {@code link}, started now. */
  public Peer addLeecher(AccessLink link, Consumer<Client.Builder> configure) {
    return addLeecher(link, configure, Duration.ZERO);
  }

  /** Adds a leecher on a new host behind {@code link} that joins after {@code delay}. */
  public Peer addLeecher(AccessLink link, Consumer<Client.Builder> configure, Duration delay) {
    DiskStorage disk = new DiskStorage(torrent.emptyStorage());
    Peer p = new Peer(sim.addHost(link), false, disk, configure);
    peers.add(p);
    if (delay.isZero()) {
      p.join();
    } else {
      sim.schedule(delay, p::join);
    }
    return p;
  }

  /**
   * Runs until every leecher that has not vanished has the whole torrent, or {@code limit} of
   * virtual time passes; the figures either way.
   */
  public Result run(Duration limit) {
    long start = sim.nanoTime();
    sim.runUntil(this::allComplete, limit);
    return result(start);
  }

  private boolean allComplete() {
    for (Peer p : peers) {
      if (!p.seeder && !p.host.isVanished() && p.completedNanos < 0) {
        return false;
      }
    }
    return true;
  }

  private Result result(long start) {
    List<Optional<Duration>> done = new ArrayList<>();
    long last = 0;
    boolean all = true;
    boolean intact = true;
    long seederBytes = 0;
    for (Peer p : peers) {
      if (p.seeder) {
        seederBytes += p.host.payloadSent();
        continue;
      }
      if (p.completedNanos >= 0) {
        done.add(Optional.of(Duration.ofNanos(p.completedNanos - start)));
        last = Math.max(last, p.completedNanos - start);
        intact &= torrent.matches(p.disk.bytes());
      } else {
        done.add(Optional.empty());
        all &= p.host.isVanished();
      }
    }
    return new Result(all, Duration.ofNanos(last), done, seederBytes,
        (double) seederBytes / torrent.size(), intact, sim.events());
  }

  /** Closes the simulation and every client in it. */
  @Override
  public void close() {
    sim.close();
  }

  /**
   * The lower bound on the time for {@code leechers} peers to download {@code size} bytes from one
   * seeder uploading {@code seederUp} bytes per second while each leecher uploads {@code
   * leecherUp} (Kumar and Ross, 2006): max(F/S, N·F/(S + N·U)), in seconds.
   */
  public static double fluidBoundSeconds(long size, long seederUp, int leechers, long leecherUp) {
    return Math.max((double) size / seederUp,
        (double) leechers * size / (seederUp + (double) leechers * leecherUp));
  }

  /**
   * A swarm's figures after {@link #run}.
   *
   * @param allComplete every leecher that did not vanish has the torrent
   * @param lastCompletion when the last leecher completed, from the start of the run
   * @param completions each leecher's completion, in the order added (empty: not complete)
   * @param seederPayloadBytes the payload the seeders sent over TCP and UDP (their BitTorrent
   *     traffic, uTP's packet headers included)
   * @param seederCopies {@code seederPayloadBytes} in copies of the torrent
   * @param intact every completed leecher's bytes are the torrent's
   * @param events simulation events run (a measure of the work)
   */
  public record Result(boolean allComplete, Duration lastCompletion,
      List<Optional<Duration>> completions, long seederPayloadBytes, double seederCopies,
      boolean intact, long events) {

    /** Copies the list. */
    public Result {
      completions = List.copyOf(completions);
    }
  }

  /** A seeder or leecher of the swarm: its host, and its client while it is in the swarm. */
  public final class Peer {
    private final SimHost host;
    private final boolean seeder;
    private final DiskStorage disk;
    private final Consumer<Client.Builder> configure;
    private Client client;
    private Torrent torrent;
    private long completedNanos = -1;

    Peer(SimHost host, boolean seeder, DiskStorage disk, Consumer<Client.Builder> configure) {
      this.host = host;
      this.seeder = seeder;
      this.disk = disk;
      this.configure = Objects.requireNonNull(configure);
    }

    /** The peer's host. */
    public SimHost host() {
      return host;
    }

    /** Whether it started as a seeder. */
    public boolean isSeeder() {
      return seeder;
    }

    /** Its client's torrent, while it is in the swarm (else empty). */
    public Optional<Torrent> torrent() {
      return Optional.ofNullable(torrent);
    }

    /** When it had the whole torrent, if it has. */
    public Optional<Duration> completedAt() {
      return completedNanos < 0 ? Optional.empty() : Optional.of(Duration.ofNanos(completedNanos));
    }

    /** Whether its client runs. */
    public boolean isInSwarm() {
      return client != null;
    }

    /**
     * Starts a client on the host with the peer's storage (what it verified before is rechecked
     * and kept) and joins the swarm; nothing if it is in already or its host vanished.
     */
    public void join() {
      if (client != null || host.isVanished()) {
        return;
      }
      Client.Builder b = Client.builder();
      configure.accept(b);
      b.peerSource(tracker.sourceFor(host));
      client = host.client(b);
      torrent = seeder
          ? client.add(Swarm.this.torrent.metainfo(), disk.view(), Swarm.this.torrent.allPieces())
          : client.add(Swarm.this.torrent.metainfo(), disk.view());
      torrent.completion().thenRun(() -> {
        if (completedNanos < 0 && !seeder) {
          completedNanos = sim.nanoTime();
        }
      });
      torrent.start();
    }

    /** Leaves the swarm in good order: its client closes (saying goodbye); the storage stays. */
    public void leave() {
      if (client != null) {
        client.close();
        client = null;
        torrent = null;
      }
    }

    @Override
    public String toString() {
      return (seeder ? "seeder " : "leecher ") + host;
    }
  }
}
