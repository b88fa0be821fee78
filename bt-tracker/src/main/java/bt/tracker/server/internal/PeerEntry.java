package bt.tracker.server.internal;

/**
 * One peer of one swarm, keyed by its address and port. The address and port never change; the
 * rest is written only under the registry's lock (its announce time lives in the swarm's packed
 * arrays). {@link #peerId()} may be read
 * without it (a volatile reference to an array that is never modified).
 */
public final class PeerEntry {
  final PeerKey key;
  private final byte[] ip;
  private final int port;
  private volatile byte[] peerId;
  boolean seeder;
  boolean completedCounted;
  /** Position in the swarm's array for its address family. */
  int index;

  PeerEntry(PeerKey key, byte[] ip, int port, byte[] peerId) {
    this.key = key;
    this.ip = ip;
    this.port = port;
    this.peerId = peerId;
  }

  /** True for an IPv6 peer (18-byte compact form), false for IPv4 (6 bytes). */
  public boolean isIpv6() {
    return ip.length == 16;
  }

  /** The address bytes, 4 or 16; do not modify. */
  public byte[] ip() {
    return ip;
  }

  /** The port, 1..65535. */
  public int port() {
    return port;
  }

  /** The 20-byte peer id last announced, or null if none was sent; do not modify. */
  public byte[] peerId() {
    return peerId;
  }

  /** Keeps {@code id} if it differs from the current one (an equal one is not stored). */
  void peerId(byte[] id) {
    if (id != null && !java.util.Arrays.equals(id, peerId)) {
      this.peerId = id;
    }
  }

  /** Writes the compact form (address, big-endian port) at {@code dst[off]}; returns the end. */
  public int writeCompact(byte[] dst, int off) {
    System.arraycopy(ip, 0, dst, off, ip.length);
    off += ip.length;
    dst[off] = (byte) (port >>> 8);
    dst[off + 1] = (byte) port;
    return off + 2;
  }
}
