package io.btlib.wire;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BInteger;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeException;
import io.btlib.bencode.BencodeWriter;
import io.btlib.wire.WireException.Rule;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.TreeMap;

/**
 * The BEP 10 extended handshake (extension message 0): which extensions the sender supports and
 * under which message ids it wants to receive them, plus a few facts about itself.
 *
 * <pre>
 *   d1:md11:ut_metadatai3e6:ut_pexi1ee13:metadata_sizei31235e1:pi6881e4:reqqi250e1:v9:bt 0.1.0e
 * </pre>
 *
 * @param extensions {@code m}: extension name to the id the sender wants it sent with (1 to 255;
 *     names mapped to 0 are disabled and left out)
 * @param client {@code v}: the sender's client name and version
 * @param listenPort {@code p}: the port the sender accepts connections on
 * @param requestQueue {@code reqq}: how many outstanding requests the sender accepts
 * @param yourIp {@code yourip}: the receiver's address as the sender sees it
 * @param metadataSize {@code metadata_size}: the info dictionary's size, for BEP 9
 * @param uploadOnly {@code upload_only}: the sender is a seed or does not download (BEP 21)
 */
public record ExtendedHandshake(
    Map<String, Integer> extensions,
    Optional<String> client,
    OptionalInt listenPort,
    OptionalInt requestQueue,
    Optional<InetAddress> yourIp,
    OptionalInt metadataSize,
    boolean uploadOnly) {

  /** The name of BEP 9's metadata extension. */
  public static final String UT_METADATA = "ut_metadata";
  /** The name of BEP 11's peer exchange extension. */
  public static final String UT_PEX = "ut_pex";
  /** The name of BEP 55's holepunch extension. */
  public static final String UT_HOLEPUNCH = "ut_holepunch";

  private static final Bdecoder DECODER =
      Bdecoder.builder().strict(false).maxDepth(8).maxValues(4096).build();

  /** Checks and copies the values. */
  public ExtendedHandshake {
    TreeMap<String, Integer> m = new TreeMap<>();
    for (Map.Entry<String, Integer> e : extensions.entrySet()) {
      int id = e.getValue();
      if (id < 1 || id > 255) {
        throw new IllegalArgumentException("extension id must be in [1, 255]: " + e);
      }
      m.put(e.getKey(), id);
    }
    extensions = Collections.unmodifiableMap(m);
    listenPort.ifPresent(p -> {
      if (p < 1 || p > 65535) {
        throw new IllegalArgumentException("listen port must be in [1, 65535]: " + p);
      }
    });
    requestQueue.ifPresent(q -> {
      if (q < 1) {
        throw new IllegalArgumentException("request queue must be >= 1: " + q);
      }
    });
    metadataSize.ifPresent(s -> {
      if (s < 1) {
        throw new IllegalArgumentException("metadata size must be >= 1: " + s);
      }
    });
  }

  /** The id the sender wants extension {@code name} sent with, if it supports it. */
  public OptionalInt idOf(String name) {
    Integer id = extensions.get(name);
    return id == null ? OptionalInt.empty() : OptionalInt.of(id);
  }

  /** The bencoded payload (without the extension id byte). */
  public byte[] encode() {
    BDict.Builder m = BDict.builder();
    extensions.forEach((k, v) -> m.put(k, v));
    BDict.Builder d = BDict.builder().put("m", m.build());
    client.ifPresent(v -> d.put("v", v));
    listenPort.ifPresent(p -> d.put("p", p));
    requestQueue.ifPresent(q -> d.put("reqq", q));
    yourIp.ifPresent(ip -> d.put("yourip", BString.of(ip.getAddress())));
    metadataSize.ifPresent(s -> d.put("metadata_size", s));
    if (uploadOnly) {
      d.put("upload_only", 1);
    }
    return BencodeWriter.encode(d.build());
  }

  /**
   * Reads an extended handshake payload. Unknown keys are ignored; known keys of the wrong type or
   * out of range are ignored too (the sender's problem), except {@code m}, without which the
   * handshake means nothing.
   *
   * @throws WireException if the payload is not a bencoded dictionary with a dictionary {@code m}
   */
  public static ExtendedHandshake decode(ByteBuffer payload) throws WireException {
    BDict d;
    try {
      byte[] b = new byte[payload.remaining()];
      payload.duplicate().get(b);
      BValue v = DECODER.decodeFirst(b, 0, b.length);
      if (!(v instanceof BDict)) {
        throw bad("is not a dictionary");
      }
      d = (BDict) v;
    } catch (BencodeException e) {
      throw bad("is not bencode: " + e.getMessage());
    }
    BValue mv = d.get("m");
    if (!(mv instanceof BDict)) {
      throw bad("has no dictionary 'm'");
    }
    BDict m = (BDict) mv;
    TreeMap<String, Integer> ext = new TreeMap<>();
    for (int i = 0; i < m.size(); i++) {
      BValue id = m.valueAt(i);
      if (id instanceof BInteger) {
        long n = ((BInteger) id).value();
        if (n >= 1 && n <= 255) {
          ext.putIfAbsent(m.keyAt(i).asString(StandardCharsets.UTF_8), (int) n);
        }
      }
    }
    Optional<String> client = Optional.empty();
    if (d.get("v") instanceof BString) {
      client = Optional.of(((BString) d.get("v")).asString(StandardCharsets.UTF_8));
    }
    OptionalInt port = intIn(d, "p", 1, 65535);
    OptionalInt reqq = intIn(d, "reqq", 1, Integer.MAX_VALUE);
    OptionalInt size = intIn(d, "metadata_size", 1, Integer.MAX_VALUE);
    Optional<InetAddress> yourIp = Optional.empty();
    if (d.get("yourip") instanceof BString) {
      BString s = (BString) d.get("yourip");
      if (s.length() == 4 || s.length() == 16) {
        try {
          yourIp = Optional.of(InetAddress.getByAddress(s.bytes()));
        } catch (UnknownHostException e) {
          // impossible for 4 or 16 bytes
        }
      }
    }
    boolean uploadOnly = intIn(d, "upload_only", 1, Integer.MAX_VALUE).isPresent();
    return new ExtendedHandshake(ext, client, port, reqq, yourIp, size, uploadOnly);
  }

  private static OptionalInt intIn(BDict d, String key, long min, long max) {
    BValue v = d.get(key);
    if (v instanceof BInteger) {
      long n = ((BInteger) v).value();
      if (n >= min && n <= max) {
        return OptionalInt.of((int) n);
      }
    }
    return OptionalInt.empty();
  }

  private static WireException bad(String what) {
    return new WireException(Rule.BAD_EXTENSION, -1, -1, -1, "extended handshake " + what);
  }
}
