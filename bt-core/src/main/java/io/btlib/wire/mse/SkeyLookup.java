package io.btlib.wire.mse;

import io.btlib.metainfo.InfoHash;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * How a receiving {@link MseHandshake} finds the torrent an initiator asks for: the initiator sends
 * {@code HASH('req2', SKEY) xor HASH('req3', S)}; the handshake removes the {@code req3} part and
 * asks this lookup which info hash has that {@code HASH('req2', SKEY)}.
 *
 * <p>A client with many torrents keeps an index from {@link #req2Hash(InfoHash)} of each 20-byte
 * id (v1 hash, truncated v2 hash) to the id. Called on the thread that feeds the handshake; it must
 * be fast and must not throw.
 */
@FunctionalInterface
public interface SkeyLookup {

  /**
   * The 20-byte info hash whose {@code HASH('req2', info hash)} equals {@code req2Hash}, or null if
   * none.
   *
   * @param req2Hash 20 bytes, a read-only view valid only during the call
   */
  InfoHash find(ByteBuffer req2Hash);

  /** {@code HASH('req2', skey)}: SHA-1 of "req2" followed by the 20-byte info hash. */
  static byte[] req2Hash(InfoHash skey) {
    if (!skey.isV1()) {
      throw new IllegalArgumentException("an MSE stream key is a 20-byte hash: " + skey);
    }
    return MseCrypto.hash(MseCrypto.REQ2, skey.bytes());
  }

  /** A lookup over a fixed set of 20-byte info hashes (a snapshot: later changes are not seen). */
  static SkeyLookup of(Collection<InfoHash> skeys) {
    Map<ByteBuffer, InfoHash> index = new HashMap<>();
    for (InfoHash h : skeys) {
      index.put(ByteBuffer.wrap(req2Hash(Objects.requireNonNull(h))), h);
    }
    return index::get;
  }
}
