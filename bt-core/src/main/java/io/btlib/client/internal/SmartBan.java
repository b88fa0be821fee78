package io.btlib.client.internal;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.IntFunction;
import java.util.function.IntUnaryOperator;

/**
 * Finds the peers that sent corrupt blocks, block by block, as libtorrent's smart ban does: when a
 * piece several peers contributed to fails its hash check, blaming them all would punish the honest
 * ones, so the blocks of the failed attempt are remembered (who sent each, and a hash of its bytes)
 * and compared with the blocks of the attempt that finally passes. A peer whose block differs from
 * the good one is proven bad; a peer whose blocks all matched is cleared.
 *
 * <pre>{@code
 * SmartBan<Peer> ban = new SmartBan<>(state::blockCount, SmartBan.DEFAULT_MAX_FAILED_PIECES);
 * ban.onBlock(piece, block, peer);                             // each block kept
 * // after the hash check, with the piece's bytes still at hand:
 * banAll(ban.onPieceFailed(piece, b -> blockBytes(piece, b)));  // usually empty, see below
 * banAll(ban.onPiecePassed(piece, b -> blockBytes(piece, b)));
 * }</pre>
 *
 * <p><b>Rules.</b> A failed piece whose blocks all came from one peer proves that peer bad at once.
 * Otherwise the failed attempt's records are kept, accumulating over further failures, until the
 * piece passes; then every record is compared with the good block. {@link #onBlock(int, int,
 * Object)} records only who sent a block: its bytes are hashed at {@link #onPieceFailed(int,
 * IntFunction)}, so pieces that pass at once cost no hashing. {@link #onBlock(int, int, Object,
 * ByteBuffer)} hashes at once, for callers that do not keep a piece's bytes until its check. Call
 * {@code onBlock} for the block that is kept (written): a later call for the same block replaces
 * the sender.
 *
 * <p><b>Hashes.</b> A block is identified by the first 64 bits of its SHA-1. A peer that wants to
 * be cleared would have to send bytes other than the good block's with the same 64-bit hash: a
 * second preimage, about 2^64 work.
 *
 * <p><b>Memory.</b> The blocks of pieces in progress: one reference per block, plus a long per
 * block when hashed at once; they are dropped at pass, fail (moved to the records) or {@link
 * #forget(int)}. At most {@code maxFailedPieces} failed pieces are tracked, the least recently
 * failed evicted first, each with at most {@link #MAX_ATTEMPTS} attempts of records (older attempts
 * dropped): at most {@code maxFailedPieces * MAX_ATTEMPTS * blocksPerPiece} records of a key and a
 * long.
 *
 * <p><b>Threads.</b> Owned by the engine's event-loop thread: not thread-safe, no locks. Buffers
 * passed in are read from position to limit without moving them, and not kept.
 *
 * @param <K> the key that identifies a peer; compared with {@code equals}
 */
final class SmartBan<K> {
  /** The default number of failed pieces tracked. */
  public static final int DEFAULT_MAX_FAILED_PIECES = 64;

  /** The number of failed attempts of one piece whose records are kept. */
  public static final int MAX_ATTEMPTS = 4;

  private final IntUnaryOperator blockCount;
  private final int maxFailedPieces;
  private final MessageDigest sha1;
  private final Map<Integer, Attempt> current = new HashMap<>();
  /** The piece {@link #attempt} found last and its attempt (-1 and null: none). */
  private int lastPiece = -1;
  private Attempt lastAttempt;
  // access order: the least recently failed piece comes first and is evicted first
  private final LinkedHashMap<Integer, Records> failed = new LinkedHashMap<>(16, 0.75f, true);

  /**
   * A smart ban for one torrent.
   *
   * @param blockCount the number of blocks of each piece (e.g. {@code pieceState::blockCount})
   * @param maxFailedPieces how many failed pieces to track at most (at least 1)
   */
  public SmartBan(IntUnaryOperator blockCount, int maxFailedPieces) {
    if (maxFailedPieces < 1) {
      throw new IllegalArgumentException("maxFailedPieces must be >= 1: " + maxFailedPieces);
    }
    this.blockCount = Objects.requireNonNull(blockCount, "blockCount");
    this.maxFailedPieces = maxFailedPieces;
    try {
      this.sha1 = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-1", e);
    }
  }

  /** Records that block {@code block} of piece {@code piece} came from {@code peer}. */
  public void onBlock(int piece, int block, K peer) {
    Attempt a = attempt(piece, block);
    a.peers[block] = Objects.requireNonNull(peer, "peer");
    if (a.hashed != null) {
      a.hashed[block >>> 6] &= ~(1L << block);
    }
  }

  /**
   * Records that block {@code block} of piece {@code piece} came from {@code peer} with the bytes
   * {@code data} (position to limit, not moved), hashing them now.
   */
  public void onBlock(int piece, int block, K peer, ByteBuffer data) {
    Attempt a = attempt(piece, block);
    a.peers[block] = Objects.requireNonNull(peer, "peer");
    if (a.hashed == null) {
      a.hashes = new long[a.peers.length];
      a.hashed = new long[(a.peers.length + 63) >>> 6];
    }
    a.hashes[block] = hash(data);
    a.hashed[block >>> 6] |= 1L << block;
  }

  /** As {@link #onPieceFailed(int, IntFunction)} without bytes: blocks hashed at once count. */
  public Set<K> onPieceFailed(int piece) {
    return onPieceFailed(piece, null);
  }

  /**
   * Piece {@code piece} failed its hash check. If one peer sent every block it is proven bad and
   * returned; otherwise each block's sender and hash are kept for {@link #onPiecePassed}.
   *
   * @param blockData the failed bytes of a block, for blocks not hashed at {@code onBlock}; may be
   *     null, or return null for a block it cannot give (that block is then not judged)
   * @return the peers proven bad now (a new set, usually empty)
   */
  public Set<K> onPieceFailed(int piece, IntFunction<ByteBuffer> blockData) {
    Attempt a = removeCurrent(piece);
    Set<K> bad = new HashSet<>();
    if (a == null) {
      return bad;
    }
    K single = singleSender(a);
    if (single != null) {
      bad.add(single);
      return bad;
    }
    Records r = failed.get(piece);
    boolean fresh = r == null;
    if (fresh) {
      r = new Records();
    }
    boolean started = false;
    for (int b = 0; b < a.peers.length; b++) {
      Object peer = a.peers[b];
      if (peer == null) {
        continue;
      }
      long h;
      if (a.hashed != null && (a.hashed[b >>> 6] & (1L << b)) != 0) {
        h = a.hashes[b];
      } else {
        ByteBuffer data = blockData == null ? null : blockData.apply(b);
        if (data == null) {
          continue;
        }
        h = hash(data);
      }
      if (!started) {
        r.startAttempt();
        started = true;
      }
      r.add(b, peer, h);
    }
    if (fresh && r.size > 0) {
      failed.put(piece, r);
      if (failed.size() > maxFailedPieces) {
        Iterator<Integer> eldest = failed.keySet().iterator();
        eldest.next();
        eldest.remove();
      }
    }
    return bad;
  }

  /**
   * Piece {@code piece} passed its hash check: each block recorded in its failed attempts is
   * compared with the good one, and the peers whose block differed are returned. All records of the
   * piece are then dropped. Cheap for a piece that never failed: {@code goodBlock} is not called.
   *
   * @param goodBlock the verified bytes of a block (position to limit, not moved); null for a block
   *     it cannot give (that block is then not judged)
   * @return the peers proven bad (a new set, usually empty)
   */
  public Set<K> onPiecePassed(int piece, IntFunction<ByteBuffer> goodBlock) {
    removeCurrent(piece);
    Records r = failed.remove(piece);
    Set<K> bad = new HashSet<>();
    if (r == null) {
      return bad;
    }
    Map<Integer, Long> good = new HashMap<>();
    for (int i = 0; i < r.size; i++) {
      int b = r.blocks[i];
      Long g = good.get(b);
      if (g == null && !good.containsKey(b)) {
        ByteBuffer data = goodBlock.apply(b);
        g = data == null ? null : hash(data);
        good.put(b, g);
      }
      if (g != null && g != r.hashes[i]) {
        @SuppressWarnings("unchecked")
        K peer = (K) r.peers[i];
        bad.add(peer);
      }
    }
    return bad;
  }

  /** Drops everything about piece {@code piece} (for instance when it is no longer wanted). */
  public void forget(int piece) {
    removeCurrent(piece);
    failed.remove(piece);
  }

  /** Drops everything. */
  public void clear() {
    current.clear();
    lastPiece = -1;
    lastAttempt = null;
    failed.clear();
  }

  /** The number of failed pieces whose records are kept. */
  public int failedPieceCount() {
    return failed.size();
  }

  /** The number of pieces with blocks recorded since their last pass or fail. */
  public int inProgressCount() {
    return current.size();
  }

  /** The number of records kept for failed piece {@code piece}. */
  int recordCount(int piece) {
    Records r = failed.get(piece);
    return r == null ? 0 : r.size;
  }

  private Attempt removeCurrent(int piece) {
    if (piece == lastPiece) {
      lastPiece = -1;
      lastAttempt = null;
    }
    return current.remove(piece);
  }

  private Attempt attempt(int piece, int block) {
    if (piece == lastPiece) { // blocks arrive piece after piece: no boxing, no hash lookup
      Objects.checkIndex(block, lastAttempt.peers.length);
      return lastAttempt;
    }
    Attempt a = attemptLookup(piece, block);
    lastPiece = piece;
    lastAttempt = a;
    return a;
  }

  private Attempt attemptLookup(int piece, int block) {
    Attempt a = current.get(piece);
    if (a == null) {
      int n = blockCount.applyAsInt(piece);
      Objects.checkIndex(block, n);
      a = new Attempt(n);
      current.put(piece, a);
    } else {
      Objects.checkIndex(block, a.peers.length);
    }
    return a;
  }

  /** The peer that sent every block of the attempt, or null. */
  @SuppressWarnings("unchecked")
  private K singleSender(Attempt a) {
    Object first = a.peers[0];
    if (first == null) {
      return null;
    }
    for (Object p : a.peers) {
      if (!first.equals(p)) {
        return null;
      }
    }
    return (K) first;
  }

  /** The first 64 bits of the SHA-1 of the buffer's remaining bytes. */
  private long hash(ByteBuffer data) {
    sha1.update(data.duplicate());
    byte[] d = sha1.digest();
    long h = 0;
    for (int i = 0; i < 8; i++) {
      h = (h << 8) | (d[i] & 0xff);
    }
    return h;
  }

  /** The blocks of one attempt at a piece: who sent each, and its hash if hashed at once. */
  private static final class Attempt {
    final Object[] peers;
    long[] hashes;
    long[] hashed;

    Attempt(int blocks) {
      this.peers = new Object[blocks];
    }
  }

  /**
   * The records of a piece's failed attempts, oldest first: parallel arrays of block, sender and
   * hash. Beyond {@link #MAX_ATTEMPTS} attempts the oldest attempt's records are dropped.
   */
  private static final class Records {
    int[] blocks = new int[8];
    Object[] peers = new Object[8];
    long[] hashes = new long[8];
    int size;
    int[] attemptStarts = new int[MAX_ATTEMPTS];
    int attempts;

    void startAttempt() {
      if (attempts == MAX_ATTEMPTS) {
        int drop = attemptStarts[1];
        System.arraycopy(blocks, drop, blocks, 0, size - drop);
        System.arraycopy(peers, drop, peers, 0, size - drop);
        System.arraycopy(hashes, drop, hashes, 0, size - drop);
        Arrays.fill(peers, size - drop, size, null);
        size -= drop;
        for (int i = 1; i < attempts; i++) {
          attemptStarts[i - 1] = attemptStarts[i] - drop;
        }
        attempts--;
      }
      attemptStarts[attempts++] = size;
    }

    void add(int block, Object peer, long hash) {
      if (size == blocks.length) {
        int n = size * 2;
        blocks = Arrays.copyOf(blocks, n);
        peers = Arrays.copyOf(peers, n);
        hashes = Arrays.copyOf(hashes, n);
      }
      blocks[size] = block;
      peers[size] = peer;
      hashes[size] = hash;
      size++;
    }
  }
}
