package io.btlib.dht;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Transport;
import io.btlib.client.UdpPort;
import io.btlib.dht.internal.KrpcCodec;
import io.btlib.dht.internal.KrpcMessage;
import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A DHT node on a client's UDP socket, shared with uTP (one port for both, as libtorrent). */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SharedUdpPortTest {
  static final InetAddress LOOPBACK = InetAddress.getLoopbackAddress();
  final Random random = new Random(23);
  final List<AutoCloseable> toClose = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = toClose.size() - 1; i >= 0; i--) {
      toClose.get(i).close();
    }
  }

  DhtNode.Builder builder() {
    return DhtNode.builder().queryTimeout(Duration.ofMillis(500))
        .random(new Random(random.nextLong()));
  }

  DhtNode sharedNode(Client client) throws Exception {
    DhtNode n = builder().build();
    toClose.add(n);
    return n.start(client.udpPort().orElseThrow());
  }

  Client client(Transport t) {
    Client c = Client.builder().transport(t).build();
    toClose.add(c);
    return c;
  }

  static void pingFrom(DatagramSocket s, InetSocketAddress to) throws Exception {
    byte[] q = KrpcCodec.encode(KrpcMessage.Query.ping(new byte[] {'p', 1},
        NodeId.random(new Random(5)), false));
    s.send(new DatagramPacket(q, q.length, to));
  }

  @Test
  void theNodeAnswersOnTheClientsListeningPort() throws Exception {
    Client client = client(Transport.BOTH);
    DhtNode node = sharedNode(client);
    assertThat(node.localAddress()).isEqualTo(client.listenAddress());
    assertThat(node.dhtPort()).hasValue(client.listenAddress().getPort());
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
      s.setSoTimeout(5000);
      // a uTP-looking datagram for no connection and garbage first: neither reaches the node
      // as a query nor stops it
      byte[] utp = new byte[20];
      utp[0] = 0x21; // ST_DATA, version 1
      s.send(new DatagramPacket(utp, utp.length, client.listenAddress()));
      s.send(new DatagramPacket(new byte[] {'x'}, 1, client.listenAddress()));
      pingFrom(s, client.listenAddress());
      KrpcMessage m;
      do {
        m = receiveNext(s); // the uTP RESET may come first
      } while (!(m instanceof KrpcMessage.Response));
      assertThat(((KrpcMessage.Response) m).id()).isEqualTo(node.id());
    }
  }

  private static KrpcMessage receiveNext(DatagramSocket s) throws Exception {
    byte[] buf = new byte[4096];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    s.receive(p);
    try {
      return KrpcCodec.decode(buf, 0, p.getLength());
    } catch (Exception e) {
      return null; // not KRPC (a uTP RESET)
    }
  }

  @Test
  void aSharedNodeAndAStandaloneOneFindEachOthersPeers() throws Exception {
    Client client = client(Transport.UTP);
    DhtNode shared = sharedNode(client);
    DhtNode alone = builder().bootstrapNodes(List.of(client.listenAddress())).build();
    toClose.add(alone);
    alone.start();
    assertThat(alone.bootstrap().get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(1);
    byte[] h = new byte[20];
    random.nextBytes(h);
    InfoHash hash = InfoHash.of(h);
    assertThat(alone.announce(hash, 40001).get(10, TimeUnit.SECONDS)).isGreaterThanOrEqualTo(1);
    assertThat(shared.getPeers(hash).get(10, TimeUnit.SECONDS))
        .contains(PeerAddress.of(LOOPBACK, 40001));
    shared.announce(hash, 40002).get(10, TimeUnit.SECONDS);
    assertThat(alone.getPeers(hash).get(10, TimeUnit.SECONDS))
        .contains(PeerAddress.of(LOOPBACK, 40002));
  }

  @Test
  void closingTheNodeLeavesTheSocketToTheClient() throws Exception {
    Client client = client(Transport.BOTH);
    DhtNode node = sharedNode(client);
    node.close();
    UdpPort port = client.udpPort().orElseThrow();
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress(LOOPBACK, 0))) {
      s.setSoTimeout(500);
      byte[] q = KrpcCodec.encode(KrpcMessage.Query.ping(new byte[] {'p', 2},
          NodeId.random(new Random(6)), false));
      s.send(new DatagramPacket(q, q.length, client.listenAddress()));
      boolean answered;
      try {
        s.receive(new DatagramPacket(new byte[4096], 4096));
        answered = true;
      } catch (SocketTimeoutException e) {
        answered = false;
      }
      assertThat(answered).as("a closed node answers nothing").isFalse();
      // the port still sends for whoever shares it next
      assertThat(port.send(java.nio.ByteBuffer.wrap(new byte[] {'h', 'i'}),
          (InetSocketAddress) s.getLocalSocketAddress())).isTrue();
      DatagramPacket p = new DatagramPacket(new byte[16], 16);
      s.setSoTimeout(5000);
      s.receive(p);
      assertThat(p.getLength()).isEqualTo(2);
      assertThat(new InetSocketAddress(p.getAddress(), p.getPort()))
          .isEqualTo(client.listenAddress());
    }
  }

  @Test
  void aTcpOnlyClientHasNoUdpPort() {
    assertThat(client(Transport.TCP).udpPort()).isEmpty();
  }
}
