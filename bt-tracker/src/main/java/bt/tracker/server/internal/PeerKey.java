package bt.tracker.server.internal;

/**
 * A peer's identity within a swarm: its address, as an IPv6 address (IPv4 mapped into
 * {@code ::ffff:0:0/96}), and its port.
 */
record PeerKey(long hi, long lo, int port) implements Comparable<PeerKey> {
  static PeerKey of(byte[] ip, int port) {
    if (ip.length == 4) {
      return new PeerKey(0L, 0xFFFF_0000_0000L | (HashKey.getInt(ip, 0) & 0xFFFF_FFFFL), port);
    }
    return new PeerKey(HashKey.getLong(ip, 0), HashKey.getLong(ip, 8), port);
  }

  @Override
  public int hashCode() {
    long h = hi * 0x9E3779B97F4A7C15L ^ lo * 0xC2B2AE3D27D4EB4FL ^ port * 0x165667B19E3779F9L;
    return (int) (h ^ (h >>> 29));
  }

  @Override
  public int compareTo(PeerKey o) {
    int r = Long.compare(hi, o.hi);
    if (r == 0) {
      r = Long.compare(lo, o.lo);
    }
    return r != 0 ? r : Integer.compare(port, o.port);
  }
}
