package io.btlib.testkit.internal;

import java.util.ArrayDeque;

/**
 * A host's datagrams waiting for its uplink: the queue in front of a slow uplink (a modem's), of
 * at most {@link #limit} bytes; a datagram that finds it full is dropped (tail drop).
 */
final class UdpQueue extends Sender {
  private final ArrayDeque<Datagram> waiting = new ArrayDeque<>();
  private final long limit;
  private long bytes;
  private long turnBytes;

  UdpQueue(long limit) {
    this.limit = limit;
  }

  /** Queues {@code d}; false if the queue is full and it was dropped. */
  boolean offer(Datagram d) {
    if (bytes + d.wireBytes() > limit) {
      return false;
    }
    waiting.addLast(d);
    bytes += d.wireBytes();
    return true;
  }

  @Override
  Packet next() {
    Datagram d = waiting.pollFirst();
    if (d != null) {
      bytes -= d.wireBytes();
    }
    if (waiting.isEmpty()) {
      turnBytes = 0; // its next turn starts afresh
    }
    return d;
  }

  @Override
  boolean hasSendable() {
    return !waiting.isEmpty();
  }

  @Override
  boolean keepsTurn(long wireBytes) {
    turnBytes += wireBytes;
    if (turnBytes < NetHost.SEGMENT) {
      return true;
    }
    turnBytes = 0;
    return false;
  }

  void clear() {
    waiting.clear();
    bytes = 0;
  }
}
