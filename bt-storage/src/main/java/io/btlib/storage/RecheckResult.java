package io.btlib.storage;

import java.time.Duration;
import java.util.BitSet;

/**
 * What a {@link Recheck} found: which pieces hold verified data, and which could not be read at
 * all (missing or short files) as opposed to read and found wrong.
 *
 * @param pieceCount the torrent's number of pieces
 * @param checked the pieces that were checked (all, or the subset asked for)
 * @param good the checked pieces that match their hashes
 * @param unreadable the checked pieces of which some byte could not be read
 * @param bytesHashed the bytes read and hashed
 * @param elapsed the wall-clock time the recheck took
 */
public record RecheckResult(
    int pieceCount, BitSet checked, BitSet good, BitSet unreadable, long bytesHashed,
    Duration elapsed) {

  /** Copies the sets. */
  public RecheckResult {
    checked = (BitSet) checked.clone();
    good = (BitSet) good.clone();
    unreadable = (BitSet) unreadable.clone();
  }

  /** The pieces that were checked, as a copy. */
  @Override
  public BitSet checked() {
    return (BitSet) checked.clone();
  }

  /** The checked pieces that match their hashes, as a copy. */
  @Override
  public BitSet good() {
    return (BitSet) good.clone();
  }

  /** The checked pieces of which some byte could not be read, as a copy. */
  @Override
  public BitSet unreadable() {
    return (BitSet) unreadable.clone();
  }

  /** The checked pieces that are not good (unreadable or wrong). */
  public BitSet bad() {
    BitSet b = (BitSet) checked.clone();
    b.andNot(good);
    return b;
  }

  /** Whether every checked piece is good. */
  public boolean allGood() {
    return good.cardinality() == checked.cardinality();
  }

  /** Hashing throughput in MiB/s over the elapsed time. */
  public double mibPerSecond() {
    double secs = elapsed.toNanos() / 1e9;
    return secs <= 0 ? 0 : bytesHashed / 1048576.0 / secs;
  }
}
