/**
 * Implementation of {@link io.btlib.tracker.server.TrackerServer}; not API. The protocol handlers
 * ({@link io.btlib.tracker.server.internal.HttpTrackerHandler}, {@link
 * io.btlib.tracker.server.internal.UdpTrackerHandler}, {@link
 * io.btlib.tracker.server.internal.HttpRequestHead}) are sans-I/O; the loops own the sockets.
 */
package io.btlib.tracker.server.internal;
