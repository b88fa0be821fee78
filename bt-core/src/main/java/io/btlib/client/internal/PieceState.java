package io.btlib.client.internal;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.policy.SwarmView;
import java.util.Arrays;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.function.IntPredicate;
import java.util.function.IntUnaryOperator;

/**
 * One torrent's download bookkeeping: which pieces are verified and wanted, how many peers have
 * each piece, and which blocks of the pieces in progress are received or requested. It is the
 * {@link SwarmView} the engine hands to the {@link io.btlib.policy.PiecePicker}.
 *
 * <pre>{@code
 * PieceState<Peer> s = new PieceState<>(metainfo, random);
 * s.markVerified(resume.verified());          // from a recheck or resume data
 * s.setFilePriority(2, 0);                    // skip file 2
 * s.addPeerBitfield(peer.bitfield());         // on Bitfield; s.peerHasAll() on HaveAll
 * s.setNow(now);
 * picker.pickBlocks(peerView, s, 16, sink);   // for each pick: s.blockRequested(p, b)
 * // a block arrives
 * if (!s.isBlockReceived(p, b)) {             // a duplicate (end game) is dropped
 *   boolean last = s.blockReceived(p, b, peer);
 *   s.requestEnded(p, b);
 *   if (last) hashLater(p);                   // then s.pieceVerified(p) or s.pieceFailed(p)
 * }
 * }</pre>
 *
 * <p><b>States.</b> A piece is <em>verified</em> (its hash matched), <em>in progress</em> (some
 * block is received or requested: {@link #isStarted(int)}) or <em>untouched</em>. It is
 * <em>wanted</em> when it is not verified and its priority is above 0. Blocks are 16 KiB
 * ({@link Metainfo#BLOCK_SIZE}); the last block of a piece may be shorter. Each block of a piece in progress is
 * received or not, and requested from some number of peers; the two are independent, since in the
 * end game a block may still be requested elsewhere when it arrives. A request is counted from
 * {@link #blockRequested(int, int)} until {@link #requestEnded(int, int)}, whatever ends it
 * (arrival, cancel, reject, choke, disconnect); {@link #blockReceived(int, int, Object)} does not
 * end it.
 *
 * <p><b>Cost.</b> Per piece: a priority byte, an availability int, two bits, and the piece's size
 * is stored only when it differs from the largest piece (the torrent's last piece, a v2 file's last
 * piece). Per piece in progress: a {@code PartialPiece} with a bit and a short per block and the
 * set of peers that contributed; it is dropped when the piece is verified or holds neither
 * received nor requested blocks, so memory follows the pieces in progress, not the blocks of the
 * torrent. All queries and block operations are O(1) (a hash lookup for pieces in progress only);
 * {@link #nextWanted(int)} and {@link #nextStarted(int)} are {@link BitSet} scans; bitfield
 * operations are O(pieces the peer has); the have-all peers are one counter; {@link #isEndGame()}
 * is a counter of unclaimed blocks in wanted pieces, kept up to date by every operation.
 *
 * <p><b>Threads.</b> Owned by the engine's event-loop thread: not thread-safe, no locks. Time is
 * passed in with {@link #setNow(long)}.
 *
 * <p><b>Errors.</b> A piece or block index out of range throws {@link IndexOutOfBoundsException};
 * a priority outside 0..7 {@link IllegalArgumentException}; a call that contradicts the state
 * (requesting a block of a verified piece, removing a peer that was never added) {@link
 * IllegalStateException}.
 *
 * @param <K> the key that identifies a peer (its connection, or its address)
 */
final class PieceState<K> implements SwarmView {
  /** The highest priority. */
  public static final int MAX_PRIORITY = 7;

  /** The priority every piece and file starts with. */
  public static final int DEFAULT_PRIORITY = 1;

  private static final int BLOCK_SHIFT = Integer.numberOfTrailingZeros(Metainfo.BLOCK_SIZE);

  private final int pieceCount;
  private final int nominalSize;
  private final int nominalBlocks;
  private final BitSet isOddSize;
  private final int[] oddPieces; // sorted
  private final int[] oddSizes;
  private final long totalBytes;

  private final BitSet verified;
  private int verifiedCount;
  private long verifiedBytes;

  private final byte[] priority;
  private final BitSet wanted;
  private int wantedCount;
  private long wantedBytes;
  private long unclaimedBlocks; // blocks of wanted pieces neither received nor requested

  private final int[] availability;
  private int seeds;

  private final Map<Integer, PartialPiece<K>> partials = new HashMap<>();
  /** The piece {@link #existing} found last and its state (-1 and null: none). */
  private int lastPiece = -1;
  private PartialPiece<K> lastPartial;
  private final BitSet started; // the keys of partials, for lookups without boxing
  /** Wanted pieces not started: what {@link #nextUntouched} and the rarity index hold. */
  private final BitSet untouched;
  /** Wanted, started pieces with a block neither received nor requested. */
  private final BitSet partialOpen;
  /** Wanted, started pieces with a block not received and requested from exactly one peer. */
  private final BitSet busyOnce;
  /** The untouched pieces by priority and availability; built on first use, while wanted. */
  private RarityIndex rarity;
  /** The only pieces that may be wanted ({@link #restrictTo}), or null for all. */
  private BitSet allowed;

  // files: [start piece, end piece] of each non-empty file, -1 for an empty one
  private final int[] fileFirstPiece;
  private final int[] fileLastPiece;
  private final boolean[] filePad;
  private final byte[] filePriority;

  private final Random random;
  private long now;

  /**
   * Bookkeeping for {@code metainfo}: its pieces and sizes, and its files for {@link
   * #setFilePriority(int, int)}. Nothing verified, everything at {@link #DEFAULT_PRIORITY}.
   */
  public PieceState(Metainfo metainfo, Random random) {
    this(metainfo.pieceCount(), metainfo.pieceLength(), metainfo::pieceSize, metainfo.files(),
        random);
  }

  /**
   * Bookkeeping for {@code pieceCount} pieces of {@code pieceSize.applyAsInt(i)} bytes each (at
   * least 1), with no files: {@link #fileCount()} is 0.
   */
  public PieceState(int pieceCount, IntUnaryOperator pieceSize, Random random) {
    this(pieceCount, 0, pieceSize, List.of(), random);
  }

  /**
   * Bookkeeping for pieces laid over {@code files}, as in a {@link Metainfo}: file {@code f} covers
   * pieces {@code offset / pieceLength} to {@code (endOffset - 1) / pieceLength}. Files must be in
   * offset order and lie within the pieces.
   *
   * @throws IllegalArgumentException if a size is below 1, or a file is out of order or outside
   *     the pieces
   */
  public PieceState(int pieceCount, int pieceLength, IntUnaryOperator pieceSize,
      List<FileEntry> files, Random random) {
    if (pieceCount < 0) {
      throw new IllegalArgumentException("pieceCount must be >= 0: " + pieceCount);
    }
    this.random = Objects.requireNonNull(random, "random");
    this.pieceCount = pieceCount;
    int[] sizes = new int[pieceCount];
    int max = 1;
    long total = 0;
    for (int i = 0; i < pieceCount; i++) {
      int size = pieceSize.applyAsInt(i);
      if (size < 1) {
        throw new IllegalArgumentException("piece " + i + " has size " + size + "; must be >= 1");
      }
      sizes[i] = size;
      max = Math.max(max, size);
      total += size;
    }
    this.nominalSize = max;
    this.nominalBlocks = blocksFor(max);
    this.totalBytes = total;
    this.isOddSize = new BitSet(pieceCount);
    int odd = 0;
    for (int i = 0; i < pieceCount; i++) {
      if (sizes[i] != max) {
        isOddSize.set(i);
        odd++;
      }
    }
    this.oddPieces = new int[odd];
    this.oddSizes = new int[odd];
    for (int i = isOddSize.nextSetBit(0), k = 0; i >= 0; i = isOddSize.nextSetBit(i + 1), k++) {
      oddPieces[k] = i;
      oddSizes[k] = sizes[i];
    }

    this.verified = new BitSet(pieceCount);
    this.priority = new byte[pieceCount];
    Arrays.fill(priority, (byte) DEFAULT_PRIORITY);
    this.wanted = new BitSet(pieceCount);
    wanted.set(0, pieceCount);
    this.wantedCount = pieceCount;
    this.wantedBytes = total;
    long blocks = 0;
    for (int i = 0; i < pieceCount; i++) {
      blocks += blockCount(i);
    }
    this.unclaimedBlocks = blocks;
    this.availability = new int[pieceCount];
    this.started = new BitSet(pieceCount);
    this.untouched = new BitSet(pieceCount);
    untouched.set(0, pieceCount);
    this.partialOpen = new BitSet(pieceCount);
    this.busyOnce = new BitSet(pieceCount);

    int n = files.size();
    this.fileFirstPiece = new int[n];
    this.fileLastPiece = new int[n];
    this.filePad = new boolean[n];
    this.filePriority = new byte[n];
    Arrays.fill(filePriority, (byte) DEFAULT_PRIORITY);
    long prevOffset = 0;
    for (int f = 0; f < n; f++) {
      FileEntry e = files.get(f);
      if (e.offset() < prevOffset) {
        throw new IllegalArgumentException("file " + f + " at offset " + e.offset()
            + " comes before the previous file's offset " + prevOffset);
      }
      prevOffset = e.offset();
      filePad[f] = e.isPad();
      if (e.length() == 0) {
        fileFirstPiece[f] = -1;
        fileLastPiece[f] = -1;
        continue;
      }
      if (pieceLength <= 0) {
        throw new IllegalArgumentException("pieceLength must be > 0 with files: " + pieceLength);
      }
      long first = e.offset() / pieceLength;
      long last = (e.endOffset() - 1) / pieceLength;
      if (last >= pieceCount) {
        throw new IllegalArgumentException("file " + f + " ends in piece " + last + " of only "
            + pieceCount);
      }
      fileFirstPiece[f] = (int) first;
      fileLastPiece[f] = (int) last;
    }
  }

  private static int blocksFor(int size) {
    return (size + Metainfo.BLOCK_SIZE - 1) >>> BLOCK_SHIFT;
  }

  // ---------------------------------------------------------------------------------- sizes

  /** The number of bytes in piece {@code piece}. */
  public int pieceSize(int piece) {
    checkPiece(piece);
    if (!isOddSize.get(piece)) {
      return nominalSize;
    }
    return oddSizes[Arrays.binarySearch(oddPieces, piece)];
  }

  /** The number of bytes in all pieces together. */
  public long totalBytes() {
    return totalBytes;
  }

  @Override
  public int pieceCount() {
    return pieceCount;
  }

  @Override
  public int blockCount(int piece) {
    checkPiece(piece);
    return isOddSize.get(piece) ? blocksFor(pieceSize(piece)) : nominalBlocks;
  }

  /** The number of bytes in block {@code block} of piece {@code piece}: 16 KiB but for the last. */
  public int blockLength(int piece, int block) {
    checkBlock(piece, block);
    return Math.min(Metainfo.BLOCK_SIZE, pieceSize(piece) - (block << BLOCK_SHIFT));
  }

  /**
   * The block that starts at byte {@code offset} of a piece, or -1 if {@code offset} is negative or
   * not a multiple of 16 KiB.
   */
  public int blockOf(int offset) {
    return offset >= 0 && (offset & (Metainfo.BLOCK_SIZE - 1)) == 0 ? offset >>> BLOCK_SHIFT : -1;
  }

  /**
   * The block that is exactly {@code length} bytes at {@code offset} of piece {@code piece}, or -1
   * if no block is: checks a {@code Piece} message against the blocks we request.
   */
  public int blockOf(int piece, int offset, int length) {
    checkPiece(piece);
    int block = blockOf(offset);
    if (block < 0 || block >= blockCount(piece) || blockLength(piece, block) != length) {
      return -1;
    }
    return block;
  }

  // ------------------------------------------------------------------------------- verified

  /**
   * Marks piece {@code piece} verified, from a recheck or resume data: same effect as {@link
   * #pieceVerified(int)}.
   */
  public void markVerified(int piece) {
    pieceVerified(piece);
  }

  /** Marks every piece set in {@code pieces} verified (bits past the last piece are ignored). */
  public void markVerified(BitSet pieces) {
    for (int i = pieces.nextSetBit(0); i >= 0 && i < pieceCount; i = pieces.nextSetBit(i + 1)) {
      pieceVerified(i);
    }
  }

  /** Whether piece {@code piece} passed its hash check. */
  public boolean isVerified(int piece) {
    checkPiece(piece);
    return verified.get(piece);
  }

  /** The number of verified pieces. */
  public int verifiedCount() {
    return verifiedCount;
  }

  /** A copy of the verified pieces. */
  public BitSet verified() {
    return (BitSet) verified.clone();
  }

  /**
   * Bytes of the torrent not yet verified, skipped files included: the tracker's {@code left}
   * (BEP 3). Pad bytes count, since they are part of the pieces.
   */
  public long bytesLeft() {
    return totalBytes - verifiedBytes;
  }

  /** Bytes of the wanted pieces (not verified, priority above 0). */
  public long wantedBytesLeft() {
    return wantedBytes;
  }

  /** Whether every wanted piece is verified: nothing is left to download. */
  public boolean isComplete() {
    return wantedCount == 0;
  }

  // ----------------------------------------------------------------------------- priorities

  @Override
  public int priority(int piece) {
    checkPiece(piece);
    return priority[piece];
  }

  /**
   * Sets piece {@code piece}'s priority: 0 skips it, 1..7 want it. Until a later {@link
   * #setFilePriority(int, int)} of a file covering it.
   */
  public void setPiecePriority(int piece, int prio) {
    checkPiece(piece);
    checkPriority(prio);
    setPriority0(piece, prio);
  }

  /** The number of files; 0 when built without files. */
  public int fileCount() {
    return filePriority.length;
  }

  /** File {@code file}'s priority as last set ({@link #DEFAULT_PRIORITY} at first). */
  public int filePriority(int file) {
    Objects.checkIndex(file, filePriority.length);
    return filePriority[file];
  }

  /**
   * Sets file {@code file}'s priority and gives it to the pieces the file covers. A piece shared by
   * files gets the highest priority of those files; pad files count only for a piece no other file
   * covers (so skipping a file is not undone by the pad after it). O(pieces of the file), plus the
   * files sharing its first and last piece.
   */
  public void setFilePriority(int file, int prio) {
    Objects.checkIndex(file, filePriority.length);
    checkPriority(prio);
    filePriority[file] = (byte) prio;
    int first = fileFirstPiece[file];
    if (first < 0) {
      return; // an empty file covers no piece
    }
    int last = fileLastPiece[file];
    setPriority0(first, sharedPriority(first, file));
    for (int p = first + 1; p < last; p++) {
      setPriority0(p, prio); // wholly inside this file
    }
    if (last != first) {
      setPriority0(last, sharedPriority(last, file));
    }
  }

  /**
   * Sets every file's priority at once ({@code prios[f]} for file {@code f}) in O(files + pieces);
   * as {@link #setFilePriority(int, int)} for each.
   */
  public void setFilePriorities(int[] prios) {
    if (prios.length != filePriority.length) {
      throw new IllegalArgumentException(prios.length + " priorities for " + filePriority.length
          + " files");
    }
    for (int prio : prios) {
      checkPriority(prio);
    }
    byte[] real = new byte[pieceCount];
    byte[] any = new byte[pieceCount];
    Arrays.fill(real, (byte) -1);
    Arrays.fill(any, (byte) -1);
    BitSet covered = new BitSet(pieceCount);
    for (int f = 0; f < prios.length; f++) {
      filePriority[f] = (byte) prios[f];
      int first = fileFirstPiece[f];
      if (first < 0) {
        continue;
      }
      byte[] target = filePad[f] ? any : real;
      for (int p = first; p <= fileLastPiece[f]; p++) {
        target[p] = (byte) Math.max(target[p], prios[f]);
        covered.set(p);
      }
    }
    for (int p = covered.nextSetBit(0); p >= 0; p = covered.nextSetBit(p + 1)) {
      setPriority0(p, real[p] >= 0 ? real[p] : any[p]);
    }
  }

  /** The priority of a piece from the files around {@code file} that cover it. */
  private int sharedPriority(int piece, int file) {
    int real = -1;
    int pad = -1;
    for (int f = file; f >= 0; f--) {
      if (fileFirstPiece[f] < 0) {
        continue;
      }
      if (fileLastPiece[f] < piece) {
        break;
      }
      if (filePad[f]) {
        pad = Math.max(pad, filePriority[f]);
      } else {
        real = Math.max(real, filePriority[f]);
      }
    }
    for (int f = file + 1; f < filePriority.length; f++) {
      if (fileFirstPiece[f] < 0) {
        continue;
      }
      if (fileFirstPiece[f] > piece) {
        break;
      }
      if (filePad[f]) {
        pad = Math.max(pad, filePriority[f]);
      } else {
        real = Math.max(real, filePriority[f]);
      }
    }
    return real >= 0 ? real : pad;
  }

  private void setPriority0(int piece, int prio) {
    priority[piece] = (byte) prio;
    refreshWanted(piece);
    refreshUntouched(piece); // a new priority files it elsewhere
  }

  private static void checkPriority(int prio) {
    if (prio < 0 || prio > MAX_PRIORITY) {
      throw new IllegalArgumentException("priority must be in 0.." + MAX_PRIORITY + ": " + prio);
    }
  }

  // --------------------------------------------------------------------------------- wanted

  @Override
  public boolean isWanted(int piece) {
    checkPiece(piece);
    return wanted.get(piece);
  }

  @Override
  public int nextWanted(int from) {
    if (from < 0) {
      throw new IndexOutOfBoundsException("from must be >= 0: " + from);
    }
    return from >= pieceCount ? -1 : wanted.nextSetBit(from);
  }

  @Override
  public int wantedCount() {
    return wantedCount;
  }

  /**
   * Restricts the wanted pieces to those set in {@code allowed} (whatever their priority), or lifts
   * the restriction with null: a bounded cache fetches only what readers' windows cover. O(pieces
   * that change).
   */
  public void restrictTo(BitSet allowed) {
    BitSet before = this.allowed;
    this.allowed = allowed == null ? null : (BitSet) allowed.clone();
    BitSet changed;
    if (before == null || allowed == null) {
      changed = new BitSet(pieceCount);
      changed.set(0, pieceCount);
    } else {
      changed = (BitSet) before.clone();
      changed.xor(allowed);
    }
    for (int p = changed.nextSetBit(0); p >= 0 && p < pieceCount; p = changed.nextSetBit(p + 1)) {
      refreshWanted(p);
    }
  }

  /**
   * Piece {@code piece} is verified no more (a bounded cache evicted it): it counts as missing and
   * is wanted again if its priority (and {@link #restrictTo}) allows. Ignored for a piece not
   * verified.
   */
  public void unverify(int piece) {
    checkPiece(piece);
    if (!verified.get(piece)) {
      return;
    }
    verified.clear(piece);
    verifiedCount--;
    verifiedBytes -= pieceSize(piece);
    refreshWanted(piece);
  }

  /** Brings the wanted set and its counters in line with the piece's verified bit and priority. */
  private void refreshWanted(int piece) {
    boolean w = !verified.get(piece) && priority[piece] > 0
        && (allowed == null || allowed.get(piece));
    if (w == wanted.get(piece)) {
      return;
    }
    PartialPiece<K> pp = existing(piece);
    int unclaimed = blockCount(piece) - (pp == null ? 0 : pp.claimed);
    if (w) {
      wanted.set(piece);
      wantedCount++;
      wantedBytes += pieceSize(piece);
      unclaimedBlocks += unclaimed;
    } else {
      wanted.clear(piece);
      wantedCount--;
      wantedBytes -= pieceSize(piece);
      unclaimedBlocks -= unclaimed;
    }
    refreshUntouched(piece);
    refreshOpen(piece, pp);
    if (wantedCount == 0) {
      rarity = null; // nothing left to pick: the index's memory goes
    }
  }

  /** Brings {@link #untouched} and the rarity index in line with the piece's state. */
  private void refreshUntouched(int piece) {
    boolean u = wanted.get(piece) && !started.get(piece);
    if (u) {
      untouched.set(piece);
      if (rarity != null) {
        rarity.put(piece, priority[piece], availability[piece]);
      }
    } else {
      untouched.clear(piece);
      if (rarity != null) {
        rarity.remove(piece);
      }
    }
  }

  /** Brings {@link #partialOpen} in line with the piece's state ({@code pp} null: not started). */
  private void refreshOpen(int piece, PartialPiece<K> pp) {
    boolean w = pp != null && wanted.get(piece);
    if (w && pp.claimed < pp.blocks) {
      partialOpen.set(piece);
    } else {
      partialOpen.clear(piece);
    }
    if (w && pp.busyOnce > 0) {
      busyOnce.set(piece);
    } else {
      busyOnce.clear(piece);
    }
  }

  @Override
  public int nextBusy(int from) {
    if (from < 0) {
      throw new IndexOutOfBoundsException("from must be >= 0: " + from);
    }
    return from >= pieceCount ? -1 : busyOnce.nextSetBit(from);
  }

  /** An untouched piece's availability changed: it moves in the rarity index. */
  private void refile(int piece) {
    if (rarity != null && untouched.get(piece)) {
      rarity.put(piece, priority[piece], availability[piece]);
    }
  }

  @Override
  public int nextUntouched(int from) {
    if (from < 0) {
      throw new IndexOutOfBoundsException("from must be >= 0: " + from);
    }
    return from >= pieceCount ? -1 : untouched.nextSetBit(from);
  }

  @Override
  public int nextPartial(int from) {
    if (from < 0) {
      throw new IndexOutOfBoundsException("from must be >= 0: " + from);
    }
    return from >= pieceCount ? -1 : partialOpen.nextSetBit(from);
  }

  /**
   * {@inheritDoc}
   *
   * <p>Here O(what is visited): the first call builds an index of the untouched pieces (O(pieces)),
   * which every later change keeps up to date in O(1).
   */
  @Override
  public void visitRarestFirst(IntPredicate visitor) {
    if (rarity == null) {
      if (wantedCount == 0) {
        return;
      }
      rarity = new RarityIndex(pieceCount, random);
      for (int p = untouched.nextSetBit(0); p >= 0; p = untouched.nextSetBit(p + 1)) {
        rarity.put(p, priority[p], availability[p]);
      }
    }
    rarity.visit(visitor);
  }

  // --------------------------------------------------------------------------- availability

  @Override
  public int availability(int piece) {
    checkPiece(piece);
    return availability[piece] + seeds;
  }

  /** A peer has every piece (HaveAll, BEP 6, or a full bitfield): one counter, O(1). */
  public void peerHasAll() {
    seeds++;
  }

  /** A peer counted by {@link #peerHasAll()} is gone. */
  public void removePeerHasAll() {
    if (seeds == 0) {
      throw new IllegalStateException("no have-all peer to remove");
    }
    seeds--;
  }

  /** The number of have-all peers. */
  public int seedCount() {
    return seeds;
  }

  /**
   * A peer has the pieces set in {@code pieces} (its bitfield; bits at or past the piece count are
   * ignored). O(pieces set). A peer that has every piece is cheaper as {@link #peerHasAll()}.
   */
  public void addPeerBitfield(BitSet pieces) {
    for (int i = pieces.nextSetBit(0); i >= 0 && i < pieceCount; i = pieces.nextSetBit(i + 1)) {
      availability[i]++;
      refile(i);
    }
  }

  /**
   * A peer whose pieces were counted (bitfield and haves) is gone, or turned into a have-all peer:
   * {@code pieces} is everything it was counted for.
   *
   * @throws IllegalStateException if a piece was not counted (the counts are then unreliable)
   */
  public void removePeerBitfield(BitSet pieces) {
    for (int i = pieces.nextSetBit(0); i >= 0 && i < pieceCount; i = pieces.nextSetBit(i + 1)) {
      if (--availability[i] < 0) {
        availability[i] = 0;
        throw new IllegalStateException("piece " + i + " was not counted for any peer");
      }
      refile(i);
    }
  }

  /** A peer announced piece {@code piece} (Have). */
  public void peerHave(int piece) {
    checkPiece(piece);
    availability[piece]++;
    refile(piece);
  }

  // --------------------------------------------------------------------------------- blocks

  @Override
  public boolean isBlockReceived(int piece, int block) {
    checkBlock(piece, block);
    if (verified.get(piece)) {
      return true;
    }
    PartialPiece<K> pp = existing(piece);
    return pp != null && pp.isReceived(block);
  }

  @Override
  public int blockRequests(int piece, int block) {
    checkBlock(piece, block);
    PartialPiece<K> pp = existing(piece);
    return pp == null ? 0 : pp.requests[block];
  }

  @Override
  public boolean isStarted(int piece) {
    checkPiece(piece);
    return started.get(piece);
  }

  /**
   * The next piece in progress at or after {@code from}, or -1: iterates the pieces in progress
   * cheaply (a {@link BitSet} scan).
   */
  public int nextStarted(int from) {
    if (from < 0) {
      throw new IndexOutOfBoundsException("from must be >= 0: " + from);
    }
    return from >= pieceCount ? -1 : started.nextSetBit(from);
  }

  /** The number of received blocks of piece {@code piece}: all of them once verified. */
  public int receivedCount(int piece) {
    checkPiece(piece);
    if (verified.get(piece)) {
      return blockCount(piece);
    }
    PartialPiece<K> pp = existing(piece);
    return pp == null ? 0 : pp.received;
  }

  /** The number of pieces in progress: those with a received or requested block. */
  public int inProgressCount() {
    return partials.size();
  }

  /**
   * Whether every block of every wanted piece is received or requested, and something is wanted.
   * O(1).
   */
  @Override
  public boolean isEndGame() {
    return unclaimedBlocks == 0 && wantedCount > 0;
  }

  /**
   * Block {@code block} of piece {@code piece} was requested from one more peer.
   *
   * @return how many peers it is now requested from
   * @throws IllegalStateException if the piece is verified
   */
  public int blockRequested(int piece, int block) {
    checkBlock(piece, block);
    if (verified.get(piece)) {
      throw new IllegalStateException("piece " + piece + " is verified; block " + block
          + " cannot be requested");
    }
    PartialPiece<K> pp = partial(piece);
    int r = pp.requests[block];
    if (r == Short.MAX_VALUE) {
      throw new IllegalStateException("block " + block + " of piece " + piece + " requested "
          + r + " times");
    }
    pp.requests[block] = (short) (r + 1);
    if (!pp.isReceived(block)) {
      if (r <= 1) {
        pp.busyOnce += r == 0 ? 1 : -1; // 0 -> 1 request: busy once; 1 -> 2: no longer
      }
      if (r == 0) {
        claim(piece, pp, 1);
      } else {
        refreshOpen(piece, pp);
      }
    }
    return r + 1;
  }

  /**
   * One request for block {@code block} of piece {@code piece} ended: the block arrived, or the
   * request was cancelled, rejected, choked or its peer disconnected. Ignored (returns false) when
   * no request is counted, as for a piece verified or failed meanwhile.
   *
   * @return whether a request was counted and is now ended
   */
  public boolean requestEnded(int piece, int block) {
    checkBlock(piece, block);
    PartialPiece<K> pp = existing(piece);
    if (pp == null || pp.requests[block] == 0) {
      return false;
    }
    int r = --pp.requests[block];
    if (!pp.isReceived(block)) {
      if (r <= 1) {
        pp.busyOnce += r == 1 ? 1 : -1; // 2 -> 1 request: busy once again; 1 -> 0: no longer
      }
      if (r == 0) {
        claim(piece, pp, -1);
        dropIfIdle(piece, pp);
      } else {
        refreshOpen(piece, pp);
      }
    }
    return true;
  }

  /**
   * Block {@code block} of piece {@code piece} arrived from {@code peer}, who is recorded as a
   * contributor of the piece. A block already received, or of a verified piece, is ignored (returns
   * false): check {@link #isBlockReceived(int, int)} first to drop duplicates. Does not end the
   * request; call {@link #requestEnded(int, int)} too.
   *
   * @return true exactly when this was the piece's last missing block: the piece is ready to hash
   */
  public boolean blockReceived(int piece, int block, K peer) {
    checkBlock(piece, block);
    Objects.requireNonNull(peer, "peer");
    if (verified.get(piece)) {
      return false;
    }
    PartialPiece<K> pp = partial(piece);
    if (pp.isReceived(block)) {
      return false;
    }
    pp.setReceived(block);
    if (pp.requests[block] == 0) {
      claim(piece, pp, 1);
    } else if (pp.requests[block] == 1) {
      pp.busyOnce--;
      refreshOpen(piece, pp);
    }
    if (pp.lastContributor != peer) { // most blocks of a piece come from the same peer
      addContributor(pp, peer);
    }
    return pp.received == pp.blocks;
  }

  /**
   * Piece {@code piece} passed its hash check: drops its blocks and marks it verified (no longer
   * wanted). Requests still counted are forgotten; their {@link #requestEnded(int, int)} is then
   * ignored. Idempotent.
   */
  public void pieceVerified(int piece) {
    checkPiece(piece);
    if (verified.get(piece)) {
      return;
    }
    verified.set(piece);
    verifiedCount++;
    verifiedBytes += pieceSize(piece);
    refreshWanted(piece); // counts the piece's unclaimed blocks while its partial state exists
    if (started.get(piece)) {
      forget(piece);
    }
  }

  /**
   * Piece {@code piece} failed its hash check: its received blocks are dropped so that it is
   * downloaded again, and the peers that sent them are returned (for {@link SmartBan} or a trust
   * penalty). Requests still in flight stay counted until they end, since each will still be
   * reported to {@link #requestEnded(int, int)}; with none, the piece is untouched again.
   *
   * @return the peers that contributed a received block (empty if none); the caller owns the set
   * @throws IllegalStateException if the piece is verified
   */
  public Set<K> pieceFailed(int piece) {
    checkPiece(piece);
    if (verified.get(piece)) {
      throw new IllegalStateException("piece " + piece + " is verified; it cannot fail");
    }
    PartialPiece<K> pp = existing(piece);
    if (pp == null) {
      return new HashSet<>();
    }
    Set<K> contributors = pp.contributors == null ? new HashSet<>() : pp.contributors;
    int lost = 0; // received blocks not also requested: they become unclaimed
    for (int b = 0; b < pp.blocks; b++) {
      if (pp.isReceived(b) && pp.requests[b] == 0) {
        lost++;
      }
    }
    for (int b = 0; b < pp.blocks; b++) {
      if (pp.isReceived(b) && pp.requests[b] == 1) {
        pp.busyOnce++; // still asked of one peer, and no longer received
      }
    }
    Arrays.fill(pp.receivedBits, 0L);
    pp.received = 0;
    pp.contributors = null;
    pp.lastContributor = null;
    claim(piece, pp, -lost);
    dropIfIdle(piece, pp);
    return contributors;
  }

  /** The piece's partial state, or null (without a map lookup for untouched pieces). */
  private PartialPiece<K> existing(int piece) {
    if (piece == lastPiece) {
      return lastPartial; // blocks arrive piece after piece: no boxing, no hash lookup
    }
    PartialPiece<K> pp = started.get(piece) ? partials.get(piece) : null;
    if (pp != null) {
      lastPiece = piece;
      lastPartial = pp;
    }
    return pp;
  }

  /** Forgets piece's partial state, and the one-entry cache of {@link #existing}. */
  private void forget(int piece) {
    started.clear(piece);
    partials.remove(piece);
    if (piece == lastPiece) {
      lastPiece = -1;
      lastPartial = null;
    }
    partialOpen.clear(piece);
    busyOnce.clear(piece);
    refreshUntouched(piece);
  }

  /** The piece's partial state, created if needed. */
  private PartialPiece<K> partial(int piece) {
    PartialPiece<K> pp = existing(piece);
    if (pp == null) {
      pp = new PartialPiece<>(blockCount(piece));
      partials.put(piece, pp);
      started.set(piece);
      refreshUntouched(piece);
      refreshOpen(piece, pp);
    }
    return pp;
  }

  /** Out of line: runs once per piece and peer, and keeps {@link #blockReceived} small. */
  private static <K> void addContributor(PartialPiece<K> pp, K peer) {
    if (pp.contributors == null) {
      pp.contributors = new HashSet<>(4);
    }
    pp.contributors.add(peer);
    pp.lastContributor = peer;
  }

  /** Adds {@code delta} claimed (received or requested) blocks to a piece and the end game. */
  private void claim(int piece, PartialPiece<K> pp, int delta) {
    pp.claimed += delta;
    if (wanted.get(piece)) {
      unclaimedBlocks -= delta;
    }
    refreshOpen(piece, pp);
  }

  private void dropIfIdle(int piece, PartialPiece<K> pp) {
    if (pp.claimed == 0) {
      forget(piece);
    }
  }

  // ----------------------------------------------------------------------------- time, etc.

  /** Sets the engine's monotonic time, returned by {@link #nowNanos()}. */
  public void setNow(long nowNanos) {
    this.now = nowNanos;
  }

  @Override
  public long nowNanos() {
    return now;
  }

  @Override
  public Random random() {
    return random;
  }

  private void checkPiece(int piece) {
    if (piece < 0 || piece >= pieceCount) {
      throw new IndexOutOfBoundsException("piece " + piece + " outside [0, " + pieceCount + ")");
    }
  }

  private void checkBlock(int piece, int block) {
    int n = blockCount(piece);
    if (block < 0 || block >= n) {
      throw new IndexOutOfBoundsException("block " + block + " of piece " + piece
          + " outside [0, " + n + ")");
    }
  }

  @Override
  public String toString() {
    return "PieceState{" + verifiedCount + "/" + pieceCount + " verified, " + wantedCount
        + " wanted, " + partials.size() + " in progress, " + seeds + " seeds"
        + (isEndGame() ? ", end game" : "") + "}";
  }

  /**
   * The blocks of one piece in progress: received bits, request counts, contributors. {@code
   * claimed} counts blocks that are received or requested; at 0 the piece is dropped.
   */
  private static final class PartialPiece<K> {
    final int blocks;
    final long[] receivedBits;
    final short[] requests;
    int received;
    int claimed;
    /** Blocks not received and requested from exactly one peer. */
    int busyOnce;
    Set<K> contributors;
    /** The peer last added to {@link #contributors}: the same peer again needs no hashing. */
    K lastContributor;

    PartialPiece(int blocks) {
      this.blocks = blocks;
      this.receivedBits = new long[(blocks + 63) >>> 6];
      this.requests = new short[blocks];
    }

    boolean isReceived(int block) {
      return (receivedBits[block >>> 6] & (1L << block)) != 0;
    }

    void setReceived(int block) {
      receivedBits[block >>> 6] |= 1L << block;
      received++;
    }
  }
}
