package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The engine's one pool of spare buffers: reuse by capacity and kind, within one byte bound. */
class BufferPoolTest {

  @Test
  void aBufferGivenBackIsTakenAgainCleared() {
    BufferPool pool = new BufferPool(1 << 20);
    BufferPool.Bucket b = pool.bucket(16384, false);
    ByteBuffer buf = pool.take(b);
    buf.putInt(7);
    pool.give(b, buf);
    assertThat(pool.retainedBytes()).isEqualTo(16384);

    ByteBuffer again = pool.poll(b);
    assertThat(again).isSameAs(buf);
    assertThat(again.position()).isZero();
    assertThat(again.limit()).isEqualTo(16384);
    assertThat(pool.poll(b)).isNull();
    assertThat(pool.retainedBytes()).isZero();
  }

  @Test
  void kindsAndCapacitiesHaveBucketsOfTheirOwn() {
    BufferPool pool = new BufferPool(1 << 20);
    ByteBuffer heap = ByteBuffer.allocate(4096);
    ByteBuffer direct = ByteBuffer.allocateDirect(4096);
    pool.give(heap);
    pool.give(direct);
    pool.give(ByteBuffer.allocate(4096).asReadOnlyBuffer()); // not its memory to lend

    assertThat(pool.bucket(4096, false)).isSameAs(pool.bucket(4096, false));
    assertThat(pool.poll(pool.bucket(8192, false))).isNull();
    assertThat(pool.retainedBytes(true)).isEqualTo(4096);
    assertThat(pool.take(4096, true)).isSameAs(direct);
    assertThat(pool.take(4096, false)).isSameAs(heap);
    assertThat(pool.take(4096, false)).isNotSameAs(heap); // a new one
    assertThat(pool.retainedBytes()).isZero();
  }

  @Test
  void overTheBoundTheFullestOtherBucketGivesWay() {
    BufferPool pool = new BufferPool(5 * 4096);
    BufferPool.Bucket small = pool.bucket(4096, false);
    BufferPool.Bucket large = pool.bucket(8192, false);
    pool.give(large, ByteBuffer.allocate(8192));
    pool.give(large, ByteBuffer.allocate(8192));
    pool.give(small, ByteBuffer.allocate(4096));
    assertThat(pool.retainedBytes()).isEqualTo(5 * 4096);

    pool.give(small, ByteBuffer.allocate(4096)); // the large bucket holds the most: one goes
    assertThat(pool.spareCount(large)).isEqualTo(1);
    assertThat(pool.spareCount(small)).isEqualTo(2);

    pool.give(small, ByteBuffer.allocate(4096));
    assertThat(pool.spareCount(small)).isEqualTo(3);
    pool.give(small, ByteBuffer.allocate(4096)); // its own bucket is the fullest: dropped
    assertThat(pool.spareCount(small)).isEqualTo(3);
    assertThat(pool.spareCount(large)).isEqualTo(1);
    assertThat(pool.retainedBytes()).isEqualTo(5 * 4096);
  }

  @Test
  void dropAndClearForgetSpareBuffers() {
    BufferPool pool = new BufferPool(1 << 20);
    BufferPool.Bucket heap = pool.bucket(1024, false);
    pool.give(heap, ByteBuffer.allocate(1024));
    pool.give(heap, ByteBuffer.allocate(1024));
    pool.give(ByteBuffer.allocateDirect(2048));

    assertThat(pool.dropOne(true)).isTrue();
    assertThat(pool.dropOne(true)).isFalse();
    pool.clear(heap);
    assertThat(pool.spareCount(heap)).isZero();
    assertThat(pool.retainedBytes()).isZero();
  }

  @Test
  void spareBuffersNothingTookForAWholePeriodAreLetGo() {
    BufferPool pool = new BufferPool(1 << 20);
    BufferPool.Bucket b = pool.bucket(16384, false);
    ByteBuffer[] burst = new ByteBuffer[10];
    for (int i = 0; i < burst.length; i++) {
      burst[i] = pool.take(b);
    }
    for (ByteBuffer buf : burst) {
      pool.give(b, buf);
    }
    long t = 5_000_000_000L;
    pool.decay(t); // starts the clock
    // for two periods the load uses three buffers at a time: the seven below them sit unused
    for (long end = t + 2 * BufferPool.DECAY_NANOS; t < end; t += 1_000_000_000L) {
      ByteBuffer x = pool.poll(b);
      ByteBuffer y = pool.poll(b);
      ByteBuffer z = pool.poll(b);
      pool.give(b, z);
      pool.give(b, y);
      pool.give(b, x);
      pool.decay(t);
    }
    assertThat(pool.spareCount(b)).isEqualTo(3);
    assertThat(pool.retainedBytes()).isEqualTo(3 * 16384);

    // quiet now: after one whole period with no taker, nothing is held
    pool.decay(t + BufferPool.DECAY_NANOS);
    assertThat(pool.spareCount(b)).isEqualTo(3);
    pool.decay(t + 2 * BufferPool.DECAY_NANOS);
    assertThat(pool.spareCount(b)).isZero();
    assertThat(pool.retainedBytes()).isZero();
  }

  @Test
  void aBufferTakenInThePeriodIsKeptEvenIfTheBucketWasEmptyAtTimes() {
    BufferPool pool = new BufferPool(1 << 20);
    BufferPool.Bucket b = pool.bucket(4096, true);
    pool.decay(0);
    ByteBuffer buf = pool.take(b); // new: the bucket was empty
    pool.give(b, buf);
    pool.decay(BufferPool.DECAY_NANOS); // the low water was 0: nothing sat unused all period
    assertThat(pool.spareCount(b)).isEqualTo(1);
    pool.decay(2 * BufferPool.DECAY_NANOS - 1); // not a whole period yet
    assertThat(pool.spareCount(b)).isEqualTo(1);
    pool.decay(2 * BufferPool.DECAY_NANOS);
    assertThat(pool.spareCount(b)).isZero();
  }
}
