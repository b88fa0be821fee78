package io.btlib.utp;

import java.time.Duration;

/**
 * The settings of a {@link UtpConnection}: packet size, buffers, LEDBAT's target delay and the
 * timeouts. An immutable value; {@link #defaults()} are libtorrent's where BEP 29 leaves a choice.
 *
 * @param packetSize the largest datagram sent, header included (1400 fits a 1500-byte Ethernet MTU
 *     under IPv6, UDP and a tunnel or two)
 * @param loopbackPacketSize the largest datagram sent to a peer on a loopback address that
 *     announces it takes as much (bt does; libtorrent and libutp read at most 1,500 bytes and
 *     get {@code packetSize}): loopback carries 64 KiB datagrams whole, and fewer, larger packets
 *     cost less per byte
 * @param sendBuffer bytes {@link UtpConnection#write} takes beyond those in flight
 * @param receiveBuffer bytes received and not yet read, the window advertised to the peer
 * @param targetDelay LEDBAT's target queueing delay (BEP 29: 100 ms)
 * @param connectTimeout how long a SYN waits for its answer, retries included
 * @param idleTimeout a connection that hears nothing for this long is closed
 */
public record UtpConfig(int packetSize, int loopbackPacketSize, int sendBuffer, int receiveBuffer, Duration targetDelay,
    Duration connectTimeout, Duration idleTimeout) {

  /** The smallest packet size allowed: a header and some payload. */
  public static final int MIN_PACKET_SIZE = 150;

  /**
   * Checks the values.
   *
   * @throws IllegalArgumentException if one is out of range
   */
  public UtpConfig {
    if (packetSize < MIN_PACKET_SIZE || packetSize > 65_507) {
      throw new IllegalArgumentException("packetSize " + packetSize + " outside 150..65507");
    }
    if (loopbackPacketSize < packetSize || loopbackPacketSize > UtpPacket.MAX_DATAGRAM) {
      throw new IllegalArgumentException("loopbackPacketSize " + loopbackPacketSize
          + " outside packetSize.." + UtpPacket.MAX_DATAGRAM);
    }
    if (sendBuffer < loopbackPacketSize || receiveBuffer < loopbackPacketSize) {
      throw new IllegalArgumentException("buffers must hold a packet at least");
    }
    if (targetDelay.isNegative() || targetDelay.isZero() || connectTimeout.isNegative()
        || connectTimeout.isZero() || idleTimeout.isNegative() || idleTimeout.isZero()) {
      throw new IllegalArgumentException("durations must be positive");
    }
  }

  /**
   * 1400-byte packets (64,000 over loopback to a peer that takes them), a 1 MiB send buffer, a
   * 4 MiB receive buffer, 100 ms target, 10 s connect, 60 s idle timeouts. The receive buffer is the window the peer may have in flight, and holds
   * what arrives beyond a lost packet until it is sent again: at 1 MiB a 4 MiB/s path with a
   * 200 ms round trip and 1% loss got a third of its rate (a round trip of data waits behind each
   * loss), at 4 MiB over 70%. It is filled only as far as the peer sends and the engine has not
   * read.
   */
  public static UtpConfig defaults() {
    return new UtpConfig(1400, 64_000, 1 << 20, 4 << 20, Duration.ofMillis(100),
        Duration.ofSeconds(10), Duration.ofSeconds(60));
  }

  /**
   * The largest datagram a connection with these settings sends or announces that it takes: what
   * a host's buffers for one datagram must hold.
   */
  public int maxDatagram() {
    return loopbackPacketSize;
  }
}
