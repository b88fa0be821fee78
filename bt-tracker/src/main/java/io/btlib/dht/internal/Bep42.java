package io.btlib.dht.internal;

import io.btlib.dht.NodeId;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.util.Random;

/**
 * BEP 42 node-id hardening: an id's first 21 bits are a CRC32C of the node's masked external IP and
 * a 3-bit random value {@code r}, whose byte (0 to 255) is the id's last byte.
 *
 * <p>Local addresses are exempt, as BEP 42 says: 10/8, 172.16/12, 192.168/16, 169.254/16 and 127/8
 * for IPv4; loopback, link-local and unique-local ({@code fc00::/7}) for IPv6. So nodes on
 * 127.0.0.1 (tests, local swarms) may have any id. Stateless.
 */
public final class Bep42 {
  private static final int[] V4_MASK = {0x03, 0x0f, 0x3f, 0xff};
  private static final int[] V6_MASK = {0x01, 0x03, 0x07, 0x0f, 0x1f, 0x3f, 0x7f, 0xff};

  private Bep42() {}

  /** Whether {@code address} is in a range BEP 42 exempts from the id check. */
  public static boolean isExempt(InetAddress address) {
    if (address.isLoopbackAddress()
        || address.isLinkLocalAddress()
        || address.isSiteLocalAddress()
        || address.isAnyLocalAddress()) {
      return true;
    }
    if (address instanceof Inet6Address) {
      int first = address.getAddress()[0] & 0xFF;
      return (first & 0xFE) == 0xFC; // unique local fc00::/7
    }
    return false;
  }

  /** The CRC32C that the first 21 bits of an id for {@code address} and {@code r} must match. */
  static int crc(InetAddress address, int r) {
    byte[] ip = address.getAddress();
    int[] mask = address instanceof Inet4Address ? V4_MASK : V6_MASK;
    byte[] m = new byte[mask.length];
    for (int i = 0; i < mask.length; i++) {
      m[i] = (byte) (ip[i] & mask[i]);
    }
    m[0] |= (byte) ((r & 7) << 5);
    return crc32c(m);
  }

  /** CRC-32C (Castagnoli, reflected 0x82F63B78), as {@code java.util.zip.CRC32C} (Java 9). */
  static int crc32c(byte[] b) {
    int crc = 0xFFFFFFFF;
    for (byte x : b) {
      crc = CRC32C_TABLE[(crc ^ x) & 0xFF] ^ (crc >>> 8);
    }
    return ~crc;
  }

  private static final int[] CRC32C_TABLE = new int[256];

  static {
    for (int i = 0; i < 256; i++) {
      int c = i;
      for (int k = 0; k < 8; k++) {
        c = (c & 1) != 0 ? (c >>> 1) ^ 0x82F63B78 : c >>> 1;
      }
      CRC32C_TABLE[i] = c;
    }
  }

  /**
   * An id valid for {@code external} under BEP 42 with the random byte {@code rand} (0 to 255); the
   * other bits come from {@code random}.
   */
  public static NodeId generate(InetAddress external, int rand, Random random) {
    int crc = crc(external, rand & 7);
    byte[] id = new byte[NodeId.LENGTH];
    random.nextBytes(id);
    id[0] = (byte) (crc >>> 24);
    id[1] = (byte) (crc >>> 16);
    id[2] = (byte) (((crc >>> 8) & 0xF8) | (id[2] & 0x07));
    id[19] = (byte) rand;
    return NodeId.of(id);
  }

  /** An id valid for {@code external}, all random apart from the BEP 42 prefix. */
  public static NodeId generate(InetAddress external, Random random) {
    return generate(external, random.nextInt(256), random);
  }

  /** Whether {@code id} is valid for a node at {@code address}: exempt, or its prefix matches. */
  public static boolean isValid(NodeId id, InetAddress address) {
    if (isExempt(address)) {
      return true;
    }
    int crc = crc(address, id.byteAt(19) & 7);
    return id.byteAt(0) == (byte) (crc >>> 24)
        && id.byteAt(1) == (byte) (crc >>> 16)
        && (id.byteAt(2) & 0xF8) == ((crc >>> 8) & 0xF8);
  }
}
