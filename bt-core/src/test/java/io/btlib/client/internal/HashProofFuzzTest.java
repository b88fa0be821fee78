package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.internal.Merkle;
import io.btlib.wire.PeerMessage;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzz target (Jazzer) for BEP 52 piece-layer proofs, on libtorrent-made v2 and
 * hybrid torrents: a peer's hash request answered by {@link HashExchange.Server}, and a peer's
 * {@code hashes} answer, tampered with, taken by a magnet download's {@link HashExchange.Fetch}.
 *
 * <p>What must hold: nothing throws; an answer echoes the request, and a {@code hashes} answer is
 * the file's piece layer (pad hashes past its end) with a proof that {@link HashExchange#proves}
 * against the file's {@code pieces root} (with fewer proof layers asked: the start of that proof),
 * never more than {@value HashExchange#MAX_COUNT} hashes
 * and their uncles; a fetch takes a chunk only if its bytes are the true ones (a changed hash,
 * index or length is refused or ignored), and once every true answer is in, the rebuilt torrent
 * has the original's info hashes and piece layers.
 *
 * <p>Input: byte 0 the torrent and file, 1 the base layer's offset from the piece layer, 2-3 the
 * index, 4 log2 of the count (or, past 14, a raw count), 5 the proof layers, 6 log2 of the fetch's
 * chunk size; then the answer's tampering: pairs (offset into the hashes, XOR), and a last odd
 * byte that changes the index or length field. {@code mvn test} replays {@code
 * src/test/resources/io/btlib/client/internal/HashProofFuzzTestInputs/proofs/}.
 */
class HashProofFuzzTest {
  private static final List<Metainfo> TORRENTS = new ArrayList<>();

  static {
    try {
      for (String name : List.of("v2-single.torrent", "v2-multi.torrent", "hybrid-multi.torrent",
          "hybrid-multi-large-pieces.torrent")) {
        TORRENTS.add(HashExchangeTest.load(name));
      }
    } catch (Exception e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void proofs(byte[] data) throws Exception {
    if (data.length < 7) {
      return;
    }
    Metainfo m = TORRENTS.get((data[0] & 0xFF) % TORRENTS.size());
    List<FileEntry> multi = new ArrayList<>();
    for (FileEntry f : m.files()) {
      if (HashExchange.needsLayer(m, f)) {
        multi.add(f);
      }
    }
    FileEntry f = multi.get(((data[0] & 0xFF) / TORRENTS.size()) % multi.size());
    byte[] root = f.piecesRoot().get().bytes();
    int base = HashExchange.pieceLayerBase(m);
    int n = (int) ((f.length() + m.pieceLength() - 1) / m.pieceLength());
    int width = Integer.highestOneBit(n - 1) << 1;
    byte[] layer = HashExchangeTest.bytes(m.pieceLayer(f).orElseThrow());

    // the server: any request
    int log = data[4] & 0xFF;
    int count = log <= 14 ? 1 << log : log;
    int baseLayer = base + (data[1] & 0xFF) % 3 - (data[1] & 0x80) / 0x80;
    if (baseLayer < 0) {
      return;
    }
    PeerMessage.HashRequest r = new PeerMessage.HashRequest(f.piecesRoot().get(), baseLayer,
        ((data[2] & 0xFF) << 8) | (data[3] & 0xFF), count, data[5] & 0xFF);
    PeerMessage a = new HashExchange.Server(m).answer(r);
    if (a instanceof PeerMessage.Hashes) {
      PeerMessage.Hashes h = (PeerMessage.Hashes) a;
      assertThat(List.of(h.piecesRoot(), h.baseLayer(), h.index(), h.length(), h.proofLayers()))
          .isEqualTo(List.of(r.piecesRoot(), r.baseLayer(), r.index(), r.length(),
              r.proofLayers()));
      byte[] all = HashExchangeTest.bytes(h.hashes());
      int uncles = all.length / Merkle.HASH_SIZE - count;
      assertThat(count).isLessThanOrEqualTo(HashExchange.MAX_COUNT);
      assertThat(uncles).isBetween(0, 31);
      int height = Integer.numberOfTrailingZeros(width);
      if (Integer.numberOfTrailingZeros(count) + uncles == height) {
        assertThat(HashExchange.proves(Merkle.sha256(), all, count, r.index(), uncles, root))
            .as("the answer proves against the pieces root").isTrue();
      } else { // fewer proof layers asked: the start of the whole proof
        PeerMessage whole = new HashExchange.Server(m).answer(new PeerMessage.HashRequest(
            r.piecesRoot(), r.baseLayer(), r.index(), count, height - 1));
        assertThat(whole).isInstanceOf(PeerMessage.Hashes.class);
        byte[] proof = HashExchangeTest.bytes(((PeerMessage.Hashes) whole).hashes());
        assertThat(Arrays.copyOf(proof, all.length)).as("a prefix of the whole proof")
            .isEqualTo(all);
        assertThat(HashExchange.proves(Merkle.sha256(), proof, count, r.index(),
            proof.length / Merkle.HASH_SIZE - count, root)).isTrue();
      }
      for (int i = r.index(); i < Math.min(n, r.index() + count); i++) {
        assertThat(Arrays.copyOfRange(all, (i - r.index()) * 32, (i - r.index() + 1) * 32))
            .isEqualTo(Arrays.copyOfRange(layer, i * 32, (i + 1) * 32));
      }
    } else {
      assertThat(a).isEqualTo(new PeerMessage.HashReject(r.piecesRoot(), r.baseLayer(),
          r.index(), r.length(), r.proofLayers()));
    }

    // the fetch: a tampered answer to its first request, then the true answers
    int maxCount = 1 << ((data[6] & 0xFF) % 10);
    HashExchange.Fetch fetch = new HashExchange.Fetch(HashExchangeTest.partial(m), maxCount);
    Object peer = new Object();
    List<PeerMessage.HashRequest> asks = fetch.pick(peer, Integer.MAX_VALUE, 0, 1);
    PeerMessage.HashRequest ask = asks.stream().filter(x -> x.piecesRoot()
        .equals(f.piecesRoot().get())).findFirst().orElseThrow();
    PeerMessage.Hashes truth = (PeerMessage.Hashes) HashExchange.answer(m, ask);
    byte[] forged = HashExchangeTest.bytes(truth.hashes());
    for (int i = 7; i + 1 < data.length; i += 2) {
      forged[(data[i] & 0xFF) * 7 % forged.length] ^= data[i + 1];
    }
    int index = truth.index();
    int length = truth.length();
    if ((data.length - 7) % 2 == 1) {
      int last = data[data.length - 1];
      if ((last & 1) == 0) {
        index = Math.max(0, index + (last >> 1));
      } else {
        length = Math.max(0, length + (last >> 1));
      }
    }
    boolean tampered = !Arrays.equals(forged, HashExchangeTest.bytes(truth.hashes()))
        || index != truth.index() || length != truth.length();
    boolean took = fetch.accept(peer, new PeerMessage.Hashes(truth.piecesRoot(),
        truth.baseLayer(), index, length, truth.proofLayers(), ByteBuffer.wrap(forged)));
    if (!tampered) {
      assertThat(took).isTrue();
    }
    for (PeerMessage.HashRequest x : asks) {
      assertThat(fetch.accept(peer, (PeerMessage.Hashes) HashExchange.answer(m, x)))
          .as("a true answer").isTrue();
    }
    assertThat(fetch.complete()).isTrue();
    Metainfo rebuilt = fetch.build(); // a forged chunk taken would fail here
    assertThat(rebuilt.infoHashes()).isEqualTo(m.infoHashes());
    for (FileEntry g : m.files()) {
      assertThat(rebuilt.pieceLayer(g).map(HashExchangeTest::bytes).orElse(null))
          .isEqualTo(m.pieceLayer(g).map(HashExchangeTest::bytes).orElse(null));
    }
  }
}
