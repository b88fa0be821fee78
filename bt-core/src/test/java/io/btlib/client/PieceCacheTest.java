package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** A torrent streamed through a bounded {@link PieceCache}, on loopback swarms. */
@Timeout(60)
class PieceCacheTest {
  private static final int PIECE = 16 * 1024;

  /** A cache over an array: evicted pieces read as missing; it records what it held. */
  static final class TestCache implements PieceCache {
    final TestTorrents.ArrayStorage store;
    final long capacity;
    final AtomicIntegerArray writes;
    final AtomicLong held = new AtomicLong();
    final AtomicLong maxHeld = new AtomicLong();
    final java.util.BitSet holding = new java.util.BitSet();

    TestCache(Metainfo m, long capacity) {
      this.store = new TestTorrents.ArrayStorage(m, null);
      this.capacity = capacity;
      this.writes = new AtomicIntegerArray(m.pieceCount());
    }

    @Override
    public long capacity() {
      return capacity;
    }

    @Override
    public void evict(int piece) {
      synchronized (store) {
        store.written[piece] = false;
      }
      synchronized (holding) {
        if (holding.get(piece)) {
          holding.clear(piece);
          held.addAndGet(-store.m.pieceSize(piece));
        }
      }
    }

    @Override
    public void read(int piece, int offset, ByteBuffer dst) throws IOException {
      store.read(piece, offset, dst);
    }

    @Override
    public void write(int piece, int offset, ByteBuffer src) {
      synchronized (holding) {
        if (!holding.get(piece)) {
          holding.set(piece);
          writes.incrementAndGet(piece);
          maxHeld.accumulateAndGet(held.addAndGet(store.m.pieceSize(piece)), Math::max);
        }
      }
      store.write(piece, offset, src);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {
      store.close();
    }
  }

  private static byte[] read(TorrentReader r, long from, int n) throws IOException {
    r.position(from);
    byte[] got = new byte[n];
    int at = 0;
    while (at < n) {
      int k = r.read(ByteBuffer.wrap(got, at, n - at));
      assertThat(k).isPositive();
      at += k;
    }
    return got;
  }

  @Test
  void aReaderOfAFileFourTimesTheCacheStaysWithinItAndASeekBackFetchesAgain() throws Exception {
    byte[] data = TestTorrents.random(64 * PIECE, 41); // 1 MiB
    Metainfo m = TestTorrents.v1(data, PIECE);
    TestCache cache = new TestCache(m, 16 * PIECE); // 256 KiB
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      TorrentReaderTest.seed(seeder, m, data, 0);
      Torrent l = leecher.add(m, cache);
      l.addPeer(PeerAddress.of(seeder.listenAddress()));
      try (TorrentReader r = l.newReader(0)) { // the default readahead, cut to half the cache
        l.start();
        assertThat(TorrentReaderTest.readAll(r, 10_000)).isEqualTo(data);
        assertThat(cache.maxHeld.get()).as("most held").isLessThanOrEqualTo(cache.capacity);
        assertThat(cache.writes.get(0)).isEqualTo(1);
        // the start was evicted long ago: read again, it is fetched and checked again
        assertThat(read(r, 1000, 40_000)).isEqualTo(Arrays.copyOfRange(data, 1000, 41_000));
        assertThat(cache.writes.get(0)).isEqualTo(2);
        assertThat(cache.maxHeld.get()).isLessThanOrEqualTo(cache.capacity);
      }
      assertThat(l.status().state()).as("a cache never completes")
          .isEqualTo(TorrentState.DOWNLOADING);
      assertThat(l.completion()).isNotDone();
      assertThat(l.status().hashFailures()).isZero();
    }
  }

  @Test
  void readersOnDifferentRegionsShareTheCache() throws Exception {
    byte[] data = TestTorrents.random(64 * PIECE, 42);
    Metainfo m = TestTorrents.v1(data, PIECE);
    TestCache cache = new TestCache(m, 12 * PIECE);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      TorrentReaderTest.seed(seeder, m, data, 0);
      Torrent l = leecher.add(m, cache);
      l.addPeer(PeerAddress.of(seeder.listenAddress()));
      try (TorrentReader a = l.newReader(0).readahead(2 * PIECE);
          TorrentReader b = l.newReader(0).readahead(2 * PIECE)) {
        l.start();
        for (int i = 0; i < 6; i++) {
          long x = i * 5L * PIECE;
          long y = (63 - i * 5L) * PIECE + 7;
          assertThat(read(a, x, 30_000)).isEqualTo(Arrays.copyOfRange(data, (int) x,
              (int) x + 30_000));
          assertThat(read(b, y, 9_000)).isEqualTo(Arrays.copyOfRange(data, (int) y,
              (int) y + 9_000));
        }
      }
      assertThat(cache.maxHeld.get()).isLessThanOrEqualTo(cache.capacity);
    }
  }

  @Test
  void aPeerAskingForAnEvictedPieceIsRejectedAndOneStillHeldIsServed() throws Exception {
    byte[] data = TestTorrents.random(32 * PIECE, 43);
    Metainfo m = TestTorrents.v1(data, PIECE);
    TestCache cache = new TestCache(m, 8 * PIECE);
    try (Client seeder = Client.builder().build();
        Client leecher = Client.builder().encryption(EncryptionPolicy.DISABLED).build()) {
      TorrentReaderTest.seed(seeder, m, data, 0);
      Torrent l = leecher.add(m, cache);
      l.addPeer(PeerAddress.of(seeder.listenAddress()));
      try (TorrentReader r = l.newReader(0).readahead(2 * PIECE)) {
        l.start();
        assertThat(TorrentReaderTest.readAll(r, 10_000)).isEqualTo(data);
        try (RawPeer p = RawPeer.connect(leecher.listenAddress(), m)) {
          p.send(RawPeer.INTERESTED);
          p.next(RawPeer.UNCHOKE);
          // piece 0 went long ago; the last piece was read last and is still held
          p.send(RawPeer.REQUEST, 0, 0, PIECE);
          p.send(RawPeer.REQUEST, 31, 0, PIECE);
          RawPeer.Msg first = p.in.poll(20, TimeUnit.SECONDS);
          while (first != null && first.id() != RawPeer.REJECT && first.id() != RawPeer.PIECE) {
            first = p.in.poll(20, TimeUnit.SECONDS);
          }
          assertThat(first).isEqualTo(new RawPeer.Msg(RawPeer.REJECT, 0, 0, PIECE));
          assertThat(p.next(RawPeer.PIECE)).isEqualTo(new RawPeer.Msg(RawPeer.PIECE, 31, 0,
              PIECE));
        }
      }
    }
  }

  @Test
  void aCacheSmallerThanOnePieceIsAClearError() {
    byte[] data = TestTorrents.random(4 * PIECE, 44);
    Metainfo m = TestTorrents.v1(data, PIECE);
    try (Client leecher = Client.builder().build()) {
      assertThatThrownBy(() -> leecher.add(m, new TestCache(m, PIECE - 1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("less than one piece");
    }
  }
}
