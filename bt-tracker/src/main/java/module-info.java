/**
 * Finding peers: HTTP and UDP tracker clients ({@link io.btlib.tracker.TrackerPeerSource}), an
 * embeddable tracker server ({@link io.btlib.tracker.server.TrackerServer}) and the DHT ({@link
 * io.btlib.dht.DhtNode}).
 */
module io.btlib.tracker {
  requires transitive io.btlib.core;
  requires org.slf4j;

  exports io.btlib.dht;
  exports io.btlib.tracker;
  exports io.btlib.tracker.server;
}
