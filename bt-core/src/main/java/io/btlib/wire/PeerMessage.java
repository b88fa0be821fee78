package io.btlib.wire;

import io.btlib.metainfo.MerkleRoot;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.BitSet;

/**
 * A message of the peer wire protocol after the handshake (BEP 3, BEP 6, BEP 10, BEP 52).
 *
 * <pre>
 *   +----------------+--------+------------------+
 *   | length (4, BE) | id (1) | payload          |   length = 1 + payload; 0 = keep-alive
 *   +----------------+--------+------------------+
 * </pre>
 *
 * <p>Messages are immutable values, except that {@link Piece#block()}, {@link Extended#payload()}
 * and {@link Hashes#hashes()} from a {@link WireDecoder} are read-only views into the decoder's
 * input, valid only during the callback that receives them: copy or consume them before returning.
 * Dispatch on {@link #id()} or with {@code instanceof}.
 */
public sealed interface PeerMessage {
  /** The wire id of <i>choke</i>. */
  int CHOKE = 0;
  /** The wire id of <i>unchoke</i>. */
  int UNCHOKE = 1;
  /** The wire id of <i>interested</i>. */
  int INTERESTED = 2;
  /** The wire id of <i>not interested</i>. */
  int NOT_INTERESTED = 3;
  /** The wire id of <i>have</i>. */
  int HAVE = 4;
  /** The wire id of <i>bitfield</i>. */
  int BITFIELD = 5;
  /** The wire id of <i>request</i>. */
  int REQUEST = 6;
  /** The wire id of <i>piece</i>. */
  int PIECE = 7;
  /** The wire id of <i>cancel</i>. */
  int CANCEL = 8;
  /** The wire id of <i>port (BEP 5)</i>. */
  int PORT = 9;
  /** The wire id of <i>suggest piece (BEP 6)</i>. */
  int SUGGEST_PIECE = 13;
  /** The wire id of <i>have all (BEP 6)</i>. */
  int HAVE_ALL = 14;
  /** The wire id of <i>have none (BEP 6)</i>. */
  int HAVE_NONE = 15;
  /** The wire id of <i>reject request (BEP 6)</i>. */
  int REJECT_REQUEST = 16;
  /** The wire id of <i>allowed fast (BEP 6)</i>. */
  int ALLOWED_FAST = 17;
  /** The wire id of <i>extended (BEP 10)</i>. */
  int EXTENDED = 20;
  /** The wire id of <i>hash request (BEP 52)</i>. */
  int HASH_REQUEST = 21;
  /** The wire id of <i>hashes (BEP 52)</i>. */
  int HASHES = 22;
  /** The wire id of <i>hash reject (BEP 52)</i>. */
  int HASH_REJECT = 23;
  /** The id {@link KeepAlive} reports; it has none on the wire. */
  int KEEP_ALIVE = -1;

  /** The message id on the wire. */
  int id();

  private static void nonNegative(String what, long v) {
    if (v < 0) {
      throw new IllegalArgumentException(what + " must be >= 0: " + v);
    }
  }

  /** An empty message that keeps a connection alive. */
  record KeepAlive() implements PeerMessage {
    /** The one instance. */
    public static final KeepAlive INSTANCE = new KeepAlive();

    @Override
    public int id() {
      return KEEP_ALIVE;
    }
  }

  /** The sender will not serve the receiver's requests. */
  record Choke() implements PeerMessage {
    /** The one instance. */
    public static final Choke INSTANCE = new Choke();

    @Override
    public int id() {
      return CHOKE;
    }
  }

  /** The sender will serve the receiver's requests. */
  record Unchoke() implements PeerMessage {
    /** The one instance. */
    public static final Unchoke INSTANCE = new Unchoke();

    @Override
    public int id() {
      return UNCHOKE;
    }
  }

  /** The sender wants pieces the receiver has. */
  record Interested() implements PeerMessage {
    /** The one instance. */
    public static final Interested INSTANCE = new Interested();

    @Override
    public int id() {
      return INTERESTED;
    }
  }

  /** The sender wants nothing the receiver has. */
  record NotInterested() implements PeerMessage {
    /** The one instance. */
    public static final NotInterested INSTANCE = new NotInterested();

    @Override
    public int id() {
      return NOT_INTERESTED;
    }
  }

  /** The sender has verified piece {@code piece}. */
  record Have(int piece) implements PeerMessage {
    /** Checks the index. */
    public Have {
      nonNegative("piece", piece);
    }

    @Override
    public int id() {
      return HAVE;
    }
  }

  /**
   * The pieces the sender has, sent right after the handshake: bit {@code i} (the high bit of
   * byte 0 is piece 0) set for each piece it has. Holds its own copy of the bytes.
   */
  final class Bitfield implements PeerMessage {
    private final byte[] bytes;

    private Bitfield(byte[] bytes) {
      this.bytes = bytes;
    }

    /** A bitfield message of these bytes, copied. */
    public static Bitfield of(byte[] bytes) {
      return new Bitfield(bytes.clone());
    }

    /** The bitfield of {@code pieceCount} pieces with the pieces in {@code have} set. */
    public static Bitfield of(BitSet have, int pieceCount) {
      if (have.length() > pieceCount) {
        throw new IllegalArgumentException("piece " + (have.length() - 1) + " outside [0, "
            + pieceCount + ")");
      }
      byte[] b = new byte[(pieceCount + 7) / 8];
      for (int i = have.nextSetBit(0); i >= 0; i = have.nextSetBit(i + 1)) {
        b[i >> 3] |= (byte) (0x80 >>> (i & 7));
      }
      return new Bitfield(b);
    }

    static Bitfield adopt(byte[] bytes) {
      return new Bitfield(bytes);
    }

    @Override
    public int id() {
      return BITFIELD;
    }

    /** The number of bytes. */
    public int byteLength() {
      return bytes.length;
    }

    /** A copy of the bytes. */
    public byte[] bytes() {
      return bytes.clone();
    }

    /** Whether bit {@code piece} is set. */
    public boolean has(int piece) {
      return piece >= 0 && piece < bytes.length * 8
          && (bytes[piece >> 3] & (0x80 >>> (piece & 7))) != 0;
    }

    /**
     * The pieces as a set, for a torrent of {@code pieceCount} pieces.
     *
     * @throws IllegalArgumentException if the length does not fit {@code pieceCount} or a spare bit
     *     past the last piece is set (BEP 3 requires them clear)
     */
    public BitSet toBitSet(int pieceCount) {
      if (bytes.length != (pieceCount + 7) / 8) {
        throw new IllegalArgumentException("bitfield of " + bytes.length + " bytes for "
            + pieceCount + " pieces (expected " + (pieceCount + 7) / 8 + ")");
      }
      BitSet s = new BitSet(pieceCount);
      for (int i = 0; i < bytes.length * 8; i++) {
        if ((bytes[i >> 3] & (0x80 >>> (i & 7))) != 0) {
          if (i >= pieceCount) {
            throw new IllegalArgumentException("spare bit " + i + " set past the last piece "
                + (pieceCount - 1));
          }
          s.set(i);
        }
      }
      return s;
    }

    @Override
    public boolean equals(Object o) {
      return o instanceof Bitfield && Arrays.equals(bytes, ((Bitfield) o).bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
      return "Bitfield[" + bytes.length + " bytes]";
    }
  }

  /** Asks for {@code length} bytes of piece {@code piece} from {@code offset}. */
  record Request(int piece, int offset, int length) implements PeerMessage {
    /** Checks the values. */
    public Request {
      nonNegative("piece", piece);
      nonNegative("offset", offset);
      nonNegative("length", length);
    }

    @Override
    public int id() {
      return REQUEST;
    }
  }

  /**
   * A block of piece {@code piece} from {@code offset}. From a decoder, {@code block} is a view
   * valid only during the callback.
   */
  record Piece(int piece, int offset, ByteBuffer block) implements PeerMessage {
    /** Checks the values. */
    public Piece {
      nonNegative("piece", piece);
      nonNegative("offset", offset);
      if (block == null) {
        throw new NullPointerException("block");
      }
    }

    @Override
    public int id() {
      return PIECE;
    }

    /** The block's length. */
    public int length() {
      return block.remaining();
    }

    @Override
    public String toString() {
      return "Piece[piece=" + piece + ", offset=" + offset + ", length=" + block.remaining() + "]";
    }
  }

  /** Withdraws a request. */
  record Cancel(int piece, int offset, int length) implements PeerMessage {
    /** Checks the values. */
    public Cancel {
      nonNegative("piece", piece);
      nonNegative("offset", offset);
      nonNegative("length", length);
    }

    @Override
    public int id() {
      return CANCEL;
    }
  }

  /** The sender's DHT node listens on {@code port} (BEP 5). */
  record Port(int port) implements PeerMessage {
    /** Checks the port. */
    public Port {
      if (port < 0 || port > 65535) {
        throw new IllegalArgumentException("port must be in [0, 65535]: " + port);
      }
    }

    @Override
    public int id() {
      return PORT;
    }
  }

  /** The sender suggests downloading piece {@code piece} (BEP 6). */
  record SuggestPiece(int piece) implements PeerMessage {
    /** Checks the index. */
    public SuggestPiece {
      nonNegative("piece", piece);
    }

    @Override
    public int id() {
      return SUGGEST_PIECE;
    }
  }

  /** The sender has every piece (BEP 6), in place of a bitfield. */
  record HaveAll() implements PeerMessage {
    /** The one instance. */
    public static final HaveAll INSTANCE = new HaveAll();

    @Override
    public int id() {
      return HAVE_ALL;
    }
  }

  /** The sender has no piece (BEP 6), in place of a bitfield. */
  record HaveNone() implements PeerMessage {
    /** The one instance. */
    public static final HaveNone INSTANCE = new HaveNone();

    @Override
    public int id() {
      return HAVE_NONE;
    }
  }

  /** The sender will not serve this request (BEP 6). */
  record RejectRequest(int piece, int offset, int length) implements PeerMessage {
    /** Checks the values. */
    public RejectRequest {
      nonNegative("piece", piece);
      nonNegative("offset", offset);
      nonNegative("length", length);
    }

    @Override
    public int id() {
      return REJECT_REQUEST;
    }
  }

  /** The receiver may request piece {@code piece} even while choked (BEP 6). */
  record AllowedFast(int piece) implements PeerMessage {
    /** Checks the index. */
    public AllowedFast {
      nonNegative("piece", piece);
    }

    @Override
    public int id() {
      return ALLOWED_FAST;
    }
  }

  /**
   * A BEP 10 extension message: {@code extendedId} 0 is the extended handshake, others are the
   * ids the receiver assigned in its handshake. From a decoder, {@code payload} is a view valid only
   * during the callback.
   */
  record Extended(int extendedId, ByteBuffer payload) implements PeerMessage {
    /** Checks the values. */
    public Extended {
      if (extendedId < 0 || extendedId > 255) {
        throw new IllegalArgumentException("extended id must be in [0, 255]: " + extendedId);
      }
      if (payload == null) {
        throw new NullPointerException("payload");
      }
    }

    @Override
    public int id() {
      return EXTENDED;
    }

    @Override
    public String toString() {
      return "Extended[id=" + extendedId + ", length=" + payload.remaining() + "]";
    }
  }

  /**
   * Asks for {@code length} hashes of a v2 file's merkle tree at {@code baseLayer} from {@code
   * index}, with {@code proofLayers} uncle layers (BEP 52).
   */
  record HashRequest(MerkleRoot piecesRoot, int baseLayer, int index, int length, int proofLayers)
      implements PeerMessage {
    /** Checks the values. */
    public HashRequest {
      checkHashFields(piecesRoot, baseLayer, index, length, proofLayers);
    }

    @Override
    public int id() {
      return HASH_REQUEST;
    }
  }

  /** Answers a {@link HashRequest}: the hashes, then the proof (BEP 52). */
  record Hashes(MerkleRoot piecesRoot, int baseLayer, int index, int length, int proofLayers,
      ByteBuffer hashes) implements PeerMessage {
    /** Checks the values. */
    public Hashes {
      checkHashFields(piecesRoot, baseLayer, index, length, proofLayers);
      if (hashes == null) {
        throw new NullPointerException("hashes");
      }
      if (hashes.remaining() % 32 != 0) {
        throw new IllegalArgumentException("hashes must be a multiple of 32 bytes: "
            + hashes.remaining());
      }
    }

    @Override
    public int id() {
      return HASHES;
    }

    @Override
    public String toString() {
      return "Hashes[root=" + piecesRoot + ", base=" + baseLayer + ", index=" + index
          + ", length=" + length + ", proof=" + proofLayers + ", " + hashes.remaining() / 32
          + " hashes]";
    }
  }

  /** Refuses a {@link HashRequest} (BEP 52). */
  record HashReject(MerkleRoot piecesRoot, int baseLayer, int index, int length, int proofLayers)
      implements PeerMessage {
    /** Checks the values. */
    public HashReject {
      checkHashFields(piecesRoot, baseLayer, index, length, proofLayers);
    }

    @Override
    public int id() {
      return HASH_REJECT;
    }
  }

  /** A message with an id bt does not know; BEP 3 asks that it be ignored. */
  record Unknown(int messageId, int length) implements PeerMessage {
    @Override
    public int id() {
      return messageId;
    }
  }

  private static void checkHashFields(MerkleRoot root, int baseLayer, int index, int length,
      int proofLayers) {
    if (root == null) {
      throw new NullPointerException("piecesRoot");
    }
    nonNegative("baseLayer", baseLayer);
    nonNegative("index", index);
    nonNegative("length", length);
    nonNegative("proofLayers", proofLayers);
  }
}
