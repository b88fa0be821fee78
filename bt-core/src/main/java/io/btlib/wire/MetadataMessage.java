package io.btlib.wire;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BInteger;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeException;
import io.btlib.bencode.BencodeWriter;
import io.btlib.wire.WireException.Rule;
import java.nio.ByteBuffer;

/**
 * A BEP 9 {@code ut_metadata} message: a request for, a piece of, or a refusal of the info
 * dictionary, which travels in 16 KiB pieces.
 *
 * <pre>
 *   request: d8:msg_typei0e5:piecei0ee
 *   data:    d8:msg_typei1e5:piecei0e10:total_sizei34256ee&lt;16 KiB or less of raw bytes&gt;
 *   reject:  d8:msg_typei2e5:piecei0ee
 * </pre>
 *
 * @param type 0 request, 1 data, 2 reject
 * @param piece the metadata piece index
 * @param totalSize for data, the whole info dictionary's size; otherwise 0
 * @param data for data, the piece's bytes (a view valid during the callback); otherwise empty
 */
public record MetadataMessage(int type, int piece, int totalSize, ByteBuffer data) {
  /** A request. */
  public static final int REQUEST = 0;
  /** A piece of metadata. */
  public static final int DATA = 1;
  /** A refusal. */
  public static final int REJECT = 2;
  /** The size of every metadata piece but the last. */
  public static final int PIECE_SIZE = 16 * 1024;

  private static final Bdecoder DECODER =
      Bdecoder.builder().strict(false).maxDepth(4).maxValues(64).build();

  /** Checks the values. */
  public MetadataMessage {
    if (type < 0 || type > 2) {
      throw new IllegalArgumentException("type must be 0, 1 or 2: " + type);
    }
    if (piece < 0) {
      throw new IllegalArgumentException("piece must be >= 0: " + piece);
    }
    if (data == null) {
      throw new NullPointerException("data");
    }
    if (type == DATA) {
      if (totalSize < 1) {
        throw new IllegalArgumentException("total size must be >= 1: " + totalSize);
      }
      int pieces = pieceCount(totalSize);
      if (piece >= pieces) {
        throw new IllegalArgumentException("piece " + piece + " outside [0, " + pieces + ")");
      }
      int want = pieceLength(totalSize, piece);
      if (data.remaining() != want) {
        throw new IllegalArgumentException("piece " + piece + " of " + totalSize
            + " bytes of metadata has " + want + " bytes, not " + data.remaining());
      }
    } else if (data.hasRemaining()) {
      throw new IllegalArgumentException("only a data message carries bytes");
    }
  }

  /** A request for piece {@code piece}. */
  public static MetadataMessage request(int piece) {
    return new MetadataMessage(REQUEST, piece, 0, ByteBuffer.allocate(0));
  }

  /** A refusal of piece {@code piece}. */
  public static MetadataMessage reject(int piece) {
    return new MetadataMessage(REJECT, piece, 0, ByteBuffer.allocate(0));
  }

  /** Piece {@code piece} of {@code metadata}, the whole info dictionary. */
  public static MetadataMessage data(int piece, byte[] metadata) {
    int len = pieceLength(metadata.length, piece);
    return new MetadataMessage(DATA, piece, metadata.length,
        ByteBuffer.wrap(metadata, piece * PIECE_SIZE, len).slice());
  }

  /** The number of 16 KiB pieces in {@code totalSize} bytes of metadata. */
  public static int pieceCount(int totalSize) {
    return (totalSize + PIECE_SIZE - 1) / PIECE_SIZE;
  }

  /** The length of piece {@code piece} of {@code totalSize} bytes of metadata. */
  public static int pieceLength(int totalSize, int piece) {
    return Math.min(PIECE_SIZE, totalSize - piece * PIECE_SIZE);
  }

  /** The payload: the bencoded header, then the data. */
  public byte[] encode() {
    BDict.Builder d = BDict.builder().put("msg_type", type).put("piece", piece);
    if (type == DATA) {
      d.put("total_size", totalSize);
    }
    byte[] head = BencodeWriter.encode(d.build());
    byte[] out = new byte[head.length + data.remaining()];
    System.arraycopy(head, 0, out, 0, head.length);
    data.duplicate().get(out, head.length, data.remaining());
    return out;
  }

  /**
   * Reads a {@code ut_metadata} payload.
   *
   * @param maxTotalSize the largest info dictionary accepted (a size cap against memory abuse)
   * @throws WireException if it is malformed, or announces more than {@code maxTotalSize}
   */
  public static MetadataMessage decode(ByteBuffer payload, int maxTotalSize) throws WireException {
    byte[] b = new byte[payload.remaining()];
    payload.duplicate().get(b);
    BValue v;
    try {
      v = DECODER.decodeFirst(b, 0, b.length);
    } catch (BencodeException e) {
      throw bad("is not bencode: " + e.getMessage());
    }
    if (!(v instanceof BDict)) {
      throw bad("header is not a dictionary");
    }
    BDict d = (BDict) v;
    long type = integer(d, "msg_type");
    long piece = integer(d, "piece");
    if (type < 0 || type > 2) {
      throw bad("has unknown msg_type " + type);
    }
    if (piece < 0 || piece > Integer.MAX_VALUE) {
      throw bad("has piece " + piece + " out of range");
    }
    int headLen = v.sourceLength();
    ByteBuffer data = ByteBuffer.wrap(b, headLen, b.length - headLen).slice();
    if (type != DATA) {
      return new MetadataMessage((int) type, (int) piece, 0, ByteBuffer.allocate(0));
    }
    long total = integer(d, "total_size");
    if (total < 1 || total > maxTotalSize) {
      throw new WireException(Rule.BAD_EXTENSION, -1, total, maxTotalSize,
          "ut_metadata total_size out of range");
    }
    try {
      return new MetadataMessage(DATA, (int) piece, (int) total, data);
    } catch (IllegalArgumentException e) {
      throw bad("data does not fit: " + e.getMessage());
    }
  }

  private static long integer(BDict d, String key) throws WireException {
    BValue v = d.get(key);
    if (!(v instanceof BInteger)) {
      throw bad("has no integer '" + key + "'");
    }
    return ((BInteger) v).value();
  }

  private static WireException bad(String what) {
    return new WireException(Rule.BAD_EXTENSION, -1, -1, -1, "ut_metadata message " + what);
  }
}
