package io.btlib.wire.session;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerId;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.MetadataMessage;
import io.btlib.wire.PeerMessage;
import io.btlib.wire.PexMessage;
import java.nio.ByteBuffer;
import java.util.BitSet;
import java.util.Objects;

/**
 * What a {@link PeerSession} reports to the engine, polled with {@link PeerSession#pollEvent()}.
 * Dispatch with {@code instanceof}.
 *
 * <p><b>Ownership.</b> Events are values. A buffer or bit set inside an event is a fresh copy that
 * belongs to whoever polled the event: keep it, change it or hand it to a pool; the session keeps
 * no reference. {@link Closed} is always the last event of a session.
 */
public sealed interface PeerEvent {

  private static void checkBlock(int piece, int offset, int length) {
    if (piece < 0 || offset < 0 || length < 1) {
      throw new IllegalArgumentException("piece and offset must be >= 0 and length >= 1: "
          + piece + ", " + offset + ", " + length);
    }
  }

  private static void checkPiece(int piece) {
    if (piece < 0) {
      throw new IllegalArgumentException("piece must be >= 0: " + piece);
    }
  }

  /**
   * The peer's handshake arrived and names our torrent.
   *
   * @param peerId the peer's id
   * @param reserved the peer's reserved bits ({@link io.btlib.wire.Handshake#FAST} and friends)
   * @param infoHash the 20-byte hash the connection uses: the v1 hash or the truncated v2 hash
   * @param fastExtension whether both sides support the fast extension (BEP 6)
   * @param extensionProtocol whether both sides support the extension protocol (BEP 10)
   */
  record HandshakeReceived(PeerId peerId, long reserved, InfoHash infoHash, boolean fastExtension,
      boolean extensionProtocol) implements PeerEvent {
    /** Checks the values. */
    public HandshakeReceived {
      Objects.requireNonNull(peerId, "peerId");
      Objects.requireNonNull(infoHash, "infoHash");
    }
  }

  /**
   * The peer's BEP 10 extended handshake arrived (again, if the peer updates it).
   *
   * @param handshake what the peer announced
   */
  record ExtendedHandshakeReceived(ExtendedHandshake handshake) implements PeerEvent {
    /** Checks the value. */
    public ExtendedHandshakeReceived {
      Objects.requireNonNull(handshake, "handshake");
    }
  }

  /**
   * The pieces the peer has, from its bitfield, have-all or have-none. For a magnet link this comes
   * only once {@link PeerSession#setPieceCount} is called, merged with the haves received until
   * then.
   *
   * @param pieces the pieces the peer has; the poller's own copy
   * @param haveAll whether the peer sent have-all (then every piece is set)
   * @param haveNone whether the peer sent have-none (then the set is empty)
   */
  record BitfieldReceived(BitSet pieces, boolean haveAll, boolean haveNone) implements PeerEvent {
    /** Checks the values. */
    public BitfieldReceived {
      Objects.requireNonNull(pieces, "pieces");
      if (haveAll && haveNone) {
        throw new IllegalArgumentException("haveAll and haveNone are exclusive");
      }
    }
  }

  /** The peer has a new piece. */
  record HaveReceived(int piece) implements PeerEvent {
    /** Checks the index. */
    public HaveReceived {
      checkPiece(piece);
    }
  }

  /**
   * The peer chokes us. Without the fast extension this drops all our outstanding requests, each
   * reported as {@link RequestRejected} right after this event.
   */
  record Choked() implements PeerEvent {}

  /** The peer unchoked us: we may request blocks. */
  record Unchoked() implements PeerEvent {}

  /** The peer became interested, or not interested, in our pieces. */
  record PeerInterested(boolean interested) implements PeerEvent {}

  /**
   * A block we requested arrived; or, when {@code late}, a block whose request we had cancelled
   * arrived anyway (the peer had queued it before our cancel reached it). A late block is not a
   * protocol error: the poller decides whether it is still of use (its piece still wanted, the
   * block still missing) or waste. Blocks we never asked this peer for are not reported (the
   * session counts them as unrequested).
   *
   * @param data the block's bytes in a buffer the poller owns (from the session config's {@code
   *     blockAllocator}, position 0 and limit the block length)
   * @param late whether its request had been cancelled
   */
  record BlockReceived(int piece, int offset, ByteBuffer data, boolean late)
      implements PeerEvent {
    /** Checks the values. */
    public BlockReceived {
      Objects.requireNonNull(data, "data");
      checkBlock(piece, offset, data.remaining());
    }

    /** A block that was still requested (not late). */
    public BlockReceived(int piece, int offset, ByteBuffer data) {
      this(piece, offset, data, false);
    }

    /** The block's length. */
    public int length() {
      return data.remaining();
    }

    @Override
    public String toString() {
      return "BlockReceived[piece=" + piece + ", offset=" + offset + ", length="
          + data.remaining() + (late ? ", late" : "") + "]";
    }
  }

  /**
   * The peer asks for a block; answer with {@link PeerSession#sendBlock} or {@link
   * PeerSession#rejectRequest}. Requests the session refuses by itself (while we choke the peer,
   * over the queue limit) are not reported.
   */
  record RequestReceived(int piece, int offset, int length) implements PeerEvent {
    /** Checks the values. */
    public RequestReceived {
      checkBlock(piece, offset, length);
    }
  }

  /**
   * The peer withdrew a request it had sent and we had not yet answered (with the fast extension
   * the session has answered it with a reject); stop reading that block.
   */
  record CancelReceived(int piece, int offset, int length) implements PeerEvent {
    /** Checks the values. */
    public CancelReceived {
      checkBlock(piece, offset, length);
    }
  }

  /**
   * One of our requests will not be served: the peer rejected it (BEP 6) or, without the fast
   * extension, choked us. Request it again elsewhere.
   */
  record RequestRejected(int piece, int offset, int length) implements PeerEvent {
    /** Checks the values. */
    public RequestRejected {
      checkBlock(piece, offset, length);
    }
  }

  /** We may request blocks of this piece even while the peer chokes us (BEP 6). */
  record AllowedFastReceived(int piece) implements PeerEvent {
    /** Checks the index. */
    public AllowedFastReceived {
      checkPiece(piece);
    }
  }

  /** The peer suggests downloading this piece (BEP 6). */
  record SuggestReceived(int piece) implements PeerEvent {
    /** Checks the index. */
    public SuggestReceived {
      checkPiece(piece);
    }
  }

  /**
   * A piece of the info dictionary we requested arrived (BEP 9). Its size was checked against the
   * cap and against the peer's {@code metadata_size}; its {@code data} is the poller's own copy.
   */
  record MetadataReceived(MetadataMessage message) implements PeerEvent {
    /** Checks the value. */
    public MetadataReceived {
      Objects.requireNonNull(message, "message");
      if (message.type() != MetadataMessage.DATA) {
        throw new IllegalArgumentException("not a data message: type " + message.type());
      }
    }
  }

  /**
   * The peer asks for a piece of the info dictionary (BEP 9); answer with {@link
   * PeerSession#sendMetadata}. Requests when our config announces no {@code metadata_size}, or past
   * its end, are rejected by the session and not reported; requests from a peer that announced no
   * {@code ut_metadata} id of its own (so no answer can be sent) are ignored.
   */
  record MetadataRequested(int piece) implements PeerEvent {
    /** Checks the index. */
    public MetadataRequested {
      checkPiece(piece);
    }
  }

  /** The peer refused one of our metadata requests (BEP 9). */
  record MetadataRejected(int piece) implements PeerEvent {
    /** Checks the index. */
    public MetadataRejected {
      checkPiece(piece);
    }
  }

  /** Peers the peer connected to or dropped (BEP 11), already rate-limited. */
  record PexReceived(PexMessage message) implements PeerEvent {
    /** Checks the value. */
    public PexReceived {
      Objects.requireNonNull(message, "message");
    }
  }

  /** The peer's DHT node listens on this port (BEP 5). */
  record PortReceived(int port) implements PeerEvent {
    /** Checks the port. */
    public PortReceived {
      if (port < 1 || port > 65535) {
        throw new IllegalArgumentException("port must be in [1, 65535]: " + port);
      }
    }
  }

  /**
   * A message of an extension we listed in our extended handshake other than {@code ut_metadata}
   * and {@code ut_pex}, which the session handles itself.
   *
   * @param name the extension's name, as in our extended handshake
   * @param payload the message after the extension id byte; the poller's own copy
   */
  record ExtensionMessageReceived(String name, ByteBuffer payload) implements PeerEvent {
    /** Checks the values. */
    public ExtensionMessageReceived {
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(payload, "payload");
    }

    @Override
    public String toString() {
      return "ExtensionMessageReceived[name=" + name + ", length=" + payload.remaining() + "]";
    }
  }

  /**
   * A BEP 52 hash message: a {@link PeerMessage.HashRequest}, {@link PeerMessage.Hashes} (whose
   * buffer is the poller's own copy) or {@link PeerMessage.HashReject}. The session passes them on
   * unchecked; the engine, which knows the merkle trees, validates them.
   */
  record HashMessageReceived(PeerMessage message) implements PeerEvent {
    /** Checks the value. */
    public HashMessageReceived {
      if (!(message instanceof PeerMessage.HashRequest || message instanceof PeerMessage.Hashes
          || message instanceof PeerMessage.HashReject)) {
        throw new IllegalArgumentException("not a hash message: " + message);
      }
    }
  }

  /**
   * The session is closed; always the last event. Close the socket. The reason names the rule and
   * the offending value, as in {@code "PIECE_INDEX_OUT_OF_RANGE: have 12 >= piece count 10"}.
   *
   * @param cause why, as a value to act on
   * @param reason what happened, for logs
   */
  record Closed(CloseCause cause, String reason) implements PeerEvent {
    /** Checks the values. */
    public Closed {
      Objects.requireNonNull(cause, "cause");
      Objects.requireNonNull(reason, "reason");
    }

    /** Whether the peer broke the protocol (the engine may ban it). */
    public boolean protocolViolation() {
      return cause.isProtocolViolation();
    }
  }
}
