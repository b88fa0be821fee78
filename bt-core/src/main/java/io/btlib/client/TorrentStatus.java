package io.btlib.client;

import java.util.Optional;

/**
 * A snapshot of one torrent's progress, taken on the engine thread; an immutable value.
 *
 * @param state the lifecycle state
 * @param piecesHave verified pieces
 * @param pieceCount all pieces (0 while the metadata is unknown)
 * @param piecesWanted pieces in wanted files (verified included)
 * @param bytesLeft bytes of wanted pieces not yet verified
 * @param downloaded payload bytes received in this run (discarded ones included)
 * @param uploaded payload bytes sent in this run
 * @param wasted payload bytes received that were discarded (hash failures, unrequested blocks)
 * @param downloadRate receive rate, bytes per second
 * @param uploadRate send rate, bytes per second
 * @param peers connected peers
 * @param seeds connected peers that have everything
 * @param knownPeers peers known but not connected
 * @param hashFailures pieces that failed their hash check in this run
 * @param bannedPeers peers banned in this run
 * @param error why the torrent failed, when it did
 */
public record TorrentStatus(
    TorrentState state,
    int piecesHave,
    int pieceCount,
    int piecesWanted,
    long bytesLeft,
    long downloaded,
    long uploaded,
    long wasted,
    long downloadRate,
    long uploadRate,
    int peers,
    int seeds,
    int knownPeers,
    int hashFailures,
    int bannedPeers,
    Optional<String> error) {

  /** Checks the values. */
  public TorrentStatus {
    if (state == null || error == null) {
      throw new NullPointerException(state == null ? "state" : "error");
    }
  }

  /** Verified wanted pieces as a fraction of wanted pieces, 0 to 1 (1 when nothing is wanted). */
  public double progress() {
    return piecesWanted == 0 ? 1.0 : Math.min(1.0, (double) piecesHave / piecesWanted);
  }
}
