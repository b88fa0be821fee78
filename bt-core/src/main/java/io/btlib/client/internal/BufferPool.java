package io.btlib.client.internal;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;

/**
 * The engine's one pool of spare buffers, in buckets of one capacity and kind (heap or direct):
 * received blocks' buffers, the read cache's extents and the chunks pieces are assembled in go back
 * here and are taken again, so that a busy transfer does not make garbage. It keeps at most
 * {@code maxBytes} in all; giving back a buffer beyond that drops spare buffers of the fullest
 * other bucket first (the buffer just given back is the likelier to be needed), or the buffer
 * itself when its own bucket holds the most. Spare buffers that nothing took for a whole
 * {@linkplain #DECAY_NANOS period} are let go ({@link #decay}): the pool follows recent demand, so
 * a burst's buffers do not stay held for the life of the client (a client that seeded hard once
 * and is quiet now should not keep tens of mebibytes it no longer uses).
 *
 * <p>Owned by the engine thread: not thread-safe. A disk thread done with a buffer hands it back
 * through a task posted to the loop (as the piece assembler's and the upload pump's results do),
 * never directly. Internal, not API.
 */
final class BufferPool {

  /** At most this many buckets; buffers of further capacities are not kept. */
  private static final int MAX_BUCKETS = 16;

  /** A spare buffer nothing took for this long (at most twice this) is let go: 10 s. */
  static final long DECAY_NANOS = 10_000_000_000L;

  /** The spare buffers of one capacity and kind. Take its handle once, off the hot path. */
  static final class Bucket {
    final int capacity;
    final boolean direct;
    private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>();
    /**
     * The fewest spare buffers this bucket held since the last decay: that many sat unused the
     * whole period (taken from the front, they are the ones at the back).
     */
    private int lowWater;

    private Bucket(int capacity, boolean direct) {
      this.capacity = capacity;
      this.direct = direct;
    }

    private long bytes() {
      return (long) spare.size() * capacity;
    }

    @Override
    public String toString() {
      return (direct ? "direct " : "heap ") + capacity + " x" + spare.size();
    }
  }

  private final long maxBytes;
  private final Bucket[] buckets = new Bucket[MAX_BUCKETS];
  private int bucketCount;
  private long retained;
  private long lastDecay;
  private boolean decayed;

  /** A pool that keeps at most {@code maxBytes} of spare buffers. */
  BufferPool(long maxBytes) {
    this.maxBytes = maxBytes;
  }

  /** The bucket of {@code capacity}-byte buffers of that kind; null if there are too many kinds. */
  Bucket bucket(int capacity, boolean direct) {
    for (int i = 0; i < bucketCount; i++) {
      Bucket b = buckets[i];
      if (b.capacity == capacity && b.direct == direct) {
        return b;
      }
    }
    if (bucketCount == MAX_BUCKETS) {
      return null;
    }
    Bucket b = new Bucket(capacity, direct);
    buckets[bucketCount++] = b;
    return b;
  }

  /** A spare buffer of {@code b} (cleared: position 0, limit its capacity), or null if none. */
  ByteBuffer poll(Bucket b) {
    ByteBuffer buf = b.spare.pollFirst();
    if (buf == null) {
      return null;
    }
    retained -= b.capacity;
    if (b.spare.size() < b.lowWater) {
      b.lowWater = b.spare.size();
    }
    return (ByteBuffer) ((Buffer) buf).clear();
  }

  /** A spare buffer of {@code b}, or a new one. */
  ByteBuffer take(Bucket b) {
    ByteBuffer buf = poll(b);
    if (buf != null) {
      return buf;
    }
    return b.direct ? ByteBuffer.allocateDirect(b.capacity) : ByteBuffer.allocate(b.capacity);
  }

  /** A spare {@code capacity}-byte buffer of that kind, or a new one. */
  ByteBuffer take(int capacity, boolean direct) {
    Bucket b = bucket(capacity, direct);
    if (b == null) {
      return direct ? ByteBuffer.allocateDirect(capacity) : ByteBuffer.allocate(capacity);
    }
    return take(b);
  }

  /**
   * Takes back {@code buf}, which nothing uses any more (read-only buffers and views are not
   * kept: their memory is not theirs to lend).
   */
  void give(ByteBuffer buf) {
    if (buf.isReadOnly()) {
      return;
    }
    Bucket b = bucket(buf.capacity(), buf.isDirect());
    if (b != null) {
      give(b, buf);
    }
  }

  /** Takes back {@code buf}, a buffer of bucket {@code b}. */
  void give(Bucket b, ByteBuffer buf) {
    while (retained + b.capacity > maxBytes) {
      Bucket fullest = fullest();
      if (fullest == null || fullest == b) {
        return; // its own kind holds the most: this one goes to the collector
      }
      dropLast(fullest);
    }
    b.spare.addFirst(buf);
    retained += b.capacity;
  }

  /** Drops the spare buffers of {@code b}. */
  void clear(Bucket b) {
    retained -= b.bytes();
    b.spare.clear();
    b.lowWater = 0;
  }

  /**
   * Lets go of the spare buffers nothing took since the last decay, once a {@link #DECAY_NANOS}
   * period has passed since then; called on the engine's tick. The first call only starts the
   * clock.
   */
  void decay(long now) {
    if (decayed && now - lastDecay < DECAY_NANOS) {
      return;
    }
    for (int i = 0; i < bucketCount; i++) {
      Bucket b = buckets[i];
      for (int n = decayed ? Math.min(b.lowWater, b.spare.size()) : 0; n > 0; n--) {
        dropLast(b);
      }
      b.lowWater = b.spare.size();
    }
    decayed = true;
    lastDecay = now;
  }

  /** Drops one spare buffer of the given kind (of any capacity); false if there is none. */
  boolean dropOne(boolean direct) {
    for (int i = 0; i < bucketCount; i++) {
      Bucket b = buckets[i];
      if (b.direct == direct && !b.spare.isEmpty()) {
        dropLast(b);
        return true;
      }
    }
    return false;
  }

  /** The bytes of spare buffers kept of the given kind. */
  long retainedBytes(boolean direct) {
    long n = 0;
    for (int i = 0; i < bucketCount; i++) {
      if (buckets[i].direct == direct) {
        n += buckets[i].bytes();
      }
    }
    return n;
  }

  /** The bytes of spare buffers kept in all. */
  long retainedBytes() {
    return retained;
  }

  /** How many spare buffers {@code b} holds. */
  int spareCount(Bucket b) {
    return b.spare.size();
  }

  /** Drops the coldest spare buffer of {@code b}, which holds one. */
  private void dropLast(Bucket b) {
    b.spare.pollLast();
    retained -= b.capacity;
    if (b.lowWater > b.spare.size()) {
      b.lowWater = b.spare.size();
    }
  }

  private Bucket fullest() {
    Bucket best = null;
    for (int i = 0; i < bucketCount; i++) {
      Bucket b = buckets[i];
      if (!b.spare.isEmpty() && (best == null || b.bytes() > best.bytes())) {
        best = b;
      }
    }
    return best;
  }
}
