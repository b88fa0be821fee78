/**
 * The DHT's implementation: the KRPC codec, routing table, token and peer stores, lookups and the
 * sans-I/O engine that {@link io.btlib.dht.DhtNode} drives. Not API: anything here may change.
 */
package io.btlib.dht.internal;
