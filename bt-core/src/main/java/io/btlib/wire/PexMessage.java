package io.btlib.wire;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeException;
import io.btlib.bencode.BencodeWriter;
import io.btlib.peer.PeerAddress;
import io.btlib.wire.WireException.Rule;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A BEP 11 {@code ut_pex} message: peers the sender connected to ({@code added}, each with a flags
 * byte) and dropped since its last message, IPv4 and IPv6 in compact form.
 *
 * <pre>
 *   d5:added12:&lt;6 bytes per peer&gt;7:added.f2:&lt;1 byte per peer&gt;7:dropped0:
 *    6:added618:&lt;18 bytes per peer&gt;8:added6.f1:..8:dropped60:e
 * </pre>
 *
 * @param added peers connected since the last message, with their flags (BEP 11: 0x01 prefers
 *     encryption, 0x02 seed, 0x04 supports uTP, 0x08 holepunch, 0x10 reachable)
 * @param dropped peers disconnected since the last message
 */
public record PexMessage(Map<PeerAddress, Integer> added, List<PeerAddress> dropped) {
  /** Most peers of each list a message may carry; more are ignored (BEP 11 suggests 50). */
  public static final int MAX_PEERS = 200;

  private static final Bdecoder DECODER =
      Bdecoder.builder().strict(false).maxDepth(4).maxValues(64).build();

  /** Copies the collections, keeping order. */
  public PexMessage {
    added = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(added));
    dropped = List.copyOf(dropped);
  }

  /** The payload. */
  public byte[] encode() {
    ByteBuffer a4 = ByteBuffer.allocate(6 * added.size());
    ByteBuffer f4 = ByteBuffer.allocate(added.size());
    ByteBuffer a6 = ByteBuffer.allocate(18 * added.size());
    ByteBuffer f6 = ByteBuffer.allocate(added.size());
    added.forEach((p, f) -> {
      if (p.isIpv6()) {
        a6.put(p.address().getAddress()).putShort((short) p.port());
        f6.put((byte) (int) f);
      } else {
        a4.put(p.address().getAddress()).putShort((short) p.port());
        f4.put((byte) (int) f);
      }
    });
    ByteBuffer d4 = ByteBuffer.allocate(6 * dropped.size());
    ByteBuffer d6 = ByteBuffer.allocate(18 * dropped.size());
    for (PeerAddress p : dropped) {
      (p.isIpv6() ? d6 : d4).put(p.address().getAddress()).putShort((short) p.port());
    }
    return BencodeWriter.encode(BDict.builder()
        .put("added", bytes(a4)).put("added.f", bytes(f4))
        .put("added6", bytes(a6)).put("added6.f", bytes(f6))
        .put("dropped", bytes(d4)).put("dropped6", bytes(d6)).build());
  }

  private static BString bytes(ByteBuffer b) {
    return BString.of(b.array(), 0, b.position());
  }

  /**
   * Reads a {@code ut_pex} payload. Entries with port 0 are skipped; lists longer than {@link
   * #MAX_PEERS} are cut; a missing flags list means flags 0.
   *
   * @throws WireException if the payload is not a dictionary, or a list's length is not a multiple
   *     of its entry size
   */
  public static PexMessage decode(ByteBuffer payload) throws WireException {
    byte[] b = new byte[payload.remaining()];
    payload.duplicate().get(b);
    BValue v;
    try {
      v = DECODER.decodeFirst(b, 0, b.length);
    } catch (BencodeException e) {
      throw bad("is not bencode: " + e.getMessage());
    }
    if (!(v instanceof BDict)) {
      throw bad("is not a dictionary");
    }
    BDict d = (BDict) v;
    Map<PeerAddress, Integer> added = new LinkedHashMap<>();
    readAdded(d, "added", "added.f", 4, added);
    readAdded(d, "added6", "added6.f", 16, added);
    List<PeerAddress> dropped = new ArrayList<>();
    List<PeerAddress> dropped6 = new ArrayList<>();
    for (PeerAddress p : entries(d, "dropped", 4)) {
      (p.isIpv6() ? dropped6 : dropped).add(p);
    }
    for (PeerAddress p : entries(d, "dropped6", 16)) {
      // an IPv4-mapped IPv6 entry (::ffff:a.b.c.d) is an IPv4 address, and is written as one:
      // IPv4 first, so that the list reads back the same from what encode() writes
      (p.isIpv6() ? dropped6 : dropped).add(p);
    }
    dropped.addAll(dropped6);
    return new PexMessage(added, dropped);
  }

  private static void readAdded(BDict d, String key, String flagsKey, int addrLen,
      Map<PeerAddress, Integer> out) throws WireException {
    BString raw = string(d, key);
    if (raw == null) {
      return;
    }
    int entry = addrLen + 2;
    if (raw.length() % entry != 0) {
      throw new WireException(Rule.BAD_EXTENSION, -1, raw.length(), entry,
          "ut_pex " + key + " is not a whole number of entries");
    }
    BString flags = string(d, flagsKey);
    byte[] a = raw.bytes();
    int n = Math.min(a.length / entry, MAX_PEERS);
    for (int i = 0; i < n; i++) {
      PeerAddress p = peer(a, i * entry, addrLen);
      if (p != null) {
        int f = flags != null && i < flags.length() ? flags.byteAt(i) & 0xFF : 0;
        out.putIfAbsent(p, f);
      }
    }
  }

  private static List<PeerAddress> entries(BDict d, String key, int addrLen)
      throws WireException {
    List<PeerAddress> out = new ArrayList<>();
    BString raw = string(d, key);
    if (raw == null) {
      return out;
    }
    int entry = addrLen + 2;
    if (raw.length() % entry != 0) {
      throw new WireException(Rule.BAD_EXTENSION, -1, raw.length(), entry,
          "ut_pex " + key + " is not a whole number of entries");
    }
    byte[] a = raw.bytes();
    int n = Math.min(a.length / entry, MAX_PEERS);
    for (int i = 0; i < n; i++) {
      PeerAddress p = peer(a, i * entry, addrLen);
      if (p != null) {
        out.add(p);
      }
    }
    return out;
  }

  private static PeerAddress peer(byte[] a, int at, int addrLen) {
    int port = ((a[at + addrLen] & 0xFF) << 8) | (a[at + addrLen + 1] & 0xFF);
    if (port == 0) {
      return null;
    }
    byte[] ip = new byte[addrLen];
    System.arraycopy(a, at, ip, 0, addrLen);
    try {
      return PeerAddress.of(InetAddress.getByAddress(ip), port);
    } catch (UnknownHostException e) {
      return null; // impossible for 4 or 16 bytes
    }
  }

  private static BString string(BDict d, String key) {
    BValue v = d.get(key);
    return v instanceof BString ? (BString) v : null;
  }

  private static WireException bad(String what) {
    return new WireException(Rule.BAD_EXTENSION, -1, -1, -1, "ut_pex message " + what);
  }
}
