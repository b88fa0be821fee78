/**
 * An embeddable BitTorrent tracker: {@link io.btlib.tracker.server.TrackerServer} serves announces and
 * scrapes over HTTP (BEP 3, 23, 7, 48) and UDP (BEP 15) from swarms kept in memory, with bounded
 * memory, per-request limits and no threads left behind after {@code close()}.
 */
package io.btlib.tracker.server;
