package io.btlib.wire;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerId;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Objects;

/**
 * The 68-byte handshake that opens every peer connection (BEP 3), with the reserved bits that
 * announce extensions.
 *
 * <pre>
 *   +------+---------------------+--------------+---------------+-------------+
 *   | 0x13 | "BitTorrent protocol" | reserved (8) | info hash (20) | peer id (20) |
 *   +------+---------------------+--------------+---------------+-------------+
 *   reserved[5] &amp; 0x10  extension protocol (BEP 10)
 *   reserved[7] &amp; 0x01  DHT (BEP 5)      reserved[7] &amp; 0x04  fast extension (BEP 6)
 *   reserved[7] &amp; 0x10  v2 upgrade (BEP 52)
 * </pre>
 *
 * <p>For a v2 torrent the info hash is the v2 hash truncated to 20 bytes.
 *
 * @param reserved the 8 reserved bytes as a big-endian long
 * @param infoHash the 20-byte info hash
 * @param peerId the sender's peer id
 */
public record Handshake(long reserved, InfoHash infoHash, PeerId peerId) {
  /** The handshake's length in bytes. */
  public static final int LENGTH = 68;
  /** Extension protocol bit (BEP 10): reserved byte 5, 0x10. */
  public static final long EXTENSION_PROTOCOL = 0x10L << 16;
  /** DHT bit (BEP 5): reserved byte 7, 0x01. */
  public static final long DHT = 0x01L;
  /** Fast extension bit (BEP 6): reserved byte 7, 0x04. */
  public static final long FAST = 0x04L;
  /** v2 upgrade bit (BEP 52): reserved byte 7, 0x10. */
  public static final long V2_UPGRADE = 0x10L;

  private static final byte[] PROTOCOL = "BitTorrent protocol".getBytes(StandardCharsets.US_ASCII);

  /** Checks the values. */
  public Handshake {
    Objects.requireNonNull(infoHash, "infoHash");
    Objects.requireNonNull(peerId, "peerId");
    if (infoHash.length() != InfoHash.V1_LENGTH) {
      throw new IllegalArgumentException("the handshake carries a 20-byte info hash, not "
          + infoHash.length() + " (truncate a v2 hash)");
    }
  }

  /** Whether all the given reserved bits are set. */
  public boolean supports(long bits) {
    return (reserved & bits) == bits;
  }

  /** Writes the handshake into {@code dst} if 68 bytes remain; returns whether it did. */
  public boolean encode(ByteBuffer dst) {
    if (dst.remaining() < LENGTH) {
      return false;
    }
    dst.put((byte) PROTOCOL.length).put(PROTOCOL).putLong(reserved)
        .put(infoHash.bytes()).put(peerId.bytes());
    return true;
  }

  /**
   * Reads a handshake from {@code src} once all 68 bytes are there; until then returns null and
   * leaves the position alone. The protocol string is checked as soon as its bytes arrive, so a
   * peer speaking something else is rejected early.
   *
   * @throws WireException if the bytes do not start a BitTorrent handshake
   */
  public static Handshake decode(ByteBuffer src) throws WireException {
    int p = src.position();
    int avail = src.remaining();
    if (avail >= 1 && src.get(p) != PROTOCOL.length) {
      throw new WireException(WireException.Rule.BAD_PROTOCOL, 0, src.get(p) & 0xFF,
          PROTOCOL.length, "protocol string length is not 19");
    }
    int check = Math.min(avail - 1, PROTOCOL.length);
    for (int i = 0; i < check; i++) {
      if (src.get(p + 1 + i) != PROTOCOL[i]) {
        throw new WireException(WireException.Rule.BAD_PROTOCOL, 0, -1, -1,
            "protocol string is not \"BitTorrent protocol\"");
      }
    }
    if (avail < LENGTH) {
      return null;
    }
    long reserved = src.getLong(p + 20);
    byte[] hash = new byte[20];
    byte[] id = new byte[20];
    ((Buffer) src).position(p + 28);
    src.get(hash).get(id);
    return new Handshake(reserved, InfoHash.of(hash), PeerId.of(id));
  }

  /**
   * The info hash of a handshake whose first 48 bytes are in {@code src}, without consuming
   * anything: a listener uses it to find the torrent before answering. Null until 48 bytes are
   * there.
   */
  public static InfoHash peekInfoHash(ByteBuffer src) throws WireException {
    if (src.remaining() < 48) {
      decodeHeaderCheck(src);
      return null;
    }
    decodeHeaderCheck(src);
    byte[] hash = new byte[20];
    ((ByteBuffer) ((Buffer) src.duplicate()).position(src.position() + 28)).get(hash);
    return InfoHash.of(hash);
  }

  private static void decodeHeaderCheck(ByteBuffer src) throws WireException {
    ByteBuffer probe = src.duplicate();
    if (probe.remaining() > LENGTH - 1) {
      ((Buffer) probe).limit(probe.position() + LENGTH - 1);
    }
    decode(probe); // checks the protocol string; can't complete with fewer than 68 bytes
  }
}
