package io.btlib.tracker;

import io.btlib.peer.PeerAddress;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A tracker's answer to an announce (BEP 3): when to announce again, the swarm's size, and peers.
 *
 * <pre>{@code
 * AnnounceResponse r = HttpTrackerResponses.parseAnnounce(body);
 * r.peers().forEach(engine::connect);
 * scheduleAnnounce(r.interval());
 *
 * byte[] reply = HttpTrackerResponses.encodeAnnounce(
 *     AnnounceResponse.of(Duration.ofMinutes(30), peers).withCounts(seeders, leechers), true);
 * }</pre>
 *
 * <p>A client should announce again after {@link #interval()}, and never sooner than {@link
 * #minInterval()} even when it has a reason to ({@code min interval} is a de-facto extension that
 * BEP 3 does not name, but trackers send and clients honour). {@link #peers()} holds
 * IPv4 and IPv6 peers together: those of {@code peers} (BEP 23 compact or BEP 3 dictionaries)
 * first, then those of {@code peers6} (BEP 7). Peer ids from the dictionary form are not kept.
 *
 * <p>Values are immutable; a changed copy comes from a {@code with} method.
 *
 * @param interval how long to wait before the next regular announce; at least one second
 * @param minInterval the least time to wait before any announce, if the tracker said; at least one
 *     second
 * @param trackerId an opaque value to send back as {@code trackerid} on later announces; each
 *     char stands for one byte (ISO-8859-1), so that any bytes round-trip
 * @param complete the number of seeders, if the tracker said
 * @param incomplete the number of leechers, if the tracker said
 * @param peers peers to connect to, IPv4 and IPv6 together
 * @param warning a {@code warning message} the tracker wants shown to the user
 */
public record AnnounceResponse(
    Duration interval,
    Optional<Duration> minInterval,
    Optional<String> trackerId,
    OptionalInt complete,
    OptionalInt incomplete,
    List<PeerAddress> peers,
    Optional<String> warning) {

  /**
   * Checks every component and copies the peer list.
   *
   * @throws IllegalArgumentException naming the component and value: an interval under one second,
   *     a negative count, or a tracker id with a char above 0xFF
   * @throws NullPointerException naming the component, for a null component or peer
   */
  public AnnounceResponse {
    Objects.requireNonNull(interval, "interval");
    Objects.requireNonNull(minInterval, "minInterval");
    Objects.requireNonNull(trackerId, "trackerId");
    Objects.requireNonNull(complete, "complete");
    Objects.requireNonNull(incomplete, "incomplete");
    Objects.requireNonNull(peers, "peers");
    Objects.requireNonNull(warning, "warning");
    checkInterval("interval", interval);
    minInterval.ifPresent(d -> checkInterval("minInterval", d));
    complete.ifPresent(c -> checkCount("complete", c));
    incomplete.ifPresent(c -> checkCount("incomplete", c));
    trackerId.ifPresent(AnnounceResponse::checkTrackerId);
    for (int i = 0; i < peers.size(); i++) {
      if (peers.get(i) == null) {
        throw new NullPointerException("peers[" + i + "] is null");
      }
    }
    peers = List.copyOf(peers);
  }

  /** A response with only an interval and peers. */
  public static AnnounceResponse of(Duration interval, List<PeerAddress> peers) {
    return new AnnounceResponse(interval, Optional.empty(), Optional.empty(), OptionalInt.empty(),
        OptionalInt.empty(), peers, Optional.empty());
  }

  /** A copy with this minimum interval. */
  public AnnounceResponse withMinInterval(Duration minInterval) {
    return new AnnounceResponse(interval, Optional.of(minInterval), trackerId, complete, incomplete,
        peers, warning);
  }

  /** A copy with this tracker id. */
  public AnnounceResponse withTrackerId(String trackerId) {
    return new AnnounceResponse(interval, minInterval, Optional.of(trackerId), complete, incomplete,
        peers, warning);
  }

  /** A copy with these seeder ({@code complete}) and leecher ({@code incomplete}) counts. */
  public AnnounceResponse withCounts(int complete, int incomplete) {
    return new AnnounceResponse(interval, minInterval, trackerId, OptionalInt.of(complete),
        OptionalInt.of(incomplete), peers, warning);
  }

  /** A copy with these peers. */
  public AnnounceResponse withPeers(List<PeerAddress> peers) {
    return new AnnounceResponse(interval, minInterval, trackerId, complete, incomplete, peers, warning);
  }

  /** A copy with this warning message. */
  public AnnounceResponse withWarning(String warning) {
    return new AnnounceResponse(interval, minInterval, trackerId, complete, incomplete, peers,
        Optional.of(warning));
  }

  private static void checkInterval(String what, Duration d) {
    if (d.compareTo(Duration.ofSeconds(1)) < 0) {
      throw new IllegalArgumentException(what + " must be at least 1 second, got " + d);
    }
  }

  private static void checkCount(String what, int value) {
    if (value < 0) {
      throw new IllegalArgumentException(what + " must be >= 0, got " + value);
    }
  }

  private static void checkTrackerId(String id) {
    for (int i = 0; i < id.length(); i++) {
      if (id.charAt(i) > 0xFF) {
        throw new IllegalArgumentException(
            "trackerId must hold one byte per char (ISO-8859-1); char " + (int) id.charAt(i)
                + " at index " + i);
      }
    }
  }
}
