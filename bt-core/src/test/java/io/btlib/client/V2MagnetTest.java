package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.peer.PeerAddress;
import java.io.InputStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A v2-only torrent added by magnet link: the info dictionary carries only each file's root, so
 * the engine fetches the piece layers from the seeder (BEP 52 hash request/hashes) before it can
 * check a piece.
 */
class V2MagnetTest {

  static Metainfo load(String name) throws Exception {
    try (InputStream in = V2MagnetTest.class.getResourceAsStream("/fixtures/libtorrent/" + name)) {
      return Metainfo.parse(in);
    }
  }

  /** The fixtures' content: byte j of file f (see fixtures/libtorrent/README.md). */
  static byte[] stream(Metainfo m) {
    java.util.Map<String, Integer> number = java.util.Map.of("single.bin", 0, "multi/a.bin", 1,
        "multi/sub/b.bin", 2, "multi/sub/c.bin", 3, "multi/empty.txt", 4, "multi/z/deep/d.bin", 5);
    long end = 0;
    for (FileEntry f : m.files()) {
      end = Math.max(end, f.endOffset());
    }
    byte[] s = new byte[(int) Math.max(end, (long) m.pieceCount() * m.pieceLength())];
    for (FileEntry f : m.files()) {
      if (f.isPad()) {
        continue;
      }
      int k = number.get(f.pathString());
      for (long j = 0; j < f.length(); j++) {
        s[(int) (f.offset() + j)] = (byte) ((j * 31) + (k * 7L) + (j >> 8));
      }
    }
    return s;
  }

  /**
   * A v2 .torrent that carries none, or only some, of its piece layers: accepted as libtorrent
   * accepts it, the missing layers are fetched from peers as for a magnet link, and the torrent
   * then downloads into the storage it was added with, keeping its own keys (trackers...).
   */
  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  @Timeout(60)
  void aV2TorrentMissingPieceLayersFetchesThem(boolean keepOne) throws Exception {
    Metainfo m = load("v2-multi.torrent");
    io.btlib.bencode.BDict layers = (io.btlib.bencode.BDict) m.root().get("piece layers");
    FileEntry a = m.files().stream().filter(f -> f.pathString().equals("multi/a.bin"))
        .findFirst().orElseThrow();
    io.btlib.bencode.BString aRoot = io.btlib.bencode.BString.of(a.piecesRoot().get().bytes());
    io.btlib.bencode.BDict.Builder root = m.root().toBuilder().remove("piece layers");
    if (keepOne) {
      root.put("piece layers", io.btlib.bencode.BDict.builder().put(aRoot, layers.get(aRoot))
          .build());
    }
    Metainfo lacking = Metainfo.of(root.build());
    assertThat(lacking.pieceLayer(a).isPresent()).isEqualTo(keepOne);
    assertThat(m.files()).filteredOn(f -> f.length() > m.pieceLength() && f != a)
        .allSatisfy(f -> assertThat(lacking.pieceLayer(f)).isEmpty());
    byte[] data = stream(m);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
      s.start();
      s.completion().get(10, TimeUnit.SECONDS);
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(lacking, null);
      Torrent l = leecher.add(lacking, store);
      l.addPeer(PeerAddress.of(seeder.listenAddress()));
      l.start();
      l.completion().get(45, TimeUnit.SECONDS);
      Metainfo got = l.metainfo().orElseThrow();
      assertThat(got.infoHashes()).isEqualTo(m.infoHashes());
      assertThat(got.trackerTiers()).isEqualTo(m.trackerTiers());
      for (FileEntry f : m.files()) {
        assertThat(got.pieceLayer(f)).isEqualTo(m.pieceLayer(f));
      }
      assertThat(l.status().hashFailures()).isZero();
      for (FileEntry f : m.files()) {
        for (long j = 0; j < f.length(); j++) {
          assertThat(store.data[(int) (f.offset() + j)]).isEqualTo(data[(int) (f.offset() + j)]);
        }
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"v2-single.torrent", "v2-multi.torrent"})
  @Timeout(60)
  void aV2MagnetFetchesPieceLayersFromTheSeeder(String name) throws Exception {
    Metainfo m = load(name);
    assertThat(m.version()).isEqualTo(TorrentVersion.V2);
    byte[] data = stream(m);
    try (Client seeder = Client.builder().build(); Client leecher = Client.builder().build()) {
      Torrent s = seeder.add(m, new TestTorrents.ArrayStorage(m, data));
      s.start();
      s.completion().get(10, TimeUnit.SECONDS);
      TestTorrents.ArrayStorage[] store = new TestTorrents.ArrayStorage[1];
      Torrent l = leecher.add(MagnetLink.of(m.infoHashes()), meta -> {
        store[0] = new TestTorrents.ArrayStorage(meta, null);
        return store[0];
      });
      l.addPeer(PeerAddress.of(seeder.listenAddress()));
      l.start();
      l.completion().get(45, TimeUnit.SECONDS);
      Metainfo got = l.metainfo().orElseThrow();
      assertThat(got.hasPieceLayers()).isTrue();
      assertThat(got.infoHashes()).isEqualTo(m.infoHashes());
      assertThat(l.status().hashFailures()).isZero();
      for (FileEntry f : m.files()) {
        if (!f.isPad()) {
          for (long j = 0; j < f.length(); j++) {
            assertThat(store[0].data[(int) (f.offset() + j)]).isEqualTo(data[(int) (f.offset() + j)]);
          }
        }
      }
    }
  }
}
