package io.btlib.storage.internal;

import java.util.Map;
import java.util.TreeMap;

/**
 * A set of disjoint, merged {@code [start, end)} ranges of ints: which bytes of a piece were
 * written. Internal, not API. Not thread-safe.
 */
public final class ByteRanges {
  private final TreeMap<Integer, Integer> ranges = new TreeMap<>(); // start -> end

  /** Adds {@code [start, end)}, merging it with the ranges it touches. */
  public void add(int start, int end) {
    if (start >= end) {
      return;
    }
    int s = start;
    int e = end;
    Map.Entry<Integer, Integer> lo = ranges.floorEntry(s);
    if (lo != null && lo.getValue() >= s) {
      s = lo.getKey();
      e = Math.max(e, lo.getValue());
    }
    Map.Entry<Integer, Integer> hi;
    while ((hi = ranges.ceilingEntry(s)) != null && hi.getKey() <= e) {
      e = Math.max(e, hi.getValue());
      ranges.remove(hi.getKey());
    }
    ranges.put(s, e);
  }

  /** Whether every byte of {@code [start, end)} is in the set (an empty range always is). */
  public boolean covers(int start, int end) {
    if (start >= end) {
      return true;
    }
    Map.Entry<Integer, Integer> lo = ranges.floorEntry(start);
    return lo != null && lo.getValue() >= end;
  }

  /** The first byte of {@code [start, end)} not in the set, or {@code end}. */
  public int firstGap(int start, int end) {
    Map.Entry<Integer, Integer> lo = ranges.floorEntry(start);
    if (lo == null || lo.getValue() <= start) {
      return start;
    }
    return Math.min(end, lo.getValue());
  }

  /** Whether the set is empty. */
  public boolean isEmpty() {
    return ranges.isEmpty();
  }

  @Override
  public String toString() {
    return ranges.toString();
  }
}
