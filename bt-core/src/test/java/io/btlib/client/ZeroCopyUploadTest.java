package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.WritableByteChannel;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** {@link Client.Builder#zeroCopyUploads}: which path serves blocks, and a failing transfer. */
class ZeroCopyUploadTest {

  /** Counts reads and transfers of a seeder's storage; optionally fails the first transfers. */
  static final class CountingStorage implements Storage {
    final TestTorrents.ArrayStorage inner;
    final AtomicInteger reads = new AtomicInteger();
    final AtomicInteger transfers = new AtomicInteger();
    final AtomicLong transferred = new AtomicLong();
    final AtomicInteger failures;

    CountingStorage(TestTorrents.ArrayStorage inner, int failures) {
      this.inner = inner;
      this.failures = new AtomicInteger(failures);
    }

    @Override
    public void read(int piece, int offset, ByteBuffer dst) throws IOException {
      reads.incrementAndGet();
      inner.read(piece, offset, dst);
    }

    @Override
    public void write(int piece, int offset, ByteBuffer src) throws IOException {
      inner.write(piece, offset, src);
    }

    @Override
    public long transferTo(int piece, int offset, int length, WritableByteChannel target)
        throws IOException {
      transfers.incrementAndGet();
      if (failures.getAndDecrement() > 0) {
        throw new IOException("simulated read failure of piece " + piece);
      }
      long n = inner.transferTo(piece, offset, length, target); // its own reads, not counted
      transferred.addAndGet(n);
      return n;
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      inner.close();
    }
  }

  private static CountingStorage seed(Client seeder, Metainfo m, byte[] data, int failures)
      throws Exception {
    CountingStorage st = new CountingStorage(new TestTorrents.ArrayStorage(m, data), failures);
    Torrent s = seeder.add(m, st);
    s.start();
    s.completion().get(10, TimeUnit.SECONDS); // the recheck read everything
    st.reads.set(0);
    return st;
  }

  private static void download(Client seeder, Client leecher, Metainfo m, byte[] data)
      throws Exception {
    Torrent l = SwarmTest.downloadFrom(seeder, leecher, m, data);
    assertThat(l.status().hashFailures()).isZero();
  }

  @Test
  void withZeroCopyEveryBodyGoesOutThroughTransferTo() throws Exception {
    byte[] data = TestTorrents.random(2 * 1024 * 1024 + 999, 5);
    Metainfo m = TestTorrents.v1(data, 64 * 1024, 700_000, data.length - 700_000);
    try (Client seeder = Client.builder().zeroCopyUploads(true).build();
        Client leecher = Client.builder().build()) {
      CountingStorage st = seed(seeder, m, data, 0);
      download(seeder, leecher, m, data);
      // the loop counts a transfer after the socket took it, when the leecher may have it all:
      // once the seeder is closed (its loop joined), every count is in
      seeder.close();
      assertThat(st.transferred.get()).isGreaterThanOrEqualTo(data.length);
      assertThat(st.reads.get()).as("reads through the cache").isZero();
    }
  }

  @Test
  void withoutZeroCopyBodiesComeFromTheReadCache() throws Exception {
    byte[] data = TestTorrents.random(1024 * 1024 + 5, 6);
    Metainfo m = TestTorrents.v1(data, 64 * 1024, data.length);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      CountingStorage st = seed(seeder, m, data, 0);
      download(seeder, leecher, m, data);
      assertThat(st.transfers.get()).isZero();
      assertThat(st.reads.get()).isPositive();
    }
  }

  @Test
  void rc4ConnectionsUseTheReadCacheEvenWithZeroCopyOn() throws Exception {
    byte[] data = TestTorrents.random(512 * 1024 + 3, 7);
    Metainfo m = TestTorrents.v1(data, 64 * 1024, data.length);
    try (Client seeder = Client.builder().zeroCopyUploads(true)
        .encryption(EncryptionPolicy.FORCED).build();
        Client leecher = Client.builder().encryption(EncryptionPolicy.FORCED).build()) {
      CountingStorage st = seed(seeder, m, data, 0);
      download(seeder, leecher, m, data);
      assertThat(st.transfers.get()).isZero();
    }
  }

  @Test
  void aFailedTransferDropsThatConnectionAndTheDownloadStillCompletes() throws Exception {
    byte[] data = TestTorrents.random(1024 * 1024 + 77, 8);
    Metainfo m = TestTorrents.v1(data, 64 * 1024, data.length);
    try (Client seeder = Client.builder().zeroCopyUploads(true).build();
        Client leecher = Client.builder().build()) {
      CountingStorage st = seed(seeder, m, data, 1);
      download(seeder, leecher, m, data); // the leecher dials the seeder again
      assertThat(st.failures.get()).isNegative(); // the failure happened
    }
  }
}
