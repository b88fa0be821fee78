package io.btlib.wire.session;

import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.InfoHashes;
import io.btlib.peer.PeerId;
import io.btlib.wire.Handshake;
import io.btlib.wire.PeerMessage;
import io.btlib.wire.WireEncoder;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Ids, hashes and configs shared by the session tests. */
final class Fixtures {
  private Fixtures() {}

  static final PeerId ALICE = PeerId.of("-BT0100-aliceaaaaaaa".getBytes(StandardCharsets.US_ASCII));
  static final PeerId BOB = PeerId.of("-BT0100-bobbbbbbbbbb".getBytes(StandardCharsets.US_ASCII));
  static final InfoHash V1 = InfoHash.of(filled(20, 0x11));
  static final InfoHash V2 = InfoHash.of(filled(32, 0x22));
  static final InfoHash OTHER = InfoHash.of(filled(20, 0x33));
  static final InfoHashes TORRENT = InfoHashes.ofV1(V1);
  static final InfoHashes HYBRID = InfoHashes.of(V1, V2);

  /** 10 pieces of 32 KiB, the last one 1000 bytes: 9 * 32768 + 1000. */
  static final int PIECE_LENGTH = 32 * 1024;
  static final int PIECES = 10;
  static final long TOTAL = 9L * PIECE_LENGTH + 1000;
  static final int LAST_PIECE_SIZE = 1000;
  static final int BLOCK = io.btlib.metainfo.Metainfo.BLOCK_SIZE;

  static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  /** Our side's config: alice, fast and extension protocol on, 10 pieces. */
  static SessionConfig.Builder config(PeerId me) {
    return SessionConfig.builder(me, TORRENT).pieces(TOTAL, PIECE_LENGTH);
  }

  static SessionConfig config() {
    return config(ALICE).build();
  }

  /** Reserved bits of a peer that supports what our defaults support. */
  static final long FAST_EXT = Handshake.FAST | Handshake.EXTENSION_PROTOCOL;

  static byte[] handshake(long reserved, InfoHash hash, PeerId id) {
    ByteBuffer b = ByteBuffer.allocate(Handshake.LENGTH);
    new Handshake(reserved, hash, id).encode(b);
    return b.array();
  }

  static byte[] encode(PeerMessage... ms) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (PeerMessage m : ms) {
      ByteBuffer b = ByteBuffer.allocate(WireEncoder.encodedLength(m));
      WireEncoder.encode(m, b);
      out.writeBytes(b.array());
    }
    return out.toByteArray();
  }

  /** The byte a test storage holds at {@code offset + i} of {@code piece}. */
  static byte dataByte(int piece, long at) {
    return (byte) (piece * 31 + at * 7 + (at >> 8));
  }

  static byte[] block(int piece, int offset, int length) {
    byte[] b = new byte[length];
    for (int i = 0; i < length; i++) {
      b[i] = dataByte(piece, (long) offset + i);
    }
    return b;
  }

  static ByteBuffer blockBuffer(int piece, int offset, int length) {
    return ByteBuffer.wrap(block(piece, offset, length));
  }
}
