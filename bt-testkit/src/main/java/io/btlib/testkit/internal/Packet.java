package io.btlib.testkit.internal;

/** What a link carries: a TCP segment of a {@link Flow}, or a UDP {@link Datagram}. */
abstract class Packet {

  /** The bytes the link carries, headers included. */
  abstract long wireBytes();

  /** Whether a full bottleneck queue drops it (datagrams) or takes it anyway (lossless TCP). */
  abstract boolean droppable();

  /** Hands it to its receiver once it has come out of {@code host}'s downlink. */
  abstract void deliver(NetHost host);
}
