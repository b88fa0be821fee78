package io.btlib.wire.session;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BInteger;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeException;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.MetadataMessage;
import io.btlib.wire.PeerMessage;
import io.btlib.wire.PexMessage;
import io.btlib.wire.WireException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * A session's extension protocol state (BEP 10) and the two extensions it runs itself: {@code
 * ut_metadata} (BEP 9) and {@code ut_pex} (BEP 11). Reads the peer's extension messages, checks
 * their rules (ids we assigned, metadata sizes, PEX rate) and builds ours.
 */
final class Extensions {
  /** PEX messages we accept at most this often (BEP 11 asks for one a minute; slack for jitter). */
  static final long PEX_IN_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(45);
  /** PEX messages we send at most this often (BEP 11). */
  static final long PEX_OUT_INTERVAL_NANOS = TimeUnit.SECONDS.toNanos(60);

  /** Where what the peer's messages cause goes. */
  interface Output {
    void event(PeerEvent e);

    /** A reply the session sends by itself. */
    void reply(PeerMessage m);
  }

  /** Reads an extended handshake's {@code m} as {@link ExtendedHandshake#decode} does. */
  private static final Bdecoder HANDSHAKE_DECODER =
      Bdecoder.builder().strict(false).maxDepth(8).maxValues(4096).build();

  private final SessionConfig config;
  private final Map<Integer, String> ourNames = new HashMap<>();
  private ExtendedHandshake peer;
  private int peerMetadataSize = -1;
  private final Set<Integer> metadataRequested = new HashSet<>();
  private boolean pexReceived;
  private long lastPexReceived;
  private boolean pexSent;
  private long lastPexSent;
  private long ignoredPex;

  Extensions(SessionConfig config) {
    this.config = config;
    config.extendedHandshake().extensions().forEach((name, id) -> ourNames.put(id, name));
  }

  /** Our extended handshake, extension message 0. */
  PeerMessage.Extended ourHandshake() {
    return new PeerMessage.Extended(0, ByteBuffer.wrap(config.extendedHandshake().encode()));
  }

  Optional<ExtendedHandshake> peerHandshake() {
    return Optional.ofNullable(peer);
  }

  long ignoredPexMessages() {
    return ignoredPex;
  }

  // ---------------------------------------------------------------------------------- receiving

  /** Handles one of the peer's extension messages (the extension protocol is negotiated). */
  void handle(PeerMessage.Extended e, long now, Output out) {
    int xid = e.extendedId();
    if (xid == 0) {
      onHandshake(e.payload(), out);
      return;
    }
    String name = ourNames.get(xid);
    if (name == null) {
      throw new SessionViolation(CloseCause.UNKNOWN_EXTENSION_ID, "extension message id " + xid
          + ", which we never assigned (ours: " + new TreeMap<>(ourNames) + ")");
    }
    if (name.equals(ExtendedHandshake.UT_METADATA)) {
      onMetadata(e.payload(), out);
    } else if (name.equals(ExtendedHandshake.UT_PEX)) {
      onPex(e.payload(), now, out);
    } else {
      out.event(new PeerEvent.ExtensionMessageReceived(name, copyOf(e.payload())));
    }
  }

  private void onHandshake(ByteBuffer payload, Output out) {
    ExtendedHandshake h;
    try {
      h = ExtendedHandshake.decode(payload);
    } catch (WireException ex) {
      throw new SessionViolation(CloseCause.MALFORMED_EXTENSION, ex.getMessage());
    }
    if (h.metadataSize().isPresent()) {
      int size = h.metadataSize().getAsInt();
      if (size > config.maxMetadataSize()) {
        throw new SessionViolation(CloseCause.METADATA_SIZE, "metadata_size " + size
            + " over the limit of " + config.maxMetadataSize());
      }
      OptionalInt ours = config.extendedHandshake().metadataSize();
      if (ours.isPresent() && ours.getAsInt() != size) {
        throw new SessionViolation(CloseCause.METADATA_SIZE, "metadata_size " + size
            + " disagrees with ours, " + ours.getAsInt());
      }
      if (peerMetadataSize > 0 && peerMetadataSize != size) {
        throw new SessionViolation(CloseCause.METADATA_SIZE, "metadata_size " + size
            + " disagrees with the earlier " + peerMetadataSize);
      }
      peerMetadataSize = size;
    }
    peer = peer == null ? h : merge(peer, h, disabled(payload));
    out.event(new PeerEvent.ExtendedHandshakeReceived(peer));
  }

  /**
   * BEP 10: a later extended handshake updates the earlier one; an extension it maps to 0 is
   * disabled ({@code disabled}), one it leaves out keeps its earlier id.
   */
  private static ExtendedHandshake merge(ExtendedHandshake old, ExtendedHandshake h,
      Set<String> disabled) {
    Map<String, Integer> ext = new TreeMap<>(old.extensions());
    ext.keySet().removeAll(disabled);
    ext.putAll(h.extensions());
    return new ExtendedHandshake(ext, h.client().isPresent() ? h.client() : old.client(),
        h.listenPort().isPresent() ? h.listenPort() : old.listenPort(),
        h.requestQueue().isPresent() ? h.requestQueue() : old.requestQueue(),
        h.yourIp().isPresent() ? h.yourIp() : old.yourIp(),
        h.metadataSize().isPresent() ? h.metadataSize() : old.metadataSize(), h.uploadOnly());
  }

  /**
   * The extensions an extended handshake maps to id 0, which {@link ExtendedHandshake#decode}
   * leaves out: BEP 10 says such a one is disabled. The payload has decoded already.
   */
  private static Set<String> disabled(ByteBuffer payload) {
    byte[] b = new byte[payload.remaining()];
    payload.duplicate().get(b);
    Set<String> off = new HashSet<>();
    try {
      BValue m = ((BDict) HANDSHAKE_DECODER.decodeFirst(b, 0, b.length)).get("m");
      BDict d = (BDict) m;
      for (int i = 0; i < d.size(); i++) {
        BValue id = d.valueAt(i);
        if (id instanceof BInteger && ((BInteger) id).value() == 0) {
          off.add(d.keyAt(i).asString(StandardCharsets.UTF_8));
        }
      }
    } catch (BencodeException | ClassCastException e) {
      // cannot happen for a payload ExtendedHandshake.decode accepted: nothing disabled
    }
    return off;
  }

  private void onMetadata(ByteBuffer payload, Output out) {
    MetadataMessage m;
    try {
      // the cap is checked below, to report it as a size violation
      m = MetadataMessage.decode(payload, Integer.MAX_VALUE);
    } catch (WireException ex) {
      throw new SessionViolation(ex.limit() == Integer.MAX_VALUE ? CloseCause.METADATA_SIZE
          : CloseCause.MALFORMED_EXTENSION, ex.getMessage());
    }
    int piece = m.piece();
    if (m.type() == MetadataMessage.REQUEST) {
      OptionalInt theirs = peer == null ? OptionalInt.empty()
          : peer.idOf(ExtendedHandshake.UT_METADATA);
      if (!theirs.isPresent()) {
        // no id to answer under: sendMetadata would throw, so the request is not reported
        return;
      }
      OptionalInt ours = config.extendedHandshake().metadataSize();
      if (!ours.isPresent() || piece >= MetadataMessage.pieceCount(ours.getAsInt())) {
        out.reply(new PeerMessage.Extended(theirs.getAsInt(),
            ByteBuffer.wrap(MetadataMessage.reject(piece).encode())));
        return;
      }
      out.event(new PeerEvent.MetadataRequested(piece));
    } else if (m.type() == MetadataMessage.DATA) {
      int total = m.totalSize();
      if (total > config.maxMetadataSize()) {
        throw new SessionViolation(CloseCause.METADATA_SIZE, "ut_metadata total_size " + total
            + " over the limit of " + config.maxMetadataSize());
      }
      if (peerMetadataSize > 0 && total != peerMetadataSize) {
        throw new SessionViolation(CloseCause.METADATA_SIZE, "ut_metadata total_size " + total
            + " disagrees with metadata_size " + peerMetadataSize);
      }
      peerMetadataSize = total;
      if (metadataRequested.remove(piece)) {
        // decode copied the payload into an array of its own: the message is the poller's
        out.event(new PeerEvent.MetadataReceived(m));
      }
      // data we did not ask for is dropped
    } else if (metadataRequested.remove(piece)) {
      out.event(new PeerEvent.MetadataRejected(piece));
    }
  }

  private void onPex(ByteBuffer payload, long now, Output out) {
    if (pexReceived && now - lastPexReceived < PEX_IN_INTERVAL_NANOS) {
      ignoredPex++;
      return;
    }
    PexMessage p;
    try {
      p = PexMessage.decode(payload);
    } catch (WireException ex) {
      throw new SessionViolation(CloseCause.MALFORMED_EXTENSION, ex.getMessage());
    }
    pexReceived = true;
    lastPexReceived = now;
    out.event(new PeerEvent.PexReceived(p));
  }

  // ---------------------------------------------------------------------------------- sending

  /**
   * The id the peer wants extension {@code name} sent with.
   *
   * @throws IllegalStateException before the peer's extended handshake, or if it lacks the
   *     extension
   */
  int peerId(String name) {
    if (peer == null) {
      throw new IllegalStateException("sending " + name
          + " before the peer's extended handshake");
    }
    OptionalInt id = peer.idOf(name);
    if (!id.isPresent()) {
      throw new IllegalStateException("the peer does not support " + name);
    }
    return id.getAsInt();
  }

  PeerMessage.Extended metadata(MetadataMessage m) {
    return new PeerMessage.Extended(peerId(ExtendedHandshake.UT_METADATA),
        ByteBuffer.wrap(m.encode()));
  }

  /** A request for a metadata piece, remembered so that only answers to it are accepted. */
  PeerMessage.Extended metadataRequest(int piece) {
    int id = peerId(ExtendedHandshake.UT_METADATA);
    int pieces = peerMetadataSize > 0 ? MetadataMessage.pieceCount(peerMetadataSize) : -1;
    if (piece < 0 || (pieces > 0 && piece >= pieces)) {
      throw new IllegalArgumentException("metadata piece " + piece + " outside [0, "
          + (pieces > 0 ? pieces : "?") + ")");
    }
    metadataRequested.add(piece);
    return new PeerMessage.Extended(id, ByteBuffer.wrap(MetadataMessage.request(piece).encode()));
  }

  /** Our PEX message, or null if the last one went less than a minute ago. */
  PeerMessage.Extended pex(PexMessage m, long now) {
    int id = peerId(ExtendedHandshake.UT_PEX);
    if (pexSent && now - lastPexSent < PEX_OUT_INTERVAL_NANOS) {
      return null;
    }
    pexSent = true;
    lastPexSent = now;
    return new PeerMessage.Extended(id, ByteBuffer.wrap(m.encode()));
  }

  /** A message of another extension, its payload copied. */
  PeerMessage.Extended other(String name, ByteBuffer payload) {
    return new PeerMessage.Extended(peerId(name), copyOf(payload));
  }

  static ByteBuffer copyOf(ByteBuffer b) {
    return (ByteBuffer) ((Buffer) ByteBuffer.allocate(b.remaining()).put(b.duplicate())).flip();
  }
}
