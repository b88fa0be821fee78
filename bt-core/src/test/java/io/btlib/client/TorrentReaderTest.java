package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.NonWritableChannelException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Readers of files that download while they are read, on loopback swarms. */
@Timeout(60)
class TorrentReaderTest {

  /** A seeder of {@code m} over {@code data}, its upload capped so a download takes a while. */
  static Torrent seed(Client seeder, Metainfo m, byte[] data, long upload) throws Exception {
    java.util.BitSet all = new java.util.BitSet();
    all.set(0, m.pieceCount());
    Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data), all);
    s.setRateLimits(0, upload);
    s.start();
    return s;
  }

  static Torrent leech(Client leecher, Client seeder, Metainfo m) {
    Torrent l = leecher.add(m, new TestTorrents.ArrayStorage(m, null));
    l.addPeer(PeerAddress.of(seeder.listenAddress()));
    l.start();
    return l;
  }

  /** Reads everything through the stream view, in reads of {@code chunk} bytes. */
  static byte[] readAll(TorrentReader r, int chunk) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    InputStream in = r.inputStream();
    byte[] buf = new byte[chunk];
    int n;
    while ((n = in.read(buf)) >= 0) {
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  static byte[] fileBytes(Metainfo m, byte[] stream, int file) {
    FileEntry f = m.files().get(file);
    return Arrays.copyOfRange(stream, (int) f.offset(), (int) (f.offset() + f.length()));
  }

  @Test
  void readsEachFileWhileItDownloadsWithSeveralReadersAtOnce() throws Exception {
    byte[] data = TestTorrents.random(3_000_000, 1);
    Metainfo m = TestTorrents.v1(data, 64 * 1024, 1_000_003, 999_997, 1_000_000);
    ExecutorService pool = Executors.newFixedThreadPool(3);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      seed(seeder, m, data, 3_000_000);
      Torrent l = leech(leecher, seeder, m);
      List<Future<byte[]>> reads = new ArrayList<>();
      int[] chunks = {7777, 65536, 1};
      for (int f = 0; f < 3; f++) {
        TorrentReader r = l.newReader(f);
        int chunk = chunks[f];
        reads.add(pool.submit(() -> {
          try (r) {
            return readAll(r, chunk == 1 ? 4097 : chunk);
          }
        }));
      }
      for (int f = 0; f < 3; f++) {
        assertThat(reads.get(f).get(50, TimeUnit.SECONDS)).isEqualTo(fileBytes(m, data, f));
      }
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void aSeekReadsFromTheNewPositionAcrossPieceAndFileBoundaries() throws Exception {
    byte[] data = TestTorrents.random(2_000_000, 2);
    Metainfo m = TestTorrents.v1(data, 32 * 1024, 500_000, 1_500_000);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      seed(seeder, m, data, 4_000_000);
      Torrent l = leech(leecher, seeder, m);
      try (TorrentReader r = l.newReader(1)) {
        assertThat(r.size()).isEqualTo(1_500_000);
        r.position(1_000_000);
        ByteBuffer b = ByteBuffer.allocate(100_000);
        while (b.hasRemaining()) {
          assertThat(r.read(b)).isPositive();
        }
        assertThat(b.array()).isEqualTo(Arrays.copyOfRange(data, 1_500_000, 1_600_000));
        assertThat(r.position()).isEqualTo(1_100_000);
        r.position(10); // back, within the file's first piece, which starts inside piece 15
        byte[] head = new byte[40_000];
        int got = 0;
        while (got < head.length) {
          got += r.inputStream().read(head, got, head.length - got);
        }
        assertThat(head).isEqualTo(Arrays.copyOfRange(data, 500_010, 540_010));
        r.position(1_499_999);
        assertThat(r.inputStream().read()).isEqualTo(data[1_999_999] & 0xff);
        assertThat(r.inputStream().read()).isEqualTo(-1);
        r.position(5_000_000);
        assertThat(r.read(ByteBuffer.allocate(10))).isEqualTo(-1);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"v2-multi.torrent", "hybrid-multi.torrent", "v2-single.torrent",
      "hybrid-single.torrent"})
  void readsEveryFileOfV2AndHybridTorrentsPadFilesIncluded(String name) throws Exception {
    Metainfo m = V2MagnetTest.load(name);
    byte[] data = V2MagnetTest.stream(m);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      seed(seeder, m, data, 0);
      Torrent l = leech(leecher, seeder, m);
      for (int f = 0; f < m.files().size(); f++) {
        try (TorrentReader r = l.newReader(f)) {
          assertThat(readAll(r, 10_000)).as(m.files().get(f).pathString())
              .isEqualTo(fileBytes(m, data, f));
        }
      }
    }
  }

  @Test
  void aReaderOpenedBeforeTheMetadataWaitsForIt() throws Exception {
    byte[] data = TestTorrents.random(1_000_000, 3);
    Metainfo m = TestTorrents.v1(data, 32 * 1024, 400_000, 600_000);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      seed(seeder, m, data, 0);
      Torrent l = leecher.add(MagnetLink.of(m.infoHashes()),
          meta -> new TestTorrents.ArrayStorage(meta, null));
      TorrentReader r = l.newReader(1);
      TorrentReader bad = l.newReader(7); // the metadata will say there is no such file
      l.addPeer(PeerAddress.of(seeder.listenAddress()));
      l.start();
      try (r; bad) {
        assertThat(r.size()).isEqualTo(600_000);
        assertThat(readAll(r, 20_000)).isEqualTo(fileBytes(m, data, 1));
        assertThatThrownBy(() -> bad.read(ByteBuffer.allocate(1)))
            .isInstanceOf(IOException.class).hasMessageContaining("no file 7");
      }
      assertThatThrownBy(() -> l.newReader(2)).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> l.newReader(-1)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  /** A leecher with no peer: nothing ever arrives. */
  static Torrent lonely(Client c, Metainfo m) {
    Torrent l = c.add(m, new TestTorrents.ArrayStorage(m, null));
    l.start();
    return l;
  }

  static void awaitWaiting(Thread th) {
    while (th.getState() != Thread.State.WAITING && th.getState() != Thread.State.TIMED_WAITING
        && th.isAlive()) {
      Thread.onSpinWait();
    }
  }

  @Test
  void closingAReaderWakesItsBlockedRead() throws Exception {
    byte[] data = TestTorrents.random(200_000, 4);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client c = Client.builder().build()) {
      TorrentReader r = lonely(c, m).newReader(0);
      CompletableFuture<Throwable> failure = new CompletableFuture<>();
      Thread th = new Thread(() -> {
        try {
          r.read(ByteBuffer.allocate(10));
          failure.complete(null);
        } catch (Throwable e) {
          failure.complete(e);
        }
      });
      th.start();
      awaitWaiting(th);
      r.close();
      assertThat(failure.get(10, TimeUnit.SECONDS)).isInstanceOf(AsynchronousCloseException.class);
      assertThat(r.isOpen()).isFalse();
      assertThatThrownBy(() -> r.read(ByteBuffer.allocate(1)))
          .isInstanceOf(ClosedChannelException.class);
      r.close(); // idempotent
    }
  }

  @Test
  void anInterruptedReadClosesTheReader() throws Exception {
    byte[] data = TestTorrents.random(200_000, 5);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client c = Client.builder().build()) {
      TorrentReader r = lonely(c, m).newReader(0);
      CompletableFuture<Throwable> failure = new CompletableFuture<>();
      boolean[] interruptKept = new boolean[1];
      Thread th = new Thread(() -> {
        try {
          r.read(ByteBuffer.allocate(10));
          failure.complete(null);
        } catch (Throwable e) {
          interruptKept[0] = Thread.currentThread().isInterrupted();
          failure.complete(e);
        }
      });
      th.start();
      awaitWaiting(th);
      th.interrupt();
      assertThat(failure.get(10, TimeUnit.SECONDS)).isInstanceOf(ClosedByInterruptException.class);
      th.join();
      assertThat(interruptKept[0]).isTrue();
      assertThat(r.isOpen()).isFalse();
    }
  }

  @Test
  void aReadTimesOutAndTheReaderStaysUsable() throws Exception {
    byte[] data = TestTorrents.random(200_000, 6);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client c = Client.builder().build()) {
      Torrent t = lonely(c, m);
      try (TorrentReader r = t.newReader(0).timeout(Duration.ofMillis(20))) {
        r.position(70_000);
        assertThatThrownBy(() -> r.read(ByteBuffer.allocate(10)))
            .isInstanceOfSatisfying(ReadTimeoutException.class, e -> {
              assertThat(e.piece()).isEqualTo(2);
              assertThat(e.bytesTransferred).isZero();
            });
        assertThat(r.isOpen()).isTrue();
        assertThat(r.position()).isEqualTo(70_000);
        assertThat(r.inputStream().available()).isZero();
      }
    }
  }

  @Test
  void aRemovedTorrentFailsItsReaders() throws Exception {
    byte[] data = TestTorrents.random(200_000, 7);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client c = Client.builder().build()) {
      Torrent t = lonely(c, m);
      TorrentReader r = t.newReader(0);
      CompletableFuture<Throwable> failure = new CompletableFuture<>();
      Thread th = new Thread(() -> {
        try {
          r.read(ByteBuffer.allocate(10));
          failure.complete(null);
        } catch (Throwable e) {
          failure.complete(e);
        }
      });
      th.start();
      awaitWaiting(th);
      t.remove();
      assertThat(failure.get(10, TimeUnit.SECONDS)).isInstanceOf(IOException.class)
          .hasMessageContaining("removed");
      assertThatThrownBy(() -> t.newReader(0)).isInstanceOf(IllegalStateException.class);
    }
  }

  @Test
  void aReaderIsReadOnly() throws Exception {
    byte[] data = TestTorrents.random(100_000, 8);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client c = Client.builder().build()) {
      try (TorrentReader r = c.add(m, new TestTorrents.ArrayStorage(m, data)).newReader(0)) {
        assertThatThrownBy(() -> r.write(ByteBuffer.allocate(1)))
            .isInstanceOf(NonWritableChannelException.class);
        assertThatThrownBy(() -> r.truncate(0)).isInstanceOf(NonWritableChannelException.class);
        assertThatThrownBy(() -> r.position(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.readahead(0)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> r.timeout(Duration.ofSeconds(-1)))
            .isInstanceOf(IllegalArgumentException.class);
        assertThat(r.fileIndex()).isZero();
      }
    }
  }

  @Test
  void aPieceThatFailsItsCheckIsReadFromAnotherPeerNeverTheBadBytes() throws Exception {
    byte[] data = TestTorrents.random(1_000_000, 9);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    int bad = 5;
    byte[] corrupt = data.clone();
    corrupt[bad * 32 * 1024 + 100] ^= 0x55;
    try (Client liar = Client.builder().build(); Client honest = Client.builder().build();
        Client leecher = Client.builder().build()) {
      java.util.BitSet all = new java.util.BitSet();
      all.set(0, m.pieceCount());
      liar.add(m, new TestTorrents.ArrayStorage(m, corrupt), all).start();
      honest.add(m, new TestTorrents.ArrayStorage(m, data), all).start();
      Torrent l = leecher.add(m, new TestTorrents.ArrayStorage(m, null));
      java.util.concurrent.CountDownLatch failed = new java.util.concurrent.CountDownLatch(1);
      l.addListener(new TorrentListener() {
        @Override
        public void onHashFailed(Torrent t, int piece, java.util.Set<PeerAddress> peers,
            java.util.Set<String> webSeeds) {
          if (piece == bad) {
            failed.countDown();
          }
        }
      });
      try (TorrentReader r = l.newReader(0)) {
        r.position(bad * 32 * 1024L - 1000); // the window starts with the bad piece's neighbour
        l.addPeer(PeerAddress.of(liar.listenAddress()));
        l.start();
        assertThat(failed.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(r.inputStream().available()).isLessThanOrEqualTo(1000);
        l.addPeer(PeerAddress.of(honest.listenAddress()));
        byte[] got = new byte[40_000];
        int n = 0;
        while (n < got.length) {
          n += r.inputStream().read(got, n, got.length - n);
        }
        assertThat(got).isEqualTo(Arrays.copyOfRange(data, bad * 32 * 1024 - 1000,
            bad * 32 * 1024 - 1000 + 40_000));
      }
    }
  }

  @Test
  void seeksWhilePiecesAreInFlightReadTheRightBytesAndTheDownloadCompletes() throws Exception {
    byte[] data = TestTorrents.random(1_500_000, 10);
    Metainfo m = TestTorrents.v1(data, 32 * 1024);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      seed(seeder, m, data, 600_000); // about 2.5 s for the whole torrent
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(m, null);
      Torrent l = leecher.add(m, store);
      l.addPeer(PeerAddress.of(seeder.listenAddress()));
      try (TorrentReader r = l.newReader(0).readahead(200_000)) {
        l.start();
        assertThat(r.inputStream().read()).isEqualTo(data[0] & 0xff);
        long[] seeks = {1_200_000, 40_000, 700_001, 1_499_000, 3};
        for (long to : seeks) {
          r.position(to); // the old window's pieces are in flight: their requests are cancelled
          byte[] got = new byte[(int) Math.min(50_000, data.length - to)];
          int n = 0;
          while (n < got.length) {
            n += r.read(ByteBuffer.wrap(got, n, got.length - n));
          }
          assertThat(got).isEqualTo(Arrays.copyOfRange(data, (int) to, (int) to + got.length));
        }
      }
      l.completion().get(50, TimeUnit.SECONDS);
      assertThat(store.data).isEqualTo(data);
      assertThat(l.status().hashFailures()).isZero();
    }
  }

  @Test
  void twoReadersOfOneFileEachGetTheirOwnBytes() throws Exception {
    byte[] data = TestTorrents.random(2_000_000, 11);
    Metainfo m = TestTorrents.v1(data, 64 * 1024);
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      seed(seeder, m, data, 2_000_000);
      Torrent l = leech(leecher, seeder, m);
      TorrentReader a = l.newReader(0);
      TorrentReader b = l.newReader(0).position(1_000_000);
      Future<byte[]> fromStart = pool.submit(() -> {
        try (a) {
          return readAll(a, 30_000);
        }
      });
      Future<byte[]> fromMiddle = pool.submit(() -> {
        try (b) {
          return readAll(b, 50_000);
        }
      });
      assertThat(fromStart.get(50, TimeUnit.SECONDS)).isEqualTo(data);
      assertThat(fromMiddle.get(50, TimeUnit.SECONDS))
          .isEqualTo(Arrays.copyOfRange(data, 1_000_000, data.length));
    } finally {
      pool.shutdownNow();
    }
  }
}
