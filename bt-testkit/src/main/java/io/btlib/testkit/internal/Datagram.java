package io.btlib.testkit.internal;

import java.net.InetSocketAddress;

/** One UDP datagram on the simulated network. */
final class Datagram extends Packet {
  /** Bytes of IPv4 and UDP headers a datagram costs on the wire. */
  static final int HEADER = 28;

  final InetSocketAddress from;
  final InetSocketAddress to;
  final byte[] data;

  Datagram(InetSocketAddress from, InetSocketAddress to, byte[] data) {
    this.from = from;
    this.to = to;
    this.data = data;
  }

  @Override
  long wireBytes() {
    return data.length + (long) HEADER;
  }

  @Override
  boolean droppable() {
    return true;
  }

  @Override
  void deliver(NetHost host) {
    Network.DatagramReceiver r = host.udpPorts.get(to.getPort());
    if (r != null) {
      r.received(from, data); // else nobody listens: dropped, as a firewall would (no ICMP)
    }
  }
}
