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
 * itself when its own bucket holds the most.
 *
 * <p>Owned by the engine thread: not thread-safe. A disk thread done with a buffer hands it back
 * through a task posted to the loop (as the piece assembler's and the upload pump's results do),
 * never directly. Internal, not API.
 */
final class BufferPool {

  /** At most this many buckets; buffers of further capacities are not kept. */
  private static final int MAX_BUCKETS = 16;

  /** The spare buffers of one capacity and kind. Take its handle once, off the hot path. */
  static final class Bucket {
    final int capacity;
    final boolean direct;
    private final ArrayDeque<ByteBuffer> spare = new ArrayDeque<>();

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
      fullest.spare.pollLast();
      retained -= fullest.capacity;
    }
    b.spare.addFirst(buf);
    retained += b.capacity;
  }

  /** Drops the spare buffers of {@code b}. */
  void clear(Bucket b) {
    retained -= b.bytes();
    b.spare.clear();
  }

  /** Drops one spare buffer of the given kind (of any capacity); false if there is none. */
  boolean dropOne(boolean direct) {
    for (int i = 0; i < bucketCount; i++) {
      Bucket b = buckets[i];
      if (b.direct == direct && b.spare.pollLast() != null) {
        retained -= b.capacity;
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
