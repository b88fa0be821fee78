package io.btlib.client;

/** The lifecycle state of a {@link Torrent}. */
public enum TorrentState {
  /** Added, not started. */
  STOPPED,
  /** Fetching the info dictionary from peers (a torrent added by magnet link). */
  FETCHING_METADATA,
  /** Checking data already on disk. */
  CHECKING,
  /** Downloading wanted pieces. */
  DOWNLOADING,
  /** Every wanted piece is verified; uploading to others. */
  SEEDING,
  /** Paused: connections closed, state kept. */
  PAUSED,
  /** Stopped by an error (see {@link TorrentStatus#error()}). */
  FAILED
}
