package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BString;
import io.btlib.bencode.BencodeWriter;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.MerkleRoot;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.internal.Merkle;
import io.btlib.wire.PeerMessage;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** BEP 52 hash requests answered from libtorrent-made v2 torrents, and piece layers fetched. */
class HashExchangeTest {

  static Metainfo load(String name) throws Exception {
    try (InputStream in = HashExchangeTest.class.getResourceAsStream(
        "/fixtures/libtorrent/" + name)) {
      return Metainfo.parse(in);
    }
  }

  /** The info dictionary alone, as a magnet link's metadata exchange delivers it. */
  static Metainfo partial(Metainfo m) {
    ByteBuffer ib = m.infoBytes();
    byte[] info = new byte[ib.remaining()];
    ib.duplicate().get(info);
    return Metainfo.fromInfoDictionary(info, m.infoHashes());
  }

  static FileEntry multiPieceFile(Metainfo m) {
    return m.files().stream().filter(f -> f.piecesRoot().isPresent()
        && f.length() > m.pieceLength()).findFirst().orElseThrow();
  }

  static byte[] bytes(ByteBuffer b) {
    byte[] a = new byte[b.remaining()];
    b.duplicate().get(a);
    return a;
  }

  @ParameterizedTest
  @ValueSource(strings = {"v2-single.torrent", "v2-multi.torrent", "hybrid-multi.torrent"})
  void answersProveAgainstTheRootForEveryChunkSize(String name) throws Exception {
    Metainfo m = load(name);
    int base = HashExchange.pieceLayerBase(m);
    for (FileEntry f : m.files()) {
      if (f.piecesRoot().isEmpty() || f.length() <= m.pieceLength()) {
        continue;
      }
      int n = (int) ((f.length() + m.pieceLength() - 1) / m.pieceLength());
      int width = Integer.highestOneBit(n - 1) << 1;
      int height = Integer.numberOfTrailingZeros(width);
      for (int count = 1; count <= width; count *= 2) {
        for (int index = 0; index < width; index += count) {
          PeerMessage a = HashExchange.answer(m, new PeerMessage.HashRequest(f.piecesRoot().get(),
              base, index, count, height - 1));
          assertThat(a).as("count %d index %d", count, index)
              .isInstanceOf(PeerMessage.Hashes.class);
          PeerMessage.Hashes h = (PeerMessage.Hashes) a;
          int uncles = Math.max(0, height - 1 - (Integer.numberOfTrailingZeros(count) - 1));
          byte[] all = bytes(h.hashes());
          assertThat(all).hasSize((count + uncles) * 32);
          assertThat(HashExchange.proves(Merkle.sha256(), all, count, index, uncles,
              f.piecesRoot().get().bytes())).isTrue();
          byte[] layer = bytes(m.pieceLayer(f).orElseThrow());
          for (int i = index; i < Math.min(n, index + count); i++) {
            assertThat(ByteBuffer.wrap(all, (i - index) * 32, 32))
                .isEqualTo(ByteBuffer.wrap(layer, i * 32, 32));
          }
          all[0] ^= 1;
          assertThat(HashExchange.proves(Merkle.sha256(), all, count, index, uncles,
              f.piecesRoot().get().bytes())).isFalse();
        }
      }
    }
  }

  @Test
  void aServerGivesTheSameAnswersFromItsCachedTrees() throws Exception {
    Metainfo m = load("v2-multi.torrent");
    HashExchange.Server server = new HashExchange.Server(m);
    int base = HashExchange.pieceLayerBase(m);
    for (int round = 0; round < 3; round++) {
      for (FileEntry f : m.files()) {
        if (f.piecesRoot().isEmpty() || f.length() <= m.pieceLength()) {
          continue;
        }
        int n = (int) ((f.length() + m.pieceLength() - 1) / m.pieceLength());
        int height = Integer.numberOfTrailingZeros(Integer.highestOneBit(n - 1) << 1);
        PeerMessage.HashRequest r = new PeerMessage.HashRequest(f.piecesRoot().get(), base, 0, 2,
            height - 1);
        PeerMessage cached = server.answer(r);
        PeerMessage fresh = HashExchange.answer(m, r);
        assertThat(bytes(((PeerMessage.Hashes) cached).hashes()))
            .isEqualTo(bytes(((PeerMessage.Hashes) fresh).hashes()));
      }
    }
    assertThat(server.metainfo()).isSameAs(m);
  }

  @Test
  void badRequestsAreRejectedNotAnswered() throws Exception {
    Metainfo m = load("v2-single.torrent"); // 7 pieces of 16 KiB: base 0, width 8, height 3
    MerkleRoot root = multiPieceFile(m).piecesRoot().get();
    List<PeerMessage.HashRequest> bad = List.of(
        new PeerMessage.HashRequest(root, 1, 0, 8, 2),       // not the piece layer
        new PeerMessage.HashRequest(root, 0, 0, 3, 2),       // not a power of two
        new PeerMessage.HashRequest(root, 0, 2, 4, 2),       // index not a multiple of count
        new PeerMessage.HashRequest(root, 0, 8, 2, 2),       // past the layer
        new PeerMessage.HashRequest(root, 0, 0, 16, 2),      // wider than the layer
        new PeerMessage.HashRequest(root, 0, 0, 2, 9),       // proof above the root
        new PeerMessage.HashRequest(MerkleRoot.of(new byte[32]), 0, 0, 8, 2)); // unknown file
    for (PeerMessage.HashRequest r : bad) {
      assertThat(HashExchange.answer(m, r)).as(r.toString())
          .isInstanceOf(PeerMessage.HashReject.class);
    }
    assertThat(HashExchange.answer(null, bad.get(0))).isInstanceOf(PeerMessage.HashReject.class);
    assertThat(HashExchange.answer(partial(m), new PeerMessage.HashRequest(root, 0, 0, 8, 2)))
        .as("no piece layers to serve").isInstanceOf(PeerMessage.HashReject.class);
  }

  @ParameterizedTest
  @ValueSource(ints = {1, 2, 4, 512})
  void aFetchRebuildsTheTorrentFromProvenChunks(int maxCount) throws Exception {
    for (String name : List.of("v2-single.torrent", "v2-multi.torrent")) {
      Metainfo full = load(name);
      Metainfo partial = partial(full);
      assertThat(HashExchange.lacksPieceLayers(partial)).isTrue();
      assertThat(HashExchange.lacksPieceLayers(full)).isFalse();
      HashExchange.Fetch fetch = new HashExchange.Fetch(partial, maxCount);
      Object peer = new Object();
      Object liar = new Object();
      int rounds = 0;
      while (!fetch.complete()) {
        List<PeerMessage.HashRequest> asks = fetch.pick(peer, 2, rounds, 1_000);
        assertThat(asks).isNotEmpty();
        for (PeerMessage.HashRequest r : asks) {
          PeerMessage.Hashes h = (PeerMessage.Hashes) HashExchange.answer(full, r);
          byte[] forged = bytes(h.hashes());
          forged[forged.length - 1] ^= 0x55;
          assertThat(fetch.accept(liar, new PeerMessage.Hashes(h.piecesRoot(), h.baseLayer(),
              h.index(), h.length(), h.proofLayers(), ByteBuffer.wrap(forged)))).isFalse();
          assertThat(fetch.accept(peer, h)).isTrue();
        }
        assertThat(++rounds).isLessThan(100);
      }
      Metainfo rebuilt = fetch.build();
      assertThat(rebuilt.infoHashes()).isEqualTo(full.infoHashes());
      for (FileEntry f : full.files()) {
        assertThat(rebuilt.pieceLayer(f).map(HashExchangeTest::bytes).orElse(null))
            .isEqualTo(full.pieceLayer(f).map(HashExchangeTest::bytes).orElse(null));
      }
    }
  }

  @Test
  void aTorrentWhoseLayersWouldExceedTheCapIsRefusedNotAllocated() throws Exception {
    // a v2 info dictionary naming a 2^40-byte file of 16 KiB pieces: 2 GiB of piece layer
    byte[] root = new byte[32];
    root[0] = 1;
    BDict file = BDict.builder().put("", BDict.builder().put("length", 1L << 40)
        .put("pieces root", BString.of(root)).build()).build();
    BDict info = BDict.builder().put("file tree", BDict.builder().put("big", file).build())
        .put("meta version", 2).put("name", "big").put("piece length", 16384).build();
    byte[] bytes = BencodeWriter.encode(info);
    InfoHashes hashes = InfoHashes.ofV2(InfoHash.of(
        java.security.MessageDigest.getInstance("SHA-256").digest(bytes)));
    Metainfo partial = Metainfo.fromInfoDictionary(bytes, hashes);
    assertThat(HashExchange.lacksPieceLayers(partial)).isTrue();
    assertThat(HashExchange.layerBytes(partial)).isEqualTo((1L << 26) * 32);
    assertThatThrownBy(() -> new HashExchange.Fetch(partial))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exceed");
  }

  @Test
  void aRefusedOrTimedOutChunkIsAskedOfAnotherPeer() throws Exception {
    Metainfo partial = partial(load("v2-single.torrent"));
    HashExchange.Fetch fetch = new HashExchange.Fetch(partial, 2); // 4 chunks
    Object a = new Object();
    Object b = new Object();
    assertThat(fetch.pick(a, 4, 0, 1_000)).hasSize(4);
    assertThat(fetch.pick(b, 4, 10, 1_000)).isEmpty(); // all asked of a, not yet timed out
    assertThat(fetch.pendingOn(a)).isEqualTo(4);
    assertThat(fetch.pick(b, 4, 2_000, 1_000)).hasSize(4); // a timed out
    fetch.release(b);
    assertThat(fetch.pendingOn(b)).isZero();
    assertThat(fetch.pick(a, 1, 2_001, 1_000)).hasSize(1);
  }
}
