package io.btlib.wire.session;

import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.InfoHashes;
import io.btlib.peer.PeerId;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.Handshake;
import io.btlib.wire.WireLimits;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * What a {@link PeerSession} needs to know: who we are, the torrent, what we announce, limits and
 * timeouts. An immutable value; one per torrent, varied per connection with {@link #toBuilder()}.
 *
 * <pre>{@code
 * SessionConfig config = SessionConfig.builder(myId, metainfo.infoHashes())
 *     .pieces(metainfo.totalLength(), metainfo.pieceLength())
 *     .metadataSize(metainfo.infoBytes().length)
 *     .listenPort(6881)
 *     .build();
 * }</pre>
 *
 * @param peerId our peer id
 * @param infoHashes the torrent's hashes; a peer's handshake may carry the v1 hash or the truncated
 *     v2 hash
 * @param handshakeHash the 20-byte hash an outgoing connection sends (default {@link
 *     InfoHashes#shortHash()}: v1 for a hybrid); an incoming session answers with the one the peer
 *     used
 * @param reserved our reserved bits (default extension protocol and fast extension; DHT if asked;
 *     the v2 upgrade bit for a torrent with a v2 hash)
 * @param pieceCount the number of pieces, or -1 while unknown (a magnet link before the metadata)
 * @param pieceSize piece index to its size in bytes; null while the piece count is unknown
 * @param extendedHandshake what we announce in the BEP 10 extended handshake (default {@code
 *     ut_metadata} = 1, {@code ut_pex} = 2, {@code reqq} = {@code maxQueuedRequests}, {@code v} =
 *     "bt/0.1.0")
 * @param limits the wire codec's limits (default {@link WireLimits#DEFAULTS})
 * @param keepAliveInterval a keep-alive goes out after this long without sending (default 120 s)
 * @param inactivityTimeout the session closes after this long without receiving (default 180 s)
 * @param handshakeTimeout the session closes if the peer's handshake takes longer (default 20 s)
 * @param maxMetadataSize the largest info dictionary accepted over BEP 9 (default 8 MiB)
 * @param maxQueuedRequests how many of the peer's requests may wait for an answer (default 500,
 *     libtorrent's {@code max_allowed_in_request_queue}); more are rejected (fast extension) or
 *     dropped
 * @param maxUnrequestedBlocks how many piece messages for blocks we never requested are tolerated
 *     (counted as waste) before the session closes (default 200)
 * @param paddedPieceLength when positive, the peer may request, and we may send, blocks up to this
 *     length into any piece, the bytes past the piece's end being zeros: libtorrent treats a v2
 *     torrent's pieces as padded to the full piece length (default 0: requests must fit the piece)
 * @param blockAllocator makes the buffer a received block is copied into (default heap buffers);
 *     the engine owns each, so it may hand them to a pool
 */
public record SessionConfig(
    PeerId peerId,
    InfoHashes infoHashes,
    InfoHash handshakeHash,
    long reserved,
    int pieceCount,
    IntUnaryOperator pieceSize,
    ExtendedHandshake extendedHandshake,
    WireLimits limits,
    Duration keepAliveInterval,
    Duration inactivityTimeout,
    Duration handshakeTimeout,
    int maxMetadataSize,
    int maxQueuedRequests,
    int maxUnrequestedBlocks,
    int paddedPieceLength,
    IntFunction<ByteBuffer> blockAllocator) {

  /** The client name announced by default ({@code v}). */
  public static final String CLIENT = "bt/0.1.0";
  /** Our default id for {@code ut_metadata}. */
  public static final int UT_METADATA_ID = 1;
  /** Our default id for {@code ut_pex}. */
  public static final int UT_PEX_ID = 2;
  /** Our id for {@code ut_holepunch} (BEP 55), when a client that speaks uTP announces it. */
  public static final int UT_HOLEPUNCH_ID = 4;

  /** Checks the values. */
  public SessionConfig {
    Objects.requireNonNull(peerId, "peerId");
    Objects.requireNonNull(infoHashes, "infoHashes");
    Objects.requireNonNull(handshakeHash, "handshakeHash");
    Objects.requireNonNull(extendedHandshake, "extendedHandshake");
    Objects.requireNonNull(limits, "limits");
    Objects.requireNonNull(blockAllocator, "blockAllocator");
    if (paddedPieceLength < 0) {
      throw new IllegalArgumentException("paddedPieceLength must be >= 0: " + paddedPieceLength);
    }
    if (!infoHashes.matchesShort(handshakeHash)) {
      throw new IllegalArgumentException("handshakeHash " + handshakeHash + " is neither the v1 "
          + "hash nor the truncated v2 hash of " + infoHashes);
    }
    if (pieceCount < -1 || pieceCount == 0) {
      throw new IllegalArgumentException("pieceCount must be >= 1, or -1 when unknown: "
          + pieceCount);
    }
    if ((pieceCount == -1) != (pieceSize == null)) {
      throw new IllegalArgumentException(
          "pieceSize must be given exactly when pieceCount is known");
    }
    positive("keepAliveInterval", keepAliveInterval);
    positive("inactivityTimeout", inactivityTimeout);
    positive("handshakeTimeout", handshakeTimeout);
    if (maxMetadataSize < 1) {
      throw new IllegalArgumentException("maxMetadataSize must be >= 1: " + maxMetadataSize);
    }
    if (maxQueuedRequests < 1) {
      throw new IllegalArgumentException("maxQueuedRequests must be >= 1: " + maxQueuedRequests);
    }
    if (extendedHandshake.extensions().values().stream().distinct().count()
        != extendedHandshake.extensions().size()) {
      throw new IllegalArgumentException("extension ids must be distinct: "
          + extendedHandshake.extensions());
    }
    if (maxUnrequestedBlocks < 0) {
      throw new IllegalArgumentException("maxUnrequestedBlocks must be >= 0: "
          + maxUnrequestedBlocks);
    }
  }

  private static void positive(String what, Duration d) {
    Objects.requireNonNull(d, what);
    if (d.isNegative() || d.isZero()) {
      throw new IllegalArgumentException(what + " must be positive: " + d);
    }
  }

  /** A builder with the defaults, for our id and the torrent's hashes. */
  public static Builder builder(PeerId peerId, InfoHashes infoHashes) {
    return new Builder(peerId, infoHashes);
  }

  /** A builder holding this config's values. */
  public Builder toBuilder() {
    return new Builder(this);
  }

  /** Whether the piece count is known. */
  public boolean hasPieceCount() {
    return pieceCount > 0;
  }

  /**
   * The piece-size function of a torrent of {@code totalLength} bytes in pieces of {@code
   * pieceLength} bytes: all full but the last.
   */
  public static IntUnaryOperator uniformPieces(long totalLength, int pieceLength) {
    checkUniform(totalLength, pieceLength);
    long count = (totalLength + pieceLength - 1) / pieceLength;
    int last = (int) (totalLength - (count - 1) * pieceLength);
    return i -> i == count - 1 ? last : pieceLength;
  }

  /** The number of pieces of {@code totalLength} bytes in pieces of {@code pieceLength}. */
  public static int pieceCountOf(long totalLength, int pieceLength) {
    checkUniform(totalLength, pieceLength);
    long count = (totalLength + pieceLength - 1) / pieceLength;
    if (count > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("too many pieces: " + count);
    }
    return (int) count;
  }

  private static void checkUniform(long totalLength, int pieceLength) {
    if (totalLength < 1 || pieceLength < 1) {
      throw new IllegalArgumentException("totalLength and pieceLength must be >= 1: "
          + totalLength + ", " + pieceLength);
    }
  }

  /** Builds a {@link SessionConfig}; each setter checks its value at once. */
  public static final class Builder {
    private final PeerId peerId;
    private final InfoHashes infoHashes;
    private InfoHash handshakeHash;
    private boolean extensionProtocol = true;
    private boolean fast = true;
    private boolean dht;
    private int pieceCount = -1;
    private IntUnaryOperator pieceSize;
    private OptionalInt requestQueue; // null: announce maxQueuedRequests
    private Map<String, Integer> extensions =
        Map.of(ExtendedHandshake.UT_METADATA, UT_METADATA_ID, ExtendedHandshake.UT_PEX, UT_PEX_ID);
    private Optional<String> client = Optional.of(CLIENT);
    private OptionalInt listenPort = OptionalInt.empty();
    private OptionalInt metadataSize = OptionalInt.empty();
    private Optional<InetAddress> yourIp = Optional.empty();
    private boolean uploadOnly;
    private WireLimits limits = WireLimits.DEFAULTS;
    private Duration keepAliveInterval = Duration.ofSeconds(120);
    private Duration inactivityTimeout = Duration.ofSeconds(180);
    private Duration handshakeTimeout = Duration.ofSeconds(20);
    private int maxMetadataSize = 8 << 20;
    private int maxQueuedRequests = 500;
    private int maxUnrequestedBlocks = 200;
    private IntFunction<ByteBuffer> blockAllocator = ByteBuffer::allocate;
    private int paddedPieceLength;

    private Builder(PeerId peerId, InfoHashes infoHashes) {
      this.peerId = Objects.requireNonNull(peerId, "peerId");
      this.infoHashes = Objects.requireNonNull(infoHashes, "infoHashes");
    }

    private Builder(SessionConfig c) {
      this(c.peerId, c.infoHashes);
      handshakeHash = c.handshakeHash;
      extensionProtocol = (c.reserved & Handshake.EXTENSION_PROTOCOL) != 0;
      fast = (c.reserved & Handshake.FAST) != 0;
      dht = (c.reserved & Handshake.DHT) != 0;
      pieceCount = c.pieceCount;
      pieceSize = c.pieceSize;
      limits = c.limits;
      keepAliveInterval = c.keepAliveInterval;
      inactivityTimeout = c.inactivityTimeout;
      handshakeTimeout = c.handshakeTimeout;
      maxMetadataSize = c.maxMetadataSize;
      maxQueuedRequests = c.maxQueuedRequests;
      maxUnrequestedBlocks = c.maxUnrequestedBlocks;
      blockAllocator = c.blockAllocator;
      paddedPieceLength = c.paddedPieceLength;
      extendedHandshake(c.extendedHandshake);
    }

    /**
     * The 20-byte hash an outgoing connection sends; for a hybrid torrent, the v1 hash (default)
     * or the truncated v2 hash.
     */
    public Builder handshakeHash(InfoHash hash) {
      Objects.requireNonNull(hash, "hash");
      if (!infoHashes.matchesShort(hash)) {
        throw new IllegalArgumentException("hash " + hash + " is neither the v1 hash nor the "
            + "truncated v2 hash of " + infoHashes);
      }
      this.handshakeHash = hash;
      return this;
    }

    /** Whether we support the extension protocol, BEP 10 (default true). */
    public Builder extensionProtocol(boolean on) {
      this.extensionProtocol = on;
      return this;
    }

    /** Whether we support the fast extension, BEP 6 (default true). */
    public Builder fastExtension(boolean on) {
      this.fast = on;
      return this;
    }

    /** Whether we run a DHT node, BEP 5 (default false); allows {@link PeerSession#sendPort}. */
    public Builder dht(boolean on) {
      this.dht = on;
      return this;
    }

    /** The piece count and the size of each piece. */
    public Builder pieces(int count, IntUnaryOperator size) {
      if (count < 1) {
        throw new IllegalArgumentException("piece count must be >= 1: " + count);
      }
      this.pieceCount = count;
      this.pieceSize = Objects.requireNonNull(size, "size");
      return this;
    }

    /** The pieces of a torrent of {@code totalLength} bytes in pieces of {@code pieceLength}. */
    public Builder pieces(long totalLength, int pieceLength) {
      return pieces(pieceCountOf(totalLength, pieceLength),
          uniformPieces(totalLength, pieceLength));
    }

    /** The piece count is not known yet (a magnet link; the default). */
    public Builder unknownPieces() {
      this.pieceCount = -1;
      this.pieceSize = null;
      return this;
    }

    /**
     * The whole extended handshake to send: sets {@link #extensions}, {@link #metadataSize},
     * {@link #listenPort}, {@link #clientName}, {@link #yourIp}, {@link #uploadOnly} and the
     * announced {@code reqq} (which otherwise follows {@link #maxQueuedRequests}).
     */
    public Builder extendedHandshake(ExtendedHandshake handshake) {
      Objects.requireNonNull(handshake, "handshake");
      extensions = handshake.extensions();
      client = handshake.client();
      listenPort = handshake.listenPort();
      metadataSize = handshake.metadataSize();
      yourIp = handshake.yourIp();
      uploadOnly = handshake.uploadOnly();
      requestQueue = handshake.requestQueue().equals(OptionalInt.of(maxQueuedRequests)) ? null
          : handshake.requestQueue();
      return this;
    }

    /**
     * The extensions we accept, name to the id the peer must send them with (default {@code
     * ut_metadata} = 1, {@code ut_pex} = 2). Leave {@code ut_pex} out for a private torrent.
     */
    public Builder extensions(Map<String, Integer> nameToId) {
      for (Map.Entry<String, Integer> e : nameToId.entrySet()) {
        if (e.getValue() == null || e.getValue() < 1 || e.getValue() > 255) {
          throw new IllegalArgumentException("extension id must be in [1, 255]: " + e);
        }
      }
      long distinct = nameToId.values().stream().distinct().count();
      if (distinct != nameToId.size()) {
        throw new IllegalArgumentException("extension ids must be distinct: " + nameToId);
      }
      this.extensions = Map.copyOf(nameToId);
      return this;
    }

    /** Our info dictionary's size, announced as {@code metadata_size} once we have it. */
    public Builder metadataSize(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("metadata size must be >= 1: " + bytes);
      }
      this.metadataSize = OptionalInt.of(bytes);
      return this;
    }

    /** The port we accept connections on, announced as {@code p}. */
    public Builder listenPort(int port) {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("listen port must be in [1, 65535]: " + port);
      }
      this.listenPort = OptionalInt.of(port);
      return this;
    }

    /** The client name announced as {@code v} (default "bt/0.1.0"). */
    public Builder clientName(String name) {
      this.client = Optional.of(name);
      return this;
    }

    /** The peer's address as we see it, announced as {@code yourip}. */
    public Builder yourIp(InetAddress address) {
      this.yourIp = Optional.of(address);
      return this;
    }

    /** Whether we announce {@code upload_only} (BEP 21; default false). */
    public Builder uploadOnly(boolean on) {
      this.uploadOnly = on;
      return this;
    }

    /** The wire codec's limits (default {@link WireLimits#DEFAULTS}). */
    public Builder limits(WireLimits limits) {
      this.limits = Objects.requireNonNull(limits, "limits");
      return this;
    }

    /** How long without sending before a keep-alive (default 120 s). */
    public Builder keepAliveInterval(Duration d) {
      positive("keepAliveInterval", d);
      this.keepAliveInterval = d;
      return this;
    }

    /** How long without receiving before the session closes (default 180 s). */
    public Builder inactivityTimeout(Duration d) {
      positive("inactivityTimeout", d);
      this.inactivityTimeout = d;
      return this;
    }

    /** How long the peer's handshake may take (default 20 s). */
    public Builder handshakeTimeout(Duration d) {
      positive("handshakeTimeout", d);
      this.handshakeTimeout = d;
      return this;
    }

    /** The largest info dictionary accepted over BEP 9 (default 8 MiB). */
    public Builder maxMetadataSize(int bytes) {
      if (bytes < 1) {
        throw new IllegalArgumentException("maxMetadataSize must be >= 1: " + bytes);
      }
      this.maxMetadataSize = bytes;
      return this;
    }

    /**
     * How many of the peer's requests may wait for an answer (default 500); announced as {@code
     * reqq}. Size it to cover the bandwidth-delay product: 500 blocks of 16 KiB is 8 MiB in flight.
     */
    public Builder maxQueuedRequests(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxQueuedRequests must be >= 1: " + n);
      }
      this.maxQueuedRequests = n;
      return this;
    }

    /** How many unrequested blocks are tolerated before the session closes (default 200). */
    public Builder maxUnrequestedBlocks(int n) {
      if (n < 0) {
        throw new IllegalArgumentException("maxUnrequestedBlocks must be >= 0: " + n);
      }
      this.maxUnrequestedBlocks = n;
      return this;
    }

    /**
     * Lets requests run up to {@code length} bytes into any piece, past its end, the excess being
     * zeros (libtorrent's view of v2 pieces); 0 turns it off (default).
     */
    public Builder paddedPieceLength(int length) {
      if (length < 0) {
        throw new IllegalArgumentException("paddedPieceLength must be >= 0: " + length);
      }
      this.paddedPieceLength = length;
      return this;
    }

    /** Makes the buffers received blocks are copied into (default heap buffers). */
    public Builder blockAllocator(IntFunction<ByteBuffer> allocator) {
      this.blockAllocator = Objects.requireNonNull(allocator, "allocator");
      return this;
    }

    /** The config. */
    public SessionConfig build() {
      long reserved = 0;
      if (extensionProtocol) {
        reserved |= Handshake.EXTENSION_PROTOCOL;
      }
      if (fast) {
        reserved |= Handshake.FAST;
      }
      if (dht) {
        reserved |= Handshake.DHT;
      }
      if (infoHashes.hasV2()) {
        reserved |= Handshake.V2_UPGRADE;
      }
      ExtendedHandshake ext = new ExtendedHandshake(extensions, client, listenPort,
          requestQueue != null ? requestQueue : OptionalInt.of(maxQueuedRequests), yourIp,
          metadataSize, uploadOnly);
      return new SessionConfig(peerId, infoHashes,
          handshakeHash != null ? handshakeHash : infoHashes.shortHash(), reserved, pieceCount,
          pieceSize, ext, limits, keepAliveInterval, inactivityTimeout, handshakeTimeout,
          maxMetadataSize, maxQueuedRequests, maxUnrequestedBlocks, paddedPieceLength,
          blockAllocator);
    }
  }
}
