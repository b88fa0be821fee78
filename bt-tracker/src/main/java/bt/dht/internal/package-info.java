/**
 * The DHT's implementation: the KRPC codec, routing table, token and peer stores, lookups and the
 * sans-I/O engine that {@link bt.dht.DhtNode} drives. Not API: anything here may change.
 */
package bt.dht.internal;
