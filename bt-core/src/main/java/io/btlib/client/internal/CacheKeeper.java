package io.btlib.client.internal;

import io.btlib.client.PieceCache;
import io.btlib.peer.PeerAddress;
import java.util.BitSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.function.IntConsumer;

/**
 * Keeps a torrent's {@link PieceCache} within its capacity: counts the pieces stored and those
 * being checked before their write, and picks what to evict when a piece needs room. Eviction
 * order: pieces no reader window holds, the oldest stored first (the pieces a reader has left
 * behind), then window pieces, the one needed last first. Owned by the engine thread. Internal,
 * not API.
 */
final class CacheKeeper {
  private final PieceCache cache;
  private final long capacity;
  private final PieceState<PeerAddress> pieces;
  private final ReaderWindows windows;
  /** Pieces stored, oldest first. */
  private final LinkedHashSet<Integer> held = new LinkedHashSet<>();
  private final BitSet reserved = new BitSet();
  private long heldBytes;
  private long reservedBytes;

  CacheKeeper(PieceCache cache, PieceState<PeerAddress> pieces, ReaderWindows windows) {
    this.cache = cache;
    this.capacity = cache.capacity();
    this.pieces = pieces;
    this.windows = windows;
  }

  PieceCache cache() {
    return cache;
  }

  /** The most bytes a reader window may cover: half the cache, at least one piece. */
  long maxWindow(long pieceLength) {
    return Math.max(pieceLength, capacity / 2);
  }

  /**
   * Piece {@code piece} is complete and about to be checked and written: room is made for it,
   * evicting through {@code evict} (which must drop the piece everywhere, then call {@link
   * #evicted}).
   */
  void reserve(int piece, IntConsumer evict) {
    if (reserved.get(piece)) {
      return;
    }
    reserved.set(piece);
    reservedBytes += pieces.pieceSize(piece);
    while (heldBytes + reservedBytes > capacity && !held.isEmpty()) {
      evict.accept(victim());
    }
  }

  /** The piece's check (and write) is over: held from now on if it was good. */
  void checked(int piece, boolean stored) {
    if (reserved.get(piece)) {
      reserved.clear(piece);
      reservedBytes -= pieces.pieceSize(piece);
    }
    if (stored && held.add(piece)) {
      heldBytes += pieces.pieceSize(piece);
    }
  }

  /** {@code piece} was evicted (see {@link #reserve}): no longer counted. */
  void evicted(int piece) {
    if (held.remove(piece)) {
      heldBytes -= pieces.pieceSize(piece);
    }
  }

  /** The piece to evict next: outside every window, oldest first; else the latest deadline. */
  private int victim() {
    int latest = -1;
    for (Iterator<Integer> it = held.iterator(); it.hasNext(); ) {
      int p = it.next();
      long d = windows.deadline(p);
      if (d == Long.MAX_VALUE) {
        return p;
      }
      if (latest < 0 || d >= windows.deadline(latest)) {
        latest = p;
      }
    }
    return latest;
  }

  /** Bytes of the pieces stored. */
  long heldBytes() {
    return heldBytes;
  }
}
