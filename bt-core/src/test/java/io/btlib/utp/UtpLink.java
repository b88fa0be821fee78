package io.btlib.utp;

import java.nio.ByteBuffer;
import java.util.PriorityQueue;
import java.util.Random;

/**
 * Two uTP connections joined by a simulated path in virtual time: each direction has a rate (a
 * FIFO queue in front of it), a one-way delay, loss, duplication and reordering (extra delay on
 * some packets), all drawn from a seeded random. The initiator's SYN creates the acceptor.
 */
final class UtpLink {
  final UtpConfig config;
  final Random random;
  final long rate;
  final long delayNanos;
  double loss;
  double duplicate;
  double reorder;
  long now = 1_000_000_000L;
  final UtpConnection a;
  UtpConnection b;
  private final long[] linkFree = new long[2];
  /** Queueing delay samples, nanoseconds, per direction. */
  long queueNanosSum;
  long queueSamples;
  long maxQueueNanos;
  long datagrams;
  /**
   * Cross traffic into a-to-b's queue, bytes per second: a flow that pays no attention to ours,
   * as a TCP bulk flow filling a router's buffer looks to LEDBAT. 0: none.
   */
  long crossRate;
  /** The a-to-b queue's capacity in nanoseconds at the link's rate (tail drop); 0: unbounded. */
  long queueCapNanos;
  private long crossLast = now;
  private long order;
  private final PriorityQueue<long[]> inFlight =
      new PriorityQueue<>((x, y) -> x[0] != y[0] ? Long.compare(x[0], y[0])
          : Long.compare(x[1], y[1]));
  private final java.util.Map<Long, byte[]> payloads = new java.util.HashMap<>();

  UtpLink(UtpConfig config, long seed, long rate, long delayNanos) {
    this.config = config;
    this.random = new Random(seed);
    this.rate = rate;
    this.delayNanos = delayNanos;
    this.a = UtpConnection.connect(config, random, now);
  }

  /** Sends what both sides have to send, then advances to the next event; false if none. */
  boolean step() {
    flush(a, 0);
    if (b != null) {
      flush(b, 1);
    }
    long next = Math.min(a.nextDeadlineNanos(), b == null ? Long.MAX_VALUE
        : b.nextDeadlineNanos());
    long[] head = inFlight.peek();
    if (head != null) {
      next = Math.min(next, head[0]);
    }
    if (next == Long.MAX_VALUE) {
      return false;
    }
    now = Math.max(now, next);
    while (inFlight.peek() != null && inFlight.peek()[0] <= now) {
      long[] d = inFlight.poll();
      deliver((int) d[2], payloads.remove(d[1]));
    }
    if (now - a.nextDeadlineNanos() >= 0) {
      a.handleTimeout(now);
    }
    if (b != null && now - b.nextDeadlineNanos() >= 0) {
      b.handleTimeout(now);
    }
    return true;
  }

  private void flush(UtpConnection c, int direction) {
    if (direction == 0) {
      crossTraffic();
    }
    ByteBuffer buf = ByteBuffer.allocate(config.maxDatagram());
    while (c.pollTransmit(buf.clear(), now)) {
      buf.flip();
      byte[] bytes = new byte[buf.remaining()];
      buf.get(bytes);
      datagrams++;
      long start = Math.max(now, linkFree[direction]);
      long queued = start - now;
      queueNanosSum += queued;
      queueSamples++;
      maxQueueNanos = Math.max(maxQueueNanos, queued);
      if (direction == 0 && queueCapNanos > 0 && queued > queueCapNanos) {
        continue; // the queue is full: dropped at its tail
      }
      long done = start + bytes.length * 1_000_000_000L / rate;
      linkFree[direction] = done;
      if (random.nextDouble() < loss) {
        continue;
      }
      int copies = random.nextDouble() < duplicate ? 2 : 1;
      for (int i = 0; i < copies; i++) {
        long arrive = done + delayNanos
            + (random.nextDouble() < reorder ? random.nextInt(20_000_000) : 0);
        long id = order++;
        payloads.put(id, bytes);
        inFlight.add(new long[] {arrive, id, 1 - direction});
      }
    }
  }

  /** Adds the cross traffic that arrived since the last call to a-to-b's queue, up to its cap. */
  private void crossTraffic() {
    if (crossRate > 0 && now > crossLast) {
      long busy = Math.max(linkFree[0], crossLast);
      long work = (long) ((now - crossLast) * (double) crossRate / rate);
      long free = busy + work;
      if (queueCapNanos > 0) {
        free = Math.min(free, now + queueCapNanos);
      }
      linkFree[0] = Math.max(linkFree[0], free);
    }
    crossLast = now;
  }

  private void deliver(int to, byte[] bytes) {
    UtpPacket p;
    try {
      p = UtpPacket.decode(ByteBuffer.wrap(bytes));
    } catch (UtpException e) {
      throw new AssertionError("we sent a bad packet", e);
    }
    if (to == 1) {
      if (b == null) {
        if (p.type() == UtpPacket.Type.SYN) {
          b = UtpConnection.accept(config, p, random, now);
        }
        return;
      }
      if (p.connectionId() == b.receiveId() || p.type() == UtpPacket.Type.SYN) {
        b.handlePacket(p, now);
      }
    } else if (p.connectionId() == a.receiveId()) {
      a.handlePacket(p, now);
    }
  }
}
