package io.btlib.metainfo;

import io.btlib.bencode.internal.Bytes;
import java.net.InetSocketAddress;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Names a torrent by its info hashes so that a client can fetch the metadata from peers: a
 * {@code magnet:} URI as defined by BEP 9, with BEP 52's {@code urn:btmh:} for v2 and BEP 53's
 * {@code so} for selecting files.
 *
 * <pre>{@code
 * MagnetLink m = MagnetLink.parse("magnet:?xt=urn:btih:dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c"
 *         + "&dn=Big+Buck+Bunny&tr=udp%3A%2F%2Ftracker.example%3A1337&x.pe=[::1]:6881&so=0,2,4-6");
 * m.infoHashes().shortHash();   // the 20-byte id to announce and to put in the handshake
 * m.displayName();              // Optional[Big Buck Bunny]
 * m.selectsFile(5);             // true
 * MagnetLink.parse(m.toString()).equals(m);   // always true
 * }</pre>
 *
 * <p>Parameters understood, all case-sensitive as in the BEPs:
 * <ul>
 *   <li>{@code xt=urn:btih:} + 40 hex or 32 base32 characters: the v1 hash (BEP 9).</li>
 *   <li>{@code xt=urn:btmh:1220} + 64 hex characters: the v2 hash as a sha2-256 multihash
 *       (BEP 52). Both may appear (a hybrid torrent); at least one must. Other {@code xt} URNs are
 *       kept in {@link #otherTopics()} and otherwise ignored.</li>
 *   <li>{@code dn}: display name, in which {@code '+'} also decodes to a space.</li>
 *   <li>{@code tr}, {@code ws}: trackers and web seeds, order kept, duplicates dropped.</li>
 *   <li>{@code x.pe}: peer addresses {@code host:port} or {@code [ipv6]:port} (BEP 9), kept
 *       unresolved; nothing is ever looked up.</li>
 *   <li>{@code so}: select-only file indices such as {@code 0,2,4-6} (BEP 53).</li>
 * </ul>
 * Any other parameter is kept, in order, in {@link #otherParameters()} so that {@link #toString()}
 * reproduces it.
 *
 * <p>Parsing is strict, and every fault is a {@link MagnetLinkException} naming the parameter:
 * URIs over {@link #MAX_LENGTH} characters or with over {@link #MAX_PARAMETERS} parameters, a wrong
 * scheme, no {@code '?'}, a parameter without {@code '='}, an empty {@code xt}, a {@code '%'} not followed by
 * two hex digits, percent-decoded bytes that are not UTF-8, a raw control character, conflicting
 * repeated {@code xt}, {@code dn} or {@code so} values (the same value repeated is fine), and any
 * malformed value above. Empty parameters ({@code "&&"}, a trailing {@code '&'}) and empty values of
 * {@code dn}, {@code tr}, {@code ws}, {@code x.pe} and {@code so} are skipped, as other clients do.
 * Values are not otherwise sanitised: a display name may hold any character.
 *
 * <p>Instances are immutable and thread-safe; equality covers every field.
 * {@code toString()} percent-encodes everything except unreserved characters
 * ({@code A-Za-z0-9-._~}) and {@code ':'}, {@code '/'} and {@code ','}, which a query may hold
 * literally; so trackers read {@code tr=udp://host:port/announce} and BEP 53 ranges {@code so=0,2,4-6}.
 */
public final class MagnetLink {

  /** Longest URI {@link #parse(String)} accepts, in characters: 64 KiB. */
  public static final int MAX_LENGTH = 64 * 1024;
  /** Most {@code &}-separated parameters {@link #parse(String)} accepts. */
  public static final int MAX_PARAMETERS = 1000;

  private static final String SCHEME = "magnet:";
  private static final String BTIH = "urn:btih:";
  private static final String BTMH = "urn:btmh:";
  /** sha2-256 multihash prefix: function code 0x12, digest length 0x20. */
  private static final String SHA256_MULTIHASH_PREFIX = "1220";
  private static final Set<String> KNOWN = Set.of("xt", "dn", "tr", "ws", "x.pe", "so");
  private static final int MAX_QUOTED = 100;

  /**
   * An inclusive range of file indices selected by BEP 53's {@code so} parameter; a single index
   * is a range whose {@code first == last}.
   *
   * @param first the first index, not negative
   * @param last the last index, at least {@code first}
   */
  public record IndexRange(int first, int last) {

    /**
     * Validates the range.
     *
     * @throws IllegalArgumentException if {@code first} is negative or {@code last < first}
     */
    public IndexRange {
      if (first < 0) {
        throw new IllegalArgumentException("index range first must not be negative, got " + first);
      }
      if (last < first) {
        throw new IllegalArgumentException(
            "index range last must be at least first, got " + first + "-" + last);
      }
    }

    /** Returns the range holding only {@code index}. */
    public static IndexRange of(int index) {
      return new IndexRange(index, index);
    }

    /** Returns whether {@code first <= index <= last}. */
    public boolean contains(int index) {
      return index >= first && index <= last;
    }
  }

  private final InfoHashes infoHashes;
  private final List<String> otherTopics;
  private final String displayName;
  private final List<String> trackers;
  private final List<String> webSeeds;
  private final List<InetSocketAddress> peers;
  private final List<IndexRange> selectOnly;
  private final Map<String, List<String>> otherParameters;

  private MagnetLink(Builder b) {
    this.infoHashes = b.infoHashes;
    this.otherTopics = List.copyOf(b.otherTopics);
    this.displayName = b.displayName;
    this.trackers = List.copyOf(b.trackers);
    this.webSeeds = List.copyOf(b.webSeeds);
    this.peers = List.copyOf(b.peers);
    this.selectOnly = List.copyOf(b.selectOnly);
    Map<String, List<String>> others = new LinkedHashMap<>();
    b.otherParameters.forEach((k, v) -> others.put(k, List.copyOf(v)));
    this.otherParameters = Collections.unmodifiableMap(others);
  }

  /** Returns a magnet link holding only these info hashes. */
  public static MagnetLink of(InfoHashes infoHashes) {
    return builder(infoHashes).build();
  }

  /** Returns a builder for a magnet link to the torrent with these info hashes. */
  public static Builder builder(InfoHashes infoHashes) {
    return new Builder(infoHashes);
  }

  /** Returns a builder holding every field of this link, for making a changed copy. */
  public Builder toBuilder() {
    Builder b = new Builder(infoHashes);
    b.otherTopics.addAll(otherTopics);
    b.displayName = displayName;
    b.trackers.addAll(trackers);
    b.webSeeds.addAll(webSeeds);
    b.peers.addAll(peers);
    b.selectOnly.addAll(selectOnly);
    otherParameters.forEach((k, v) -> b.otherParameters.put(k, new ArrayList<>(v)));
    return b;
  }

  /**
   * Parses a {@code magnet:?} URI.
   *
   * @param uri the URI; the scheme is matched ignoring case
   * @return the link
   * @throws MagnetLinkException for any input it cannot accept; see the class doc
   * @throws NullPointerException if {@code uri} is null
   */
  public static MagnetLink parse(String uri) {
    Objects.requireNonNull(uri, "uri");
    if (uri.length() > MAX_LENGTH) {
      throw new MagnetLinkException("magnet link is " + uri.length()
          + " characters, over the limit of " + MAX_LENGTH + ": " + quote(uri), null);
    }
    if (!uri.regionMatches(true, 0, SCHEME, 0, SCHEME.length())) {
      throw new MagnetLinkException("not a magnet link, the scheme must be 'magnet:': " + quote(uri), null);
    }
    if (uri.length() == SCHEME.length() || uri.charAt(SCHEME.length()) != '?') {
      throw new MagnetLinkException("magnet link has no '?' after 'magnet:': " + quote(uri), null);
    }
    String query = uri.substring(SCHEME.length() + 1);
    if (query.isEmpty()) {
      throw new MagnetLinkException("magnet link has no parameters, xt is required: " + quote(uri), "xt");
    }
    Parser parser = new Parser();
    int count = 0;
    int start = 0;
    while (true) {
      int amp = query.indexOf('&', start);
      int end = amp < 0 ? query.length() : amp;
      if (++count > MAX_PARAMETERS) {
        throw new MagnetLinkException(
            "magnet link has more than " + MAX_PARAMETERS + " parameters", null);
      }
      parser.parameter(query.substring(start, end), start + SCHEME.length() + 1);
      if (amp < 0) {
        break;
      }
      start = amp + 1;
    }
    return parser.finish();
  }

  /** Accumulates parameters during {@link #parse(String)}. */
  private static final class Parser {
    private InfoHash v1;
    private InfoHash v2;
    private String displayName;
    private String selectOnlyText;
    private List<IndexRange> selectOnly = List.of();
    private final Set<String> otherTopics = new LinkedHashSet<>();
    private final Set<String> trackers = new LinkedHashSet<>();
    private final Set<String> webSeeds = new LinkedHashSet<>();
    private final Set<InetSocketAddress> peers = new LinkedHashSet<>();
    private final Map<String, List<String>> others = new LinkedHashMap<>();

    void parameter(String raw, int index) {
      if (raw.isEmpty()) {
        return; // "&&" or a trailing '&': common in the wild, and harmless
      }
      int eq = raw.indexOf('=');
      if (eq < 0) {
        throw new MagnetLinkException(
            "parameter at index " + index + " has no '=': " + quote(raw), truncate(raw));
      }
      String rawName = raw.substring(0, eq);
      String name = decode(rawName, truncate(rawName), false, "name");
      if (name.isEmpty()) {
        throw new MagnetLinkException(
            "parameter at index " + index + " has an empty name: " + quote(raw), "");
      }
      String value = decode(raw.substring(eq + 1), name, name.equals("dn"), "value");
      if (value.isEmpty() && name.equals("xt")) {
        throw new MagnetLinkException("parameter xt has an empty value", name);
      }
      if (value.isEmpty() && KNOWN.contains(name)) {
        return; // an empty dn, tr, ws, x.pe or so says nothing; clients ignore it
      }
      switch (name) {
        case "xt":
          topic(value);
          break;
        case "dn":
          if (displayName != null && !displayName.equals(value)) {
            throw new MagnetLinkException("conflicting dn values " + quote(displayName)
                + " and " + quote(value), name);
          }
          displayName = value;
          break;
        case "tr":
          trackers.add(value);
          break;
        case "ws":
          webSeeds.add(value);
          break;
        case "x.pe":
          try {
            peers.add(parsePeer(value));
          } catch (IllegalArgumentException e) {
            throw new MagnetLinkException(
                "bad peer address in x.pe, " + e.getMessage() + ": " + quote(value), name);
          }
          break;
        case "so":
          if (selectOnlyText != null) {
            if (!selectOnlyText.equals(value)) {
              throw new MagnetLinkException("conflicting so values " + quote(selectOnlyText)
                  + " and " + quote(value), name);
            }
            break;
          }
          try {
            selectOnly = parseSelectOnly(value);
          } catch (IllegalArgumentException e) {
            throw new MagnetLinkException(
                "bad file selection in so, " + e.getMessage() + ": " + quote(value), name);
          }
          selectOnlyText = value;
          break;
        default:
          others.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
          break;
      }
    }

    private void topic(String value) {
      if (value.regionMatches(true, 0, BTIH, 0, BTIH.length())) {
        String text = value.substring(BTIH.length());
        InfoHash hash;
        try {
          if (text.length() == 2 * InfoHash.V1_LENGTH) {
            hash = InfoHash.fromHex(text);
          } else if (text.length() == 32) {
            hash = InfoHash.fromBase32(text);
          } else {
            throw new IllegalArgumentException(
                "needs 40 hex or 32 base32 characters, got " + text.length());
          }
        } catch (IllegalArgumentException e) {
          throw new MagnetLinkException("bad v1 info hash in xt=urn:btih:, " + e.getMessage()
              + ": " + quote(value), "xt");
        }
        if (v1 != null && !v1.equals(hash)) {
          throw new MagnetLinkException("conflicting xt=urn:btih: values " + v1 + " and "
              + hash, "xt");
        }
        v1 = hash;
      } else if (value.regionMatches(true, 0, BTMH, 0, BTMH.length())) {
        InfoHash hash;
        try {
          hash = parseMultihash(value.substring(BTMH.length()));
        } catch (IllegalArgumentException e) {
          throw new MagnetLinkException("bad v2 info hash in xt=urn:btmh:, " + e.getMessage()
              + ": " + quote(value), "xt");
        }
        if (v2 != null && !v2.equals(hash)) {
          throw new MagnetLinkException("conflicting xt=urn:btmh: values " + v2 + " and "
              + hash, "xt");
        }
        v2 = hash;
      } else {
        otherTopics.add(value);
      }
    }

    MagnetLink finish() {
      if (v1 == null && v2 == null) {
        throw new MagnetLinkException(
            "magnet link has no xt=urn:btih: or xt=urn:btmh: parameter"
                + (otherTopics.isEmpty() ? "" : ", only " + quote(otherTopics.toString())),
            "xt");
      }
      Builder b = new Builder(InfoHashes.of(v1, v2));
      b.otherTopics.addAll(otherTopics);
      b.displayName = displayName;
      b.trackers.addAll(trackers);
      b.webSeeds.addAll(webSeeds);
      b.peers.addAll(peers);
      b.selectOnly.addAll(selectOnly);
      b.otherParameters.putAll(others);
      return new MagnetLink(b);
    }
  }

  private static InfoHash parseMultihash(String hex) {
    for (int i = 0; i < hex.length(); i++) {
      if (!Bytes.isHexDigit(hex.charAt(i))) {
        throw new IllegalArgumentException(
            "invalid hex character '" + hex.charAt(i) + "' at index " + i + " of multihash");
      }
    }
    if (hex.length() < 4 || hex.length() % 2 != 0) {
      throw new IllegalArgumentException("multihash must be an even number of at least 4 hex digits, got "
          + hex.length());
    }
    if (!hex.regionMatches(true, 0, "12", 0, 2)) {
      throw new IllegalArgumentException("unsupported multihash function code 0x" + hex.substring(0, 2)
          + ", only 0x12 (sha2-256) is allowed");
    }
    if (!hex.regionMatches(true, 0, SHA256_MULTIHASH_PREFIX, 0, 4)) {
      throw new IllegalArgumentException("multihash digest length is 0x" + hex.substring(2, 4)
          + ", sha2-256 needs 0x20");
    }
    int digestChars = hex.length() - 4;
    if (digestChars != 2 * InfoHash.V2_LENGTH) {
      throw new IllegalArgumentException(
          "multihash digest is " + digestChars / 2 + " bytes, its header says 32");
    }
    return InfoHash.fromHex(hex.substring(4));
  }

  /** Parses {@code host:port} or {@code [ipv6]:port}; throws IllegalArgumentException with a reason. */
  private static InetSocketAddress parsePeer(String text) {
    String host;
    String port;
    if (text.startsWith("[")) {
      int close = text.indexOf(']');
      if (close < 0) {
        throw new IllegalArgumentException("'[' without ']'");
      }
      host = text.substring(1, close);
      if (close + 1 >= text.length() || text.charAt(close + 1) != ':') {
        throw new IllegalArgumentException("expected ':port' after ']'");
      }
      port = text.substring(close + 2);
      checkIpv6(host);
    } else {
      int colon = text.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("missing ':port'");
      }
      host = text.substring(0, colon);
      port = text.substring(colon + 1);
      if (host.indexOf(':') >= 0) {
        throw new IllegalArgumentException("an IPv6 address must be written in brackets, [addr]:port");
      }
      checkHostName(host);
    }
    return InetSocketAddress.createUnresolved(host, parsePort(port));
  }

  private static void checkIpv6(String host) {
    if (host.isEmpty() || host.indexOf(':') < 0) {
      throw new IllegalArgumentException("'" + host + "' in brackets is not an IPv6 address");
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      if (!Bytes.isHexDigit(c) && c != ':' && c != '.') {
        throw new IllegalArgumentException(
            "invalid character '" + c + "' at index " + i + " of IPv6 address");
      }
    }
  }

  private static void checkHostName(String host) {
    if (host.isEmpty()) {
      throw new IllegalArgumentException("empty host");
    }
    for (int i = 0; i < host.length(); i++) {
      char c = host.charAt(i);
      boolean ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '.' || c == '-' || c == '_';
      if (!ok) {
        throw new IllegalArgumentException("invalid character '" + c + "' at index " + i + " of host");
      }
    }
  }

  private static int parsePort(String text) {
    if (text.isEmpty() || text.length() > 5 || !isDigits(text)) {
      throw new IllegalArgumentException("port must be a number from 1 to 65535, got '" + text + "'");
    }
    int port = Integer.parseInt(text);
    checkPort(port);
    return port;
  }

  private static void checkPort(int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("port must be a number from 1 to 65535, got " + port);
    }
  }

  private static boolean isDigits(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }

  /** Parses BEP 53's {@code 0,2,4-6}; throws IllegalArgumentException with a reason. */
  private static List<IndexRange> parseSelectOnly(String text) {
    List<IndexRange> ranges = new ArrayList<>();
    int start = 0;
    while (true) {
      int comma = text.indexOf(',', start);
      int end = comma < 0 ? text.length() : comma;
      String item = text.substring(start, end);
      if (item.isEmpty()) {
        throw new IllegalArgumentException("empty item at index " + start);
      }
      int dash = item.indexOf('-');
      if (dash < 0) {
        ranges.add(IndexRange.of(parseIndex(item)));
      } else {
        int first = parseIndex(item.substring(0, dash));
        int last = parseIndex(item.substring(dash + 1));
        if (last < first) {
          throw new IllegalArgumentException("range " + item + " ends before it starts");
        }
        ranges.add(new IndexRange(first, last));
      }
      if (comma < 0) {
        return ranges;
      }
      start = comma + 1;
    }
  }

  private static int parseIndex(String text) {
    if (text.isEmpty() || text.length() > 10 || !isDigits(text)) {
      throw new IllegalArgumentException("'" + text + "' is not a file index");
    }
    long value = Long.parseLong(text);
    if (value > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("file index " + text + " is too large");
    }
    return (int) value;
  }

  /**
   * Percent-decodes {@code raw} as UTF-8, strictly. Raw characters other than ASCII control
   * characters are taken as they are; {@code '+'} becomes a space only if {@code plusIsSpace}.
   */
  private static String decode(String raw, String parameter, boolean plusIsSpace, String part) {
    ByteBuffer bytes = ByteBuffer.allocate(raw.length() * 3);
    for (int i = 0; i < raw.length(); i++) {
      char c = raw.charAt(i);
      if (c == '%') {
        if (i + 2 >= raw.length() || !Bytes.isHexDigit(raw.charAt(i + 1))
            || !Bytes.isHexDigit(raw.charAt(i + 2))) {
          throw new MagnetLinkException("'%' at index " + i + " of " + part + " of parameter "
              + parameter + " is not followed by two hex digits: " + quote(raw), parameter);
        }
        bytes.put((byte) ((Bytes.fromHexDigit(raw.charAt(i + 1)) << 4)
            | Bytes.fromHexDigit(raw.charAt(i + 2))));
        i += 2;
      } else if (c < 0x20 || c == 0x7F) {
        throw new MagnetLinkException(String.format("raw control character U+%04X at index %d of %s"
            + " of parameter %s: %s", (int) c, i, part, parameter, quote(raw)), parameter);
      } else if (c == '+' && plusIsSpace) {
        bytes.put((byte) ' ');
      } else if (c < 0x80) {
        bytes.put((byte) c);
      } else {
        int end = i + 1;
        if (Character.isHighSurrogate(c) && end < raw.length() && Character.isLowSurrogate(raw.charAt(end))) {
          end++;
        } else if (Character.isSurrogate(c)) {
          throw new MagnetLinkException("unpaired surrogate at index " + i + " of " + part
              + " of parameter " + parameter + ": " + quote(raw), parameter);
        }
        bytes.put(raw.substring(i, end).getBytes(StandardCharsets.UTF_8));
        i = end - 1;
      }
    }
    ((Buffer) bytes).flip();
    CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT);
    try {
      return decoder.decode(bytes).toString();
    } catch (CharacterCodingException e) {
      throw new MagnetLinkException("percent-encoded bytes in " + part + " of parameter " + parameter
          + " are not valid UTF-8: " + quote(raw), parameter);
    }
  }

  /** Returns the info hashes; at least one of v1 and v2 is present. */
  public InfoHashes infoHashes() {
    return infoHashes;
  }

  /**
   * Returns the {@code xt} values that are neither {@code urn:btih:} nor {@code urn:btmh:} (such
   * as {@code urn:sha1:...}), decoded, in order, without duplicates. bt does not use them.
   */
  public List<String> otherTopics() {
    return otherTopics;
  }

  /** Returns the {@code dn} display name, if present. */
  public Optional<String> displayName() {
    return Optional.ofNullable(displayName);
  }

  /** Returns the {@code tr} tracker URLs, decoded, in order, without duplicates. */
  public List<String> trackers() {
    return trackers;
  }

  /** Returns the {@code ws} web seed URLs (BEP 19), decoded, in order, without duplicates. */
  public List<String> webSeeds() {
    return webSeeds;
  }

  /**
   * Returns the {@code x.pe} peer addresses, in order, without duplicates. Each is created with
   * {@link InetSocketAddress#createUnresolved(String, int)}; an IPv6 host has no brackets.
   */
  public List<InetSocketAddress> peers() {
    return peers;
  }

  /** Returns BEP 53's {@code so} ranges in the order given; empty when {@code so} is absent. */
  public List<IndexRange> selectOnly() {
    return selectOnly;
  }

  /**
   * Returns whether the file with this index is selected: always true without {@code so},
   * otherwise true if a range of {@link #selectOnly()} contains it (BEP 53).
   *
   * @throws IllegalArgumentException if {@code index} is negative
   */
  public boolean selectsFile(int index) {
    if (index < 0) {
      throw new IllegalArgumentException("file index must not be negative, got " + index);
    }
    if (selectOnly.isEmpty()) {
      return true;
    }
    for (IndexRange range : selectOnly) {
      if (range.contains(index)) {
        return true;
      }
    }
    return false;
  }

  /**
   * Returns the parameters bt does not interpret, by decoded name in order of first appearance,
   * each with its decoded values in order (repeats kept). Unmodifiable.
   */
  public Map<String, List<String>> otherParameters() {
    return otherParameters;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof MagnetLink)) {
      return false;
    }
    MagnetLink that = (MagnetLink) o;
    return infoHashes.equals(that.infoHashes)
        && otherTopics.equals(that.otherTopics)
        && Objects.equals(displayName, that.displayName)
        && trackers.equals(that.trackers)
        && webSeeds.equals(that.webSeeds)
        && peers.equals(that.peers)
        && selectOnly.equals(that.selectOnly)
        && otherParameters.equals(that.otherParameters);
  }

  @Override
  public int hashCode() {
    return Objects.hash(infoHashes, otherTopics, displayName, trackers, webSeeds, peers, selectOnly,
        otherParameters);
  }

  /**
   * Returns the link as a {@code magnet:?} URI: {@code xt=urn:btih:} (lowercase hex), then
   * {@code xt=urn:btmh:1220...}, other {@code xt}, {@code dn}, {@code tr}, {@code ws},
   * {@code x.pe}, {@code so}, then the other parameters grouped by name. {@link #parse(String)}
   * gives back an equal link, provided the result is within {@link #MAX_LENGTH} and
   * {@link #MAX_PARAMETERS}.
   */
  @Override
  public String toString() {
    StringBuilder sb = new StringBuilder(SCHEME).append('?');
    infoHashes.v1().ifPresent(h -> append(sb, "xt", BTIH + h.hex()));
    infoHashes.v2().ifPresent(h -> append(sb, "xt", BTMH + SHA256_MULTIHASH_PREFIX + h.hex()));
    otherTopics.forEach(t -> append(sb, "xt", t));
    if (displayName != null) {
      append(sb, "dn", displayName);
    }
    trackers.forEach(t -> append(sb, "tr", t));
    webSeeds.forEach(w -> append(sb, "ws", w));
    peers.forEach(p -> append(sb, "x.pe", formatPeer(p)));
    if (!selectOnly.isEmpty()) {
      StringBuilder so = new StringBuilder();
      for (IndexRange r : selectOnly) {
        if (so.length() > 0) {
          so.append(',');
        }
        so.append(r.first());
        if (r.last() != r.first()) {
          so.append('-').append(r.last());
        }
      }
      append(sb, "so", so.toString());
    }
    otherParameters.forEach((name, values) -> values.forEach(v -> append(sb, name, v)));
    return sb.toString();
  }

  private static String formatPeer(InetSocketAddress peer) {
    String host = peer.getHostString();
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + peer.getPort();
  }

  private static void append(StringBuilder sb, String name, String value) {
    if (sb.charAt(sb.length() - 1) != '?') {
      sb.append('&');
    }
    encode(sb, name);
    sb.append('=');
    encode(sb, value);
  }

  private static void encode(StringBuilder sb, String text) {
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xFF;
      boolean literal = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
          || c == '-' || c == '.' || c == '_' || c == '~' || c == ':' || c == '/' || c == ',';
      if (literal) {
        sb.append((char) c);
      } else {
        sb.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xF, 16)));
      }
    }
  }

  /** Quotes a value for an error message: control characters escaped, cut at about 100 characters. */
  private static String quote(String value) {
    return "\"" + truncate(value) + "\"" + (value.length() > MAX_QUOTED ? " (" + value.length() + " chars)" : "");
  }

  private static String truncate(String value) {
    String cut = value.length() > MAX_QUOTED ? value.substring(0, MAX_QUOTED) : value;
    StringBuilder sb = new StringBuilder(cut.length() + 4);
    for (int i = 0; i < cut.length(); i++) {
      char c = cut.charAt(i);
      if (c < 0x20 || c == 0x7F || Character.isSurrogate(c) && !isPaired(cut, i)) {
        sb.append(String.format("\\u%04X", (int) c));
      } else {
        sb.append(c);
      }
    }
    return value.length() > MAX_QUOTED ? sb.append("...").toString() : sb.toString();
  }

  private static boolean isPaired(String s, int i) {
    char c = s.charAt(i);
    if (Character.isHighSurrogate(c)) {
      return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
    }
    return i > 0 && Character.isHighSurrogate(s.charAt(i - 1));
  }

  /**
   * Builds a {@link MagnetLink} in code. Each method checks its argument at once and throws
   * {@link IllegalArgumentException} naming the fault, so that {@code build()} always yields a
   * link whose {@code toString()} parses back to it. Not thread-safe.
   */
  public static final class Builder {
    private InfoHashes infoHashes;
    private final Set<String> otherTopics = new LinkedHashSet<>();
    private String displayName;
    private final Set<String> trackers = new LinkedHashSet<>();
    private final Set<String> webSeeds = new LinkedHashSet<>();
    private final Set<InetSocketAddress> peers = new LinkedHashSet<>();
    private final List<IndexRange> selectOnly = new ArrayList<>();
    private final Map<String, List<String>> otherParameters = new LinkedHashMap<>();

    private Builder(InfoHashes infoHashes) {
      this.infoHashes = Objects.requireNonNull(infoHashes, "infoHashes");
    }

    /** Replaces the info hashes. */
    public Builder infoHashes(InfoHashes value) {
      this.infoHashes = Objects.requireNonNull(value, "infoHashes");
      return this;
    }

    /** Sets the {@code dn} display name, or removes it if null; an empty name is rejected. */
    public Builder displayName(String value) {
      if (value != null) {
        checkText("dn", value, false);
      }
      this.displayName = value;
      return this;
    }

    /** Adds a {@code tr} tracker URL unless already present. */
    public Builder addTracker(String url) {
      trackers.add(checkText("tr", url, false));
      return this;
    }

    /** Adds each tracker as by {@link #addTracker(String)}. */
    public Builder addTrackers(Collection<String> urls) {
      urls.forEach(this::addTracker);
      return this;
    }

    /** Adds a {@code ws} web seed URL unless already present. */
    public Builder addWebSeed(String url) {
      webSeeds.add(checkText("ws", url, false));
      return this;
    }

    /**
     * Adds an {@code x.pe} peer unless already present, stored unresolved by its host string.
     * The host must be an IPv6 literal without zone, or made of {@code A-Za-z0-9.-_}; the port
     * from 1 to 65535.
     */
    public Builder addPeer(InetSocketAddress peer) {
      Objects.requireNonNull(peer, "peer");
      String host = peer.getHostString();
      try {
        if (host.indexOf(':') >= 0) {
          checkIpv6(host);
        } else {
          checkHostName(host);
        }
        checkPort(peer.getPort());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("bad x.pe peer " + peer + ": " + e.getMessage(), e);
      }
      peers.add(InetSocketAddress.createUnresolved(host, peer.getPort()));
      return this;
    }

    /** Sets BEP 53's {@code so} ranges, in order; an empty list removes {@code so}. */
    public Builder selectOnly(Collection<IndexRange> ranges) {
      List<IndexRange> copy = List.copyOf(ranges);
      selectOnly.clear();
      selectOnly.addAll(copy);
      return this;
    }

    /**
     * Adds an {@code xt} URN that is neither {@code urn:btih:} nor {@code urn:btmh:}, unless
     * already present; put those in the {@link InfoHashes} instead.
     */
    public Builder addOtherTopic(String urn) {
      checkText("xt", urn, false);
      if (urn.regionMatches(true, 0, BTIH, 0, BTIH.length())
          || urn.regionMatches(true, 0, BTMH, 0, BTMH.length())) {
        throw new IllegalArgumentException("xt " + quote(urn) + " is an info hash; use infoHashes(..)");
      }
      otherTopics.add(urn);
      return this;
    }

    /**
     * Appends a parameter bt does not interpret; the value may be empty.
     *
     * @throws IllegalArgumentException if the name is empty or one of {@code xt dn tr ws x.pe so}
     */
    public Builder addParameter(String name, String value) {
      checkText("parameter name", name, false);
      if (KNOWN.contains(name)) {
        throw new IllegalArgumentException("parameter " + name + " has its own builder method");
      }
      checkText(name, value, true);
      otherParameters.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      return this;
    }

    /** Returns the link. */
    public MagnetLink build() {
      return new MagnetLink(this);
    }

    private static String checkText(String what, String value, boolean emptyAllowed) {
      Objects.requireNonNull(value, what);
      if (value.isEmpty() && !emptyAllowed) {
        throw new IllegalArgumentException(what + " must not be empty");
      }
      for (int i = 0; i < value.length(); i++) {
        if (Character.isSurrogate(value.charAt(i)) && !isPaired(value, i)) {
          throw new IllegalArgumentException(
              "unpaired surrogate at index " + i + " of " + what + ": " + quote(value));
        }
      }
      return value;
    }
  }
}
