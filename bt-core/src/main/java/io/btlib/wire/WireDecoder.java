package io.btlib.wire;

import io.btlib.metainfo.MerkleRoot;
import io.btlib.wire.WireException.Rule;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.function.Consumer;

/**
 * Splits a peer's byte stream into {@link PeerMessage}s: one decoder per connection, after the
 * handshake. Sans-I/O: the caller reads from the socket into a buffer and hands it over.
 *
 * <pre>{@code
 * buf.flip();
 * decoder.decode(buf, msg -> session.handle(msg));
 * buf.compact();   // keeps the start of an incomplete message
 * }</pre>
 *
 * <p><b>Partial input.</b> {@link #decode} decodes every complete message from the buffer's
 * position, stops at the first incomplete one with the position at its start, and never touches
 * the limit or mark. The length prefix is checked against {@link WireLimits} as soon as its four
 * bytes are readable, so a buffer of {@code maxMessageLength + 4} bytes always suffices.
 *
 * <p><b>What is checked.</b> Framing and each message's length for its type: fixed lengths, a
 * block no longer than {@code maxBlockLength} and not empty, an extension message within {@code
 * maxExtendedLength}, hash messages of whole 32-byte hashes, non-negative indices. Rules that need
 * the torrent (piece index in range, block within the piece, bitfield length) belong to the
 * session. Unknown message ids are passed on as {@link PeerMessage.Unknown}, as BEP 3 asks.
 *
 * <p><b>Errors are terminal.</b> After a {@link WireException} the decoder is dead: every later
 * call throws {@link IllegalStateException}. Not thread-safe.
 */
public final class WireDecoder {
  private final WireLimits limits;
  private long streamOffset;
  private WireException failure;

  /** A decoder with the given limits. */
  public WireDecoder(WireLimits limits) {
    this.limits = limits;
  }

  /** A decoder with {@link WireLimits#DEFAULTS}. */
  public WireDecoder() {
    this(WireLimits.DEFAULTS);
  }

  /** The number of bytes consumed so far. */
  public long streamOffset() {
    return streamOffset;
  }

  /**
   * Decodes every complete message in {@code src}, handing each to {@code out}.
   *
   * @return the number of messages decoded
   * @throws WireException if the peer broke a rule; the decoder is then dead
   * @throws IllegalStateException if an earlier call failed
   */
  public int decode(ByteBuffer src, Consumer<? super PeerMessage> out) throws WireException {
    if (failure != null) {
      throw new IllegalStateException("decoder failed at stream offset " + failure.offset(), failure);
    }
    try {
      return decodeAll(src, out);
    } catch (WireException e) {
      failure = e;
      throw e;
    }
  }

  private int decodeAll(ByteBuffer src, Consumer<? super PeerMessage> out) throws WireException {
    int count = 0;
    for (;;) {
      int p = src.position();
      int avail = src.limit() - p;
      if (avail < 4) {
        return count;
      }
      long length = src.getInt(p) & 0xFFFFFFFFL;
      if (length > limits.maxMessageLength()) {
        throw new WireException(Rule.MESSAGE_TOO_LONG, streamOffset, length,
            limits.maxMessageLength(), "message length prefix too large");
      }
      if (length == 0) {
        ((Buffer) src).position(p + 4);
        streamOffset += 4;
        out.accept(PeerMessage.KeepAlive.INSTANCE);
        count++;
        continue;
      }
      if (avail - 4 >= 1) {
        checkEarly(src.get(p + 4) & 0xFF, (int) length);
      }
      if (avail < 4 + length) {
        return count;
      }
      int id = src.get(p + 4) & 0xFF;
      PeerMessage m = message(id, (int) length, src, p + 5);
      ((Buffer) src).position(p + 4 + (int) length);
      long at = streamOffset;
      streamOffset += 4 + length;
      try {
        out.accept(m);
      } catch (RuntimeException e) {
        streamOffset = at; // leave the offsets consistent for the caller's handling
        ((Buffer) src).position(p);
        throw e;
      }
      count++;
    }
  }

  /** Checks the length against the type before the body is buffered. */
  private void checkEarly(int id, int length) throws WireException {
    switch (id) {
      case PeerMessage.PIECE:
        if (length - 9 > limits.maxBlockLength()) {
          throw new WireException(Rule.BLOCK_TOO_LONG, streamOffset, length - 9L,
              limits.maxBlockLength(), "piece message block");
        }
        break;
      case PeerMessage.EXTENDED:
        if (length - 1 > limits.maxExtendedLength()) {
          throw new WireException(Rule.MESSAGE_TOO_LONG, streamOffset, length - 1L,
              limits.maxExtendedLength(), "extension message");
        }
        break;
      default:
        int fixed = fixedLength(id);
        if (fixed > 0 && length != fixed) {
          throw new WireException(Rule.BAD_LENGTH, streamOffset, length, fixed,
              "message id " + id + " must have length " + fixed);
        }
    }
  }

  private static int fixedLength(int id) {
    switch (id) {
      case PeerMessage.CHOKE:
      case PeerMessage.UNCHOKE:
      case PeerMessage.INTERESTED:
      case PeerMessage.NOT_INTERESTED:
      case PeerMessage.HAVE_ALL:
      case PeerMessage.HAVE_NONE:
        return 1;
      case PeerMessage.HAVE:
      case PeerMessage.SUGGEST_PIECE:
      case PeerMessage.ALLOWED_FAST:
        return 5;
      case PeerMessage.REQUEST:
      case PeerMessage.CANCEL:
      case PeerMessage.REJECT_REQUEST:
        return 13;
      case PeerMessage.PORT:
        return 3;
      case PeerMessage.HASH_REQUEST:
      case PeerMessage.HASH_REJECT:
        return 49;
      default:
        return -1;
    }
  }

  /**
   * The message with id {@code id} whose payload ({@code length - 1} bytes) starts at {@code base}
   * in {@code src}. Fixed fields are read in place; only a message that carries bytes gets a view
   * (read-only, from {@code from} to the payload's end), so a block costs two small objects.
   */
  private PeerMessage message(int id, int length, ByteBuffer src, int base) throws WireException {
    switch (id) {
      case PeerMessage.PIECE:
        return piece(length, src, base);
      case PeerMessage.CHOKE:
        return PeerMessage.Choke.INSTANCE;
      case PeerMessage.UNCHOKE:
        return PeerMessage.Unchoke.INSTANCE;
      case PeerMessage.INTERESTED:
        return PeerMessage.Interested.INSTANCE;
      case PeerMessage.NOT_INTERESTED:
        return PeerMessage.NotInterested.INSTANCE;
      case PeerMessage.HAVE_ALL:
        return PeerMessage.HaveAll.INSTANCE;
      case PeerMessage.HAVE_NONE:
        return PeerMessage.HaveNone.INSTANCE;
      case PeerMessage.HAVE:
        return new PeerMessage.Have(index(src, base, "piece"));
      case PeerMessage.SUGGEST_PIECE:
        return new PeerMessage.SuggestPiece(index(src, base, "piece"));
      case PeerMessage.ALLOWED_FAST:
        return new PeerMessage.AllowedFast(index(src, base, "piece"));
      case PeerMessage.BITFIELD: {
        byte[] bits = new byte[length - 1];
        view(src, base, base + length - 1).get(bits);
        return PeerMessage.Bitfield.adopt(bits);
      }
      case PeerMessage.REQUEST:
      case PeerMessage.CANCEL:
      case PeerMessage.REJECT_REQUEST:
        return request(id, src, base);
      case PeerMessage.PORT:
        return new PeerMessage.Port(src.getShort(base) & 0xFFFF);
      case PeerMessage.EXTENDED: {
        if (length < 2) {
          throw new WireException(Rule.BAD_LENGTH, streamOffset, length, 2,
              "extension message without its id");
        }
        int ext = src.get(base) & 0xFF;
        return new PeerMessage.Extended(ext, view(src, base + 1, base + length - 1));
      }
      case PeerMessage.HASH_REQUEST:
      case PeerMessage.HASH_REJECT:
      case PeerMessage.HASHES:
        return hashMessage(id, length, view(src, base, base + length - 1));
      default:
        return new PeerMessage.Unknown(id, length);
    }
  }

  /** A read-only view of {@code src} from {@code from} to {@code to}, positioned at 0. */
  private static ByteBuffer view(ByteBuffer src, int from, int to) {
    ByteBuffer v = src.asReadOnlyBuffer();
    ((Buffer) v).limit(to).position(from);
    return v.slice();
  }

  private PeerMessage piece(int length, ByteBuffer src, int base) throws WireException {
    if (length < 9) {
      throw new WireException(Rule.BAD_LENGTH, streamOffset, length, 9,
          "piece message shorter than its header");
    }
    if (length == 9) {
      throw new WireException(Rule.BLOCK_TOO_LONG, streamOffset, 0, limits.maxBlockLength(),
          "piece message with an empty block");
    }
    int piece = index(src, base, "piece");
    int offset = index(src, base + 4, "offset");
    return new PeerMessage.Piece(piece, offset, view(src, base + 8, base + length - 1));
  }

  private PeerMessage request(int id, ByteBuffer src, int base) throws WireException {
    int piece = index(src, base, "piece");
    int offset = index(src, base + 4, "offset");
    int len = index(src, base + 8, "length");
    if (len == 0 || len > limits.maxBlockLength()) {
      throw new WireException(Rule.BLOCK_TOO_LONG, streamOffset, len, limits.maxBlockLength(),
          "requested block length");
    }
    if (id == PeerMessage.REQUEST) {
      return new PeerMessage.Request(piece, offset, len);
    }
    return id == PeerMessage.CANCEL ? new PeerMessage.Cancel(piece, offset, len)
        : new PeerMessage.RejectRequest(piece, offset, len);
  }

  private PeerMessage hashMessage(int id, int length, ByteBuffer b) throws WireException {
    if (length < 49 || (length - 49) % 32 != 0) {
      throw new WireException(Rule.BAD_LENGTH, streamOffset, length, 49,
          "hash message length must be 49 plus whole 32-byte hashes");
    }
    byte[] root = new byte[32];
    b.get(root);
    MerkleRoot r = MerkleRoot.of(root);
    int base = index(b, 32, "base layer");
    int index = index(b, 36, "index");
    int len = index(b, 40, "length");
    int proof = index(b, 44, "proof layers");
    if (id == PeerMessage.HASH_REQUEST) {
      return new PeerMessage.HashRequest(r, base, index, len, proof);
    }
    if (id == PeerMessage.HASH_REJECT) {
      return new PeerMessage.HashReject(r, base, index, len, proof);
    }
    ((Buffer) b).position(48);
    return new PeerMessage.Hashes(r, base, index, len, proof, b.slice());
  }

  private int index(ByteBuffer b, int at, String what) throws WireException {
    int v = b.getInt(at);
    if (v < 0) {
      throw new WireException(Rule.OUT_OF_RANGE, streamOffset, v & 0xFFFFFFFFL, Integer.MAX_VALUE,
          what + " does not fit in 31 bits");
    }
    return v;
  }
}
