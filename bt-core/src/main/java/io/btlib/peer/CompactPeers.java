package io.btlib.peer;

import java.net.InetAddress;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Objects;

/**
 * Reads and writes the compact peer lists that trackers (BEP 23, BEP 7), PEX (BEP 11) and the DHT
 * (BEP 5) use: each peer is its address bytes followed by its port, big-endian, with no separator.
 *
 * <pre>
 * IPv4 (BEP 23), 6 bytes a peer:        IPv6 (BEP 7), 18 bytes a peer:
 * +----+----+----+----+---------+       +----+-- ... --+-----+---------+
 * | a0 | a1 | a2 | a3 |  port   |       | a0 |   ...   | a15 |  port   |
 * +----+----+----+----+---------+       +----+-- ... --+-----+---------+
 *                       2 bytes,                               2 bytes,
 *                       big-endian                             big-endian
 * </pre>
 *
 * <pre>{@code
 * List<PeerAddress> peers = CompactPeers.decodeIpv4(ByteBuffer.wrap(compact));
 * byte[] out = CompactPeers.encodeIpv4(peers);
 * }</pre>
 *
 * <p>Decoding reads the buffer's remaining bytes, which must be a whole number of entries; entries
 * with port 0 are skipped rather than failing the list, since trackers do send them. An
 * IPv4-mapped address in an IPv6 list decodes as the IPv4 peer ({@link PeerAddress}). The buffer's
 * byte order is ignored: the port is always big-endian. Encoding writes only the peers of the
 * list's family and skips the others. All methods are stateless and thread-safe.
 */
public final class CompactPeers {
  /** Bytes per peer in the IPv4 form (BEP 23): 4 address bytes and 2 port bytes. */
  public static final int IPV4_ENTRY_LENGTH = 6;
  /** Bytes per peer in the IPv6 form (BEP 7): 16 address bytes and 2 port bytes. */
  public static final int IPV6_ENTRY_LENGTH = 18;

  private CompactPeers() {}

  /**
   * Decodes the remaining bytes of {@code src} as 6-byte IPv4 entries, skipping those with port 0.
   * On success the position moves to the limit; on failure it is unchanged.
   *
   * @return the peers in the order they came, unmodifiable
   * @throws IllegalArgumentException naming the length, if it is not a multiple of 6
   */
  public static List<PeerAddress> decodeIpv4(ByteBuffer src) {
    return decode(src, 4, "IPv4");
  }

  /**
   * Decodes the remaining bytes of {@code src} as 18-byte IPv6 entries, skipping those with port 0.
   * On success the position moves to the limit; on failure it is unchanged.
   *
   * @return the peers in the order they came, unmodifiable
   * @throws IllegalArgumentException naming the length, if it is not a multiple of 18
   */
  public static List<PeerAddress> decodeIpv6(ByteBuffer src) {
    return decode(src, 16, "IPv6");
  }

  private static List<PeerAddress> decode(ByteBuffer src, int addressLength, String family) {
    Objects.requireNonNull(src, "src");
    int entry = addressLength + 2;
    int length = src.remaining();
    if (length % entry != 0) {
      throw new IllegalArgumentException(
          "compact " + family + " peers are " + length + " bytes, not a multiple of " + entry);
    }
    int start = src.position();
    List<PeerAddress> out = new ArrayList<>(length / entry);
    byte[] a = new byte[addressLength];
    for (int p = start, end = start + length; p < end; p += entry) {
      int port = ((src.get(p + addressLength) & 0xFF) << 8) | (src.get(p + addressLength + 1) & 0xFF);
      if (port == 0) {
        continue;
      }
      for (int k = 0; k < a.length; k++) { // ByteBuffer.get(int, byte[]) is Java 13
        a[k] = src.get(p + k);
      }
      InetAddress address = IpLiterals.toInetAddress(a);
      out.add(new PeerAddress(address, port));
    }
    ((Buffer) src).position(start + length);
    return Collections.unmodifiableList(out);
  }

  /**
   * Encodes the IPv4 peers of {@code peers}, in iteration order, 6 bytes each; IPv6 peers are
   * skipped.
   */
  public static byte[] encodeIpv4(Collection<PeerAddress> peers) {
    return encode(peers, false);
  }

  /**
   * Encodes the IPv6 peers of {@code peers}, in iteration order, 18 bytes each; IPv4 peers are
   * skipped.
   */
  public static byte[] encodeIpv6(Collection<PeerAddress> peers) {
    return encode(peers, true);
  }

  private static byte[] encode(Collection<PeerAddress> peers, boolean ipv6) {
    Objects.requireNonNull(peers, "peers");
    int count = 0;
    int index = 0;
    for (PeerAddress p : peers) {
      if (p == null) {
        throw new NullPointerException("peers[" + index + "] is null");
      }
      if (p.isIpv6() == ipv6) {
        count++;
      }
      index++;
    }
    ByteBuffer out = ByteBuffer.allocate(count * (ipv6 ? IPV6_ENTRY_LENGTH : IPV4_ENTRY_LENGTH));
    for (PeerAddress p : peers) {
      if (p.isIpv6() == ipv6) {
        put(p, out);
      }
    }
    return out.array();
  }

  /** Encodes one peer: 6 bytes for an IPv4 peer, 18 for an IPv6 peer. */
  public static byte[] encodeOne(PeerAddress peer) {
    Objects.requireNonNull(peer, "peer");
    ByteBuffer out = ByteBuffer.allocate(peer.isIpv6() ? IPV6_ENTRY_LENGTH : IPV4_ENTRY_LENGTH);
    put(peer, out);
    return out.array();
  }

  private static void put(PeerAddress peer, ByteBuffer out) {
    out.put(peer.address().getAddress());
    out.put((byte) (peer.port() >>> 8));
    out.put((byte) peer.port());
  }
}
