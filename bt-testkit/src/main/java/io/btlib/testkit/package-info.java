/**
 * A simulated network in virtual time for running real bt clients in one JVM: {@link
 * io.btlib.testkit.Simulation}, its hosts and their access links, a tracker, and in-memory
 * torrents; for testing and measuring download policies (piece pickers, chokers, peer selectors)
 * in swarms of hundreds of peers in seconds of CPU.
 */
package io.btlib.testkit;
