package io.btlib.client.internal;

import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.MetainfoException;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.MetadataMessage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A torrent's metadata exchange (BEP 9): fetching the info dictionary from peers for a magnet
 * link, and serving ours to peers that ask. Owned by the engine thread. Internal, not API.
 */
final class MetadataExchange {
  private static final Logger log = LoggerFactory.getLogger(MetadataExchange.class);
  /** The largest info dictionary we fetch. */
  private static final int MAX_SIZE = 8 << 20;

  private final Engine engine;
  private final InfoHashes infoHashes;
  /** The fetch under way, or null. */
  private Fetch fetch;
  /** Our info dictionary's bytes, once asked for; null until then or after a new metainfo. */
  private byte[] infoBytes;
  private Metainfo metainfo;

  MetadataExchange(Engine engine, InfoHashes infoHashes) {
    this.engine = engine;
    this.infoHashes = infoHashes;
  }

  /** The torrent's metainfo is known: what we serve. */
  void setMetainfo(Metainfo m) {
    this.metainfo = m;
    this.infoBytes = null;
  }

  /** Starts fetching the info dictionary from the peers that offer it. */
  void startFetch() {
    fetch = new Fetch();
  }

  /** The bytes of our info dictionary; only once the metainfo is known. */
  byte[] infoBytes() {
    if (infoBytes == null) {
      ByteBuffer b = metainfo.infoBytes();
      infoBytes = new byte[b.remaining()];
      b.get(infoBytes);
    }
    return infoBytes;
  }

  /** {@code c} sent its extended handshake: a source of the metadata if it offers it. */
  void onExtendedHandshake(Connection c, ExtendedHandshake h) {
    if (fetch != null) {
      fetch.peerReady(c, h);
    }
  }

  /** {@code c} asked for a piece of our info dictionary: it, or a reject if we cannot share. */
  void onRequested(Connection c, int piece) {
    if (metainfo != null && !metainfo.isPrivate()
        && piece < MetadataMessage.pieceCount(infoBytes().length)) {
      c.session.sendMetadata(MetadataMessage.data(piece, infoBytes()));
    } else {
      c.session.sendMetadata(MetadataMessage.reject(piece));
    }
  }

  void onRejected(Connection c, int piece) {
    if (fetch != null) {
      fetch.rejected(c, piece);
    }
  }

  void onClosed(Connection c) {
    if (fetch != null) {
      fetch.peerGone(c);
    }
  }

  /**
   * {@code c} sent a piece of the info dictionary: the metainfo once the last piece is in and
   * checks out against the info hashes, else null. Metadata that does not check out closes the
   * peers that sent it and starts the fetch over.
   */
  Metainfo onMetadata(Connection c, MetadataMessage m) {
    if (fetch == null) {
      return null;
    }
    byte[] done = fetch.received(c, m);
    if (done == null) {
      return null;
    }
    Metainfo got;
    try {
      got = Metainfo.fromInfoDictionary(done, infoHashes);
    } catch (MetainfoException e) {
      log.info("metadata from peers did not check out: {}", e.getMessage());
      for (Connection s : new ArrayList<>(fetch.sources)) {
        engine.close(s, "sent bad metadata");
      }
      fetch = new Fetch();
      return null;
    }
    fetch = null;
    return got;
  }

  /** Fetches the info dictionary in 16 KiB pieces from every peer that offers it. */
  private static final class Fetch {
    int size = -1;
    byte[] data;
    BitSet have;
    final Map<Integer, Connection> requested = new HashMap<>();
    final Set<Connection> sources = new HashSet<>();

    void peerReady(Connection c, ExtendedHandshake h) {
      if (!h.idOf(ExtendedHandshake.UT_METADATA).isPresent() || !h.metadataSize().isPresent()) {
        return;
      }
      int s = h.metadataSize().getAsInt();
      if (s > MAX_SIZE) {
        return;
      }
      if (size < 0) {
        size = s;
        data = new byte[s];
        have = new BitSet();
      } else if (s != size) {
        return; // disagrees with the size we are collecting; ignore this peer's offer
      }
      sources.add(c);
      ask(c);
    }

    void ask(Connection c) {
      int n = MetadataMessage.pieceCount(size);
      int asked = 0;
      for (int p = 0; p < n && asked < 2; p++) {
        if (!have.get(p) && !requested.containsKey(p)) {
          requested.put(p, c);
          c.session.requestMetadata(p);
          asked++;
        }
      }
    }

    byte[] received(Connection c, MetadataMessage m) {
      if (size < 0 || m.type() != MetadataMessage.DATA || m.totalSize() != size) {
        return null;
      }
      requested.remove(m.piece());
      if (!have.get(m.piece())) {
        m.data().duplicate().get(data, m.piece() * MetadataMessage.PIECE_SIZE,
            m.data().remaining());
        have.set(m.piece());
      }
      if (have.cardinality() == MetadataMessage.pieceCount(size)) {
        return data;
      }
      ask(c);
      return null;
    }

    void rejected(Connection c, int piece) {
      requested.remove(piece, c);
      sources.remove(c);
      for (Connection o : sources) {
        ask(o);
      }
    }

    void peerGone(Connection c) {
      requested.values().removeIf(x -> x == c);
      sources.remove(c);
      for (Connection o : sources) {
        ask(o);
      }
    }
  }
}
