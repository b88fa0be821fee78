package io.btlib.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.MemoryStorage;
import io.btlib.tracker.TrackerPeerSource;
import io.btlib.tracker.server.TrackerServer;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** bt clients that find each other through bt's own tracker, over HTTP and over UDP. */
@Timeout(60)
class TrackerDiscoveryTest {
  final List<AutoCloseable> open = new ArrayList<>();

  @AfterEach
  void closeAll() throws Exception {
    for (int i = open.size() - 1; i >= 0; i--) {
      open.get(i).close();
    }
  }

  private <T extends AutoCloseable> T keep(T c) {
    open.add(c);
    return c;
  }

  private static Metainfo torrent(byte[] data, String announce) throws Exception {
    // a single-file v1 torrent over data, announcing to the given URL
    int pieceLength = 32 * 1024;
    java.security.MessageDigest sha1 = java.security.MessageDigest.getInstance("SHA-1");
    ByteArrayOutputStream pieces = new ByteArrayOutputStream();
    for (int off = 0; off < data.length; off += pieceLength) {
      sha1.update(data, off, Math.min(pieceLength, data.length - off));
      pieces.write(sha1.digest());
    }
    io.btlib.bencode.BDict info = io.btlib.bencode.BDict.builder().put("name", "t.bin")
        .put("length", data.length).put("piece length", pieceLength)
        .put("pieces", io.btlib.bencode.BString.of(pieces.toByteArray())).build();
    return Metainfo.of(io.btlib.bencode.BDict.builder().put("announce", announce).put("info", info)
        .build());
  }

  private Client client() {
    TrackerPeerSource trackers = keep(TrackerPeerSource.builder().build());
    return keep(Client.builder().peerSource(trackers).build());
  }

  @ParameterizedTest
  @ValueSource(strings = {"http", "udp"})
  void leechersFindTheSeederAndEachOtherThroughTheTracker(String scheme) throws Exception {
    TrackerServer tracker = keep(TrackerServer.builder().announceInterval(Duration.ofSeconds(5))
        .build().start());
    String url = scheme.equals("http") ? tracker.httpAnnounceUrl() : tracker.udpAnnounceUrl();
    byte[] data = new byte[900_000];
    new Random(3).nextBytes(data);
    Metainfo m = torrent(data, url);
    MemoryStorage seedStore = MemoryStorage.of(m);
    for (int p = 0; p < m.pieceCount(); p++) {
      seedStore.write(p, 0, ByteBuffer.wrap(data, p * m.pieceLength(), m.pieceSize(p)));
    }
    BitSet all = new BitSet();
    all.set(0, m.pieceCount());
    Torrent seed = client().add(m, seedStore, all);
    seed.start();
    List<Torrent> leeches = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Torrent t = client().add(m, MemoryStorage.of(m));
      t.start();
      leeches.add(t);
    }
    for (Torrent t : leeches) {
      t.completion().get(45, TimeUnit.SECONDS);
      assertThat(t.status().piecesHave()).isEqualTo(m.pieceCount());
    }
    assertThat(tracker.swarmCount()).isEqualTo(1);
    assertThat(tracker.peerCount()).isEqualTo(4);
  }

  @Test
  void aMagnetsTrackerFindsThePeersBeforeTheMetadataArrives() throws Exception {
    TrackerServer tracker = keep(TrackerServer.builder().build().start());
    byte[] data = new byte[300_000];
    new Random(4).nextBytes(data);
    Metainfo m = torrent(data, tracker.httpAnnounceUrl());
    MemoryStorage seedStore = MemoryStorage.of(m);
    for (int p = 0; p < m.pieceCount(); p++) {
      seedStore.write(p, 0, ByteBuffer.wrap(data, p * m.pieceLength(), m.pieceSize(p)));
    }
    BitSet all = new BitSet();
    all.set(0, m.pieceCount());
    client().add(m, seedStore, all).start();
    MagnetLink magnet = MagnetLink.builder(m.infoHashes()).addTracker(tracker.httpAnnounceUrl())
        .build();
    Torrent t = client().add(magnet, MemoryStorage.factory());
    t.start();
    t.completion().get(45, TimeUnit.SECONDS);
    assertThat(t.metainfo().orElseThrow().infoHashes()).isEqualTo(m.infoHashes());
  }
}
