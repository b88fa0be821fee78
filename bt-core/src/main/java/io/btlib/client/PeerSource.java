package io.btlib.client;

import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.policy.PeerCandidate;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Finds peers for torrents: the service interface that trackers (HTTP and UDP) and the DHT
 * implement, given to {@link Client.Builder#peerSource(PeerSource)}.
 *
 * <p>When a torrent starts, the engine calls {@link #open(Context)} once; the source then reports
 * peers through {@link Context#addPeers} whenever it finds some (from any thread), until the
 * engine closes the returned {@link Session} when the torrent stops or is removed. Implementations
 * must be thread-safe, must not block in {@code open} or {@code close}, and own (and stop) any
 * threads they start.
 */
public interface PeerSource {

  /** Starts finding peers for one torrent. */
  Session open(Context context);

  /**
   * The UDP port of the DHT node this source runs, if it is one (BEP 5). While some source gives
   * a port, the engine sets the DHT bit in the handshakes of public torrents and sends the port
   * in a PORT message to every peer that sets it too. Called on the engine's thread: must be
   * fast. Default: none.
   */
  default OptionalInt dhtPort() {
    return OptionalInt.empty();
  }

  /**
   * A peer of a public torrent said its DHT node listens at {@code node} (a BEP 5 PORT message):
   * a DHT source may ping it and add it to its routing table. Called on the engine's thread: must
   * not block. Default: ignored.
   */
  default void dhtNodeSeen(InetSocketAddress node) {}

  /** One torrent's search; closed by the engine. */
  interface Session extends AutoCloseable {

    /** The torrent finished downloading (a tracker sends its {@code completed} event). */
    default void completed() {}

    /** Stops the search (a tracker sends its {@code stopped} event). */
    @Override
    void close();
  }

  /** What a source knows about the torrent, live. */
  interface Context {

    /** The torrent's info hashes. */
    InfoHashes infoHashes();

    /** The metainfo, once known (trackers read their URLs from it). */
    Optional<Metainfo> metainfo();

    /**
     * The torrent's own trackers as BEP 12 tiers: the metainfo's {@code announce-list} (or
     * {@code announce}) once the metainfo is known, else the magnet link's {@code tr} URLs, one
     * tier each (as libtorrent does). Empty for a trackerless torrent.
     */
    List<List<String>> trackerTiers();

    /** Our peer id. */
    PeerId peerId();

    /** The port we accept peer connections on. */
    int listenPort();

    /** Payload bytes sent in this run. */
    long uploaded();

    /** Payload bytes received in this run. */
    long downloaded();

    /** Bytes of wanted pieces still missing (unknown before the metadata: -1). */
    long left();

    /** Whether the torrent is private (BEP 27): only its own trackers may be used. */
    boolean isPrivate();

    /** Reports peers found; may be called from any thread. */
    void addPeers(Collection<PeerAddress> peers, PeerCandidate.Source source);
  }
}
