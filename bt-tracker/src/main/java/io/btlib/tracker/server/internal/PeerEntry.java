package io.btlib.tracker.server.internal;

/**
 * One peer of one swarm, keyed by its address and port: the address as an IPv6 address (IPv4
 * mapped into {@code ::ffff:0:0/96}) in two longs, the port, and the key's hash in its swarm's
 * table, all held in the record itself so that a lookup reads one object. The address and port
 * never change; the rest is written only under the registry's lock (its announce time lives in
 * the swarm's packed arrays). {@link #peerId()} may be read without it (a volatile reference to
 * an array that is never modified); a re-announce compares the peer id with a copy in three
 * fields of the record instead, which costs no read of another object.
 */
final class PeerEntry {
  final long hi;
  final long lo;
  final int hash;
  private final byte[] ip;
  private final int port;
  private final boolean ipv6; // ip.length == 16, without reading the array
  private volatile byte[] peerId;
  private long idA;
  private long idB;
  private int idC;
  boolean seeder;
  boolean completedCounted;
  /** Position in the swarm's array for its address family. */
  int index;

  PeerEntry(long hi, long lo, int hash, byte[] ip, int port, HashKey peerId) {
    this.hi = hi;
    this.lo = lo;
    this.hash = hash;
    this.ip = ip;
    this.port = port;
    this.ipv6 = ip.length == 16;
    peerId(peerId);
  }

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

  /** Whether this is the peer at that address and port. */
  boolean is(long hi, long lo, int port) {
    return this.lo == lo && this.port == port && this.hi == hi;
  }

  /** True for an IPv6 peer (18-byte compact form), false for IPv4 (6 bytes). */
  public boolean isIpv6() {
    return ipv6;
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

  /** Keeps {@code id}, unless it is null or the current one. */
  void peerId(HashKey id) {
    if (id != null
        && (peerId == null || id.a() != idA || id.b() != idB || id.c() != idC)) {
      idA = id.a();
      idB = id.b();
      idC = id.c();
      this.peerId = id.bytes();
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
