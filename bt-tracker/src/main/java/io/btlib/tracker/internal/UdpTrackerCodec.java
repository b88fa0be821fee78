package io.btlib.tracker.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.CompactPeers;
import io.btlib.peer.PeerAddress;
import io.btlib.tracker.AnnounceRequest;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Encodes and decodes the packets of the UDP tracker protocol (BEP 15, with BEP 41 URL data).
 * Sans-I/O: bytes in, values or a {@link UdpTrackerFormatException} out; stateless.
 *
 * <pre>
 * connect request   16 bytes: i64 protocol id 0x41727101980, i32 action 0, i32 transaction id
 * connect reply     16 bytes: i32 action 0, i32 transaction id, i64 connection id
 * announce request  98 bytes: i64 connection id, i32 action 1, i32 transaction id,
 *                   20 info hash, 20 peer id, i64 downloaded, i64 left, i64 uploaded,
 *                   i32 event, u32 ip (0), u32 key, i32 num want (-1: default), u16 port,
 *                   then BEP 41 options: 0x2 len data (URL path and query, chunks of 255)
 * announce reply    20 + 6n (IPv4 tracker) or 20 + 18n (IPv6 tracker) bytes: i32 action 1,
 *                   i32 transaction id, i32 interval, i32 leechers, i32 seeders, peers
 * scrape request    16 + 20n bytes (n = 1..74): i64 connection id, i32 action 2, i32 tx, hashes
 * scrape reply      8 + 12n bytes: i32 action 2, i32 tx, then per hash i32 seeders,
 *                   i32 completed, i32 leechers
 * error reply       8+ bytes: i32 action 3, i32 transaction id, message (UTF-8)
 * </pre>
 *
 * All integers are big-endian. Decoding reads the whole packet, never past it; replies of a
 * length the action does not allow fail (a connect reply may carry trailing bytes, as BEP 15
 * only asks for "at least 16").
 */
public final class UdpTrackerCodec {
  /** The magic constant of a connect request. */
  public static final long PROTOCOL_ID = 0x41727101980L;
  /** Action codes. */
  public static final int CONNECT = 0;
  /** Action codes. */
  public static final int ANNOUNCE = 1;
  /** Action codes. */
  public static final int SCRAPE = 2;
  /** Action codes. */
  public static final int ERROR = 3;
  /** The most hashes one scrape request may carry (BEP 15). */
  public static final int MAX_SCRAPE_HASHES = 74;
  /** The longest error message kept, in bytes; the rest is cut off. */
  public static final int MAX_ERROR_BYTES = 1024;

  private static final int OPTION_END = 0;
  private static final int OPTION_URL_DATA = 2;

  private UdpTrackerCodec() {}

  /** A decoded reply. */
  public sealed interface Reply permits ConnectReply, AnnounceReply, ScrapeReply, ErrorReply {
    /** The transaction id the tracker echoed. */
    int transactionId();
  }

  /** A connect reply: the connection id to use for a minute. */
  public record ConnectReply(int transactionId, long connectionId) implements Reply {}

  /** An announce reply; counts as the tracker sent them (may be negative from a broken one). */
  public record AnnounceReply(
      int transactionId, int intervalSeconds, int leechers, int seeders, List<PeerAddress> peers)
      implements Reply {}

  /** A scrape reply: one entry per hash requested, in request order. */
  public record ScrapeReply(int transactionId, List<ScrapeEntry> entries) implements Reply {}

  /** One hash's counts in a scrape reply, as the tracker sent them. */
  public record ScrapeEntry(int seeders, int completed, int leechers) {}

  /** An error reply: the request was refused. */
  public record ErrorReply(int transactionId, String message) implements Reply {}

  /** A connect request. */
  public static byte[] encodeConnect(int transactionId) {
    return ByteBuffer.allocate(16).putLong(PROTOCOL_ID).putInt(CONNECT).putInt(transactionId)
        .array();
  }

  /**
   * An announce request.
   *
   * @param urlData the tracker URL's path and query for BEP 41 (e.g. {@code /announce?k=1}), or
   *     empty to send no option
   */
  public static byte[] encodeAnnounce(
      long connectionId, int transactionId, AnnounceRequest r, byte[] urlData) {
    Objects.requireNonNull(r, "r");
    Objects.requireNonNull(urlData, "urlData");
    int chunks = (urlData.length + 254) / 255;
    int optionBytes = urlData.length == 0 ? 0 : urlData.length + 2 * chunks + 1;
    ByteBuffer b = ByteBuffer.allocate(98 + optionBytes);
    b.putLong(connectionId).putInt(ANNOUNCE).putInt(transactionId);
    b.put(r.infoHash().bytes()).put(r.peerId().bytes());
    b.putLong(r.downloaded()).putLong(r.left()).putLong(r.uploaded());
    b.putInt(r.event().udpValue());
    b.putInt(0); // ip: 0 = the sender's address
    b.putInt(r.key());
    b.putInt(r.numWant());
    b.putShort((short) r.port());
    for (int off = 0; off < urlData.length; off += 255) {
      int n = Math.min(255, urlData.length - off);
      b.put((byte) OPTION_URL_DATA).put((byte) n).put(urlData, off, n);
    }
    if (optionBytes > 0) {
      b.put((byte) OPTION_END);
    }
    return b.array();
  }

  /**
   * A scrape request for 1 to {@value #MAX_SCRAPE_HASHES} 20-byte hashes.
   *
   * @throws IllegalArgumentException for no hashes, too many, or one not 20 bytes long
   */
  public static byte[] encodeScrape(long connectionId, int transactionId, List<InfoHash> hashes) {
    if (hashes.isEmpty() || hashes.size() > MAX_SCRAPE_HASHES) {
      throw new IllegalArgumentException(
          "a scrape carries 1.." + MAX_SCRAPE_HASHES + " hashes, got " + hashes.size());
    }
    ByteBuffer b = ByteBuffer.allocate(16 + 20 * hashes.size());
    b.putLong(connectionId).putInt(SCRAPE).putInt(transactionId);
    for (InfoHash h : hashes) {
      if (!h.isV1()) {
        throw new IllegalArgumentException("scrape hashes must be 20 bytes, got " + h);
      }
      b.put(h.bytes());
    }
    return b.array();
  }

  /**
   * Decodes a reply from its remaining bytes; the buffer's position is left unchanged.
   *
   * @param ipv6 whether the tracker was reached over IPv6: its announce replies hold 18-byte
   *     peers, else 6-byte ones
   * @throws UdpTrackerFormatException naming the field, for a packet that breaks BEP 15
   */
  public static Reply decode(ByteBuffer packet, boolean ipv6) {
    ByteBuffer p = packet.duplicate().order(java.nio.ByteOrder.BIG_ENDIAN);
    int length = p.remaining();
    if (length < 8) {
      throw new UdpTrackerFormatException("", "packet is " + length + " bytes, less than the 8"
          + " of action and transaction id");
    }
    int action = p.getInt();
    int tx = p.getInt();
    switch (action) {
      case CONNECT:
        if (length < 16) {
          throw new UdpTrackerFormatException("connect",
              "reply is " + length + " bytes, less than 16");
        }
        return new ConnectReply(tx, p.getLong());
      case ANNOUNCE:
        return decodeAnnounce(p, tx, length, ipv6);
      case SCRAPE:
        if ((length - 8) % 12 != 0) {
          throw new UdpTrackerFormatException("scrape",
              "reply is " + length + " bytes, not 8 + 12 per hash");
        }
        List<ScrapeEntry> entries = new ArrayList<>((length - 8) / 12);
        while (p.hasRemaining()) {
          entries.add(new ScrapeEntry(p.getInt(), p.getInt(), p.getInt()));
        }
        return new ScrapeReply(tx, entries);
      case ERROR:
        byte[] msg = new byte[Math.min(p.remaining(), MAX_ERROR_BYTES)];
        p.get(msg);
        return new ErrorReply(tx, new String(msg, UTF_8));
      default:
        throw new UdpTrackerFormatException("action",
            "unknown action " + Integer.toUnsignedString(action) + " (BEP 15 knows 0..3)");
    }
  }

  private static AnnounceReply decodeAnnounce(ByteBuffer p, int tx, int length, boolean ipv6) {
    if (length < 20) {
      throw new UdpTrackerFormatException("announce",
          "reply is " + length + " bytes, less than 20");
    }
    int interval = p.getInt();
    int leechers = p.getInt();
    int seeders = p.getInt();
    int entry = ipv6 ? CompactPeers.IPV6_ENTRY_LENGTH : CompactPeers.IPV4_ENTRY_LENGTH;
    if (p.remaining() % entry != 0) {
      throw new UdpTrackerFormatException("announce.peers", p.remaining()
          + " bytes of peers are not whole " + entry + "-byte entries (the tracker is "
          + (ipv6 ? "IPv6" : "IPv4") + ")");
    }
    List<PeerAddress> peers = ipv6 ? CompactPeers.decodeIpv6(p) : CompactPeers.decodeIpv4(p);
    return new AnnounceReply(tx, interval, leechers, seeders, peers);
  }
}
