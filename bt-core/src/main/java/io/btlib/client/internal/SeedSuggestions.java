package io.btlib.client.internal;

import io.btlib.client.TorrentState;
import java.util.BitSet;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * A seed's own choice of pieces, without super-seeding: each peer we unchoke is suggested (BEP 6
 * SUGGEST_PIECE) the pieces the swarm has least, counting those already suggested to or asked of
 * us by other peers, and one more each time it asks for one of them. A leecher's rarest-first
 * picker cannot see what other leechers are fetching from the seed (a request waits in the pipe
 * up to its queue time, 3 s by default, and the piece is announced only once it is had), so
 * without this the seed's peers pick the same seed-only pieces at random: in a simulated flash
 * crowd of 20 leechers 30% of the seed's blocks were such collisions, and the seed sent 1.7
 * copies of the file. A suggestion is only a tie-break among equally rare pieces in the peer's
 * picker (ours and libtorrent's): the peer still decides. Peers without the fast extension get
 * none. Loop thread only.
 */
final class SeedSuggestions {
  /**
   * Suggestions a peer holds that it has neither asked for nor got: about the pieces a peer asks
   * of one upload slot in a request queue time (4 MiB/s over 8 slots for 3 s is 6 pieces of 256
   * KiB), so that a newly unchoked peer's first batch of requests is all suggested pieces.
   */
  static final int OUTSTANDING = 8;

  private final TorrentRuntime t;
  private final int pieceCount;
  private final IntUnaryOperator availability;
  private final Random random;
  /** Per piece: how many peers that lack it were suggested it or asked us for it. */
  private final int[] taken;
  /** Per peer: the pieces suggested to it or asked of us by it, until it has them (in taken). */
  private final Map<Connection, BitSet> mine = new IdentityHashMap<>();
  /** Per peer: the pieces of {@link #mine} it asked for. */
  private final Map<Connection, BitSet> asked = new IdentityHashMap<>();

  SeedSuggestions(TorrentRuntime t, int pieceCount, IntUnaryOperator availability,
      Random random) {
    this.t = t;
    this.pieceCount = pieceCount;
    this.availability = availability;
    this.random = random;
    this.taken = new int[pieceCount];
  }

  /** We unchoke {@code c} (before the unchoke is queued, so the suggestions arrive first). */
  void onUnchoked(Connection c) {
    if (applies(c)) {
      topUp(c);
    }
  }

  /** {@code c} asked us for a block of {@code piece}, and the request is queued. */
  void onRequested(Connection c, int piece) {
    if (!applies(c)) {
      return;
    }
    BitSet m = mine.computeIfAbsent(c, k -> new BitSet());
    BitSet a = asked.computeIfAbsent(c, k -> new BitSet());
    if (a.get(piece)) {
      return; // a later block of a piece it asked for already
    }
    a.set(piece);
    if (!m.get(piece)) {
      m.set(piece);
      taken[piece]++; // a piece it chose itself is as taken as one we suggested
      return;
    }
    topUp(c); // it took a suggestion: the next one
  }

  /**
   * We choked {@code c}: the suggestions it has not taken are free for other peers (it cannot ask
   * us for them now). Kept, they counted as copies that were never sent: with upload slots
   * handed on within the round, most peers unchoked for a while then held eight each, and the
   * seed went on to suggest one piece to several peers (most of the collisions left).
   */
  void onChoked(Connection c) {
    BitSet m = mine.get(c);
    BitSet a = asked.get(c);
    if (m == null) {
      return;
    }
    for (int p = m.nextSetBit(0); p >= 0; p = m.nextSetBit(p + 1)) {
      if (!a.get(p)) {
        m.clear(p);
        taken[p]--;
      }
    }
  }

  /**
   * {@code c} has {@code piece} now: it counts in the piece's availability, no longer as taken.
   * Counted twice, a piece in flight to a peer ranked below one that peer already had, and once
   * every piece was taken the seed suggested pieces still on their way to others.
   */
  void onHave(Connection c, int piece) {
    BitSet m = mine.get(c);
    if (m != null && m.get(piece)) {
      m.clear(piece);
      taken[piece]--;
    }
  }

  /** {@code c} closed. */
  void onClosed(Connection c) {
    BitSet m = mine.remove(c);
    asked.remove(c);
    if (m != null) {
      // what it was suggested or asked and never got is free to suggest to others again (kept,
      // a piece taken by a peer that left was never suggested again)
      for (int p = m.nextSetBit(0); p >= 0; p = m.nextSetBit(p + 1)) {
        taken[p]--;
      }
    }
  }

  private boolean applies(Connection c) {
    return t.state() == TorrentState.SEEDING && c.session != null
        && c.session.isFastExtension() && !c.peer().isSeed() && t.superSeedingIfOn() == null;
  }

  private void topUp(Connection c) {
    BitSet m = mine.computeIfAbsent(c, k -> new BitSet());
    BitSet a = asked.computeIfAbsent(c, k -> new BitSet());
    BitSet has = c.peer().pieces();
    int outstanding = 0;
    for (int p = m.nextSetBit(0); p >= 0; p = m.nextSetBit(p + 1)) {
      if (!a.get(p) && !has.get(p)) {
        outstanding++;
      }
    }
    for (; outstanding < OUTSTANDING; outstanding++) {
      int p = rarestFor(m, has);
      if (p < 0) {
        return;
      }
      m.set(p);
      taken[p]++;
      c.session.suggest(p);
    }
  }

  /**
   * A piece nobody has and no peer has taken, chosen at random; -1 once there is none. Only
   * such pieces: suggesting the least-had of pieces already had or taken (as first built) made
   * small swarms slower (16 pieces, 9 leechers: 15.0 s to 20.0 s; with this, 9.0 s), where every
   * piece is soon taken several times and a suggestion only steers peers towards the same ones.
   */
  private int rarestFor(BitSet m, BitSet has) {
    int p = SuperSeeding.fewest(pieceCount, q -> has.get(q) || m.get(q),
        q -> availability.applyAsInt(q) + taken[q], random);
    return p >= 0 && availability.applyAsInt(p) + taken[p] == 0 ? p : -1;
  }
}
