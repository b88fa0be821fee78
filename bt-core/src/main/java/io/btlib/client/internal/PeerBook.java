package io.btlib.client.internal;

import io.btlib.client.PeerSource;
import io.btlib.client.TorrentState;
import io.btlib.client.Transport;
import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.policy.PeerCandidate;
import io.btlib.policy.PeerSelector;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.PexMessage;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A torrent's peer book: the peers it knows of and may dial, where they come from (peer sources,
 * PEX, incoming connections, the user), the bans, and what it tells peers of others (PEX) and of
 * our DHT node. Owned by the engine thread. Internal, not API.
 */
final class PeerBook {
  private static final Logger log = LoggerFactory.getLogger(PeerBook.class);
  private static final long PEX_NANOS = 60 * 1_000_000_000L;
  /** The most peers remembered from sources other than the user. */
  private static final int MAX_KNOWN = 2000;

  private final TorrentRuntime t;
  private final Engine engine;
  private final PeerSelector selector;
  private final Map<PeerAddress, Known> known = new LinkedHashMap<>();
  private final Set<PeerAddress> bannedAddresses = new HashSet<>();
  private final Set<PeerId> bannedIds = new HashSet<>();
  private int bannedCount;
  private final List<PeerSource.Session> sourceSessions = new ArrayList<>();

  /** A known peer that we may dial. */
  private static final class Known {
    PeerCandidate.Source source;
    int failures;
    long lastAttempt = Long.MIN_VALUE;
    boolean connected;
    /** It had every piece when we last spoke: not dialled while we seed. */
    boolean seed;
    /** It speaks uTP (a PEX flag, a uTP connection from it): with both transports, dial uTP. */
    boolean utp;
    /** A dial failed and the other transport was tried at once; again after a handshake. */
    boolean fellBack;
    /** A PEX message flagged it as speaking ut_holepunch (BEP 55). */
    boolean holepunch;
    /** The peer whose PEX message named it last: the relay to ask for a rendezvous. */
    PeerAddress via;
  }

  /** BEP 11's flag for a peer that supports uTP. */
  static final int PEX_UTP = 0x04;
  /** BEP 11's flag for a seed. */
  static final int PEX_SEED = 0x02;
  /** BEP 11's flag for a peer that supports ut_holepunch (BEP 55). */
  static final int PEX_HOLEPUNCH = 0x08;
  /** BEP 11's flag for a peer we connected to: it accepts connections. */
  static final int PEX_REACHABLE = 0x10;

  /**
   * A dial pass runs when something changed (a peer learnt, a connection made or closed) and
   * otherwise once a second, when candidates that failed may have served their back-off: not on
   * every tick, where listing and sorting the known peers cost as much as the swarm's blocks.
   */
  static final long DIAL_PASS_NANOS = 1_000_000_000L;
  private boolean dialWanted = true;
  private long lastDialPass;
  /** Incoming connections whose peers told us where they listen, and that endpoint. */
  private final Map<Connection, PeerAddress> listening = new IdentityHashMap<>();

  PeerBook(TorrentRuntime t) {
    this.t = t;
    this.engine = t.engine;
    this.selector = engine.config.peerSelector().create();
  }

  void addPeer(PeerAddress peer, PeerCandidate.Source source) {
    if (bannedAddresses.contains(peer)) {
      return;
    }
    if (engine.isSelf(peer)) {
      return; // ourselves: our listen endpoint, or one a dial found to be us
    }
    Known k = known.get(peer);
    if (k == null) {
      if (known.size() >= MAX_KNOWN && source != PeerCandidate.Source.MANUAL) {
        return;
      }
      k = new Known();
      k.source = source;
      known.put(peer, k);
      dialWanted = true;
      engine.wake(t); // a peer to dial: the ticks visit the torrent again
    } else if (source == PeerCandidate.Source.MANUAL) {
      k.source = source;
    }
  }

  /**
   * Peers {@code from}'s PEX message names, with their flags (none for a private torrent: BEP 27).
   */
  void addPexPeers(Connection from, Map<PeerAddress, Integer> added) {
    if (t.isPrivate()) {
      return;
    }
    for (Map.Entry<PeerAddress, Integer> e : added.entrySet()) {
      addPeer(e.getKey(), PeerCandidate.Source.PEX);
      Known k = known.get(e.getKey());
      if (k == null) {
        continue;
      }
      int flags = e.getValue();
      if ((flags & PEX_UTP) != 0) {
        k.utp = true;
      }
      if ((flags & PEX_HOLEPUNCH) != 0) {
        k.holepunch = true;
        k.via = from.address;
      }
    }
  }

  /**
   * Dials {@code peer} over uTP at once, as a holepunch relay asked (BEP 55): unless it is
   * banned, connected or being dialled, or the torrent takes no connections.
   *
   * @return whether a dial started
   */
  boolean holepunchDial(PeerAddress peer, long now) {
    if (bannedAddresses.contains(peer) || !t.acceptsConnections() || engine.closing
        || isConnectedTo(peer) || t.connections.size() >= engine.config.maxConnectionsPerTorrent()
        || engine.connections.size() >= engine.config.maxConnections()) {
      return false;
    }
    addPeer(peer, PeerCandidate.Source.PEX);
    Known k = known.get(peer);
    if (k == null || k.connected) {
      return false;
    }
    k.utp = true;
    k.lastAttempt = now;
    k.connected = true;
    if (!engine.connect(t, peer, true, now)) {
      k.connected = false;
      k.failures++;
      return false;
    }
    return true;
  }

  /**
   * Where {@code c}'s peer can be reached: the endpoint we dialled; for one that dialled us, the
   * endpoint it came from over uTP (its UDP socket is its listening one, and the one its NAT
   * mapped), else the port it said it listens on.
   */
  PeerAddress endpointOf(Connection c) {
    if (c.outgoing || c.link.utp()) {
      return c.address;
    }
    PeerAddress l = listening.get(c);
    return l != null ? l : c.address;
  }

  /** Whether a dial to {@code k} goes over uTP, as the client's transport allows. */
  private boolean overUtp(Known k) {
    return switch (engine.config.transport()) {
      case TCP -> false;
      case UTP -> true;
      case BOTH -> k.utp;
    };
  }

  /** Our dial to {@code c} got through. */
  void onConnected(Connection c) {
    Known k = known.get(c.address);
    if (k != null) {
      k.failures = 0;
      k.connected = true;
    }
    dialWanted = true; // a half-open slot is free again
  }

  /** Dials {@code a} over the other transport after a failed dial (see {@link #onClosed}). */
  private void fallBack(PeerAddress a, Known k, boolean utp) {
    if (known.get(a) != k) {
      return; // forgotten or banned meanwhile
    }
    long now = engine.ticker.getAsLong();
    if (engine.closing || !t.acceptsConnections() || isConnectedTo(a)
        || !engine.connect(t, a, utp, now)) {
      k.connected = false;
      k.failures++;
      dialWanted = true;
    }
  }

  /** Forgets the endpoint a dial found to be ourselves. */
  void onSelfConnection(Connection c) {
    known.remove(c.address);
  }

  /**
   * {@code c} closed: its peer may be dialled again, and a dial that got nowhere counts. With both
   * transports, a dial that failed before the handshake is tried once at once over the other one:
   * uTP that was not answered (UDP filtered, say), or TCP that was refused or closed by the peer
   * (one with TCP turned off, as libtorrent can be), not TCP that timed out (a dead host). The
   * transport that carried a handshake is the one dialled next time.
   */
  void onClosed(Connection c) {
    Known k = known.get(c.address);
    if (k != null) {
      k.connected = false;
      k.seed = c.peer().isSeed();
      if (c.peer().handshakeDone()) {
        k.fellBack = false;
        k.utp = c.link.utp();
      } else if (c.outgoing) {
        if (engine.config.transport() == Transport.BOTH && !k.fellBack && !c.mse.isRefused()
            && (c.link.utp() || !c.timedOut)) {
          k.fellBack = true;
          k.connected = true; // the other transport's dial is on its way
          boolean utp = !c.link.utp();
          PeerAddress a = c.address;
          log.debug("{} failed before the handshake: trying {} at once", c, utp ? "uTP" : "TCP");
          engine.post(() -> fallBack(a, k, utp));
        } else {
          k.failures++;
          if (k.holepunch) {
            t.holepunch.dialFailed(c.address, connectionAt(k.via), engine.ticker.getAsLong());
          }
        }
      }
    }
    PeerAddress listen = listening.remove(c);
    Known l = listen == null ? null : known.get(listen);
    if (l != null) {
      l.connected = false; // it may be dialled once its incoming connection is gone
      l.seed = c.peer().isSeed();
    }
    dialWanted = true;
  }

  boolean isBanned(PeerId id) {
    return bannedIds.contains(id);
  }

  /**
   * An incoming peer announced the port it listens on: that endpoint is known (not dialled while
   * this connection lasts).
   */
  void onListenPort(Connection c, ExtendedHandshake h) {
    if (c.outgoing || !h.listenPort().isPresent()) {
      return;
    }
    try {
      PeerAddress listening = PeerAddress.of(c.address.address(), h.listenPort().getAsInt());
      Known k = known.computeIfAbsent(listening, a -> new Known());
      if (k.source == null) {
        k.source = PeerCandidate.Source.INCOMING;
      }
      k.connected = true;
      k.utp |= c.link.utp() && listening.equals(c.address); // it reached us from that port
      this.listening.put(c, listening);
    } catch (IllegalArgumentException ignored) {
      // a port we cannot use
    }
  }

  /** Bans a peer: its address and peer id, and closes its connections. */
  void ban(PeerAddress peer, String reason) {
    if (!bannedAddresses.add(peer)) {
      return;
    }
    bannedCount++;
    known.remove(peer);
    for (Connection c : new ArrayList<>(t.connections)) {
      if (c.address.equals(peer)) {
        if (c.peer().peerId() != null) {
          bannedIds.add(c.peer().peerId());
        }
        engine.close(c, "banned: " + reason);
      }
    }
    log.info("banned {}: {}", peer, reason);
    t.post(l -> l.onPeerBanned(t.handle, peer, reason));
  }

  int bannedCount() {
    return bannedCount;
  }

  /** Known peers, connected or not. */
  int knownCount() {
    return known.size();
  }

  /** Known peers we are not connected to. */
  int idleCount() {
    int n = 0;
    for (Known k : known.values()) {
      if (!k.connected) {
        n++;
      }
    }
    return n;
  }

  /** Dials what the peer selector picks among the known peers, up to the connection limits. */
  void dial(long now) {
    int room = Math.min(engine.config.maxConnectionsPerTorrent() - t.connections.size(),
        engine.config.maxHalfOpen() - engine.halfOpen);
    room = Math.min(room, engine.config.maxConnections() - engine.connections.size());
    if (room <= 0 || (!dialWanted && now - lastDialPass < DIAL_PASS_NANOS)) {
      return;
    }
    dialWanted = false;
    lastDialPass = now;
    boolean seeding = t.state() == TorrentState.SEEDING;
    Set<PeerAddress> connected = new HashSet<>();
    for (Connection c : t.connections) {
      connected.add(c.address);
    }
    List<PeerCandidate> candidates = new ArrayList<>();
    for (Map.Entry<PeerAddress, Known> e : known.entrySet()) {
      Known k = e.getValue();
      if (!k.connected && !connected.contains(e.getKey()) && !(seeding && k.seed)) {
        candidates.add(new PeerCandidate(e.getKey(), k.source, k.failures, k.lastAttempt,
            k.seed));
      }
    }
    if (candidates.isEmpty()) {
      return;
    }
    List<PeerAddress> chosen;
    try {
      chosen = selector.select(candidates, room, now);
    } catch (RuntimeException e) {
      log.error("peer selector threw; ignored", e);
      return;
    }
    for (PeerAddress a : chosen) {
      Known k = known.get(a);
      if (k == null || k.connected || connected.contains(a) || bannedAddresses.contains(a)
          || (seeding && k.seed)) {
        continue;
      }
      k.lastAttempt = now;
      k.connected = true;
      if (!engine.connect(t, a, overUtp(k), now)) {
        k.connected = false;
        k.failures++;
      }
    }
  }

  /** Our connection to {@code a}, or null. */
  private Connection connectionAt(PeerAddress a) {
    for (Connection c : t.connections) {
      if (c.address.equals(a)) {
        return c;
      }
    }
    return null;
  }

  private boolean isConnectedTo(PeerAddress a) {
    for (Connection c : t.connections) {
      if (c.address.equals(a)) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- PEX (BEP 11)

  /** Sends {@code c} the peers we connected to and lost since the last message, once a minute. */
  void pexTick(Connection c, long now) {
    // the cheap tests first: this runs for every connection on every tick
    PeerState p = c.peer();
    if (pexDue(p.lastPexNanos(), now) && p.handshakeDone() && p.extended() != null
        && !t.isPrivate() && p.extended().idOf(ExtendedHandshake.UT_PEX).isPresent()) {
      sendPex(c, now);
    }
  }

  /**
   * Whether a PEX message is due: never sent ({@link Long#MIN_VALUE}), or a minute since the last.
   * The first case needs its own test: {@code now - Long.MIN_VALUE} overflows for every {@code now}
   * at or above zero (a simulation's clock, and {@code System.nanoTime} on Linux), and no PEX was
   * ever sent.
   */
  static boolean pexDue(long lastPexNanos, long now) {
    return lastPexNanos == Long.MIN_VALUE || now - lastPexNanos >= PEX_NANOS;
  }

  private void sendPex(Connection c, long now) {
    Map<PeerAddress, Integer> added = new LinkedHashMap<>();
    for (Connection o : t.connections) {
      // peers we dialled, and those that reached us over uTP and can be holepunched to: their
      // endpoint is the one their NAT maps (BEP 55)
      boolean punchable = !o.outgoing && o.link.utp() && Holepunch.supports(o);
      if (o != c && o.peer().handshakeDone() && (o.outgoing || punchable)
          && !c.peer().pexSent(o.address) && added.size() < 50) {
        added.put(o.address, (o.peer().isSeed() ? PEX_SEED : 0) | (o.link.utp() ? PEX_UTP : 0)
            | (Holepunch.supports(o) ? PEX_HOLEPUNCH : 0) | (o.outgoing ? PEX_REACHABLE : 0));
      }
    }
    List<PeerAddress> dropped = new ArrayList<>();
    for (PeerAddress a : c.peer().pexSentPeers()) {
      if (!isConnectedTo(a) && dropped.size() < 50) {
        dropped.add(a);
      }
    }
    if (added.isEmpty() && dropped.isEmpty() && c.peer().lastPexNanos() != Long.MIN_VALUE) {
      return;
    }
    if (c.session.sendPex(new PexMessage(added, dropped))) {
      c.peer().pexSent(added.keySet(), dropped, now);
    }
  }

  // ---------------------------------------------------------------- DHT (BEP 5)

  /** The port of the first peer source that runs a DHT node, or 0. */
  int dhtPort() {
    for (PeerSource s : engine.config.peerSources()) {
      try {
        OptionalInt p = s.dhtPort();
        if (p.isPresent() && p.getAsInt() > 0 && p.getAsInt() <= 65535) {
          return p.getAsInt();
        }
      } catch (RuntimeException e) {
        log.warn("peer source {} failed to give its DHT port", s, e);
      }
    }
    return 0;
  }

  /** A peer told us the port of its DHT node: the peer sources hear of the node. */
  void onDhtPort(Connection c, int port) {
    if (t.isPrivate()) {
      return;
    }
    InetSocketAddress node = new InetSocketAddress(c.address.address(), port);
    for (PeerSource s : engine.config.peerSources()) {
      try {
        s.dhtNodeSeen(node);
      } catch (RuntimeException e) {
        log.warn("peer source {} failed on a DHT node", s, e);
      }
    }
  }

  // ---------------------------------------------------------------- peer sources

  void openSources() {
    if (!sourceSessions.isEmpty()) {
      return;
    }
    for (PeerSource s : engine.config.peerSources()) {
      try {
        sourceSessions.add(s.open(new SourceContext()));
      } catch (RuntimeException e) {
        log.warn("peer source {} failed to open", s, e);
      }
    }
  }

  void closeSources() {
    for (PeerSource.Session s : sourceSessions) {
      try {
        s.close();
      } catch (RuntimeException e) {
        log.warn("closing peer source failed", e);
      }
    }
    sourceSessions.clear();
  }

  /** Tells the peer sources that the download is complete. */
  void completed() {
    for (PeerSource.Session s : sourceSessions) {
      try {
        s.completed();
      } catch (RuntimeException e) {
        log.warn("peer source failed on completion", e);
      }
    }
  }

  /** What peer sources see of this torrent. */
  private final class SourceContext implements PeerSource.Context {
    @Override
    public InfoHashes infoHashes() {
      return t.infoHashes;
    }

    @Override
    public Optional<Metainfo> metainfo() {
      return Optional.ofNullable(t.metainfoVolatile);
    }

    @Override
    public List<List<String>> trackerTiers() {
      Metainfo m = t.metainfoVolatile;
      if (m != null) {
        return m.trackerTiers();
      }
      if (t.magnet == null) {
        return List.of();
      }
      List<List<String>> tiers = new ArrayList<>();
      for (String url : t.magnet.trackers()) {
        tiers.add(List.of(url));
      }
      return List.copyOf(tiers);
    }

    @Override
    public PeerId peerId() {
      return engine.peerId;
    }

    @Override
    public int listenPort() {
      return engine.listenAddress().getPort();
    }

    @Override
    public long uploaded() {
      return t.status.uploaded();
    }

    @Override
    public long downloaded() {
      return t.status.downloaded();
    }

    @Override
    public long left() {
      return t.metainfoVolatile == null ? -1 : t.status.bytesLeft();
    }

    @Override
    public boolean isPrivate() {
      Metainfo m = t.metainfoVolatile;
      return m != null && m.isPrivate();
    }

    @Override
    public void addPeers(Collection<PeerAddress> peers, PeerCandidate.Source source) {
      List<PeerAddress> copy = List.copyOf(peers);
      engine.post(() -> {
        for (PeerAddress a : copy) {
          addPeer(a, source);
        }
        if (t.acceptsConnections()) {
          dial(engine.ticker.getAsLong()); // now, not at the next tick (up to 100 ms later)
        }
      });
    }
  }
}
