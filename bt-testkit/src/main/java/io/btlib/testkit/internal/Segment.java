package io.btlib.testkit.internal;

/** Bytes of one flow on the wire, or its end (FIN). */
final class Segment extends Packet {
  /** Bytes of TCP/IP headers a segment costs on the wire (per 1448 bytes of payload). */
  static final int HEADER = 52;
  static final int MSS = 1448;

  final Flow flow;
  final byte[] data;
  final boolean fin;

  Segment(Flow flow, byte[] data, boolean fin) {
    this.flow = flow;
    this.data = data;
    this.fin = fin;
  }

  /** The bytes the link carries: payload and one header per MSS of it. */
  @Override
  long wireBytes() {
    int packets = Math.max(1, (data.length + MSS - 1) / MSS);
    return data.length + (long) packets * HEADER;
  }

  @Override
  boolean droppable() {
    return false; // the simulated TCP is lossless
  }

  @Override
  void deliver(NetHost host) {
    flow.deliver(this);
  }
}
