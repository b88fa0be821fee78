/**
 * Implementation of {@link bt.tracker.server.TrackerServer}; not API. The protocol handlers
 * ({@link bt.tracker.server.internal.HttpTrackerHandler}, {@link
 * bt.tracker.server.internal.UdpTrackerHandler}, {@link
 * bt.tracker.server.internal.HttpRequestHead}) are sans-I/O; the loops own the sockets.
 */
package bt.tracker.server.internal;
