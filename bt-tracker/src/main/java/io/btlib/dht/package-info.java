/**
 * The Mainline DHT (BEP 5, with BEP 32 {@code nodes6} and {@code want}, BEP 42 id hardening
 * and BEP 43 read-only mode): {@link io.btlib.dht.DhtNode} is a node that finds and announces peers
 * and serves other nodes, and is also a {@link io.btlib.client.PeerSource}; {@link io.btlib.dht.NodeId} is a
 * 160-bit key; {@link io.btlib.dht.DhtStats} a snapshot of a node's state.
 */
package io.btlib.dht;
