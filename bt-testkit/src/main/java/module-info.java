/**
 * bt's test kit: a discrete-event simulation of a network of bt clients in virtual time, for
 * testing and measuring download policies and the engine under latency, rate limits, dead
 * addresses, stalling and vanishing peers.
 */
module io.btlib.testkit {
  requires transitive io.btlib.core;
  requires transitive io.btlib.storage;
  requires org.slf4j;

  exports io.btlib.testkit;
}
