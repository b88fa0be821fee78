package io.btlib.dht.internal;

import io.btlib.dht.NodeId;
import io.btlib.peer.PeerAddress;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import java.util.function.Predicate;

/**
 * A discrete-event simulation of a DHT in virtual time: many {@link DhtEngine}s in one thread,
 * their datagrams carried by a priority queue of deliveries. Each link has a one-way latency (the
 * sum of both ends' access latencies, with jitter) and a loss rate; everything random comes from
 * one seed, so a run is repeatable. The engines are the real ones: real KRPC bytes, real routing
 * tables, tokens, rate limits and BEP 42 checks.
 *
 * <p>Nodes are of four {@link Kind}s: honest; behind a NAT (they send, and get answers from the
 * addresses they sent to in the last {@link Settings#natMappingMillis}, but nothing unsolicited
 * reaches them); droppers (ignore a share of the queries they get); liars (answer every query,
 * but with made-up nodes, real addresses under wrong ids, real but far nodes, bogus peers or
 * garbage). Each node has its own public IPv4 address and a BEP 42 id for it, so the engines run
 * with BEP 42 on and one node per IP, as on the Internet.
 *
 * <p>Why it lives here: it drives the engine, which this module does not export; in this
 * unexported package it is not API, and both this module's tests and the benchmarks (on the
 * class path) can run it. Not thread-safe: one thread runs the simulation.
 */
public final class DhtSimulator {
  /** How a simulated node behaves. */
  public enum Kind {
    /** A bt node that answers everything it should. */
    HONEST,
    /** A bt node behind a NAT: reachable only by those it recently sent to. */
    NAT,
    /** A node that ignores {@link Settings#dropperLoss} of the queries it gets. */
    DROPPER,
    /** A node that answers queries with lies. */
    LIAR
  }

  /**
   * The simulated network.
   *
   * @param seed everything random derives from it
   * @param minAccessMillis a node's one-way access latency, at least
   * @param maxAccessMillis a node's one-way access latency, at most (a link adds both ends)
   * @param loss the share of datagrams lost on any link
   * @param dropperLoss the share of queries a {@link Kind#DROPPER} ignores
   * @param natMappingMillis how long a NAT keeps a mapping open after the last datagram out
   * @param tickMillis how often every engine's {@link DhtEngine#onTick} runs
   * @param engine the engines' settings
   */
  public record Settings(
      long seed,
      int minAccessMillis,
      int maxAccessMillis,
      double loss,
      double dropperLoss,
      long natMappingMillis,
      long tickMillis,
      DhtEngine.Config engine) {

    /**
     * Defaults: 5 to 75 ms each way per end, 1% loss, droppers ignore half, 60 s NAT mappings,
     * ticks every 500 ms, and an engine set as {@link io.btlib.dht.DhtNode}'s defaults.
     */
    public static Settings defaults(long seed) {
      return new Settings(seed, 5, 75, 0.01, 0.5, 60_000, 500, defaultEngine());
    }

    /** The engine settings {@link io.btlib.dht.DhtNode} uses by default, with BEP 42 on. */
    public static DhtEngine.Config defaultEngine() {
      return new DhtEngine.Config(false, true, 2000, 20, 50, 2000, 100, 30 * 60_000L, 50, 1024);
    }
  }

  /** One simulated node. */
  public final class Node {
    private final Kind kind;
    private final InetSocketAddress address;
    private final DhtEngine engine;
    private final int accessMillis;
    private final List<InetSocketAddress> bootstrap;
    private final long joinedAt;
    /** NAT mappings: where this node sent last, oldest first (NAT nodes only). */
    private final LinkedHashMap<InetSocketAddress, Long> natOut;
    private boolean alive = true;
    private int liveIndex;
    private int queriesThisMinute;
    private long queriesReceived;
    private long nextRebootstrap;

    private Node(Kind kind, InetSocketAddress address, NodeId id, List<InetSocketAddress> bootstrap) {
      this.kind = kind;
      this.address = address;
      this.bootstrap = bootstrap;
      this.joinedAt = now;
      this.accessMillis =
          settings.minAccessMillis()
              + random.nextInt(settings.maxAccessMillis() - settings.minAccessMillis() + 1);
      this.natOut = kind == Kind.NAT ? new LinkedHashMap<>() : null;
      this.engine =
          new DhtEngine(
              settings.engine(), id, () -> now, new Random(random.nextLong()), this::send);
      this.nextRebootstrap = now + 60_000;
    }

    /** The node's kind. */
    public Kind kind() {
      return kind;
    }

    /** The node's address. */
    public InetSocketAddress address() {
      return address;
    }

    /** The node's id. */
    public NodeId id() {
      return engine.id();
    }

    /** The node's engine. */
    public DhtEngine engine() {
      return engine;
    }

    /** Whether the node is still in the network. */
    public boolean isAlive() {
      return alive;
    }

    /** When it joined, in virtual milliseconds. */
    public long joinedAt() {
      return joinedAt;
    }

    /** Queries that reached it (before a dropper or liar decides what to do with them). */
    public long queriesReceived() {
      return queriesReceived;
    }

    /** The peer address it announces (its IP and port 6881). */
    public PeerAddress peerAddress() {
      return new PeerAddress(address.getAddress(), 6881);
    }

    private void send(byte[] packet, InetSocketAddress to) {
      packetsSent++;
      if (natOut != null) {
        natOut.remove(to);
        natOut.put(to, now);
        Iterator<Long> it = natOut.values().iterator();
        while (it.hasNext() && now - it.next() > settings.natMappingMillis()) {
          it.remove();
        }
      }
      if (random.nextDouble() < settings.loss()) {
        packetsLost++;
        return;
      }
      Node target = byAddress.get(to);
      if (target == null) {
        packetsToNowhere++;
        return;
      }
      int oneWay = accessMillis + target.accessMillis;
      long at = now + oneWay * (90 + random.nextInt(21)) / 100;
      InetSocketAddress from = address;
      schedule(at, () -> target.deliver(packet, from));
    }

    private void deliver(byte[] packet, InetSocketAddress from) {
      if (!alive) {
        packetsToNowhere++;
        return;
      }
      if (natOut != null) {
        Long sent = natOut.get(from);
        if (sent == null || now - sent > settings.natMappingMillis()) {
          packetsBlockedByNat++;
          return;
        }
      }
      boolean query = isQuery(packet);
      if (query) {
        queriesThisMinute++;
        queriesReceived++;
        if (kind == Kind.DROPPER && random.nextDouble() < settings.dropperLoss()) {
          return;
        }
        if (kind == Kind.LIAR) {
          lie(packet, from);
          return;
        }
      }
      engine.onPacket(packet, 0, packet.length, from);
    }

    /** A liar's answer to a query: the right shape, the wrong content. */
    private void lie(byte[] packet, InetSocketAddress from) {
      KrpcMessage m;
      try {
        m = KrpcCodec.decode(packet);
      } catch (KrpcException e) {
        return;
      }
      if (!(m instanceof KrpcMessage.Query q)) {
        return;
      }
      int mode = random.nextInt(10);
      if (mode == 0) {
        byte[] garbage = new byte[20 + random.nextInt(60)];
        random.nextBytes(garbage);
        send(garbage, from);
        return;
      }
      List<NodeInfo> nodes = List.of();
      List<PeerAddress> values = List.of();
      byte[] token = null;
      if (q.method() == KrpcMessage.Method.FIND_NODE
          || q.method() == KrpcMessage.Method.GET_PEERS) {
        nodes = lyingNodes(mode);
      }
      if (q.method() == KrpcMessage.Method.GET_PEERS) {
        token = new byte[8];
        random.nextBytes(token);
        List<PeerAddress> bogus = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
          bogus.add(new PeerAddress(fakeAddress(13), 1 + random.nextInt(65535)));
        }
        values = bogus;
      }
      send(
          KrpcCodec.encode(
              new KrpcMessage.Response(
                  q.transactionId(), id(), nodes, List.of(), values, token, null, null)),
          from);
    }

    private List<NodeInfo> lyingNodes(int mode) {
      List<NodeInfo> out = new ArrayList<>(RoutingTable.K);
      for (int i = 0; i < RoutingTable.K; i++) {
        if (mode <= 3) { // made up: valid BEP 42 ids at addresses where no one listens
          InetAddress ip = fakeAddress(12);
          out.add(new NodeInfo(Bep42.generate(ip, random), new InetSocketAddress(ip, 6881)));
        } else {
          Node real = live.get(random.nextInt(live.size()));
          // a real address under a made-up id, or a real node that is not close to the target
          NodeId id = mode <= 6 ? NodeId.random(random) : real.id();
          out.add(new NodeInfo(id, real.address));
        }
      }
      return out;
    }
  }

  /** A snapshot of the routing tables of some nodes. */
  public record TableHealth(
      int tables,
      double meanSize,
      double goodFraction,
      double liveFraction,
      double liarFraction,
      double unansweredFraction,
      double badFraction) {}

  private record Event(long time, long seq, Runnable action) {}

  private final Settings settings;
  private final Random random;
  private final PriorityQueue<Event> queue =
      new PriorityQueue<>(
          (a, b) -> a.time != b.time ? Long.compare(a.time, b.time) : Long.compare(a.seq, b.seq));
  private final Map<InetSocketAddress, Node> byAddress = new HashMap<>();
  private final List<Node> live = new ArrayList<>();
  private long now;
  private long seq;
  private int nextIp = 0x0B000001; // 11.0.0.1 on: public addresses, so BEP 42 applies
  private int[] minuteCounts = new int[1024];
  private int minuteCountsSize;
  private long packetsSent;
  private long packetsLost;
  private long packetsToNowhere;
  private long packetsBlockedByNat;

  /** An empty network at virtual time 0; ticks and per-minute counts start at once. */
  public DhtSimulator(Settings settings) {
    this.settings = settings;
    this.random = new Random(settings.seed());
    schedule(settings.tickMillis(), this::tickAll);
    schedule(60_000, this::closeMinute);
  }

  /** The virtual time in milliseconds. */
  public long now() {
    return now;
  }

  /** The simulation's random source (for scenarios, so that a run stays repeatable). */
  public Random random() {
    return random;
  }

  /** The nodes in the network now, in no particular order; do not keep. */
  public List<Node> live() {
    return Collections.unmodifiableList(live);
  }

  /** A random live node that {@code which} accepts, or null if none does after many tries. */
  public Node randomLive(Predicate<Node> which) {
    for (int i = 0; i < 1000 && !live.isEmpty(); i++) {
      Node n = live.get(random.nextInt(live.size()));
      if (which.test(n)) {
        return n;
      }
    }
    return null;
  }

  /** Runs {@code action} at virtual time {@code at}. */
  public void schedule(long at, Runnable action) {
    queue.add(new Event(Math.max(at, now), seq++, action));
  }

  /** Runs every event due up to {@code time}, then sets the clock to it. */
  public void runUntil(long time) {
    while (!queue.isEmpty() && queue.peek().time <= time) {
      Event e = queue.poll();
      now = e.time;
      e.action.run();
    }
    now = Math.max(now, time);
  }

  /**
   * Adds a node of {@code kind} with a fresh address and a BEP 42 id for it, and bootstraps it
   * (a find_node for its own id) from up to three random honest nodes already in the network.
   */
  public Node addNode(Kind kind) {
    InetAddress ip = ipv4(nextIp++);
    List<InetSocketAddress> seeds = new ArrayList<>();
    for (int i = 0; i < 3 && !live.isEmpty(); i++) {
      Node s = randomLive(n -> n.kind == Kind.HONEST);
      if (s != null && !seeds.contains(s.address)) {
        seeds.add(s.address);
      }
    }
    Node n = new Node(kind, new InetSocketAddress(ip, 6881), Bep42.generate(ip, random), seeds);
    byAddress.put(n.address, n);
    n.liveIndex = live.size();
    live.add(n);
    if (!seeds.isEmpty()) {
      n.engine.lookup(n.id(), false, seeds);
    }
    return n;
  }

  /** Takes a node out of the network: it stops at once, and datagrams to it are lost. */
  public void remove(Node n) {
    if (!n.alive) {
      return;
    }
    n.alive = false;
    byAddress.remove(n.address);
    Node last = live.remove(live.size() - 1);
    if (last != n) {
      live.set(n.liveIndex, last);
      last.liveIndex = n.liveIndex;
    }
    n.engine.failAll();
  }

  private void tickAll() {
    for (int i = 0; i < live.size(); i++) {
      Node n = live.get(i);
      n.engine.onTick();
      if (now >= n.nextRebootstrap) {
        n.nextRebootstrap = now + 60_000;
        if (n.engine.table().size() == 0 && !n.bootstrap.isEmpty()) {
          n.engine.lookup(n.id(), false, n.bootstrap); // as DhtNode: the table emptied, start over
        }
      }
    }
    schedule(now + settings.tickMillis(), this::tickAll);
  }

  private void closeMinute() {
    for (Node n : live) {
      if (now - n.joinedAt >= 60_000) {
        if (minuteCountsSize == minuteCounts.length) {
          minuteCounts = java.util.Arrays.copyOf(minuteCounts, minuteCounts.length * 2);
        }
        minuteCounts[minuteCountsSize++] = n.queriesThisMinute;
      }
      n.queriesThisMinute = 0;
    }
    schedule(now + 60_000, this::closeMinute);
  }

  /** Forgets the per-minute query counts recorded so far (say, those of the warm-up). */
  public void resetQueryCounts() {
    minuteCountsSize = 0;
  }

  /**
   * The queries each node received in each whole virtual minute since the last reset, one value
   * per node and minute (nodes present for the whole minute only), sorted.
   */
  public int[] queriesPerNodeMinute() {
    int[] out = java.util.Arrays.copyOf(minuteCounts, minuteCountsSize);
    java.util.Arrays.sort(out);
    return out;
  }

  /**
   * The routing tables of the live nodes {@code which} accepts: their mean size; the share of
   * entries that are good by BEP 5 (answered within 15 minutes and not failed since); the share
   * that are live (a node with that id is at that address now and can be reached unsolicited);
   * the share that are liars; the share that never answered us; the share that are bad.
   */
  public TableHealth tableHealth(Predicate<Node> which) {
    int tables = 0;
    long entries = 0;
    long good = 0;
    long reachable = 0;
    long liars = 0;
    long unanswered = 0;
    long bad = 0;
    for (Node n : live) {
      if (!which.test(n)) {
        continue;
      }
      tables++;
      for (RoutingTable.Entry e : n.engine.table().entries()) {
        entries++;
        if (e.isGood(now)) {
          good++;
        }
        if (e.isBad()) {
          bad++;
        } else if (!e.hasAnswered()) {
          unanswered++;
        }
        Node there = byAddress.get(e.info().address());
        if (there != null && there.kind != Kind.NAT && there.id().equals(e.info().id())) {
          reachable++;
          if (there.kind == Kind.LIAR) {
            liars++;
          }
        }
      }
    }
    double d = Math.max(1, entries);
    return new TableHealth(
        tables, tables == 0 ? 0 : (double) entries / tables, good / d, reachable / d, liars / d,
        unanswered / d, bad / d);
  }

  /** Datagrams sent so far. */
  public long packetsSent() {
    return packetsSent;
  }

  /** Datagrams lost on links so far. */
  public long packetsLost() {
    return packetsLost;
  }

  /** Datagrams sent to addresses where no node is (left, or made up by liars). */
  public long packetsToNowhere() {
    return packetsToNowhere;
  }

  /** Datagrams a NAT stopped. */
  public long packetsBlockedByNat() {
    return packetsBlockedByNat;
  }

  /** Deliveries waiting in the queue. */
  public int queuedEvents() {
    return queue.size();
  }

  private InetAddress fakeAddress(int firstOctet) {
    return ipv4((firstOctet << 24) | (random.nextInt(1 << 24)));
  }

  private static InetAddress ipv4(int ip) {
    try {
      return InetAddress.getByAddress(
          new byte[] {(byte) (ip >>> 24), (byte) (ip >>> 16), (byte) (ip >>> 8), (byte) ip});
    } catch (UnknownHostException e) {
      throw new IllegalStateException(e); // four bytes are always an address
    }
  }

  private static final byte[] QUERY_MARK = {'1', ':', 'y', '1', ':', 'q'};

  /** Whether a KRPC datagram is a query ({@code y = q}), without decoding it. */
  static boolean isQuery(byte[] p) {
    outer:
    for (int i = 0; i + QUERY_MARK.length <= p.length; i++) {
      for (int j = 0; j < QUERY_MARK.length; j++) {
        if (p[i + j] != QUERY_MARK[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }
}
