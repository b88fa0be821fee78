package io.btlib.client.internal;

import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.MetainfoException;
import io.btlib.wire.Handshake;
import io.btlib.wire.PeerMessage;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A torrent's hash exchange (BEP 52): fetching the piece layers a v2 torrent lacks from the peers
 * that know v2, and answering their hash requests from ours, at a bounded rate. The Merkle work is
 * {@link HashExchange}'s; this keeps who is asked what. Owned by the engine thread. Internal, not
 * API.
 */
final class LayerExchange {
  private static final Logger log = LoggerFactory.getLogger(LayerExchange.class);
  private static final long SECOND = 1_000_000_000L;
  private static final long HASH_REQUEST_TIMEOUT = 20 * SECOND;
  private static final int HASH_REQUESTS_PER_PEER = 4;
  private static final int HASH_ANSWERS_PER_SECOND = 50;

  private final TorrentRuntime t;
  private final Engine engine;
  /** The layers being fetched, or null. */
  private HashExchange.Fetch fetch;
  private HashExchange.Server server;
  /** Peers that may know v2. */
  private final Set<Connection> v2Peers = new HashSet<>();
  private final Set<Connection> refusers = new HashSet<>();
  /** Per peer: when its second of answers began, and how many it had. */
  private final Map<Connection, long[]> answers = new HashMap<>();

  LayerExchange(TorrentRuntime t) {
    this.t = t;
    this.engine = t.engine;
  }

  /**
   * Starts fetching the piece layers {@code m} lacks.
   *
   * @throws IllegalArgumentException if its layers are over the cap of what we fetch
   */
  void startFetch(Metainfo m) {
    fetch = new HashExchange.Fetch(m);
  }

  /**
   * The handshake of {@code c} came: it is asked for hashes (once its bitfield is out, see {@link
   * #afterBitfield}) if it may know v2: it set the upgrade bit (hybrid torrents), or the torrent
   * is v2 only (libtorrent does not set the bit then).
   */
  void onHandshake(Connection c, long reserved) {
    if ((reserved & Handshake.V2_UPGRADE) != 0 || !t.infoHashes.hasV1()) {
      v2Peers.add(c);
    }
  }

  /** Our bitfield went to {@code c}: it may be asked for hashes now. */
  void afterBitfield(Connection c, long now) {
    if (v2Peers.contains(c)) {
      pump(now);
    }
  }

  void onClosed(Connection c) {
    v2Peers.remove(c);
    refusers.remove(c);
    answers.remove(c);
    if (fetch != null) {
      fetch.release(c);
    }
  }

  void onHashMessage(Connection c, PeerMessage m, long now) {
    if (m instanceof PeerMessage.HashRequest) {
      answer(c, (PeerMessage.HashRequest) m, now);
    } else if (m instanceof PeerMessage.Hashes) {
      if (fetch == null) {
        return;
      }
      if (!fetch.accept(c, (PeerMessage.Hashes) m)) {
        engine.close(c, "sent hashes that do not prove against the pieces root");
        return;
      }
      if (fetch.complete()) {
        HashExchange.Fetch f = fetch;
        fetch = null;
        try {
          t.installMetadata(f.build(), now);
        } catch (MetainfoException e) {
          log.warn("piece layers from peers did not make a valid torrent: {}", e.getMessage());
          fetch = new HashExchange.Fetch(f.partial());
        }
        return;
      }
      pump(now);
    } else if (m instanceof PeerMessage.HashReject) {
      if (fetch != null) {
        refusers.add(c);
        fetch.release(c); // what it was asked goes to other peers
        pump(now);
      }
    }
  }

  private void answer(Connection c, PeerMessage.HashRequest r, long now) {
    Metainfo metainfo = t.metainfo();
    if (metainfo == null) { // nothing to answer from yet (metadata or layers still coming)
      c.session.sendHashMessage(reject(r));
      return;
    }
    long[] w = answers.computeIfAbsent(c, k -> new long[] {now, 0});
    if (now - w[0] >= SECOND) {
      w[0] = now;
      w[1] = 0;
    }
    // the first answer for a file hashes its whole layer; later ones are copies
    boolean allowed = ++w[1] <= HASH_ANSWERS_PER_SECOND;
    if (server == null || server.metainfo() != metainfo) {
      server = new HashExchange.Server(metainfo);
    }
    c.session.sendHashMessage(allowed ? server.answer(r) : reject(r));
  }

  private static PeerMessage.HashReject reject(PeerMessage.HashRequest r) {
    return new PeerMessage.HashReject(r.piecesRoot(), r.baseLayer(), r.index(), r.length(),
        r.proofLayers());
  }

  /** Asks the v2 peers for the piece-layer chunks nobody is fetching. */
  void pump(long now) {
    if (fetch == null) {
      return;
    }
    for (Connection c : v2Peers) {
      if (c.session == null || !c.peer().handshakeDone() || refusers.contains(c)) {
        continue;
      }
      int room = HASH_REQUESTS_PER_PEER - fetch.pendingOn(c);
      if (room <= 0) {
        continue;
      }
      for (PeerMessage.HashRequest r : fetch.pick(c, room, now, HASH_REQUEST_TIMEOUT)) {
        c.session.sendHashMessage(r);
      }
    }
  }
}
