/**
 * Finding peers through trackers: clients for HTTP(S) and UDP trackers, and the codec for HTTP
 * tracker responses.
 *
 * <ul>
 *   <li>{@link io.btlib.tracker.TrackerPeerSource} is the {@link io.btlib.client.PeerSource} to give the
 *       engine: it announces each torrent to its trackers (BEP 3 events, BEP 12 tiers, extra
 *       trackers for public torrents) and reports the peers found.
 *   <li>{@link io.btlib.tracker.TrackerClient} announces to and scrapes one kind of tracker: {@link
 *       io.btlib.tracker.HttpTrackerClient} (BEP 3, 23, 7, 48) and {@link io.btlib.tracker.UdpTrackerClient}
 *       (BEP 15, 41), with {@link io.btlib.tracker.AnnounceRequest} and {@link
 *       io.btlib.tracker.AnnounceEvent} as input and {@link io.btlib.tracker.AnnounceResponse} and {@link
 *       io.btlib.tracker.ScrapeStats} as output.
 *   <li>{@link io.btlib.tracker.HttpTrackerResponses} is the sans-I/O codec for HTTP tracker response
 *       bodies (BEP 3 announce, BEP 23 compact peers, BEP 7 IPv6 peers, BEP 31 {@code retry in},
 *       BEP 48 scrape), used by the client and by tracker servers alike.
 * </ul>
 *
 * <p>Errors: a tracker that refuses a request gives a {@link io.btlib.tracker.TrackerFailureException};
 * a malformed or missing answer a {@link io.btlib.tracker.TrackerException}.
 */
package io.btlib.tracker;
