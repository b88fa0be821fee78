package io.btlib.tracker.server.internal;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.nio.Buffer;
import java.nio.ByteBuffer;

/**
 * The UDP tracker protocol (BEP 15), sans-I/O: one request datagram in, at most one reply out.
 * Not thread-safe; owned by the UDP receive thread.
 *
 * <pre>
 * connect   request  0 protocol_id u64 = 0x41727101980 | 8 action u32 = 0 | 12 transaction_id
 *           reply    0 action = 0 | 4 transaction_id | 8 connection_id u64
 * announce  request  0 connection_id | 8 action = 1 | 12 transaction_id | 16 info_hash[20]
 *                    36 peer_id[20] | 56 downloaded u64 | 64 left u64 | 72 uploaded u64
 *                    80 event u32 (0 none, 1 completed, 2 started, 3 stopped) | 84 ip u32
 *                    88 key u32 | 92 num_want i32 (-1 default) | 96 port u16     = 98 bytes
 *           reply    0 action = 1 | 4 transaction_id | 8 interval | 12 leechers | 16 seeders
 *                    20 peers: 6 bytes each (IPv4) or 18 bytes each (IPv6 client)
 * scrape    request  0 connection_id | 8 action = 2 | 12 transaction_id | 16 info_hash[20] * n
 *           reply    0 action = 2 | 4 transaction_id | 8 (seeders, completed, leechers) * n
 * error     reply    0 action = 3 | 4 transaction_id | 8 message (ASCII)
 * </pre>
 *
 * <p>Rules: a datagram shorter than 16 bytes, a connect without the protocol id, and an error
 * (action 3) sent to us are dropped silently. Anything else that is wrong (bad connection id,
 * short announce, port 0, unknown event, negative {@code left}, unknown action, hash not allowed)
 * gets an error reply, but only if the reply is no longer than the request, so the tracker never
 * amplifies a spoofed datagram; otherwise it is dropped. The {@code ip} field is ignored: the
 * peer's address is the datagram's source. A scrape serves the first {@value
 * #MAX_SCRAPE_HASHES} hashes and ignores the rest; a hash not on the allow-list scrapes as zeros.
 */
public final class UdpTrackerHandler {
  /** The protocol id of a connect request. */
  public static final long PROTOCOL_ID = 0x41727101980L;
  /** The most hashes one scrape reply carries (74 × 12 + 8 bytes fits any path MTU). */
  public static final int MAX_SCRAPE_HASHES = 74;
  /** The length of an announce request (BEP 15); BEP 41 options after it are ignored. */
  public static final int ANNOUNCE_LENGTH = 98;
  /**
   * The largest reply: an announce to an IPv6 client with the maximal peer count, or a scrape of
   * {@value #MAX_SCRAPE_HASHES} hashes, whichever is longer.
   */
  public static int maxReplyBytes(int maxNumwant) {
    return Math.max(20 + 18 * maxNumwant, 8 + 12 * MAX_SCRAPE_HASHES);
  }

  private static final int CONNECT = 0;
  private static final int ANNOUNCE = 1;
  private static final int SCRAPE = 2;
  private static final int ERROR = 3;

  private final SwarmRegistry registry;
  private final ConnectionIds ids;
  private final Rng rng;
  private final int intervalSeconds;
  private final PeerSample sample;
  private final int[] counts = new int[3];

  /** A handler over {@code registry}, telling clients to announce every {@code intervalSeconds}. */
  public UdpTrackerHandler(SwarmRegistry registry, ConnectionIds ids, Rng rng,
      int intervalSeconds) {
    this.registry = registry;
    this.ids = ids;
    this.rng = rng;
    this.intervalSeconds = intervalSeconds;
    this.sample = new PeerSample(registry.limits().maxNumwant());
  }

  /**
   * Handles one request.
   *
   * @param req the datagram from index 0 to its limit; not modified
   * @param ip the sender's address, 4 or 16 bytes (an IPv4-mapped address must be given as 4)
   * @param port the sender's port
   * @param reply cleared and filled with the reply, flipped, if the method returns true; at least
   *     {@link #maxReplyBytes(int)} long
   * @return whether to send {@code reply}
   */
  public boolean handle(ByteBuffer req, byte[] ip, int port, long nowNanos, ByteBuffer reply) {
    int len = req.limit();
    if (len < 16) {
      return false;
    }
    ids.rotateIfDue(nowNanos);
    long ipHi;
    long ipLo;
    if (ip.length == 4) {
      ipHi = 0;
      ipLo = 0xFFFF_0000_0000L | (HashKey.getInt(ip, 0) & 0xFFFF_FFFFL);
    } else {
      ipHi = HashKey.getLong(ip, 0);
      ipLo = HashKey.getLong(ip, 8);
    }
    long cid = req.getLong(0);
    int action = req.getInt(8);
    int tid = req.getInt(12);
    ((Buffer) reply).clear();
    if (action == CONNECT) {
      if (cid != PROTOCOL_ID) {
        return false;
      }
      ((Buffer) reply.putInt(CONNECT).putInt(tid).putLong(ids.issue(ipHi, ipLo, port))).flip();
      return true;
    }
    if (action == ERROR) {
      return false; // never answer an error with an error
    }
    if (action != ANNOUNCE && action != SCRAPE) {
      return error(reply, tid, "unknown action", len);
    }
    if (!ids.isValid(cid, ipHi, ipLo, port)) {
      return error(reply, tid, "bad connection id", len);
    }
    if (action == SCRAPE) {
      return scrape(req, len, tid, reply);
    }
    if (len < ANNOUNCE_LENGTH) {
      return error(reply, tid, "short announce", len);
    }
    long left = req.getLong(64);
    int event = req.getInt(80);
    int numwant = req.getInt(92);
    int peerPort = req.getShort(96) & 0xFFFF;
    if (event < 0 || event > SwarmRegistry.EVENT_STOPPED) {
      return error(reply, tid, "bad event", len);
    }
    if (peerPort == 0) {
      return error(reply, tid, "bad port", len);
    }
    if (left < 0) {
      return error(reply, tid, "bad left", len);
    }
    if (registry.announce(HashKey.of(req, 16), ip, peerPort, HashKey.of(req, 36), left == 0,
        event, registry.numwant(numwant), false, nowNanos, rng, sample)
        == SwarmRegistry.NOT_ALLOWED) {
      return error(reply, tid, "info hash not allowed", len);
    }
    reply.putInt(ANNOUNCE).putInt(tid).putInt(intervalSeconds).putInt(sample.leechers)
        .putInt(sample.seeders);
    if (ip.length == 4) {
      reply.put(sample.v4, 0, 6 * sample.count4);
    } else {
      reply.put(sample.v6, 0, 18 * sample.count6);
    }
    ((Buffer) reply).flip();
    return true;
  }

  private boolean scrape(ByteBuffer req, int len, int tid, ByteBuffer reply) {
    int n = Math.min((len - 16) / 20, MAX_SCRAPE_HASHES);
    if (n == 0) {
      return error(reply, tid, "no info hash", len);
    }
    reply.putInt(SCRAPE).putInt(tid);
    for (int i = 0; i < n; i++) {
      HashKey h = HashKey.of(req, 16 + 20 * i);
      if (registry.isAllowed(h)) {
        registry.scrape(h, counts);
        reply.putInt(counts[0]).putInt(counts[1]).putInt(counts[2]);
      } else {
        reply.putInt(0).putInt(0).putInt(0);
      }
    }
    ((Buffer) reply).flip();
    return true;
  }

  private static boolean error(ByteBuffer reply, int tid, String message, int requestLength) {
    if (8 + message.length() > requestLength) {
      return false; // no amplification: the sender may be spoofed
    }
    ((Buffer) reply).clear();
    ((Buffer) reply.putInt(ERROR).putInt(tid).put(message.getBytes(US_ASCII))).flip();
    return true;
  }
}
