package io.btlib.client.internal;

import io.btlib.peer.PeerAddress;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.HolepunchMessage;
import io.btlib.wire.WireException;
import java.nio.ByteBuffer;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One torrent's side of BEP 55 holepunching: as a relay it answers a peer's rendezvous by sending
 * both that peer and the target a connect with the other's endpoint; as a target or initiator it
 * dials the endpoint a connect names over uTP at once, so that each side's own outgoing packet
 * opens its NAT or firewall to the other's; and when a dial to a peer that a PEX message flagged
 * as holepunch-capable gets nowhere, it asks the peer that told us of it for a rendezvous. Only
 * for clients that speak uTP and torrents that are not private. Loop only.
 */
final class Holepunch {
  private static final Logger log = LoggerFactory.getLogger(Holepunch.class);
  /** A relay's connects are followed at most this often (a hostile relay's dial orders). */
  static final long CONNECT_INTERVAL_NANOS = 2_000_000_000L;
  /** A rendezvous for the same target is asked at most this often. */
  static final long RENDEZVOUS_INTERVAL_NANOS = 60_000_000_000L;
  private static final int MAX_ASKED = 1024;

  private final TorrentRuntime t;
  private final Engine engine;
  /** When each relay's last connect was followed. */
  private final Map<Connection, Long> lastConnect = new IdentityHashMap<>();
  /** When a rendezvous was last asked for each target. */
  private final Map<PeerAddress, Long> asked = new HashMap<>();
  private long relayed;
  private long connectsFollowed;

  Holepunch(TorrentRuntime t) {
    this.t = t;
    this.engine = t.engine;
  }

  /** Whether this torrent speaks ut_holepunch: the client speaks uTP, the torrent is public. */
  boolean enabled() {
    return engine.config.transport().utp() && !t.isPrivate();
  }

  /** Whether {@code c}'s peer announced ut_holepunch. */
  static boolean supports(Connection c) {
    return c.peer().extended() != null
        && c.peer().extended().idOf(ExtendedHandshake.UT_HOLEPUNCH).isPresent();
  }

  /** A ut_holepunch message from {@code c}; a malformed one closes {@code c}. */
  void onMessage(Connection c, ByteBuffer payload, long now) {
    if (!enabled()) {
      return; // we never announced it: the session refuses ids we did not assign anyway
    }
    HolepunchMessage m;
    try {
      m = HolepunchMessage.decode(payload);
    } catch (WireException e) {
      c.session.close(e.getMessage());
      return;
    }
    switch (m.type()) {
      case RENDEZVOUS -> relay(c, m.peer());
      case CONNECT -> follow(c, m.peer(), now);
      case ERROR -> log.debug("{}: no rendezvous with {}: error {}", c, m.peer(), m.errorCode());
      default -> throw new AssertionError(m.type());
    }
  }

  /** {@code c} asks us to introduce it to {@code target}. */
  private void relay(Connection c, PeerAddress target) {
    if (engine.isSelf(target)) {
      send(c, HolepunchMessage.error(target, HolepunchMessage.NO_SELF));
      return;
    }
    Connection d = connectionTo(target);
    if (d == null || d == c) {
      send(c, HolepunchMessage.error(target, HolepunchMessage.NOT_CONNECTED));
      return;
    }
    if (!supports(d)) {
      send(c, HolepunchMessage.error(target, HolepunchMessage.NO_SUPPORT));
      return;
    }
    send(d, HolepunchMessage.connect(t.peers.endpointOf(c)));
    send(c, HolepunchMessage.connect(target));
    relayed++;
  }

  /** A connection whose peer is at {@code target} (where it dialled from, or listens). */
  private Connection connectionTo(PeerAddress target) {
    for (Connection c : t.connections) {
      if (c.peer().handshakeDone() && t.peers.endpointOf(c).equals(target)) {
        return c;
      }
    }
    return null;
  }

  /** The relay {@code c} tells us to dial {@code peer} now. */
  private void follow(Connection c, PeerAddress peer, long now) {
    Long last = lastConnect.get(c);
    if (last != null && now - last < CONNECT_INTERVAL_NANOS) {
      log.debug("{}: connect to {} ignored: too soon after the last", c, peer);
      return;
    }
    lastConnect.put(c, now);
    if (engine.isSelf(peer)) {
      return;
    }
    if (t.peers.holepunchDial(peer, now)) {
      connectsFollowed++;
    }
  }

  /**
   * A dial to {@code target} got nowhere; {@code via} (open, if not null) told us of it with the
   * holepunch flag: ask it for a rendezvous, once a minute at most per target.
   */
  void dialFailed(PeerAddress target, Connection via, long now) {
    if (!enabled() || via == null || !!via.session.isClosed() || !supports(via)) {
      return;
    }
    Long last = asked.get(target);
    if (last != null && now - last < RENDEZVOUS_INTERVAL_NANOS) {
      return;
    }
    if (asked.size() >= MAX_ASKED) {
      Iterator<Map.Entry<PeerAddress, Long>> it = asked.entrySet().iterator();
      while (it.hasNext()) {
        if (now - it.next().getValue() >= RENDEZVOUS_INTERVAL_NANOS) {
          it.remove();
        }
      }
      if (asked.size() >= MAX_ASKED) {
        return;
      }
    }
    asked.put(target, now);
    log.debug("{}: asking for a rendezvous with {}", via, target);
    send(via, HolepunchMessage.rendezvous(target));
  }

  void onClosed(Connection c) {
    lastConnect.remove(c);
  }

  private static void send(Connection c, HolepunchMessage m) {
    if (!c.session.isClosed() && supports(c)) {
      c.session.sendExtended(ExtendedHandshake.UT_HOLEPUNCH, ByteBuffer.wrap(m.encode()));
    }
  }

  /** Rendezvous this torrent relayed (connects sent to both sides). */
  long relayed() {
    return relayed;
  }

  /** Connects from relays that this torrent followed with a dial. */
  long connectsFollowed() {
    return connectsFollowed;
  }
}
