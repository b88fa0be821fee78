package io.btlib.utp;

import java.util.ArrayDeque;

/**
 * Arrays that received payloads are copied into, given back once the application has read them,
 * so that a bulk transfer reuses a few warm arrays instead of allocating (and zeroing) one per
 * datagram: at 1,400-byte packets that allocation and the copy into fresh memory were half of the
 * engine thread's time when libtorrent seeded to bt. Two sizes: the payload of a datagram that
 * fits an Ethernet frame (or of the configured packet size, if larger), and of the largest
 * datagram (loopback); a payload under half of its
 * class gets an array of its own length, so that a peer sending tiny packets does not make the
 * receive buffer (counted in payload bytes) hold many times its size. At most about 1 MiB of
 * each size is kept. Not thread-safe: the connections of one multiplexer share it on one thread.
 */
final class PayloadPool {
  /** Bytes of spare arrays kept per size, about. */
  private static final int KEEP_BYTES = 1 << 20;
  /**
   * The largest payload of a datagram that fits a 1,500-byte Ethernet frame (IPv4, UDP, uTP's
   * header): what libtorrent sends, loopback included (its datagrams there are 1,468 bytes), and
   * more than our 1,400-byte packets carry.
   */
  static final int ETHERNET_PAYLOAD = 1500 - 20 - 8 - UtpPacket.HEADER_SIZE;

  private final int small;
  private final int large;
  private final int keepSmall;
  private final int keepLarge;
  private final ArrayDeque<byte[]> spareSmall = new ArrayDeque<>();
  private final ArrayDeque<byte[]> spareLarge = new ArrayDeque<>();

  PayloadPool(UtpConfig config) {
    this.small = Math.max(config.packetSize(), ETHERNET_PAYLOAD);
    this.large = Math.max(config.maxDatagram(), small);
    this.keepSmall = Math.max(4, KEEP_BYTES / small);
    this.keepLarge = Math.max(4, KEEP_BYTES / large);
  }

  /** An array of at least {@code n} bytes, whose contents are undefined. */
  byte[] take(int n) {
    if (n <= small) {
      if (n < small / 2) {
        return new byte[n];
      }
      byte[] b = spareSmall.pollLast();
      return b != null ? b : new byte[small];
    }
    if (n < large / 2) {
      return new byte[n];
    }
    byte[] b = spareLarge.pollLast();
    return b != null ? b : new byte[large];
  }

  /** Takes back an array of {@link #take}'s that nothing refers to any more. */
  void give(byte[] b) {
    if (b.length == small) {
      if (spareSmall.size() < keepSmall) {
        spareSmall.addLast(b);
      }
    } else if (b.length == large && spareLarge.size() < keepLarge) {
      spareLarge.addLast(b);
    }
  }

  /** Spare arrays held now. */
  int spares() {
    return spareSmall.size() + spareLarge.size();
  }
}
