package io.btlib.tracker;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.nio.ByteBuffer;
import java.util.Arrays;

/** A scripted UDP tracker on a loopback socket: the test receives and answers each packet. */
final class FakeUdpTracker implements AutoCloseable {
  final DatagramSocket socket;

  /** A received packet and who sent it. */
  record Packet(byte[] bytes, SocketAddress from) {
    ByteBuffer buf() {
      return ByteBuffer.wrap(bytes);
    }

    int action() {
      return isConnect() ? 0 : buf().getInt(8);
    }

    boolean isConnect() {
      return bytes.length == 16 && buf().getLong(0) == 0x41727101980L;
    }

    int tx() {
      return buf().getInt(isConnect() ? 12 : 12);
    }

    long connectionId() {
      return buf().getLong(0);
    }
  }

  FakeUdpTracker(InetAddress bind) throws IOException {
    socket = new DatagramSocket(new InetSocketAddress(bind, 0));
    socket.setSoTimeout(5000);
  }

  URI uri(String path) {
    InetAddress a = socket.getLocalAddress();
    String host = a.getAddress().length == 16 ? "[" + a.getHostAddress() + "]" : a.getHostAddress();
    return URI.create("udp://" + host + ":" + socket.getLocalPort() + path);
  }

  Packet receive() throws IOException {
    byte[] buf = new byte[2048];
    DatagramPacket p = new DatagramPacket(buf, buf.length);
    socket.receive(p);
    return new Packet(Arrays.copyOf(buf, p.getLength()), p.getSocketAddress());
  }

  /** Receives one packet, expecting none for {@code millis}: true if none came. */
  boolean quietFor(int millis) throws IOException {
    socket.setSoTimeout(millis);
    try {
      receive();
      return false;
    } catch (java.net.SocketTimeoutException expected) {
      return true;
    } finally {
      socket.setSoTimeout(5000);
    }
  }

  void send(byte[] bytes, SocketAddress to) throws IOException {
    socket.send(new DatagramPacket(bytes, bytes.length, to));
  }

  void replyConnect(Packet p, long connectionId) throws IOException {
    send(ByteBuffer.allocate(16).putInt(0).putInt(p.tx()).putLong(connectionId).array(), p.from());
  }

  static byte[] announceReply(int tx, int interval, int leechers, int seeders, byte[] peers) {
    return ByteBuffer.allocate(20 + peers.length).putInt(1).putInt(tx).putInt(interval)
        .putInt(leechers).putInt(seeders).put(peers).array();
  }

  @Override
  public void close() {
    socket.close();
  }
}
