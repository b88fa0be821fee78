package io.btlib.testkit.internal;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * One direction of a simulated TCP connection, from {@link #sender}'s socket to {@link
 * #receiver}'s: the sender's buffer (bytes written and not yet acknowledged), what is on the wire,
 * and the receiver's buffer (bytes arrived and not yet read). Sending is bounded by a congestion
 * window that starts at ten segments and grows by what each acknowledgement covers (slow start;
 * there is no loss to end it) and by the receiver's advertised free space; writing is bounded by
 * the send buffer. Acknowledgements and window updates travel back with the path's latency.
 */
final class Flow extends Sender {
  private static final int INITIAL_WINDOW = 10 * Segment.MSS;

  final SimSocket sender;
  final SimSocket receiver;
  private final Network net;

  // sender side
  private final ArrayDeque<byte[]> unsent = new ArrayDeque<>();
  private int unsentOffset;
  private long unsentBytes;
  /** Written and not yet acknowledged (unsent, in flight, or arrived and unacknowledged). */
  private long unacked;
  private long inFlight;
  private long cwnd = INITIAL_WINDOW;
  /** The receiver's free buffer as last advertised. */
  private long rwnd;
  private boolean finQueued;
  private boolean finSent;
  private boolean windowUpdateWanted;

  // receiver side
  private final ArrayDeque<byte[]> received = new ArrayDeque<>();
  private int receivedOffset;
  private long receivedBytes;
  boolean finReceived;

  Flow(Network net, SimSocket sender, SimSocket receiver) {
    this.net = net;
    this.sender = sender;
    this.receiver = receiver;
    this.rwnd = receiver.host.receiveBuffer;
  }

  /** Room in the send buffer. */
  long writable() {
    return finQueued ? 0 : Math.max(0, sender.host.sendBuffer - unacked);
  }

  /** Copies up to the send buffer's room from {@code srcs}; the count taken. */
  long write(ByteBuffer[] srcs, int offset, int length) {
    long room = writable();
    long total = 0;
    for (int i = offset; i < offset + length && total < room; i++) {
      ByteBuffer b = srcs[i];
      int n = (int) Math.min(b.remaining(), room - total);
      if (n == 0) {
        continue;
      }
      byte[] chunk = new byte[n];
      b.get(chunk);
      unsent.addLast(chunk);
      total += n;
    }
    if (total > 0) {
      unsentBytes += total;
      unacked += total;
      offer();
    }
    return total;
  }

  /** The sender closed: the end goes after the bytes still to send. */
  void queueFin() {
    if (!finQueued) {
      finQueued = true;
      offer();
    }
  }

  /** Puts this flow in its host's uplink rotation if it has something it may send. */
  private void offer() {
    if (!queued && hasSendable()) {
      queued = true;
      sender.host.sending.addLast(this);
      sender.host.kickUplink();
    }
  }

  @Override
  Packet next() {
    return nextSegment();
  }

  @Override
  boolean hasSendable() {
    if (unsentBytes == 0) {
      return finQueued && !finSent;
    }
    return window() > 0;
  }

  private long window() {
    return Math.min(cwnd, rwnd) - inFlight;
  }

  /** The next segment the window allows, or null. */
  Segment nextSegment() {
    if (unsentBytes == 0) {
      if (finQueued && !finSent) {
        finSent = true;
        return new Segment(this, new byte[0], true);
      }
      return null;
    }
    long win = window();
    if (win <= 0) {
      windowUpdateWanted = rwnd <= cwnd;
      return null;
    }
    int n = (int) Math.min(Math.min(unsentBytes, win), NetHost.SEGMENT);
    byte[] out = new byte[n];
    int filled = 0;
    while (filled < n) {
      byte[] head = unsent.peekFirst();
      int take = Math.min(n - filled, head.length - unsentOffset);
      System.arraycopy(head, unsentOffset, out, filled, take);
      filled += take;
      unsentOffset += take;
      if (unsentOffset == head.length) {
        unsent.pollFirst();
        unsentOffset = 0;
      }
    }
    unsentBytes -= n;
    inFlight += n;
    boolean fin = unsentBytes == 0 && finQueued;
    if (fin) {
      finSent = true;
    }
    return new Segment(this, out, fin);
  }

  /** A segment came out of the receiver's downlink. */
  void deliver(Segment s) {
    if (receiver.isClosed()) {
      // nobody reads any more: a real stack answers data with a reset
      if (s.data.length > 0) {
        net.reset(receiver.host, sender);
      }
      return;
    }
    if (s.data.length > 0) {
      received.addLast(s.data);
      receivedBytes += s.data.length;
    }
    if (s.fin) {
      finReceived = true;
    }
    long free = Math.max(0, receiver.host.receiveBuffer - receivedBytes);
    int n = s.data.length;
    if (n > 0) {
      net.queue.after(net.oneWay(receiver.host, sender.host), () -> acked(n, free));
    }
    receiver.poke();
  }

  private void acked(int n, long free) {
    if (!sender.host.alive) {
      return;
    }
    inFlight -= n;
    unacked -= n;
    cwnd = Math.min(cwnd + n, Integer.MAX_VALUE);
    rwnd = free;
    offer();
    sender.poke();
  }

  /** Bytes waiting to be read. */
  long readable() {
    return receivedBytes;
  }

  /** Copies arrived bytes into {@code dst}; the count. */
  int read(ByteBuffer dst) {
    int total = 0;
    while (dst.hasRemaining() && receivedBytes > 0) {
      byte[] head = received.peekFirst();
      int take = Math.min(dst.remaining(), head.length - receivedOffset);
      dst.put(head, receivedOffset, take);
      total += take;
      receivedOffset += take;
      receivedBytes -= take;
      if (receivedOffset == head.length) {
        received.pollFirst();
        receivedOffset = 0;
      }
    }
    if (total > 0 && windowUpdateWanted) {
      windowUpdateWanted = false;
      long free = Math.max(0, receiver.host.receiveBuffer - receivedBytes);
      net.queue.after(net.oneWay(receiver.host, sender.host), () -> {
        if (sender.host.alive) {
          rwnd = free;
          offer();
        }
      });
    }
    return total;
  }

  /** The receiver closed: what arrived is dropped. */
  void discardReceived() {
    received.clear();
    receivedOffset = 0;
    receivedBytes = 0;
  }
}
