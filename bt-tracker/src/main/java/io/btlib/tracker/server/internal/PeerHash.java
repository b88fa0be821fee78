package io.btlib.tracker.server.internal;

/**
 * A peer's key (address and port) as numbers, and its hash in a swarm's table: the address as an
 * IPv6 address (IPv4 mapped into {@code ::ffff:0:0/96}) in two longs, and the port.
 */
final class PeerHash {
  private PeerHash() {}

  /** The high 64 bits of {@code ip} as an IPv6 address (0 for IPv4). */
  static long hi(byte[] ip) {
    return ip.length == 4 ? 0L : HashKey.getLong(ip, 0);
  }

  /** The low 64 bits of {@code ip} as an IPv6 address ({@code ::ffff:a.b.c.d} for IPv4). */
  static long lo(byte[] ip) {
    return ip.length == 4 ? 0xFFFF_0000_0000L | (HashKey.getInt(ip, 0) & 0xFFFF_FFFFL)
        : HashKey.getLong(ip, 8);
  }

  /**
   * The key's hash under a secret {@code seed}: murmur3's 64-bit finaliser over each part, so
   * that peers who choose their ports (or addresses) cannot aim at one slot of a swarm's table
   * without knowing the seed.
   */
  static int hash(long hi, long lo, int port, long seed) {
    long h = mix(seed ^ hi);
    h = mix(h ^ lo);
    h = mix(h ^ port);
    return (int) (h ^ (h >>> 32));
  }

  static long mix(long h) {
    h = (h ^ (h >>> 33)) * 0xFF51_AFD7_ED55_8CCDL;
    h = (h ^ (h >>> 33)) * 0xC4CE_B9FE_1A85_EC53L;
    return h ^ (h >>> 33);
  }
}
