package io.btlib.client;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;

/**
 * A client's UDP socket, shared with another protocol: the client's uTP connections and, say, a
 * DHT node ({@code DhtNode.start(UdpPort)}) use one port, as libtorrent's do, so that peers and
 * DHT nodes see one endpoint and a NAT keeps one mapping. Datagrams that are not uTP go to the
 * {@link Receiver}; {@link #send} sends from the same socket. Get one from {@link
 * Client#udpPort()}; it lives as long as the client.
 */
public interface UdpPort {

  /** Where datagrams that are not uTP go. */
  @FunctionalInterface
  interface Receiver {
    /**
     * A datagram arrived. Called on the client's event loop: return at once, never block, and
     * copy what you keep ({@code datagram} is reused after the call).
     *
     * @param datagram the bytes, position to limit
     * @param from the sender
     */
    void received(ByteBuffer datagram, InetSocketAddress from);
  }

  /** The socket's address (the client's listening port). */
  InetSocketAddress localAddress();

  /**
   * Queues a datagram for the socket; from any thread. The bytes are copied.
   *
   * @param datagram the bytes, position to limit (not changed)
   * @param to where to
   * @return false if it was dropped: too many wait already, it is too long, or the client closed
   */
  boolean send(ByteBuffer datagram, InetSocketAddress to);

  /**
   * Sets where datagrams that are not uTP go, replacing the receiver before (null: they are
   * dropped, as they are until one is set).
   */
  void receiver(Receiver receiver);
}
