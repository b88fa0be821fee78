package io.btlib.tracker.server.internal;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import io.btlib.peer.PeerAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.TreeSet;

/**
 * The HTTP tracker protocol, sans-I/O: a request target ({@code /announce?...} or {@code
 * /scrape?...}) in, a bencoded body out. Not thread-safe; owned by the HTTP thread.
 *
 * <p>Announce (BEP 3): {@code info_hash} (20 bytes after percent-decoding, which works on raw
 * bytes; {@code +} stays a plus, as clients percent-encode every byte that is not unreserved),
 * {@code peer_id} (20 bytes), {@code port} (1..65535) are required; {@code uploaded},
 * {@code downloaded}, {@code left} and {@code numwant} are optional non-negative decimals below
 * 2^63 (digits only); {@code event} is empty, {@code started}, {@code completed}, {@code stopped}
 * or {@code paused} (BEP 21, treated as a plain announce). A peer with {@code left=0} is a seeder;
 * without {@code left} it counts as a leecher. Replies are compact (BEP 23: {@code peers} holds
 * IPv4 peers, {@code peers6} IPv6 peers, BEP 7) unless {@code compact=0}, which gives a list of
 * {@code {ip, peer id, port}} dictionaries ({@code no_peer_id=1} drops the peer id). The peer's
 * address is the connection's; an {@code ip} parameter is honoured only on a connection from a
 * loopback address (a local proxy or test) and only if it is an IP literal, never resolved.
 *
 * <p>Scrape (BEP 48): one to {@value #MAX_SCRAPE_HASHES} {@code info_hash} parameters; a scrape
 * of the whole server (no hash) is refused, as it would leak every hash and cost O(swarms). Hashes
 * not on the allow-list are left out of the reply; unknown ones scrape as zeros.
 *
 * <p>Every malformed request gets a {@code failure reason} (HTTP 200, BEP 3) naming the parameter;
 * a path other than the two gets 404.
 */
public final class HttpTrackerHandler {
  /** The most info hashes one HTTP scrape may name. */
  public static final int MAX_SCRAPE_HASHES = 64;

  private final SwarmRegistry registry;
  private final Rng rng;
  private final int intervalSeconds;
  private final int minIntervalSeconds;
  private final PeerSample sample;
  private final int[] counts = new int[3];
  private byte[] value = new byte[256];
  private int valueLen;

  // the announce being parsed
  private HashKey infoHash;
  private HashKey peerId;
  private int port;
  private long left;
  private long numwant;
  private boolean compact;
  private boolean noPeerId;
  private int event;
  private byte[] ipParam;
  private final TreeSet<HashKey> scrapeHashes = new TreeSet<>();

  /** A handler over {@code registry}. */
  public HttpTrackerHandler(SwarmRegistry registry, Rng rng, int intervalSeconds,
      int minIntervalSeconds) {
    this.registry = registry;
    this.rng = rng;
    this.intervalSeconds = intervalSeconds;
    this.minIntervalSeconds = minIntervalSeconds;
    this.sample = new PeerSample(registry.limits().maxNumwant());
  }

  /**
   * Handles the request target {@code buf[start..end)}.
   *
   * @param clientIp the connection's remote address, 4 or 16 bytes; kept if the peer is stored
   * @param body reset, then filled with the reply body
   * @return the HTTP status: 200 (a tracker reply, possibly a failure) or 404
   */
  public int handle(byte[] buf, int start, int end, byte[] clientIp, long nowNanos,
      ByteSink body) {
    body.reset();
    int q = start;
    while (q < end && buf[q] != '?') {
      q++;
    }
    String failure;
    if (pathIs(buf, start, q, "/announce")) {
      failure = announce(buf, q, end, clientIp, nowNanos, body);
    } else if (pathIs(buf, start, q, "/scrape")) {
      failure = scrape(buf, q, end, body);
    } else {
      body.ascii("not found\n");
      return 404;
    }
    if (failure != null) {
      body.reset().put('d').bstr("failure reason").bstrText(failure).put('e');
    }
    return 200;
  }

  // ---- announce ----

  private String announce(byte[] buf, int q, int end, byte[] clientIp, long now, ByteSink body) {
    infoHash = null;
    peerId = null;
    port = -1;
    left = -1;
    numwant = -1;
    compact = true;
    noPeerId = false;
    event = SwarmRegistry.EVENT_NONE;
    ipParam = null;
    boolean loopback = isLoopback(clientIp);
    int p = q + 1;
    while (p < end) {
      int amp = p;
      while (amp < end && buf[amp] != '&') {
        amp++;
      }
      String f = announceParam(buf, p, amp, loopback);
      if (f != null) {
        return f;
      }
      p = amp + 1;
    }
    if (infoHash == null) {
      return "missing info_hash";
    }
    if (peerId == null) {
      return "missing peer_id";
    }
    if (port < 0) {
      return "missing port";
    }
    byte[] ip = ipParam != null ? ipParam : clientIp;
    sample.wantPeerIds = !compact;
    int n = registry.announce(infoHash, ip, port, peerId, left == 0, event,
        registry.numwant(numwant), true, now, rng, sample);
    if (n == SwarmRegistry.NOT_ALLOWED) {
      return "info_hash not allowed on this tracker";
    }
    body.put('d').bstr("complete").bint(sample.seeders).bstr("incomplete").bint(sample.leechers)
        .bstr("interval").bint(intervalSeconds).bstr("min interval").bint(minIntervalSeconds);
    body.bstr("peers");
    if (compact) {
      body.bstrHeader(6 * sample.count4).put(sample.v4, 0, 6 * sample.count4);
      if (sample.count6 > 0) {
        body.bstr("peers6").bstrHeader(18 * sample.count6).put(sample.v6, 0, 18 * sample.count6);
      }
    } else {
      body.put('l');
      dictPeers(body, sample.v4, 4, sample.ids4, sample.idKnown4, sample.count4);
      dictPeers(body, sample.v6, 16, sample.ids6, sample.idKnown6, sample.count6);
      body.put('e');
    }
    body.put('e');
    return null;
  }

  /** Writes {@code count} peers of one family as BEP 3 dictionaries (ip, peer id, port). */
  private void dictPeers(ByteSink body, byte[] compact, int ipLength, byte[] ids,
      boolean[] idKnown, int count) {
    int w = ipLength + 2;
    for (int i = 0; i < count; i++) {
      byte[] ip = Arrays.copyOfRange(compact, i * w, i * w + ipLength);
      int port = (compact[i * w + ipLength] & 255) << 8 | (compact[i * w + ipLength + 1] & 255);
      body.put('d').bstr("ip").bstr(ipLiteral(ip));
      if (!noPeerId && idKnown[i]) {
        body.bstr("peer id").bstrHeader(HashKey.LENGTH).put(ids, i * HashKey.LENGTH,
            HashKey.LENGTH);
      }
      body.bstr("port").bint(port).put('e');
    }
  }

  private String announceParam(byte[] buf, int s, int e, boolean loopback) {
    int eq = s;
    while (eq < e && buf[eq] != '=') {
      eq++;
    }
    int vs = Math.min(eq + 1, e);
    if (nameIs(buf, s, eq, "info_hash")) {
      if (infoHash != null) {
        return "info_hash given twice";
      }
      if (!decode(buf, vs, e)) {
        return "bad percent-encoding in info_hash";
      }
      if (valueLen != HashKey.LENGTH) {
        return "info_hash must be 20 bytes, got " + valueLen;
      }
      infoHash = HashKey.of(value, 0);
    } else if (nameIs(buf, s, eq, "peer_id")) {
      if (!decode(buf, vs, e)) {
        return "bad percent-encoding in peer_id";
      }
      if (valueLen != 20) {
        return "peer_id must be 20 bytes, got " + valueLen;
      }
      peerId = HashKey.of(value, 0);
    } else if (nameIs(buf, s, eq, "port")) {
      long v = number(buf, vs, e);
      if (v < 1 || v > 65535) {
        return "bad port: must be 1..65535";
      }
      port = (int) v;
    } else if (nameIs(buf, s, eq, "left")) {
      left = number(buf, vs, e);
      if (left < 0) {
        return "bad left: must be a non-negative integer";
      }
    } else if (nameIs(buf, s, eq, "uploaded")) {
      if (number(buf, vs, e) < 0) {
        return "bad uploaded: must be a non-negative integer";
      }
    } else if (nameIs(buf, s, eq, "downloaded")) {
      if (number(buf, vs, e) < 0) {
        return "bad downloaded: must be a non-negative integer";
      }
    } else if (nameIs(buf, s, eq, "numwant")) {
      numwant = number(buf, vs, e);
      if (numwant < 0) {
        return "bad numwant: must be a non-negative integer";
      }
    } else if (nameIs(buf, s, eq, "compact")) {
      compact = !(decode(buf, vs, e) && valueLen == 1 && value[0] == '0');
    } else if (nameIs(buf, s, eq, "no_peer_id")) {
      noPeerId = decode(buf, vs, e) && valueLen == 1 && value[0] == '1';
    } else if (nameIs(buf, s, eq, "event")) {
      if (!decode(buf, vs, e)) {
        return "bad percent-encoding in event";
      }
      if (valueIs("") || valueIs("paused")) {
        event = SwarmRegistry.EVENT_NONE;
      } else if (valueIs("started")) {
        event = SwarmRegistry.EVENT_STARTED;
      } else if (valueIs("completed")) {
        event = SwarmRegistry.EVENT_COMPLETED;
      } else if (valueIs("stopped")) {
        event = SwarmRegistry.EVENT_STOPPED;
      } else {
        return "bad event: must be started, completed, stopped, paused or empty";
      }
    } else if (loopback && nameIs(buf, s, eq, "ip")) {
      if (decode(buf, vs, e) && valueLen > 0 && valueLen <= 45) {
        ipParam = parseIpLiteral(new String(value, 0, valueLen,
            ISO_8859_1));
      }
    }
    return null;
  }

  // ---- scrape ----

  private String scrape(byte[] buf, int q, int end, ByteSink body) {
    scrapeHashes.clear();
    int p = q + 1;
    while (p < end) {
      int amp = p;
      while (amp < end && buf[amp] != '&') {
        amp++;
      }
      int eq = p;
      while (eq < amp && buf[eq] != '=') {
        eq++;
      }
      if (nameIs(buf, p, eq, "info_hash")) {
        if (!decode(buf, Math.min(eq + 1, amp), amp)) {
          return "bad percent-encoding in info_hash";
        }
        if (valueLen != HashKey.LENGTH) {
          return "info_hash must be 20 bytes, got " + valueLen;
        }
        scrapeHashes.add(HashKey.of(value, 0));
        if (scrapeHashes.size() > MAX_SCRAPE_HASHES) {
          return "too many info_hash: at most " + MAX_SCRAPE_HASHES + " a scrape";
        }
      }
      p = amp + 1;
    }
    if (scrapeHashes.isEmpty()) {
      return "missing info_hash: a scrape of the whole tracker is not served";
    }
    body.put('d').bstr("files").put('d');
    for (HashKey h : scrapeHashes) { // sorted: bencode keys must be in byte order
      if (!registry.isAllowed(h)) {
        continue;
      }
      registry.scrape(h, counts);
      body.bstrHeader(HashKey.LENGTH);
      int at = body.length();
      for (int i = 0; i < HashKey.LENGTH; i++) {
        body.put(0);
      }
      h.copyTo(body.array(), at);
      body.put('d').bstr("complete").bint(counts[0]).bstr("downloaded").bint(counts[1])
          .bstr("incomplete").bint(counts[2]).put('e');
    }
    body.put('e').put('e');
    return null;
  }

  // ---- helpers ----

  /** Percent-decodes buf[s..e) into {@code value}, byte for byte; false if malformed. */
  private boolean decode(byte[] buf, int s, int e) {
    if (value.length < e - s) {
      value = new byte[e - s];
    }
    int n = 0;
    for (int i = s; i < e; i++) {
      byte c = buf[i];
      if (c == '%') {
        if (i + 2 >= e) {
          return false;
        }
        int hi = Character.digit(buf[i + 1], 16);
        int lo = Character.digit(buf[i + 2], 16);
        if (hi < 0 || lo < 0) {
          return false;
        }
        value[n++] = (byte) (hi << 4 | lo);
        i += 2;
      } else {
        value[n++] = c;
      }
    }
    valueLen = n;
    return true;
  }

  /** A decimal in [0, 2^63) from buf[s..e) after percent-decoding; -1 if anything is wrong. */
  private long number(byte[] buf, int s, int e) {
    if (!decode(buf, s, e) || valueLen == 0 || valueLen > 19) {
      return -1;
    }
    long v = 0;
    for (int i = 0; i < valueLen; i++) {
      int d = value[i] - '0';
      if (d < 0 || d > 9) {
        return -1;
      }
      v = v * 10 + d;
      if (v < 0) {
        return -1;
      }
    }
    return v;
  }

  private boolean valueIs(String s) {
    if (valueLen != s.length()) {
      return false;
    }
    for (int i = 0; i < valueLen; i++) {
      if (value[i] != s.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  private static boolean pathIs(byte[] b, int s, int e, String path) {
    return nameIs(b, s, e, path);
  }

  private static boolean nameIs(byte[] b, int s, int e, String name) {
    if (e - s != name.length()) {
      return false;
    }
    for (int i = 0; i < name.length(); i++) {
      if (b[s + i] != name.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  static boolean isLoopback(byte[] ip) {
    if (ip.length == 4) {
      return ip[0] == 127;
    }
    for (int i = 0; i < 15; i++) {
      if (ip[i] != 0) {
        return false;
      }
    }
    return ip[15] == 1;
  }

  private static byte[] parseIpLiteral(String s) {
    try {
      return PeerAddress.of(s, 1).address().getAddress(); // literals only, never resolved
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  private static String ipLiteral(byte[] ip) {
    if (ip.length == 4) {
      return (ip[0] & 255) + "." + (ip[1] & 255) + "." + (ip[2] & 255) + "." + (ip[3] & 255);
    }
    try {
      return InetAddress.getByAddress(ip).getHostAddress(); // no lookup for a byte address
    } catch (UnknownHostException e) {
      throw new AssertionError("16 bytes is a valid IPv6 address", e);
    }
  }
}
