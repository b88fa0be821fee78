package io.btlib.tracker;

import io.btlib.metainfo.InfoHash;
import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * Talks to trackers of one kind: announces to them and scrapes them. Implemented by {@link
 * HttpTrackerClient} ({@code http}, {@code https}) and {@link UdpTrackerClient} ({@code udp}).
 *
 * <pre>{@code
 * try (TrackerClient udp = UdpTrackerClient.builder().build()) {
 *   AnnounceResponse r = udp.announce(URI.create("udp://127.0.0.1:6969"), request).join();
 * }
 * }</pre>
 *
 * <p>One client serves any number of trackers and torrents, from any thread; methods never block.
 * A returned future completes exceptionally with a {@link TrackerFailureException} when the
 * tracker refused the request, a {@link TrackerException} when its answer was malformed or it
 * did not answer in time, an {@link java.io.IOException} when the network failed, an {@link
 * IllegalArgumentException} for a URL the client cannot use, and an {@link
 * IllegalStateException} once the client is closed. (Futures derived from it wrap these in a
 * {@link java.util.concurrent.CompletionException}.)
 */
public interface TrackerClient extends AutoCloseable {

  /** Whether this client can talk to the tracker at {@code tracker} (judged by its scheme). */
  boolean supports(URI tracker);

  /** Announces to {@code tracker}. */
  CompletableFuture<AnnounceResponse> announce(URI tracker, AnnounceRequest request);

  /**
   * Asks {@code tracker} for the counts of the given swarms (BEP 48, BEP 15). Hashes the tracker
   * does not know are missing from the result.
   *
   * @param infoHashes 20-byte hashes, at least one
   */
  CompletableFuture<Map<InfoHash, ScrapeStats>> scrape(URI tracker, List<InfoHash> infoHashes);

  /**
   * Stops the client: futures still pending fail with {@link IllegalStateException}, sockets and
   * threads it owns are closed. Idempotent; returns without waiting for the network.
   */
  @Override
  void close();
}
