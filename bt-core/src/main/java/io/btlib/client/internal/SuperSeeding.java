package io.btlib.client.internal;

import java.util.Random;

/**
 * Super-seeding (BEP 16) for a torrent that seeds: each peer that connects is told we have no
 * piece, then shown a piece at a time (see {@link #SHOWN_IN_ALL}), each the one the swarm has
 * least (the peers' copies we know of plus how often we showed it already), so a seed's upload
 * goes to pieces nobody has yet and the peers spread them. A peer is shown another piece once it has one it was shown (its HAVE:
 * libtorrent's non-strict variant, which keeps the seed's upload busy). Requests for pieces a peer
 * was not shown are refused. Loop thread only.
 */
final class SuperSeeding {
  /**
   * Pieces shown and not yet had, across all the peers: enough to keep the seed's upload busy
   * across the round trip between a peer's HAVE and its request for the next piece. Each peer
   * gets its share of them, one at least and {@link #MOST_PER_PEER} at most: with 16 peers or
   * more one each, as libtorrent shows. On the simulated network (100 ms round trips) two each
   * for 20 or 50 peers kept the seed no busier and sent 9-16% more copies, while one each for 8
   * peers left the seed idle between pieces (the last leecher 12% later).
   */
  static final int SHOWN_IN_ALL = 16;
  static final int MOST_PER_PEER = 4;

  private final int pieceCount;
  private final java.util.function.IntUnaryOperator availability;
  private final Random random;
  /** How many peers each piece was shown to. */
  private final int[] shown;
  /** Peers being shown pieces (connected, not seeds). */
  private int peers;

  SuperSeeding(int pieceCount, java.util.function.IntUnaryOperator availability, Random random) {
    this.pieceCount = pieceCount;
    this.availability = availability;
    this.random = random;
    this.shown = new int[pieceCount];
  }

  /** A peer's handshake is done: we have nothing, as far as it knows; then the first pieces. */
  void start(Connection c) {
    c.peer().superSeeding();
    peers++;
    c.session.haveNone();
    showMore(c);
  }

  /** {@code c} closed. */
  void onClosed(Connection c) {
    if (c.peer().isSuperSeeded()) {
      peers--;
    }
  }

  /** {@code c} announced {@code piece}: if it was one we showed it, it gets another. */
  void onHave(Connection c, int piece) {
    if (c.peer().isSuperSeeded() && c.peer().wasShown(piece)) {
      showMore(c);
    }
  }

  /** Whether {@code c} may request {@code piece}: we showed it to it. */
  boolean allows(Connection c, int piece) {
    return !c.peer().isSuperSeeded() || c.peer().wasShown(piece);
  }

  private void showMore(Connection c) {
    if (c.peer().isSeed()) {
      return;
    }
    int outstanding = c.peer().shownOutstanding();
    int perPeer = Math.max(1, Math.min(MOST_PER_PEER, (SHOWN_IN_ALL + peers - 1) / peers));
    for (; outstanding < perPeer; outstanding++) {
      int p = rarestFor(c);
      if (p < 0) {
        return;
      }
      c.peer().shown(p);
      shown[p]++;
      c.session.have(p);
    }
  }

  /** The piece {@code c} lacks and was not shown whose copies are fewest (random among ties). */
  private int rarestFor(Connection c) {
    return fewest(pieceCount, p -> c.peer().pieces().get(p) || c.peer().wasShown(p),
        p -> availability.applyAsInt(p) + shown[p], random);
  }

  /**
   * The piece not {@code skipped} whose {@code copies} are fewest, chosen at random among ties;
   * -1 if every piece is skipped. A scan of every piece: called once per piece a peer takes.
   */
  static int fewest(int pieceCount, java.util.function.IntPredicate skipped,
      java.util.function.IntUnaryOperator copies, Random random) {
    int best = -1;
    int bestCount = Integer.MAX_VALUE;
    int ties = 0;
    for (int p = 0; p < pieceCount; p++) {
      if (skipped.test(p)) {
        continue;
      }
      int n = copies.applyAsInt(p);
      if (n < bestCount) {
        best = p;
        bestCount = n;
        ties = 1;
      } else if (n == bestCount && random.nextInt(++ties) == 0) {
        best = p;
      }
    }
    return best;
  }
}
