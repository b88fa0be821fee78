package io.btlib.tracker.server;

import static java.nio.charset.StandardCharsets.US_ASCII;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.InfoHash;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(20)
class TrackerServerUdpTest {
  private static final byte[] HASH = new byte[20];

  static {
    HASH[0] = 1;
  }

  private final AtomicLong now = new AtomicLong();
  private TrackerServer server;
  private DatagramChannel client;

  @BeforeEach
  void open() throws Exception {
    client = DatagramChannel.open();
    client.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
  }

  @AfterEach
  void closeAll() throws Exception {
    client.close();
    if (server != null) {
      server.close();
    }
  }

  private void start(TrackerServer.Builder b) throws Exception {
    server = b.httpPort(-1).ticker(now::get).build().start();
    client.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), server.udpPort()));
  }

  private ByteBuffer exchange(ByteBuffer req) throws Exception {
    client.write(req.flip());
    return receive(5000);
  }

  /** The next datagram, or null if none comes within {@code millis}. */
  private ByteBuffer receive(int millis) throws Exception {
    client.socket().setSoTimeout(millis);
    byte[] buf = new byte[8192];
    java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
    try {
      client.socket().receive(p);
    } catch (SocketTimeoutException e) {
      return null;
    }
    return ByteBuffer.wrap(buf, 0, p.getLength()).slice();
  }

  private long connect() throws Exception {
    ByteBuffer r = exchange(ByteBuffer.allocate(16).putLong(0x41727101980L).putInt(0)
        .putInt(42));
    assertThat(r.getInt(0)).isZero();
    assertThat(r.getInt(4)).isEqualTo(42);
    return r.getLong(8);
  }

  private static ByteBuffer announce(long cid, int event, int port) {
    ByteBuffer b = ByteBuffer.allocate(98).putLong(cid).putInt(1).putInt(7).put(HASH);
    b.put("-BT0001-000000000000".getBytes(US_ASCII));
    return b.putLong(0).putLong(100).putLong(0).putInt(event).putInt(0).putInt(0).putInt(-1)
        .putShort((short) port);
  }

  private static String errorOf(ByteBuffer r) {
    assertThat(r.getInt(0)).isEqualTo(3);
    byte[] m = new byte[r.remaining() - 8];
    r.get(8, m);
    return new String(m, US_ASCII);
  }

  @Test
  void connectsAnnouncesAndScrapesOverASocket() throws Exception {
    start(TrackerServer.builder());
    long cid = connect();
    ByteBuffer a = exchange(announce(cid, 2, 6881));
    assertThat(a.getInt(0)).isEqualTo(1);
    assertThat(a.getInt(8)).isEqualTo(1800);
    assertThat(a.getInt(12)).as("leechers").isEqualTo(1);
    ByteBuffer b = exchange(announce(cid, 2, 6882));
    assertThat(b.remaining()).isEqualTo(26);
    assertThat(b.getShort(24) & 0xFFFF).isEqualTo(6881);
    ByteBuffer s = exchange(ByteBuffer.allocate(36).putLong(cid).putInt(2).putInt(9).put(HASH));
    assertThat(s.getInt(0)).isEqualTo(2);
    assertThat(s.getInt(16)).as("leechers").isEqualTo(2);
  }

  @Test
  void rejectsABadConnectionIdAndAnExpiredOne() throws Exception {
    start(TrackerServer.builder());
    long cid = connect();
    assertThat(errorOf(exchange(announce(cid ^ 1, 2, 6881)))).isEqualTo("bad connection id");
    now.addAndGet(Duration.ofMinutes(5).toNanos());
    assertThat(errorOf(exchange(announce(cid, 2, 6881)))).isEqualTo("bad connection id");
    assertThat(exchange(announce(connect(), 2, 6881)).getInt(0)).isEqualTo(1);
  }

  @Test
  void survivesTruncatedWrongAndHugePackets() throws Exception {
    start(TrackerServer.builder());
    long cid = connect();
    for (int len = 0; len < 16; len++) {
      client.write(ByteBuffer.allocate(len));
    }
    client.write(ByteBuffer.allocate(16).putLong(123).putInt(0).putInt(1).flip());
    assertThat(receive(300)).as("short and wrong-magic packets are dropped").isNull();
    assertThat(errorOf(exchange(ByteBuffer.allocate(60).putLong(cid).putInt(77).putInt(1)
        .position(60)))).isEqualTo("unknown action");
    assertThat(errorOf(exchange(announce(cid, 2, 6881).limit(50).position(50))))
        .isEqualTo("short announce");
    ByteBuffer huge = ByteBuffer.allocate(16 + 20 * 300).putLong(cid).putInt(2).putInt(3);
    ByteBuffer r = exchange(huge.position(huge.capacity()));
    assertThat(r.getInt(0)).isEqualTo(2);
    assertThat(r.remaining()).isEqualTo(8 + 12 * 74);
    assertThat(exchange(announce(cid, 2, 6881)).getInt(0)).as("still serving").isEqualTo(1);
  }

  @Test
  void refusesHashesOffTheAllowList() throws Exception {
    start(TrackerServer.builder().allowedInfoHashes(List.of(InfoHash.of(new byte[20]))));
    assertThat(errorOf(exchange(announce(connect(), 2, 6881)))).isEqualTo("info hash not allowed");
  }

  @Test
  void answersOverIpv6With18BytePeers() throws Exception {
    InetAddress v6 = InetAddress.getByName("::1");
    DatagramChannel c6;
    try {
      c6 = DatagramChannel.open(java.net.StandardProtocolFamily.INET6);
      c6.bind(new InetSocketAddress(v6, 0));
    } catch (java.io.IOException | UnsupportedOperationException e) {
      org.junit.jupiter.api.Assumptions.abort("no ::1 here: " + e);
      return;
    }
    client.close();
    client = c6;
    server = TrackerServer.builder().bindAddress(v6).httpPort(-1).ticker(now::get).build()
        .start();
    assertThat(server.udpAnnounceUrl()).startsWith("udp://[0:0:0:0:0:0:0:1]:");
    client.connect(new InetSocketAddress(v6, server.udpPort()));
    long cid = connect();
    exchange(announce(cid, 2, 6881));
    ByteBuffer b = exchange(announce(cid, 2, 6882));
    assertThat(b.remaining()).isEqualTo(20 + 18);
    byte[] addr = new byte[16];
    b.get(20, addr);
    assertThat(InetAddress.getByAddress(addr)).isEqualTo(v6);
    assertThat(b.getShort(36) & 0xFFFF).isEqualTo(6881);
  }
}
