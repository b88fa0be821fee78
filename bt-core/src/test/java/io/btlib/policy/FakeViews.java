package io.btlib.policy;

import io.btlib.peer.PeerAddress;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Random;
import java.util.Set;

/** Made-up swarms and peers for policy tests. */
final class FakeViews {
  private FakeViews() {}

  static final class Swarm implements SwarmView {
    final int pieces;
    final int blocksPerPiece;
    final BitSet wanted = new BitSet();
    final int[] availability;
    final int[] priority;
    final Set<Long> received = new HashSet<>();
    final Map<Long, Integer> requests = new HashMap<>();
    boolean endGame;
    Random random = new Random(1);
    /** Pieces with deadlines, nearest first, and their deadlines. */
    final java.util.List<Integer> deadlineOrder = new java.util.ArrayList<>();
    final Map<Integer, Long> deadlines = new HashMap<>();

    /** Gives {@code piece} deadline {@code nanos}; call in order of deadline. */
    Swarm deadline(int piece, long nanos) {
      deadlineOrder.add(piece);
      deadlines.put(piece, nanos);
      return this;
    }

    @Override
    public long deadlineNanos(int piece) {
      return deadlines.getOrDefault(piece, Long.MAX_VALUE);
    }

    @Override
    public int deadlineCount() {
      return deadlineOrder.size();
    }

    @Override
    public int deadlinePiece(int rank) {
      return deadlineOrder.get(rank);
    }

    Swarm(int pieces, int blocksPerPiece) {
      this.pieces = pieces;
      this.blocksPerPiece = blocksPerPiece;
      this.availability = new int[pieces];
      this.priority = new int[pieces];
      wanted.set(0, pieces);
      java.util.Arrays.fill(priority, 1);
    }

    static long key(int p, int b) {
      return ((long) p << 32) | b;
    }

    @Override
    public int pieceCount() {
      return pieces;
    }

    @Override
    public boolean isWanted(int piece) {
      return wanted.get(piece);
    }

    @Override
    public int nextWanted(int from) {
      return from >= pieces ? -1 : wanted.nextSetBit(from);
    }

    @Override
    public int wantedCount() {
      return wanted.cardinality();
    }

    @Override
    public int availability(int piece) {
      return availability[piece];
    }

    @Override
    public int priority(int piece) {
      return priority[piece];
    }

    @Override
    public int blockCount(int piece) {
      return blocksPerPiece;
    }

    @Override
    public boolean isBlockReceived(int piece, int block) {
      return received.contains(key(piece, block));
    }

    @Override
    public int blockRequests(int piece, int block) {
      return requests.getOrDefault(key(piece, block), 0);
    }

    @Override
    public boolean isStarted(int piece) {
      for (int b = 0; b < blocksPerPiece; b++) {
        if (isBlockReceived(piece, b) || blockRequests(piece, b) > 0) {
          return true;
        }
      }
      return false;
    }

    @Override
    public boolean isEndGame() {
      return endGame;
    }

    @Override
    public long nowNanos() {
      return 0;
    }

    @Override
    public Random random() {
      return random;
    }
  }

  static final class Peer implements PeerView {
    final BitSet has = new BitSet();
    final BitSet allowedFast = new BitSet();
    final BitSet suggested = new BitSet();
    final Set<Long> requested = new HashSet<>();
    boolean choking;

    Peer hasAll(int n) {
      has.set(0, n);
      return this;
    }

    @Override
    public PeerAddress address() {
      return PeerAddress.parse("127.0.0.1:6881");
    }

    @Override
    public boolean has(int piece) {
      return has.get(piece);
    }

    @Override
    public boolean isSeed() {
      return false;
    }

    @Override
    public boolean isChokingUs() {
      return choking;
    }

    @Override
    public boolean isAllowedFast(int piece) {
      return allowedFast.get(piece);
    }

    @Override
    public boolean isSuggested(int piece) {
      return suggested.get(piece);
    }

    @Override
    public boolean isRequested(int piece, int block) {
      return requested.contains(Swarm.key(piece, block));
    }

    @Override
    public int requestsInFlight() {
      return requested.size();
    }

    @Override
    public long downloadRate() {
      return 0;
    }

    @Override
    public boolean isSnubbed() {
      return false;
    }
  }

  /** Collects picks into "piece:block" strings. */
  static final class Sink implements BlockSink {
    final java.util.List<String> picks = new java.util.ArrayList<>();
    final int capacity;

    Sink(int capacity) {
      this.capacity = capacity;
    }

    @Override
    public boolean add(int piece, int block) {
      if (picks.size() >= capacity) {
        return false;
      }
      picks.add(piece + ":" + block);
      return picks.size() < capacity;
    }
  }
}
