package io.btlib.wire;

import java.nio.ByteBuffer;

/**
 * Writes {@link PeerMessage}s into the caller's buffer: all of a message or nothing. Allocates
 * nothing. For seeding without copies, {@link #encodePieceHeader} writes just the 13-byte header of
 * a piece message so that the block can follow straight from the file ({@code transferTo}).
 */
public final class WireEncoder {
  private WireEncoder() {}

  /** The encoded length of {@code m}, length prefix included. */
  public static int encodedLength(PeerMessage m) {
    switch (m.id()) {
      case PeerMessage.KEEP_ALIVE:
        return 4;
      case PeerMessage.HAVE:
      case PeerMessage.SUGGEST_PIECE:
      case PeerMessage.ALLOWED_FAST:
        return 9;
      case PeerMessage.REQUEST:
      case PeerMessage.CANCEL:
      case PeerMessage.REJECT_REQUEST:
        return 17;
      case PeerMessage.PORT:
        return 7;
      case PeerMessage.BITFIELD:
        return 5 + ((PeerMessage.Bitfield) m).byteLength();
      case PeerMessage.PIECE:
        return 13 + ((PeerMessage.Piece) m).block().remaining();
      case PeerMessage.EXTENDED:
        return 6 + ((PeerMessage.Extended) m).payload().remaining();
      case PeerMessage.HASH_REQUEST:
      case PeerMessage.HASH_REJECT:
        return 53;
      case PeerMessage.HASHES:
        return 53 + ((PeerMessage.Hashes) m).hashes().remaining();
      default:
        if (m instanceof PeerMessage.Unknown) {
          throw new IllegalArgumentException("cannot encode an unknown message");
        }
        return 5;
    }
  }

  /**
   * Writes {@code m} into {@code dst} from its position.
   *
   * @return true and the position moved past the message; or false and nothing written, if it does
   *     not fit
   */
  public static boolean encode(PeerMessage m, ByteBuffer dst) {
    int n = encodedLength(m);
    if (dst.remaining() < n) {
      return false;
    }
    if (m.id() == PeerMessage.KEEP_ALIVE) {
      dst.putInt(0);
      return true;
    }
    dst.putInt(n - 4).put((byte) m.id());
    if (m instanceof PeerMessage.Have) {
      dst.putInt(((PeerMessage.Have) m).piece());
    } else if (m instanceof PeerMessage.SuggestPiece) {
      dst.putInt(((PeerMessage.SuggestPiece) m).piece());
    } else if (m instanceof PeerMessage.AllowedFast) {
      dst.putInt(((PeerMessage.AllowedFast) m).piece());
    } else if (m instanceof PeerMessage.Request) {
      PeerMessage.Request r = (PeerMessage.Request) m;
      dst.putInt(r.piece()).putInt(r.offset()).putInt(r.length());
    } else if (m instanceof PeerMessage.Cancel) {
      PeerMessage.Cancel r = (PeerMessage.Cancel) m;
      dst.putInt(r.piece()).putInt(r.offset()).putInt(r.length());
    } else if (m instanceof PeerMessage.RejectRequest) {
      PeerMessage.RejectRequest r = (PeerMessage.RejectRequest) m;
      dst.putInt(r.piece()).putInt(r.offset()).putInt(r.length());
    } else if (m instanceof PeerMessage.Port) {
      dst.putShort((short) ((PeerMessage.Port) m).port());
    } else if (m instanceof PeerMessage.Bitfield) {
      dst.put(((PeerMessage.Bitfield) m).bytes());
    } else if (m instanceof PeerMessage.Piece) {
      PeerMessage.Piece p = (PeerMessage.Piece) m;
      dst.putInt(p.piece()).putInt(p.offset()).put(p.block().duplicate());
    } else if (m instanceof PeerMessage.Extended) {
      PeerMessage.Extended e = (PeerMessage.Extended) m;
      dst.put((byte) e.extendedId()).put(e.payload().duplicate());
    } else if (m instanceof PeerMessage.HashRequest) {
      PeerMessage.HashRequest h = (PeerMessage.HashRequest) m;
      putHashFields(dst, h.piecesRoot().bytes(), h.baseLayer(), h.index(), h.length(),
          h.proofLayers());
    } else if (m instanceof PeerMessage.HashReject) {
      PeerMessage.HashReject h = (PeerMessage.HashReject) m;
      putHashFields(dst, h.piecesRoot().bytes(), h.baseLayer(), h.index(), h.length(),
          h.proofLayers());
    } else if (m instanceof PeerMessage.Hashes) {
      PeerMessage.Hashes h = (PeerMessage.Hashes) m;
      putHashFields(dst, h.piecesRoot().bytes(), h.baseLayer(), h.index(), h.length(),
          h.proofLayers());
      dst.put(h.hashes().duplicate());
    }
    return true;
  }

  /**
   * Writes the 13-byte header of a piece message carrying {@code length} bytes; the caller sends
   * the block right after.
   *
   * @return whether it fit
   */
  public static boolean encodePieceHeader(int piece, int offset, int length, ByteBuffer dst) {
    if (piece < 0 || offset < 0 || length < 0) {
      throw new IllegalArgumentException("negative piece, offset or length: " + piece + ", "
          + offset + ", " + length);
    }
    if (dst.remaining() < 13) {
      return false;
    }
    dst.putInt(9 + length).put((byte) PeerMessage.PIECE).putInt(piece).putInt(offset);
    return true;
  }

  private static void putHashFields(ByteBuffer dst, byte[] root, int base, int index, int length,
      int proof) {
    dst.put(root).putInt(base).putInt(index).putInt(length).putInt(proof);
  }
}
