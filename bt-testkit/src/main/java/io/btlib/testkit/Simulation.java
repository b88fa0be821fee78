package io.btlib.testkit;

import io.btlib.testkit.internal.EventQueue;
import io.btlib.testkit.internal.NetHost;
import io.btlib.testkit.internal.Network;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.function.BooleanSupplier;

/**
 * A discrete-event simulation of a network of BitTorrent peers in virtual time: real bt {@link
 * io.btlib.client.Client}s (the same engine code as on sockets) run on {@link SimHost}s whose
 * {@link AccessLink}s have their own rates, latency and buffers, joined by simulated TCP
 * connections. Nothing touches a real socket, a disk or the wall clock, so a 100-peer swarm
 * downloading for ten virtual minutes runs in seconds of CPU, and a run is repeatable: the same
 * seed, the same inputs, the same events in the same order.
 *
 * <pre>{@code
 * try (Simulation sim = new Simulation(1)) {
 *   SimTorrent torrent = SimTorrent.random(2, 16 << 20, 256 * 1024);
 *   SimTracker tracker = new SimTracker(sim);
 *   SimHost a = sim.addHost(AccessLink.symmetric(4 << 20, Duration.ofMillis(25)));
 *   SimHost b = sim.addHost(AccessLink.symmetric(4 << 20, Duration.ofMillis(25)));
 *   Torrent seed = a.client(Client.builder().peerSource(tracker.sourceFor(a)))
 *       .add(torrent.metainfo(), torrent.seededStorage(), torrent.allPieces());
 *   Torrent leech = b.client(Client.builder().peerSource(tracker.sourceFor(b)))
 *       .add(torrent.metainfo(), torrent.emptyStorage());
 *   seed.start();
 *   leech.start();
 *   sim.runUntil(() -> leech.completion().isDone(), Duration.ofMinutes(5));
 * }
 * }</pre>
 *
 * <p>One thread drives a simulation: the one that calls {@link #runUntil} and {@link #runFor};
 * every client, listener and policy runs on it. What it models and what it leaves out is in the
 * module's README section: TCP with slow start and flow control but no loss, uTP over datagrams
 * that can be lost, reordered and duplicated ({@link LinkFaults}) and are dropped by full queues,
 * per-host access links with fair uplinks and first-in first-out downlinks, dials that time out,
 * resets and vanishing hosts.
 */
public final class Simulation implements AutoCloseable {
  private final EventQueue queue = new EventQueue();
  final Network network;
  private final Random seeds;
  private final List<SimHost> hosts = new ArrayList<>();
  private int nextAddress = 1;
  private boolean closed;

  /** A simulation whose every random choice (clients' included) derives from {@code seed}. */
  public Simulation(long seed) {
    this.seeds = new Random(seed);
    // the faults' draws have a stream of their own, so that a run without faults is as it was
    this.network = new Network(queue, seed ^ 0x6A09E667F3BCC908L);
  }

  long nextSeed() {
    return seeds.nextLong();
  }

  /** The virtual time since the start, in nanoseconds. */
  public long nanoTime() {
    return queue.now();
  }

  /** The virtual time since the start. */
  public Duration elapsed() {
    return Duration.ofNanos(queue.now());
  }

  /** How many events ran so far (a measure of the work simulated). */
  public long events() {
    return queue.executed();
  }

  /** A random source derived from the seed, for a scenario's own choices. */
  public Random newRandom() {
    return new Random(nextSeed());
  }

  /** Adds a host at the next free address of 10.0.0.0/8. */
  public SimHost addHost(AccessLink link) {
    for (;;) {
      int n = nextAddress++;
      byte[] a = {10, (byte) (n >> 16), (byte) (n >> 8), (byte) n};
      if ((n & 0xFF) == 0 || (n & 0xFF) == 255) {
        continue;
      }
      try {
        InetAddress address = InetAddress.getByAddress(a);
        if (network.hosts().stream().noneMatch(h -> h.address().equals(address))) {
          return addHost(address, link);
        }
      } catch (UnknownHostException e) {
        throw new IllegalStateException(e);
      }
    }
  }

  /** Adds a host at {@code address} (IPv4 or IPv6; it never leaves the simulation). */
  public SimHost addHost(InetAddress address, AccessLink link) {
    checkOpen();
    Objects.requireNonNull(link, "link");
    NetHost n = network.addHost(address, link.upBytesPerSecond(), link.downBytesPerSecond(),
        link.latency().toNanos(), link.sendBuffer(), link.receiveBuffer(), link.upQueueBytes(),
        link.downQueueBytes());
    SimHost h = new SimHost(this, n, link);
    hosts.add(h);
    return h;
  }

  /** The hosts, in the order they were added. */
  public List<SimHost> hosts() {
    return List.copyOf(hosts);
  }

  /**
   * Sets the faults of the path between {@code a} and {@code b}, both ways, for the datagrams
   * between them from now on (on top of those of each host's link; see {@link LinkFaults}).
   */
  public void faults(SimHost a, SimHost b, LinkFaults faults) {
    Objects.requireNonNull(faults, "faults");
    network.faults(a.net, b.net, faults);
  }

  /** Runs {@code action} on the simulation's thread after {@code delay} of virtual time. */
  public void schedule(Duration delay, Runnable action) {
    Objects.requireNonNull(action, "action");
    queue.after(delay.toNanos(), action);
  }

  /**
   * Runs events until {@code done} holds (checked between events, whenever virtual time moves),
   * nothing is left to run, or {@code limit} of virtual time has passed since this call.
   *
   * @return whether {@code done} holds
   */
  public boolean runUntil(BooleanSupplier done, Duration limit) {
    checkOpen();
    long end = saturatedAdd(queue.now(), limit.toNanos());
    long checkedAt = -1;
    for (;;) {
      long now = queue.now();
      if (now != checkedAt) {
        checkedAt = now;
        if (done.getAsBoolean()) {
          return true;
        }
      }
      if (queue.nextTime() > end) {
        queue.advanceTo(end);
        return done.getAsBoolean();
      }
      queue.runNext();
    }
  }

  /** Runs events for {@code duration} of virtual time. */
  public void runFor(Duration duration) {
    runUntil(() -> false, duration);
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  private void checkOpen() {
    if (closed) {
      throw new IllegalStateException("simulation closed");
    }
  }

  /** Closes every client of every host and forgets what is still to run; idempotent. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    for (SimHost h : hosts) {
      h.closeClients();
    }
    queue.clear();
  }
}
