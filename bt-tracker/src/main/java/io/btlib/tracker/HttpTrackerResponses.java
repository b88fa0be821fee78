package io.btlib.tracker;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static java.nio.charset.StandardCharsets.UTF_8;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BInteger;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeException;
import io.btlib.bencode.BencodeWriter;
import io.btlib.bencode.internal.Bytes;
import io.btlib.metainfo.InfoHash;
import io.btlib.peer.CompactPeers;
import io.btlib.peer.PeerAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;

/**
 * Reads and writes the bodies of HTTP tracker responses: announce (BEP 3, with BEP 23 compact and
 * BEP 7 IPv6 peers), failure (BEP 3, with BEP 31 {@code retry in}) and scrape (BEP 48). Sans-I/O:
 * the caller fetches the body however it likes and hands over the bytes.
 *
 * <pre>{@code
 * try {
 *   AnnounceResponse r = HttpTrackerResponses.parseAnnounce(httpBody);
 * } catch (TrackerFailureException e) {   // the tracker said no: e.failureReason(), e.retryIn()
 * } catch (TrackerException e) {          // the body is malformed: e.keyPath(), e.reason()
 * }
 * byte[] reply = HttpTrackerResponses.encodeAnnounce(response, true);   // for a tracker server
 * }</pre>
 *
 * <p>An announce body is a dictionary (keys not used here are ignored):
 *
 * <pre>
 * failure reason   string   the request was refused; everything else is ignored   (BEP 3)
 * retry in         int|"never"  minutes before trying again, with failure reason  (BEP 31)
 * warning message  string   shown to the user                                     (BEP 3)
 * interval         int      seconds until the next announce; required             (BEP 3)
 * min interval     int      seconds the client must wait at least
 * tracker id       string   sent back on later announces                          (BEP 3)
 * complete         int      seeders;  incomplete  int  leechers
 * peers            string   6 bytes a peer: IPv4 address, port               (BEP 23)
 *               or list     of dictionaries {ip: string, port: int, peer id}  (BEP 3)
 * peers6           string   18 bytes a peer: IPv6 address, port               (BEP 7)
 * </pre>
 *
 * <p><b>Decoding rules.</b>
 *
 * <ul>
 *   <li>Bodies are decoded with a lenient {@link Bdecoder} (real trackers send unsorted keys,
 *       leading zeros and trailing newlines) under limits: at most {@link #MAX_BODY_BYTES} (2 MiB,
 *       checked before decoding), nesting depth {@link #MAX_DEPTH} (16), and {@link #MAX_VALUES}
 *       values in all.
 *   <li>A {@code failure reason} wins: it is thrown as a {@link TrackerFailureException} whatever
 *       else the body holds.
 *   <li>A key of the wrong type, a missing required key ({@code interval}; {@code ip} and {@code
 *       port} in a dictionary peer; scrape {@code files}), or a compact string that is not whole
 *       entries, makes the body malformed: {@link TrackerException} naming the key path.
 *   <li>A value of the right type that cannot be used costs only itself: a dictionary peer whose
 *       {@code ip} is not an IP literal (host names occur in the wild; they are never resolved)
 *       or whose port is outside 1..65535 is skipped, as are compact entries with port 0; a count
 *       that is negative or above 2^31 - 1 is ignored (absent in an announce, 0 in a scrape); a
 *       scrape key that is not 20 or 32 bytes long is skipped.
 *   <li><b>Intervals are clamped</b>, not rejected, to [{@link #MIN_INTERVAL}, {@link
 *       #MAX_INTERVAL}] = [1 minute, 1 day]; zero and negative values become 1 minute. A tracker
 *       with a silly interval still hands out good peers, so rejecting the response would only
 *       lose them (libtorrent, too, clamps the tracker's interval rather than failing). The floor
 *       keeps a trusting client from hammering the tracker; the ceiling keeps a torrent from going
 *       silent for months. An engine may apply a stricter floor of its own. {@code min interval}
 *       is clamped the same way.
 *   <li>Duplicate peers are dropped, keeping the first; {@code peers} come before {@code peers6}.
 *   <li>{@code failure reason}, {@code warning message} and a scrape {@code name} are read as UTF-8
 *       (malformed bytes replaced); {@code tracker id} as ISO-8859-1, one char per byte, so that it
 *       can be sent back byte for byte.
 * </ul>
 *
 * <p>No exception other than {@link TrackerException} (or its subtype) escapes the parse methods,
 * whatever the input. Encoding writes canonical bencode ({@link BencodeWriter}). All methods are
 * stateless and thread-safe.
 */
public final class HttpTrackerResponses {
  /** The largest body the parse methods accept: 2 MiB. */
  public static final int MAX_BODY_BYTES = 2 * 1024 * 1024;
  /** The deepest nesting of lists and dictionaries accepted; real responses need 3. */
  public static final int MAX_DEPTH = 16;
  /**
   * The most bencode values one body may hold; bounds the memory a small hostile body can cost.
   * A compact announce needs a dozen; a dictionary peer list about 7 a peer.
   */
  public static final int MAX_VALUES = 1 << 18;
  /** The shortest interval a parsed response reports; shorter ones are raised to it. */
  public static final Duration MIN_INTERVAL = Duration.ofMinutes(1);
  /** The longest interval a parsed response reports; longer ones are lowered to it. */
  public static final Duration MAX_INTERVAL = Duration.ofDays(1);

  private static final Bdecoder DECODER =
      Bdecoder.builder().strict(false).maxDepth(MAX_DEPTH).maxValues(MAX_VALUES).build();
  private static final int PREVIEW_BYTES = 40;
  private static final int MAX_KEY_BYTES_IN_PATH = 32;

  private HttpTrackerResponses() {}

  // ---- announce ----

  /**
   * Parses the body of an announce response.
   *
   * @throws TrackerFailureException if the tracker sent a {@code failure reason}
   * @throws TrackerException if the body is larger than 2 MiB, is not bencode, or breaks a rule
   *     of the class doc; the exception names the key path
   */
  public static AnnounceResponse parseAnnounce(byte[] body) {
    BDict root = decodeRoot(body);
    throwIfFailure(root);
    Duration interval = interval(root, "interval")
        .orElseThrow(() -> new TrackerException("interval", "missing (required, BEP 3)"));
    Optional<Duration> minInterval = interval(root, "min interval");
    Optional<String> trackerId = string(root, "tracker id").map(s -> s.asString(ISO_8859_1));
    OptionalInt complete = count(root, "complete", "complete");
    OptionalInt incomplete = count(root, "incomplete", "incomplete");
    Optional<String> warning = string(root, "warning message").map(s -> s.asString(UTF_8));

    Set<PeerAddress> peers = new LinkedHashSet<>();
    readPeers(root.get("peers"), peers);
    readPeers6(root.get("peers6"), peers);
    return new AnnounceResponse(interval, minInterval, trackerId, complete, incomplete,
        new ArrayList<>(peers), warning);
  }

  private static void readPeers(BValue v, Set<PeerAddress> out) {
    if (v == null) {
      return; // some trackers omit the key when they have no peers to give
    }
    if (v instanceof BString) {
      try {
        out.addAll(CompactPeers.decodeIpv4(((BString) v).asByteBuffer()));
      } catch (IllegalArgumentException e) {
        throw new TrackerException("peers", e.getMessage() + " (BEP 23)", e);
      }
      return;
    }
    if (!(v instanceof BList)) {
      throw new TrackerException("peers",
          "must be a string (compact, BEP 23) or a list of dictionaries (BEP 3), not " + kind(v));
    }
    BList list = (BList) v;
    for (int i = 0; i < list.size(); i++) {
      String path = "peers[" + i + "]";
      BValue e = list.get(i);
      if (!(e instanceof BDict)) {
        throw new TrackerException(path, "must be a dictionary, not " + kind(e));
      }
      BDict d = (BDict) e;
      BString ip = required(d, "ip", path + ".ip", BString.class, "a string");
      long port = required(d, "port", path + ".port", BInteger.class, "an integer").value();
      if (port < PeerAddress.MIN_PORT || port > PeerAddress.MAX_PORT) {
        continue;
      }
      try {
        out.add(PeerAddress.of(ip.asString(ISO_8859_1), (int) port));
      } catch (IllegalArgumentException notALiteral) {
        // a host name or junk: this peer is lost, the response is not; never resolved
      }
    }
  }

  private static void readPeers6(BValue v, Set<PeerAddress> out) {
    if (v == null) {
      return;
    }
    if (!(v instanceof BString)) {
      throw new TrackerException("peers6", "must be a string (compact, BEP 7), not " + kind(v));
    }
    try {
      out.addAll(CompactPeers.decodeIpv6(((BString) v).asByteBuffer()));
    } catch (IllegalArgumentException e) {
      throw new TrackerException("peers6", e.getMessage() + " (BEP 7)", e);
    }
  }

  /**
   * Encodes an announce response as a tracker sends it, in canonical bencode.
   *
   * <p>With {@code compact} (BEP 23, what clients ask for with {@code compact=1}), IPv4 peers go
   * in {@code peers} as 6-byte entries and IPv6 peers in {@code peers6} as 18-byte entries (BEP 7;
   * the key is left out when there are none). Without it, all peers go in {@code peers} as a list
   * of {@code {ip, port}} dictionaries (BEP 3; no {@code peer id}, which the response does not
   * carry). Intervals are written in whole seconds, rounded down. {@code peers} is always written.
   */
  public static byte[] encodeAnnounce(AnnounceResponse response, boolean compact) {
    Objects.requireNonNull(response, "response");
    BDict.Builder b = BDict.builder();
    b.put("interval", response.interval().getSeconds());
    response.minInterval().ifPresent(d -> b.put("min interval", d.getSeconds()));
    response.complete().ifPresent(c -> b.put("complete", c));
    response.incomplete().ifPresent(c -> b.put("incomplete", c));
    response.trackerId().ifPresent(id -> b.put("tracker id", BString.of(id.getBytes(ISO_8859_1))));
    response.warning().ifPresent(w -> b.put("warning message", w));
    List<PeerAddress> peers = response.peers();
    if (compact) {
      b.put("peers", BString.of(CompactPeers.encodeIpv4(peers)));
      byte[] v6 = CompactPeers.encodeIpv6(peers);
      if (v6.length > 0) {
        b.put("peers6", BString.of(v6));
      }
    } else {
      List<BValue> list = new ArrayList<>(peers.size());
      for (PeerAddress p : peers) {
        list.add(BDict.builder().put("ip", p.ipLiteral()).put("port", p.port()).build());
      }
      b.put("peers", BList.of(list));
    }
    return BencodeWriter.encode(b.build());
  }

  /** Encodes a failure response, {@code d14:failure reason<n>:<reason>e} (BEP 3), in UTF-8. */
  public static byte[] encodeFailure(String reason) {
    Objects.requireNonNull(reason, "reason");
    return BencodeWriter.encode(BDict.builder().put("failure reason", reason).build());
  }

  // ---- scrape ----

  /**
   * Parses the body of a scrape response (BEP 48): {@code files} maps each 20-byte info hash (32
   * bytes also accepted) to {@code complete}, {@code incomplete}, {@code downloaded} and an
   * optional {@code name}. A missing or out-of-range count reads as 0.
   *
   * @return the statistics in the order the body lists them (the first entry wins for a repeated
   *     hash), unmodifiable
   * @throws TrackerFailureException if the tracker sent a {@code failure reason}
   * @throws TrackerException if the body is larger than 2 MiB, is not bencode, or breaks a rule
   *     of the class doc; the exception names the key path
   */
  public static Map<InfoHash, ScrapeStats> parseScrape(byte[] body) {
    BDict root = decodeRoot(body);
    throwIfFailure(root);
    BDict files = required(root, "files", "files", BDict.class, "a dictionary");
    Map<InfoHash, ScrapeStats> out = new LinkedHashMap<>();
    for (int i = 0; i < files.size(); i++) {
      BString key = files.keyAt(i);
      if (key.length() != InfoHash.V1_LENGTH && key.length() != InfoHash.V2_LENGTH) {
        continue;
      }
      String path = "files." + keyInPath(key);
      BValue v = files.valueAt(i);
      if (!(v instanceof BDict)) {
        throw new TrackerException(path, "must be a dictionary, not " + kind(v));
      }
      BDict d = (BDict) v;
      int complete = count(d, "complete", path + ".complete").orElse(0);
      int incomplete = count(d, "incomplete", path + ".incomplete").orElse(0);
      int downloaded = count(d, "downloaded", path + ".downloaded").orElse(0);
      Optional<String> name = string(d, "name", path + ".name").map(s -> s.asString(UTF_8));
      out.putIfAbsent(InfoHash.of(key.bytes()),
          new ScrapeStats(complete, incomplete, downloaded, name));
    }
    return Collections.unmodifiableMap(out);
  }

  /**
   * Encodes a scrape response (BEP 48) in canonical bencode. Each hash is written as given: pass
   * the 20-byte {@link InfoHash#truncated()} form for a v2 torrent, as clients scrape by it.
   */
  public static byte[] encodeScrape(Map<InfoHash, ScrapeStats> stats) {
    Objects.requireNonNull(stats, "stats");
    BDict.Builder files = BDict.builder();
    for (Map.Entry<InfoHash, ScrapeStats> e : stats.entrySet()) {
      InfoHash hash = Objects.requireNonNull(e.getKey(), "stats has a null key");
      ScrapeStats s = Objects.requireNonNull(e.getValue(), () -> "stats for " + hash + " is null");
      BDict.Builder d = BDict.builder()
          .put("complete", s.complete())
          .put("incomplete", s.incomplete())
          .put("downloaded", s.downloaded());
      s.name().ifPresent(n -> d.put("name", n));
      files.put(BString.of(hash.bytes()), d.build());
    }
    return BencodeWriter.encode(BDict.builder().put("files", files.build()).build());
  }

  // ---- shared ----

  private static BDict decodeRoot(byte[] body) {
    Objects.requireNonNull(body, "body");
    if (body.length > MAX_BODY_BYTES) {
      throw new TrackerException("",
          "body is " + body.length + " bytes, more than the limit of " + MAX_BODY_BYTES);
    }
    BValue v;
    try {
      v = DECODER.decode(body);
    } catch (BencodeException e) {
      throw new TrackerException("", "not bencode: " + e.getMessage() + preview(body), e);
    }
    if (!(v instanceof BDict)) {
      throw new TrackerException("", "must be a dictionary at the top level, not " + kind(v));
    }
    return (BDict) v;
  }

  private static void throwIfFailure(BDict root) {
    BValue f = root.get("failure reason");
    if (f == null) {
      return;
    }
    if (!(f instanceof BString)) {
      throw new TrackerException("failure reason", "must be a string, not " + kind(f));
    }
    Optional<Duration> retryIn = Optional.empty();
    boolean never = false;
    BValue retry = root.get("retry in"); // BEP 31; unusable values are ignored, see the class doc
    if (retry instanceof BInteger) {
      long minutes = ((BInteger) retry).value();
      if (minutes > 0) {
        retryIn = Optional.of(Duration.ofMinutes(Math.min(minutes, Integer.MAX_VALUE)));
      }
    } else if (retry instanceof BString) {
      never = ((BString) retry).contentEquals("never");
    }
    throw new TrackerFailureException(((BString) f).asString(UTF_8), retryIn, never);
  }

  /** The value at {@code key}, which must be present and of type {@code type}. */
  private static <T extends BValue> T required(
      BDict d, String key, String path, Class<T> type, String typeName) {
    BValue v = d.get(key);
    if (v == null) {
      throw new TrackerException(path, "missing");
    }
    if (!type.isInstance(v)) {
      throw new TrackerException(path, "must be " + typeName + ", not " + kind(v));
    }
    return type.cast(v);
  }

  private static Optional<BString> string(BDict d, String key) {
    return string(d, key, key);
  }

  private static Optional<BString> string(BDict d, String key, String path) {
    BValue v = d.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof BString)) {
      throw new TrackerException(path, "must be a string, not " + kind(v));
    }
    return Optional.of((BString) v);
  }

  /** An optional count: wrong type fails; negative or above 2^31 - 1 reads as absent. */
  private static OptionalInt count(BDict d, String key, String path) {
    BValue v = d.get(key);
    if (v == null) {
      return OptionalInt.empty();
    }
    if (!(v instanceof BInteger)) {
      throw new TrackerException(path, "must be an integer, not " + kind(v));
    }
    long n = ((BInteger) v).value();
    return n < 0 || n > Integer.MAX_VALUE ? OptionalInt.empty() : OptionalInt.of((int) n);
  }

  /** An optional interval in seconds, clamped to [MIN_INTERVAL, MAX_INTERVAL]. */
  private static Optional<Duration> interval(BDict d, String key) {
    BValue v = d.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof BInteger)) {
      throw new TrackerException(key, "must be an integer (seconds), not " + kind(v));
    }
    long seconds = ((BInteger) v).value();
    if (seconds < MIN_INTERVAL.getSeconds()) {
      return Optional.of(MIN_INTERVAL);
    }
    if (seconds > MAX_INTERVAL.getSeconds()) {
      return Optional.of(MAX_INTERVAL);
    }
    return Optional.of(Duration.ofSeconds(seconds));
  }

  private static String kind(BValue v) {
    switch (v.type()) {
      case STRING:
        return "a string";
      case INTEGER:
        return "an integer";
      case LIST:
        return "a list";
      default:
        return "a dictionary";
    }
  }

  private static String keyInPath(BString key) {
    int n = Math.min(key.length(), MAX_KEY_BYTES_IN_PATH);
    byte[] b = new byte[n];
    key.copyTo(0, b, 0, n);
    return Bytes.toHex(b) + (n < key.length() ? "..." : "");
  }

  /** A short printable view of the body's first bytes, to tell an HTML error page at a glance. */
  private static String preview(byte[] body) {
    if (body.length == 0) {
      return " (the body is empty)";
    }
    int n = Math.min(body.length, PREVIEW_BYTES);
    StringBuilder sb = new StringBuilder(n + 24).append(" (body starts \"");
    for (int i = 0; i < n; i++) {
      int c = body[i] & 0xFF;
      sb.append(c >= 0x20 && c < 0x7F ? (char) c : '.');
    }
    return sb.append(n < body.length ? "...\")" : "\")").toString();
  }
}
