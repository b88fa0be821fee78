/**
 * The implementation behind {@link io.btlib.tracker}: the BEP 15 UDP tracker codec, HTTP tracker URL
 * building, the bounded HTTP body reader, and the BEP 12 announce scheduling of {@link
 * io.btlib.tracker.TrackerPeerSource}. Not API: anything here may change without notice.
 */
package io.btlib.tracker.internal;
