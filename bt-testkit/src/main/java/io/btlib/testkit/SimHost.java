package io.btlib.testkit;

import io.btlib.client.Client;
import io.btlib.client.internal.ClientAccess;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.testkit.internal.IdlePeer;
import io.btlib.testkit.internal.NetHost;
import io.btlib.testkit.internal.StallingPeer;
import io.btlib.testkit.internal.SimEngineHost;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;

/**
 * One host of a {@link Simulation}'s network: an address behind an {@link AccessLink}, where real
 * bt {@link Client}s run (each on a port of its own), and which can refuse connections or vanish.
 * Made by {@link Simulation#addHost}; used on the simulation's thread.
 */
public final class SimHost {
  private final Simulation sim;
  final NetHost net;
  private final AccessLink link;
  private final List<Client> clients = new ArrayList<>();
  private final List<SimEngineHost> engineHosts = new ArrayList<>();
  private LinkFaults faults = LinkFaults.none();

  SimHost(Simulation sim, NetHost net, AccessLink link) {
    this.sim = sim;
    this.net = net;
    this.link = link;
  }

  /** The host's address. */
  public InetAddress address() {
    return net.address();
  }

  /** The host's access link. */
  public AccessLink link() {
    return link;
  }

  /**
   * Starts a bt client on this host, as {@code builder} describes it, on the simulated network:
   * it listens on the builder's port (0: the first free port from 6881). The simulation sets the
   * builder's ticker (its virtual clock) and random (from its seed), so that a run repeats; the
   * builder's listen address is this host's. The client speaks the builder's {@link
   * Client.Builder#transport}: uTP runs over datagrams on the UDP port of the same number. The
   * simulation closes the client when it closes.
   */
  public Client client(Client.Builder builder) {
    long seed = sim.nextSeed();
    builder.ticker(sim::nanoTime).random(new Random(seed));
    Client c = ClientAccess.newClient(builder, config -> {
      SimEngineHost h = new SimEngineHost(sim.network, net, config.port(), config.transport(),
          config.utp(), config.maxConnections(), seed ^ 0x5DEECE66DL);
      engineHosts.add(h);
      return h;
    });
    clients.add(c);
    return c;
  }

  /**
   * Pulls the cable: from now on nothing reaches this host or leaves it, as when a peer's machine
   * dies or its network goes; peers see silence, not a closed connection. Its clients are closed
   * (their goodbyes go nowhere).
   */
  public void vanish() {
    net.vanish();
    for (Client c : clients) {
      c.close();
    }
  }

  /**
   * Starts a stalling peer for {@code torrent} on {@code port} of this host: it answers the
   * handshake, claims every piece, unchokes, takes every request and never sends a block (only
   * keep-alives), the peer a downloader must learn not to wait on. Register its endpoint with a
   * {@link SimTracker} so that peers find it.
   *
   * @return its endpoint
   */
  public PeerAddress startStallingPeer(Metainfo torrent, int port) {
    new StallingPeer(sim.network, net, port, torrent.infoHashes().shortHash(),
        torrent.pieceCount(), new Random(sim.nextSeed()));
    return PeerAddress.of(net.address(), port);
  }

  /**
   * Starts a peer on this host that dials {@code target}, handshakes for {@code torrent}, says it
   * is interested if {@code interested}, and then never requests anything (it keeps the
   * connection and drops what it is sent): the useless peers a seeder must not give its upload
   * slots to.
   */
  public void startIdlePeer(Metainfo torrent, PeerAddress target, boolean interested) {
    new IdlePeer(sim.network, net, target, torrent.infoHashes().shortHash(), interested,
        new Random(sim.nextSeed()));
  }

  /** Whether the host has vanished. */
  public boolean isVanished() {
    return !net.isAlive();
  }

  /**
   * Sets the faults of this host's access link: from now on its datagrams, sent and received,
   * meet them (TCP does not; see {@link LinkFaults}).
   */
  public void faults(LinkFaults faults) {
    this.faults = Objects.requireNonNull(faults, "faults");
    net.faults(faults);
  }

  /** The faults of this host's access link. */
  public LinkFaults faults() {
    return faults;
  }

  /** Datagrams this host's uplink carried. */
  public long datagramsSent() {
    return net.datagramsSent();
  }

  /** Datagrams dropped by a full queue of this host's link, uplink or downlink (tail drop). */
  public long datagramsDropped() {
    return net.datagramsDropped();
  }

  /** Datagrams this host sent that faults lost on their way. */
  public long datagramsLost() {
    return net.datagramsLost();
  }

  /** Packets the uTP connections of this host's clients resent (lost or presumed lost). */
  public long utpPacketsResent() {
    long n = 0;
    for (SimEngineHost h : engineHosts) {
      if (h.utp() != null) {
        n += h.utp().packetsResent();
      }
    }
    return n;
  }

  /** Retransmission timeouts of the uTP connections of this host's clients. */
  public long utpTimeouts() {
    long n = 0;
    for (SimEngineHost h : engineHosts) {
      if (h.utp() != null) {
        n += h.utp().timeouts();
      }
    }
    return n;
  }

  /**
   * Puts this host behind a stateful firewall, as a home router's NAT without port forwarding
   * is (its address is not translated: peers see the host's own): TCP dials to it go unanswered,
   * and datagrams get in only from endpoints it has sent datagrams to. Such a host can dial out,
   * and be reached over uTP only by BEP 55 holepunching (or by a peer it dialled).
   */
  public void firewall(boolean on) {
    net.firewall(on);
  }

  /** Datagrams this host's firewall kept out. */
  public long datagramsFiltered() {
    return net.datagramsFiltered();
  }

  /** Whether dials to this host are answered with a reset (connection refused). */
  public void refuseConnections(boolean refuse) {
    net.refuse(refuse);
  }

  /**
   * Bytes this host's uplink carried, headers included: what it uploaded on the wire, TCP and
   * datagrams.
   */
  public long bytesSent() {
    return net.bytesSent();
  }

  /**
   * Payload this host sent: {@link #bytesSent()} less IP, TCP and UDP headers (BitTorrent's own
   * message headers and handshakes are in it, and over uTP its packet headers and resends, as
   * TCP's resends are).
   */
  public long payloadSent() {
    return net.payloadSent();
  }

  /** The TCP part of {@link #payloadSent()}: what went over TCP connections. */
  public long tcpPayloadSent() {
    return net.tcpPayloadSent();
  }

  /** Bytes this host's downlink delivered, headers included. */
  public long bytesReceived() {
    return net.bytesReceived();
  }

  void closeClients() {
    for (Client c : clients) {
      c.close();
    }
  }

  @Override
  public String toString() {
    return net.toString();
  }
}
