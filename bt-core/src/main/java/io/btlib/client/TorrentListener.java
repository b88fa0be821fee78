package io.btlib.client;

import io.btlib.peer.PeerAddress;
import java.util.Set;

/**
 * Hears what happens to a torrent. Every method has an empty default, so adding an event breaks
 * no one.
 *
 * <p><b>Delivery.</b> Events are queued by the engine and delivered in order on one thread of the
 * client's own (never the event loop). The queue is bounded: when a listener falls behind, the
 * oldest undelivered events are dropped and {@link #onEventsDropped(long)} says how many.
 * Listeners must not block for long and must not throw (what they throw is logged and ignored);
 * they may call back into the client.
 */
public interface TorrentListener {

  /** The torrent changed state. */
  default void onStateChanged(Torrent torrent, TorrentState state) {}

  /** The info dictionary arrived and checked out (a torrent added by magnet link). */
  default void onMetadataReceived(Torrent torrent) {}

  /** Piece {@code piece} was downloaded and matched its hashes. */
  default void onPieceVerified(Torrent torrent, int piece) {}

  /**
   * Piece {@code piece} failed its hash check; its data was discarded. {@code peers} sent blocks
   * of it, and so did the web seeds (BEP 19) whose URLs are in {@code webSeeds}.
   */
  default void onHashFailed(Torrent torrent, int piece, Set<PeerAddress> peers,
      Set<String> webSeeds) {}

  /** A peer was banned and disconnected. */
  default void onPeerBanned(Torrent torrent, PeerAddress peer, String reason) {}

  /**
   * A web seed (BEP 19) was dropped for the rest of this run: it failed too many requests in a
   * row, or sent data that failed the hash check too often; {@code reason} says which.
   */
  default void onWebSeedDropped(Torrent torrent, String url, String reason) {}

  /** A peer connected (after the handshake). */
  default void onPeerConnected(Torrent torrent, PeerAddress peer) {}

  /** A peer disconnected; {@code reason} says why. */
  default void onPeerDisconnected(Torrent torrent, PeerAddress peer, String reason) {}

  /** Every wanted piece is verified. */
  default void onComplete(Torrent torrent) {}

  /** {@code count} events were dropped because this listener fell behind. */
  default void onEventsDropped(long count) {}
}
