/**
 * Finding peers: tracker clients and server, the DHT.
 *
 * <p>{@link bt.tracker.HttpTrackerResponses} is the sans-I/O codec for HTTP tracker responses
 * (BEP 3 announce, BEP 23 compact peers, BEP 7 IPv6 peers, BEP 31 {@code retry in}, BEP 48
 * scrape): it turns a response body into an {@link bt.tracker.AnnounceResponse} or scrape
 * statistics, and back, without owning any socket, thread or clock.
 */
package bt.tracker;
