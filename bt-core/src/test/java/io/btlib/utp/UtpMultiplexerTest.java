package io.btlib.utp;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UtpMultiplexerTest {
  static final long MS = 1_000_000L;
  static final InetSocketAddress A = new InetSocketAddress(InetAddress.getLoopbackAddress(), 1000);
  static final InetSocketAddress B = new InetSocketAddress(InetAddress.getLoopbackAddress(), 2000);

  /** Two multiplexers on a lossless path with a 10 ms one-way delay, in virtual time. */
  static final class Net {
    final UtpConfig config = UtpConfig.defaults();
    final UtpMultiplexer a = new UtpMultiplexer(config, new Random(1), 64, 16);
    final UtpMultiplexer b = new UtpMultiplexer(config, new Random(2), 64, 16);
    long now = 1_000_000_000L;
    long order;
    final PriorityQueue<Object[]> wire = new PriorityQueue<>((x, y) -> {
      int c = Long.compare((Long) x[0], (Long) y[0]);
      return c != 0 ? c : Long.compare((Long) x[1], (Long) y[1]);
    });

    void send(UtpMultiplexer from, InetSocketAddress self) {
      ByteBuffer buf = ByteBuffer.allocate(config.maxDatagram());
      InetSocketAddress to;
      while ((to = from.pollTransmit(buf.clear(), now)) != null) {
        buf.flip();
        byte[] bytes = new byte[buf.remaining()];
        buf.get(bytes);
        wire.add(new Object[] {now + 10 * MS, order++, to, self, bytes});
      }
    }

    /** Sends, then moves to the next arrival or deadline; false when nothing is left. */
    boolean step() {
      send(a, A);
      send(b, B);
      long next = Math.min(a.nextDeadlineNanos(), b.nextDeadlineNanos());
      if (!wire.isEmpty()) {
        next = Math.min(next, (Long) wire.peek()[0]);
      }
      if (next == Long.MAX_VALUE) {
        return false;
      }
      now = Math.max(now, next);
      while (!wire.isEmpty() && (Long) wire.peek()[0] <= now) {
        Object[] d = wire.poll();
        UtpMultiplexer to = d[2].equals(A) ? a : b;
        to.handleDatagram((InetSocketAddress) d[3], ByteBuffer.wrap((byte[]) d[4]), now);
      }
      a.handleTimeout(now);
      b.handleTimeout(now);
      return true;
    }
  }

  static byte[] data(int seed, int size) {
    byte[] d = new byte[size];
    new Random(seed).nextBytes(d);
    return d;
  }

  @Test
  void connectionsBothWaysCarryTheirOwnBytesAndAreForgottenOnceClosed() {
    Net net = new Net();
    // 8 from a to b and 4 from b to a at once: ids must not collide towards the same peer
    List<UtpConnection> opened = new ArrayList<>();
    List<ByteBuffer> toSend = new ArrayList<>();
    for (int i = 0; i < 12; i++) {
      UtpMultiplexer from = i < 8 ? net.a : net.b;
      opened.add(from.connect(i < 8 ? B : A, net.now));
      toSend.add(ByteBuffer.wrap(data(i, 50_000 + 10_000 * i)));
    }
    Map<UtpConnection, ByteArrayOutputStream> received = new HashMap<>();
    Map<UtpConnection, Boolean> closed = new HashMap<>();
    ByteBuffer rd = ByteBuffer.allocate(1 << 16);
    for (int guard = 0; guard < 200_000 && net.step(); guard++) {
      for (UtpMultiplexer m : List.of(net.a, net.b)) {
        UtpMultiplexer.Entry e;
        while ((e = m.pollAccepted()) != null) {
          received.put(e.connection(), new ByteArrayOutputStream());
        }
      }
      for (int i = 0; i < opened.size(); i++) {
        UtpConnection c = opened.get(i);
        if (c.state() == UtpConnection.State.CONNECTED && toSend.get(i).hasRemaining()) {
          c.write(toSend.get(i));
          if (!toSend.get(i).hasRemaining()) {
            c.close();
          }
        }
      }
      for (Map.Entry<UtpConnection, ByteArrayOutputStream> r : received.entrySet()) {
        int n;
        while ((n = r.getKey().read(rd.clear())) > 0) {
          r.getValue().write(rd.array(), 0, n);
        }
        if (n < 0 && closed.putIfAbsent(r.getKey(), true) == null) {
          r.getKey().close();
        }
      }
    }
    assertThat(received).hasSize(12);
    List<byte[]> got = new ArrayList<>();
    received.values().forEach(o -> got.add(o.toByteArray()));
    for (int i = 0; i < 12; i++) {
      byte[] want = data(i, 50_000 + 10_000 * i);
      assertThat(got).as("stream %d arrived whole", i).anyMatch(g -> Arrays.equals(g, want));
      assertThat(opened.get(i).closeReason()).isEqualTo("closed");
      assertThat(opened.get(i).packetSize()).as("two bt peers on loopback: large datagrams")
          .isEqualTo(net.config.loopbackPacketSize());
    }
    assertThat(net.a.connectionCount()).isZero();
    assertThat(net.b.connectionCount()).isZero();
    assertThat(net.a.dropped(UtpMultiplexer.Drop.UNKNOWN_CONNECTION)
        + net.b.dropped(UtpMultiplexer.Drop.UNKNOWN_CONNECTION)).isZero();
  }

  @Test
  void aSynFloodFillsOnlyThePendingBound() {
    UtpMultiplexer m = new UtpMultiplexer(UtpConfig.defaults(), new Random(3), 100, 10);
    ByteBuffer syn = ByteBuffer.allocate(20);
    for (int i = 0; i < 1000; i++) {
      syn.clear();
      UtpPacket.of(UtpPacket.Type.SYN, i, 0, 0, 1 << 20, 1, 0).encode(syn);
      m.handleDatagram(new InetSocketAddress(InetAddress.getLoopbackAddress(), 3000 + i),
          syn.flip(), 0);
    }
    assertThat(m.pendingCount()).isEqualTo(10);
    assertThat(m.connectionCount()).isEqualTo(10);
    assertThat(m.dropped(UtpMultiplexer.Drop.SYN_REFUSED)).isEqualTo(990);
    // the same SYN again is the same connection, answered again, not a new one
    syn.clear();
    UtpPacket.of(UtpPacket.Type.SYN, 0, 0, 0, 1 << 20, 1, 0).encode(syn);
    m.handleDatagram(new InetSocketAddress(InetAddress.getLoopbackAddress(), 3000), syn.flip(), 0);
    assertThat(m.connectionCount()).isEqualTo(10);
    // the flood's connections hear nothing more: they time out and free the bound
    long now = 0;
    for (int i = 0; i < 100 && m.connectionCount() > 0; i++) {
      now = Math.max(now, m.nextDeadlineNanos());
      m.handleTimeout(now);
      while (m.pollTransmit(ByteBuffer.allocate(1 << 16), now) != null) {
        // answers to the flood's forged addresses go nowhere
      }
    }
    assertThat(m.connectionCount()).isZero();
    assertThat(m.pendingCount()).isZero();
  }

  @Test
  void oneAddressHoldsAtMostSixteenPendingConnectionsAndOthersStillGetIn() {
    // (10.0.0.9 is only a key here: nothing is sent anywhere)
    UtpMultiplexer m = new UtpMultiplexer(UtpConfig.defaults(), new Random(5), 500, 100);
    ByteBuffer syn = ByteBuffer.allocate(20);
    for (int i = 0; i < 1000; i++) {
      syn.clear();
      UtpPacket.of(UtpPacket.Type.SYN, i, 0, 0, 1 << 20, 1, 0).encode(syn);
      m.handleDatagram(new InetSocketAddress(InetAddress.getLoopbackAddress(), 3000 + i),
          syn.flip(), 0);
    }
    assertThat(m.pendingCount()).isEqualTo(UtpMultiplexer.MAX_PENDING_PER_ADDRESS);
    assertThat(m.dropped(UtpMultiplexer.Drop.SYN_REFUSED))
        .isEqualTo(1000 - UtpMultiplexer.MAX_PENDING_PER_ADDRESS);
    syn.clear();
    UtpPacket.of(UtpPacket.Type.SYN, 5, 0, 0, 1 << 20, 1, 0).encode(syn);
    m.handleDatagram(new InetSocketAddress("10.0.0.9", 2000), syn.flip(), 0);
    assertThat(m.pendingCount()).isEqualTo(UtpMultiplexer.MAX_PENDING_PER_ADDRESS + 1);
    assertThat(m.pollAccepted()).as("given only once its peer sends data").isNull();
  }

  /**
   * A flood from many addresses fills the pending bound; a newcomer evicts the oldest pending
   * connection, and once it sends data it is accepted: the flood slows newcomers, never locks
   * them out.
   */
  @Test
  void aNewcomerEvictsTheOldestPendingConnectionAndIsAcceptedOnItsFirstData() throws Exception {
    UtpMultiplexer m = new UtpMultiplexer(UtpConfig.defaults(), new Random(6), 500, 10);
    ByteBuffer p = ByteBuffer.allocate(1 << 16);
    for (int i = 0; i < 50; i++) {
      p.clear();
      UtpPacket.of(UtpPacket.Type.SYN, i, 0, 0, 1 << 20, 1, 0).encode(p);
      m.handleDatagram(new InetSocketAddress(InetAddress.getByName("10.0.0." + (i + 1)), 6881),
          p.flip(), i);
    }
    assertThat(m.pendingCount()).isEqualTo(10);
    assertThat(m.connectionCount()).isEqualTo(10);
    // a real dialer on the other side, through its own multiplexer
    UtpMultiplexer dialer = new UtpMultiplexer(UtpConfig.defaults(), new Random(7), 10, 10);
    UtpConnection c = dialer.connect(A, 100);
    InetSocketAddress to = dialer.pollTransmit(p.clear(), 100);
    assertThat(to).isEqualTo(A);
    m.handleDatagram(B, p.flip(), 100); // the SYN
    assertThat(m.pendingCount()).isEqualTo(10);
    for (InetSocketAddress dst; (dst = m.pollTransmit(p.clear(), 101)) != null; ) {
      if (dst.equals(B)) {
        dialer.handleDatagram(A, p.flip(), 101); // the SYN's answer
      }
    }
    assertThat(c.state()).isEqualTo(UtpConnection.State.CONNECTED);
    c.write(ByteBuffer.wrap("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    while (dialer.pollTransmit(p.clear(), 102) != null) {
      m.handleDatagram(B, p.flip(), 102);
    }
    UtpMultiplexer.Entry e = m.pollAccepted();
    assertThat(e).isNotNull();
    assertThat(e.peer()).isEqualTo(B);
    assertThat(e.connection().available()).isEqualTo(5);
    assertThat(m.pendingCount()).isEqualTo(9);
  }

  @Test
  void aPacketForNoConnectionIsAnsweredWithAResetAndResetsAreBounded() throws Exception {
    UtpMultiplexer m = new UtpMultiplexer(UtpConfig.defaults(), new Random(4), 10, 10);
    ByteBuffer p = ByteBuffer.allocate(20);
    UtpPacket.of(UtpPacket.Type.DATA, 777, 0, 0, 1000, 5, 9).encode(p);
    m.handleDatagram(A, p.flip(), 0);
    ByteBuffer out = ByteBuffer.allocate(1 << 16);
    assertThat(m.pollTransmit(out, 0)).isEqualTo(A);
    UtpPacket reset = UtpPacket.decode(out.flip());
    assertThat(reset.type()).isEqualTo(UtpPacket.Type.RESET);
    assertThat(reset.connectionId()).isEqualTo(777);
    assertThat(reset.ackNr()).isEqualTo(5);
    assertThat(m.pollTransmit(out.clear(), 0)).isNull();
    // a RESET for no connection is not answered; a flood of strays queues at most 64 answers
    p.clear();
    UtpPacket.of(UtpPacket.Type.RESET, 777, 0, 0, 0, 5, 9).encode(p);
    m.handleDatagram(A, p.flip(), 0);
    assertThat(m.pollTransmit(out.clear(), 0)).isNull();
    for (int i = 0; i < 1000; i++) {
      p.clear();
      UtpPacket.of(UtpPacket.Type.STATE, i, 0, 0, 0, 5, 9).encode(p);
      m.handleDatagram(B, p.flip(), 0);
    }
    int answers = 0;
    while (m.pollTransmit(out.clear(), 0) != null) {
      answers++;
    }
    assertThat(answers).isEqualTo(UtpMultiplexer.MAX_PENDING_RESETS);
    assertThat(m.dropped(UtpMultiplexer.Drop.UNKNOWN_CONNECTION)).isEqualTo(1002);
  }

  @Test
  void malformedDatagramsAreCountedAndChangeNothing() {
    UtpMultiplexer m = new UtpMultiplexer(UtpConfig.defaults(), new Random(5), 10, 10);
    m.handleDatagram(A, ByteBuffer.wrap(new byte[] {1, 2, 3}), 0);
    m.handleDatagram(A, ByteBuffer.wrap("d1:ad2:id20:aaaaaaaaaaaaaaaaaaaae1:q4:pinge"
        .getBytes(java.nio.charset.StandardCharsets.US_ASCII)), 0);
    assertThat(m.dropped(UtpMultiplexer.Drop.MALFORMED)).isEqualTo(2);
    assertThat(m.connectionCount()).isZero();
    assertThat(m.pollTransmit(ByteBuffer.allocate(1 << 16), 0)).isNull();
  }
}
