package io.btlib.dht.internal;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BInteger;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeException;
import io.btlib.bencode.BencodeWriter;
import io.btlib.dht.NodeId;
import io.btlib.peer.PeerAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The sans-I/O KRPC codec (BEP 5, with BEP 32 {@code nodes6}, BEP 42 {@code ip} and BEP 43 {@code
 * ro}): bytes in, {@link KrpcMessage}s or a {@link KrpcException} out, and back.
 *
 * <p>Limits (each failing with a {@link KrpcException} that names the key and the value):
 *
 * <ul>
 *   <li>{@link #MAX_PACKET_BYTES} (2048): a larger datagram is rejected before decoding. Mainline
 *       messages stay under 1500 bytes; the margin admits senders that pad or add extensions.
 *   <li>{@link #MAX_TRANSACTION_ID} (16 bytes), {@link #MAX_TOKEN} (64 bytes).
 *   <li>{@link #MAX_NODES} (32) entries in {@code nodes} and in {@code nodes6} each; their lengths
 *       must be multiples of 26 and 38.
 *   <li>{@link #MAX_VALUES} (200) entries in {@code values}, each 6 or 18 bytes.
 *   <li>Nesting deeper than 4 and more than 600 bencode values in total.
 * </ul>
 *
 * <p>Keys that are not understood are ignored, as BEP 5 asks. Non-canonical bencode (unsorted keys)
 * is accepted, since some clients send it. Stateless and thread-safe.
 */
public final class KrpcCodec {
  /** The largest datagram decoded. */
  public static final int MAX_PACKET_BYTES = 2048;

  /** The longest transaction id accepted. */
  public static final int MAX_TRANSACTION_ID = 16;

  /** The longest token accepted. */
  public static final int MAX_TOKEN = 64;

  /** Entries of a BEP 32 {@code want} list looked at. */
  static final int MAX_WANT = 4;

  /** The most compact nodes accepted in one {@code nodes} or {@code nodes6} string. */
  public static final int MAX_NODES = 32;

  /** The most peers accepted in one {@code values} list. */
  public static final int MAX_VALUES = 200;

  /** Bytes of an IPv4 compact node. */
  public static final int NODE4_LENGTH = 26;

  /** Bytes of an IPv6 compact node. */
  public static final int NODE6_LENGTH = 38;

  /** KRPC error: generic. */
  public static final int ERROR_GENERIC = 201;

  /** KRPC error: server. */
  public static final int ERROR_SERVER = 202;

  /** KRPC error: protocol (malformed packet, bad argument, bad token). */
  public static final int ERROR_PROTOCOL = 203;

  /** KRPC error: method unknown. */
  public static final int ERROR_METHOD_UNKNOWN = 204;

  private static final Bdecoder DECODER =
      Bdecoder.builder()
          .strict(false)
          .maxDepth(4)
          .maxValues(600)
          .maxStringLength(MAX_PACKET_BYTES)
          .build();

  private KrpcCodec() {}

  /** Decodes one datagram. */
  public static KrpcMessage decode(byte[] packet) throws KrpcException {
    return decode(packet, 0, packet.length);
  }

  /** Decodes {@code length} bytes of {@code buf} from {@code offset} as one datagram. */
  public static KrpcMessage decode(byte[] buf, int offset, int length) throws KrpcException {
    if (length > MAX_PACKET_BYTES) {
      throw new KrpcException(
          "packet of " + length + " bytes exceeds the limit of " + MAX_PACKET_BYTES);
    }
    BValue top;
    try {
      top = DECODER.decode(buf, offset, length);
    } catch (BencodeException e) {
      throw new KrpcException("not bencode: " + e.getMessage(), e);
    }
    if (!(top instanceof BDict d)) {
      throw new KrpcException("message is a " + top.type() + ", expected a dictionary");
    }
    BString t = string(d, "t", "t", null);
    if (t == null) {
      throw new KrpcException("t: missing");
    }
    if (t.length() == 0 || t.length() > MAX_TRANSACTION_ID) {
      throw new KrpcException("t: " + t.length() + " bytes, expected 1 to " + MAX_TRANSACTION_ID);
    }
    byte[] tid = t.bytes();
    BString y = string(d, "y", "y", null);
    if (y == null) {
      throw new KrpcException("y: missing");
    }
    if (y.contentEquals("q")) {
      return decodeQuery(d, tid);
    } else if (y.contentEquals("r")) {
      return decodeResponse(d, tid);
    } else if (y.contentEquals("e")) {
      return decodeError(d, tid);
    }
    throw new KrpcException("y: '" + printable(y) + "', expected q, r or e");
  }

  private static KrpcMessage.Query decodeQuery(BDict d, byte[] tid) throws KrpcException {
    BString q = string(d, "q", "q", tid);
    if (q == null) {
      throw new KrpcException("q: missing", tid, ERROR_PROTOCOL);
    }
    KrpcMessage.Method method = null;
    for (KrpcMessage.Method m : KrpcMessage.Method.values()) {
      if (q.contentEquals(m.wire)) {
        method = m;
      }
    }
    if (method == null) {
      throw new KrpcException(
          "q: unknown method '" + printable(q) + "'", tid, ERROR_METHOD_UNKNOWN);
    }
    BValue av = d.get("a");
    if (!(av instanceof BDict a)) {
      throw new KrpcException(
          av == null ? "a: missing" : "a: a " + av.type() + ", expected a dictionary",
          tid,
          ERROR_PROTOCOL);
    }
    NodeId id = id(a, "id", "a.id", tid, true);
    boolean ro = readOnly(d, tid);
    byte[] version = optionalBytes(d, "v", tid);
    switch (method) {
      case PING:
        return new KrpcMessage.Query(tid, method, id, null, null, 0, false, null, ro, version);
      case FIND_NODE:
        return new KrpcMessage.Query(
            tid,
            method,
            id,
            id(a, "target", "a.target", tid, true),
            null,
            0,
            false,
            null,
            ro,
            version,
            want(a));
      case GET_PEERS:
        return new KrpcMessage.Query(
            tid,
            method,
            id,
            null,
            id(a, "info_hash", "a.info_hash", tid, true),
            0,
            false,
            null,
            ro,
            version,
            want(a));
      default:
        NodeId infoHash = id(a, "info_hash", "a.info_hash", tid, true);
        boolean implied = false;
        BValue ip = a.get("implied_port");
        if (ip != null) {
          if (!(ip instanceof BInteger i)) {
            throw new KrpcException(
                "a.implied_port: a " + ip.type() + ", expected an integer", tid, ERROR_PROTOCOL);
          }
          implied = i.value() != 0;
        }
        BValue pv = a.get("port");
        int port = 0;
        if (pv == null && !implied) {
          throw new KrpcException("a.port: missing", tid, ERROR_PROTOCOL);
        }
        if (pv != null) {
          if (!(pv instanceof BInteger p)) {
            throw new KrpcException(
                "a.port: a " + pv.type() + ", expected an integer", tid, ERROR_PROTOCOL);
          }
          long v = p.value();
          if (!implied && (v < PeerAddress.MIN_PORT || v > PeerAddress.MAX_PORT)) {
            throw new KrpcException("a.port: " + v + " out of range 1..65535", tid, ERROR_PROTOCOL);
          }
          port = v >= 0 && v <= PeerAddress.MAX_PORT ? (int) v : 0;
        }
        BString token = string(a, "token", "a.token", tid);
        if (token == null) {
          throw new KrpcException("a.token: missing", tid, ERROR_PROTOCOL);
        }
        if (token.length() > MAX_TOKEN) {
          throw new KrpcException(
              "a.token: " + token.length() + " bytes, longer than " + MAX_TOKEN,
              tid,
              ERROR_PROTOCOL);
        }
        return new KrpcMessage.Query(
            tid, method, id, null, infoHash, port, implied, token.bytes(), ro, version);
    }
  }

  private static KrpcMessage.Response decodeResponse(BDict d, byte[] tid) throws KrpcException {
    BValue rv = d.get("r");
    if (!(rv instanceof BDict r)) {
      throw new KrpcException(
          rv == null ? "r: missing" : "r: a " + rv.type() + ", expected a dictionary");
    }
    NodeId id = id(r, "id", "r.id", null, true);
    List<NodeInfo> nodes = nodes(r, "nodes", false);
    List<NodeInfo> nodes6 = nodes(r, "nodes6", true);
    List<PeerAddress> values = List.of();
    BValue vv = r.get("values");
    if (vv != null) {
      if (!(vv instanceof BList list)) {
        throw new KrpcException("r.values: a " + vv.type() + ", expected a list");
      }
      if (list.size() > MAX_VALUES) {
        throw new KrpcException("r.values: " + list.size() + " entries, more than " + MAX_VALUES);
      }
      List<PeerAddress> out = new ArrayList<>(list.size());
      for (int i = 0; i < list.size(); i++) {
        if (!(list.get(i) instanceof BString s)) {
          throw new KrpcException(
              "r.values[" + i + "]: a " + list.get(i).type() + ", expected a string");
        }
        if (s.length() != 6 && s.length() != 18) {
          throw new KrpcException(
              "r.values[" + i + "]: " + s.length() + " bytes, expected 6 or 18");
        }
        PeerAddress p = compactPeer(s.bytes());
        if (p != null) {
          out.add(p);
        }
      }
      values = out;
    }
    BString token = string(r, "token", "r.token", null);
    if (token != null && token.length() > MAX_TOKEN) {
      throw new KrpcException("r.token: " + token.length() + " bytes, longer than " + MAX_TOKEN);
    }
    PeerAddress ip = null;
    BString ipv = string(d, "ip", "ip", null);
    if (ipv != null) {
      if (ipv.length() != 6 && ipv.length() != 18) {
        throw new KrpcException("ip: " + ipv.length() + " bytes, expected 6 or 18");
      }
      ip = compactPeer(ipv.bytes());
    }
    return new KrpcMessage.Response(
        tid,
        id,
        nodes,
        nodes6,
        values,
        token == null ? null : token.bytes(),
        ip,
        optionalBytes(d, "v", null));
  }

  private static KrpcMessage.Error decodeError(BDict d, byte[] tid) throws KrpcException {
    BValue ev = d.get("e");
    if (!(ev instanceof BList e)) {
      throw new KrpcException(
          ev == null ? "e: missing" : "e: a " + ev.type() + ", expected a list");
    }
    if (e.size() < 1 || !(e.get(0) instanceof BInteger code)) {
      throw new KrpcException("e[0]: missing or not an integer");
    }
    String message = "";
    if (e.size() > 1 && e.get(1) instanceof BString s) {
      message = s.asString(StandardCharsets.UTF_8);
    }
    long c = code.value();
    return new KrpcMessage.Error(
        tid, (int) Math.max(Integer.MIN_VALUE, Math.min(c, Integer.MAX_VALUE)), message);
  }

  private static List<NodeInfo> nodes(BDict r, String key, boolean v6) throws KrpcException {
    BString s = string(r, key, "r." + key, null);
    if (s == null) {
      return List.of();
    }
    int entry = v6 ? NODE6_LENGTH : NODE4_LENGTH;
    if (s.length() % entry != 0) {
      throw new KrpcException(
          "r." + key + ": " + s.length() + " bytes, not a multiple of " + entry);
    }
    int n = s.length() / entry;
    if (n > MAX_NODES) {
      throw new KrpcException("r." + key + ": " + n + " nodes, more than " + MAX_NODES);
    }
    return decodeCompactNodes(s.bytes(), v6);
  }

  /**
   * Decodes compact node info: 26-byte IPv4 or 38-byte IPv6 entries; entries with port 0 are
   * skipped.
   *
   * @throws IllegalArgumentException if the length is not a multiple of the entry size
   */
  public static List<NodeInfo> decodeCompactNodes(byte[] b, boolean v6) {
    int entry = v6 ? NODE6_LENGTH : NODE4_LENGTH;
    if (b.length % entry != 0) {
      throw new IllegalArgumentException(
          "compact nodes are " + b.length + " bytes, not a multiple of " + entry);
    }
    List<NodeInfo> out = new ArrayList<>(b.length / entry);
    int alen = v6 ? 16 : 4;
    for (int p = 0; p < b.length; p += entry) {
      byte[] id = new byte[NodeId.LENGTH];
      System.arraycopy(b, p, id, 0, NodeId.LENGTH);
      byte[] a = new byte[alen];
      System.arraycopy(b, p + NodeId.LENGTH, a, 0, alen);
      int port =
          ((b[p + NodeId.LENGTH + alen] & 0xFF) << 8) | (b[p + NodeId.LENGTH + alen + 1] & 0xFF);
      if (port == 0) {
        continue;
      }
      out.add(new NodeInfo(NodeId.of(id), new InetSocketAddress(address(a), port)));
    }
    return Collections.unmodifiableList(out);
  }

  /** Encodes the nodes of one family (IPv4 when {@code v6} is false) as compact node info. */
  public static byte[] encodeCompactNodes(List<NodeInfo> nodes, boolean v6) {
    ByteBuffer out = ByteBuffer.allocate(nodes.size() * (v6 ? NODE6_LENGTH : NODE4_LENGTH));
    for (NodeInfo n : nodes) {
      byte[] a = n.address().getAddress().getAddress();
      if ((a.length == 16) != v6) {
        continue;
      }
      out.put(n.id().bytes()).put(a).putShort((short) n.address().getPort());
    }
    byte[] r = new byte[out.position()];
    ((ByteBuffer) ((Buffer) out).flip()).get(r);
    return r;
  }

  private static PeerAddress compactPeer(byte[] b) {
    int alen = b.length - 2;
    byte[] a = new byte[alen];
    System.arraycopy(b, 0, a, 0, alen);
    int port = ((b[alen] & 0xFF) << 8) | (b[alen + 1] & 0xFF);
    return port == 0 ? null : new PeerAddress(address(a), port);
  }

  private static InetAddress address(byte[] a) {
    try {
      return InetAddress.getByAddress(a);
    } catch (UnknownHostException e) {
      throw new IllegalStateException("address of " + a.length + " bytes", e);
    }
  }

  /**
   * BEP 32 {@code want}: the families named among its first {@value #MAX_WANT} entries. An
   * optional field, so a {@code want} that is not a list, or entries that are not the strings
   * {@code n4} or {@code n6}, are ignored rather than costing the query.
   */
  private static int want(BDict a) {
    if (!(a.get("want") instanceof BList list)) {
      return 0;
    }
    int want = 0;
    for (int i = 0; i < Math.min(list.size(), MAX_WANT); i++) {
      if (list.get(i) instanceof BString s) {
        if (s.contentEquals("n4")) {
          want |= KrpcMessage.Query.WANT_N4;
        } else if (s.contentEquals("n6")) {
          want |= KrpcMessage.Query.WANT_N6;
        }
      }
    }
    return want;
  }

  private static boolean readOnly(BDict d, byte[] tid) throws KrpcException {
    BValue ro = d.get("ro");
    if (ro == null) {
      return false;
    }
    if (!(ro instanceof BInteger i)) {
      throw new KrpcException("ro: a " + ro.type() + ", expected an integer", tid, ERROR_PROTOCOL);
    }
    return i.value() == 1;
  }

  private static byte[] optionalBytes(BDict d, String key, byte[] tid) {
    return d.get(key) instanceof BString s && s.length() <= 16 ? s.bytes() : null;
  }

  private static BString string(BDict d, String key, String path, byte[] tid) throws KrpcException {
    BValue v = d.get(key);
    if (v == null) {
      return null;
    }
    if (!(v instanceof BString s)) {
      throw new KrpcException(
          path + ": a " + v.type() + ", expected a string", tid, tid == null ? 0 : ERROR_PROTOCOL);
    }
    return s;
  }

  private static NodeId id(BDict d, String key, String path, byte[] tid, boolean required)
      throws KrpcException {
    BString s = string(d, key, path, tid);
    int code = tid == null ? 0 : ERROR_PROTOCOL;
    if (s == null) {
      if (required) {
        throw new KrpcException(path + ": missing", tid, code);
      }
      return null;
    }
    if (s.length() != NodeId.LENGTH) {
      throw new KrpcException(path + ": " + s.length() + " bytes, expected 20", tid, code);
    }
    return NodeId.of(s.bytes());
  }

  private static String printable(BString s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(s.length(), 32); i++) {
      int c = s.byteAt(i) & 0xFF;
      b.append(c >= 0x20 && c < 0x7F ? Character.toString(c) : String.format("\\x%02x", c));
    }
    return s.length() > 32 ? b + "..." : b.toString();
  }

  // ---- encoding ----

  private static void putWant(BDict.Builder a, int want) {
    if (want == 0) {
      return;
    }
    List<BValue> w = new ArrayList<>(2);
    if ((want & KrpcMessage.Query.WANT_N4) != 0) {
      w.add(BString.of("n4"));
    }
    if ((want & KrpcMessage.Query.WANT_N6) != 0) {
      w.add(BString.of("n6"));
    }
    a.put("want", BList.of(w));
  }

  /** Encodes a message. */
  public static byte[] encode(KrpcMessage m) {
    BDict.Builder top = BDict.builder().put("t", BString.of(m.transactionId()));
    if (m instanceof KrpcMessage.Query q) {
      top.put("y", "q").put("q", q.method().wire);
      BDict.Builder a = BDict.builder().put("id", BString.of(q.id().bytes()));
      switch (q.method()) {
        case FIND_NODE -> {
          a.put("target", BString.of(q.target().bytes()));
          putWant(a, q.want());
        }
        case GET_PEERS -> {
          a.put("info_hash", BString.of(q.infoHash().bytes()));
          putWant(a, q.want());
        }
        case ANNOUNCE_PEER -> {
          a.put("info_hash", BString.of(q.infoHash().bytes()));
          a.put("port", q.port());
          a.put("token", BString.of(q.token()));
          if (q.impliedPort()) {
            a.put("implied_port", 1);
          }
        }
        default -> {}
      }
      top.put("a", a.build());
      if (q.readOnly()) {
        top.put("ro", 1);
      }
      if (q.version() != null) {
        top.put("v", BString.of(q.version()));
      }
    } else if (m instanceof KrpcMessage.Response r) {
      top.put("y", "r");
      BDict.Builder rb = BDict.builder().put("id", BString.of(r.id().bytes()));
      List<NodeInfo> all = new ArrayList<>(r.nodes());
      all.addAll(r.nodes6());
      byte[] n4 = encodeCompactNodes(all, false);
      byte[] n6 = encodeCompactNodes(all, true);
      if (n4.length > 0) {
        rb.put("nodes", BString.of(n4));
      }
      if (n6.length > 0) {
        rb.put("nodes6", BString.of(n6));
      }
      if (!r.values().isEmpty()) {
        List<BValue> vs = new ArrayList<>(r.values().size());
        for (PeerAddress p : r.values()) {
          vs.add(BString.of(io.btlib.peer.CompactPeers.encodeOne(p)));
        }
        rb.put("values", BList.of(vs));
      }
      if (r.token() != null) {
        rb.put("token", BString.of(r.token()));
      }
      top.put("r", rb.build());
      if (r.ip() != null) {
        top.put("ip", BString.of(io.btlib.peer.CompactPeers.encodeOne(r.ip())));
      }
      if (r.version() != null) {
        top.put("v", BString.of(r.version()));
      }
    } else if (m instanceof KrpcMessage.Error e) {
      top.put("y", "e");
      top.put("e", BList.of(BInteger.of(e.code()), BString.of(e.message())));
    }
    return BencodeWriter.encode(top.build());
  }

  /** Whether {@code a} is an IPv4 address. */
  static boolean isV4(InetAddress a) {
    return a instanceof Inet4Address;
  }
}
