package io.btlib.testkit.internal;

/** Something a host's uplink serves in its round robin: a TCP flow, or the host's UDP queue. */
abstract class Sender {
  /** Whether it is in its host's uplink rotation. */
  boolean queued;

  /** The next packet it may send now, or null. */
  abstract Packet next();

  /** Whether it has a packet it may send now. */
  abstract boolean hasSendable();

  /**
   * Whether, having just sent {@code wireBytes}, it keeps its turn (a queue of small datagrams
   * gets about a TCP segment's worth of bytes per turn, as a byte-fair queue would give it).
   */
  boolean keepsTurn(long wireBytes) {
    return false;
  }
}
