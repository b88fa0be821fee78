package io.btlib.tracker.internal;

import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * The settings of the announce logic, validated by {@link io.btlib.tracker.TrackerPeerSource.Builder}.
 *
 * @param extraTrackers URLs announced to as one extra, last tier for non-private torrents
 * @param numWant peers asked for in each announce
 * @param announceToAllTiers true: the first working tracker of every tier is announced to; false:
 *     strict BEP 12, only the first working tracker of all tiers in order
 * @param retryBase the wait after every tracker of a round failed, doubled per further round
 * @param retryMax the longest such wait
 * @param minInterval the least time between regular announces to one tracker
 * @param stoppedTimeout how long {@code stopped} announces may take at the end
 * @param refreshInterval how often the torrent's tracker list is read again (a magnet link's
 *     metadata may bring new trackers)
 * @param unknownLeft the {@code left} reported before the metadata is known
 * @param announceTimeout how long one announce may stay unanswered before it counts as failed
 *     (a guard above the clients' own timeouts, for clients that never answer)
 */
public record AnnounceConfig(
    List<String> extraTrackers,
    int numWant,
    boolean announceToAllTiers,
    Duration retryBase,
    Duration retryMax,
    Duration minInterval,
    Duration stoppedTimeout,
    Duration refreshInterval,
    long unknownLeft,
    Duration announceTimeout) {

  /** Copies the list. */
  public AnnounceConfig {
    extraTrackers = List.copyOf(extraTrackers);
    Objects.requireNonNull(retryBase, "retryBase");
    Objects.requireNonNull(retryMax, "retryMax");
    Objects.requireNonNull(minInterval, "minInterval");
    Objects.requireNonNull(stoppedTimeout, "stoppedTimeout");
    Objects.requireNonNull(refreshInterval, "refreshInterval");
    Objects.requireNonNull(announceTimeout, "announceTimeout");
  }
}
