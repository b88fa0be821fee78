/**
 * Peers: addresses and identities.
 *
 * <p>{@link io.btlib.peer.PeerAddress} is where to reach a peer (an IP literal and a port, never a host
 * name); {@link io.btlib.peer.PeerId} is the 20-byte id a peer sends in its handshake (BEP 3, BEP 20);
 * {@link io.btlib.peer.CompactPeers} reads and writes the compact peer lists of BEP 23 and BEP 7 that
 * trackers, PEX (BEP 11) and the DHT (BEP 5) exchange.
 */
package io.btlib.peer;
