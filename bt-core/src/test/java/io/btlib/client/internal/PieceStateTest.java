package io.btlib.client.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

class PieceStateTest {
  static final int B = io.btlib.metainfo.Metainfo.BLOCK_SIZE;

  /** 10 pieces of 2.5 blocks; the last one 1000 bytes. */
  static PieceState<String> small() {
    return new PieceState<>(10, i -> i == 9 ? 1000 : 2 * B + B / 2, new Random(1));
  }

  static FileEntry file(long offset, long length) {
    return new FileEntry(List.of("f" + offset), length, offset, "", Optional.empty(),
        Optional.empty());
  }

  static FileEntry pad(long offset, long length) {
    return new FileEntry(List.of(".pad", "" + length), length, offset, "p", Optional.empty(),
        Optional.empty());
  }

  /** Pieces of 100 bytes over the given files (offsets follow lengths). */
  static PieceState<String> withFiles(long... lengthsNegativeForPad) {
    List<FileEntry> files = new ArrayList<>();
    long off = 0;
    for (long l : lengthsNegativeForPad) {
      files.add(l < 0 ? pad(off, -l) : file(off, l));
      off += Math.abs(l);
    }
    long total = off;
    int count = (int) ((total + 99) / 100);
    return new PieceState<>(count, 100, i -> (int) Math.min(100, total - i * 100L), files,
        new Random(1));
  }

  // ---------------------------------------------------------------------------- sizes

  @Test
  void computesSizesAndBlocks() {
    PieceState<String> s = small();
    assertThat(s.pieceCount()).isEqualTo(10);
    assertThat(s.pieceSize(0)).isEqualTo(2 * B + B / 2);
    assertThat(s.pieceSize(9)).isEqualTo(1000);
    assertThat(s.totalBytes()).isEqualTo(9L * (2 * B + B / 2) + 1000);
    assertThat(s.blockCount(0)).isEqualTo(3);
    assertThat(s.blockCount(9)).isEqualTo(1);
    assertThat(s.blockLength(0, 0)).isEqualTo(B);
    assertThat(s.blockLength(0, 2)).isEqualTo(B / 2);
    assertThat(s.blockLength(9, 0)).isEqualTo(1000);
    assertThatThrownBy(() -> s.blockLength(0, 3)).isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("block 3 of piece 0");
    assertThatThrownBy(() -> s.pieceSize(10)).isInstanceOf(IndexOutOfBoundsException.class)
        .hasMessageContaining("piece 10");
  }

  @Test
  void findsBlocksByOffset() {
    PieceState<String> s = small();
    assertThat(s.blockOf(0)).isEqualTo(0);
    assertThat(s.blockOf(2 * B)).isEqualTo(2);
    assertThat(s.blockOf(100)).isEqualTo(-1);
    assertThat(s.blockOf(-B)).isEqualTo(-1);
    assertThat(s.blockOf(0, 2 * B, B / 2)).isEqualTo(2);
    assertThat(s.blockOf(0, 2 * B, B)).isEqualTo(-1);
    assertThat(s.blockOf(0, 3 * B, B)).isEqualTo(-1);
    assertThat(s.blockOf(9, 0, 1000)).isEqualTo(0);
  }

  @Test
  void rejectsEmptyPieces() {
    assertThatThrownBy(() -> new PieceState<>(3, i -> i == 1 ? 0 : 5, new Random()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("piece 1 has size 0");
  }

  @Test
  void buildsFromMetainfo() {
    List<BValue> files = new ArrayList<>();
    files.add(BDict.builder().put("length", 40_000L).put("path", BList.of(BString.of("a")))
        .build());
    files.add(BDict.builder().put("length", 30_000L).put("path", BList.of(BString.of("b")))
        .build());
    byte[] hashes = new byte[3 * 20];
    BDict info = BDict.builder().put("name", "dir").put("files", BList.of(files))
        .put("piece length", 32768).put("pieces", BString.of(hashes)).build();
    Metainfo m = Metainfo.of(BDict.builder().put("info", info).build());
    PieceState<String> s = new PieceState<>(m, new Random(1));
    assertThat(s.pieceCount()).isEqualTo(3);
    assertThat(s.pieceSize(2)).isEqualTo(70_000 - 2 * 32768);
    assertThat(s.fileCount()).isEqualTo(2);
    s.setFilePriority(0, 0); // file a covers pieces 0 and 1; piece 1 is shared with b
    assertThat(s.priority(0)).isZero();
    assertThat(s.priority(1)).isEqualTo(1);
    assertThat(s.priority(2)).isEqualTo(1);
  }

  // ------------------------------------------------------------------------- verified

  @Test
  void tracksVerifiedPiecesAndBytesLeft() {
    PieceState<String> s = small();
    long total = s.totalBytes();
    assertThat(s.bytesLeft()).isEqualTo(total);
    BitSet resume = new BitSet();
    resume.set(0);
    resume.set(9);
    resume.set(50); // past the end: ignored
    s.markVerified(resume);
    s.markVerified(3);
    s.markVerified(3); // idempotent
    assertThat(s.isVerified(0)).isTrue();
    assertThat(s.isVerified(1)).isFalse();
    assertThat(s.verifiedCount()).isEqualTo(3);
    assertThat(s.verified().stream().toArray()).containsExactly(0, 3, 9);
    assertThat(s.bytesLeft()).isEqualTo(total - 2 * s.pieceSize(0) - 1000);
    assertThat(s.isWanted(0)).isFalse();
    assertThat(s.wantedCount()).isEqualTo(7);
  }

  @Test
  void verifiedCopyIsIndependent() {
    PieceState<String> s = small();
    BitSet v = s.verified();
    v.set(1);
    assertThat(s.isVerified(1)).isFalse();
  }

  @Test
  void isCompleteWhenEveryWantedPieceIsVerified() {
    PieceState<String> s = small();
    for (int p = 0; p < 10; p++) {
      if (p != 4) {
        s.setPiecePriority(p, 0);
      }
    }
    assertThat(s.isComplete()).isFalse();
    assertThat(s.wantedBytesLeft()).isEqualTo(s.pieceSize(4));
    s.pieceVerified(4);
    assertThat(s.isComplete()).isTrue();
    assertThat(s.wantedBytesLeft()).isZero();
    assertThat(s.bytesLeft()).isEqualTo(s.totalBytes() - s.pieceSize(4));
  }

  // ----------------------------------------------------------------------- priorities

  @Test
  void piecePriorityDecidesWanted() {
    PieceState<String> s = small();
    assertThat(s.priority(2)).isEqualTo(PieceState.DEFAULT_PRIORITY);
    s.setPiecePriority(2, 0);
    assertThat(s.isWanted(2)).isFalse();
    assertThat(s.nextWanted(2)).isEqualTo(3);
    assertThat(s.wantedCount()).isEqualTo(9);
    s.setPiecePriority(2, 7);
    assertThat(s.isWanted(2)).isTrue();
    assertThat(s.priority(2)).isEqualTo(7);
    assertThatThrownBy(() -> s.setPiecePriority(2, 8))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("8");
    assertThatThrownBy(() -> s.setPiecePriority(2, -1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void nextWantedIteratesWantedPieces() {
    PieceState<String> s = small();
    s.setPiecePriority(0, 0);
    s.pieceVerified(1);
    s.setPiecePriority(9, 0);
    List<Integer> seen = new ArrayList<>();
    for (int p = s.nextWanted(0); p >= 0; p = s.nextWanted(p + 1)) {
      seen.add(p);
    }
    assertThat(seen).containsExactly(2, 3, 4, 5, 6, 7, 8);
    assertThat(s.nextWanted(10)).isEqualTo(-1);
    assertThat(s.nextWanted(100)).isEqualTo(-1);
  }

  @Test
  void sharedPieceTakesTheHighestFilePriority() {
    // files: [0,150) [150,250) [250,420): pieces 0..4
    PieceState<String> s = withFiles(150, 100, 170);
    s.setFilePriority(1, 5);
    assertThat(s.priority(1)).isEqualTo(5); // shared by files 0 and 1
    assertThat(s.priority(2)).isEqualTo(5); // shared by files 1 and 2
    assertThat(s.priority(0)).isEqualTo(1);
    s.setFilePriority(0, 0);
    assertThat(s.priority(0)).isZero();
    assertThat(s.priority(1)).isEqualTo(5);
    s.setFilePriority(1, 0);
    assertThat(s.priority(1)).isZero();
    assertThat(s.priority(2)).isEqualTo(1);
    assertThat(s.filePriority(1)).isZero();
    assertThat(s.isWanted(1)).isFalse();
    assertThatThrownBy(() -> s.setFilePriority(3, 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void filePrioritySetsEveryPieceOfTheFile() {
    PieceState<String> s = withFiles(50, 1000, 50);
    s.setFilePriority(1, 3);
    for (int p = 0; p <= 10; p++) {
      assertThat(s.priority(p)).isEqualTo(3);
    }
    s.setFilePriority(1, 0);
    assertThat(s.priority(0)).isEqualTo(1);
    for (int p = 1; p < 10; p++) {
      assertThat(s.priority(p)).isZero();
    }
    assertThat(s.priority(10)).isEqualTo(1);
  }

  @Test
  void padFilesDoNotKeepASkippedPieceWanted() {
    // file [0,150), pad [150,200), file [200,300), empty file, file [300,350)
    PieceState<String> s = withFiles(150, -50, 100, 0, 50);
    s.setFilePriority(0, 0);
    assertThat(s.priority(1)).isZero(); // the pad shares piece 1, but does not count
    s.setFilePriority(1, 0);
    s.setFilePriority(1, 4);
    assertThat(s.priority(1)).isZero();
    s.setFilePriority(3, 6); // empty: covers nothing
    assertThat(s.priority(3)).isEqualTo(1);
  }

  @Test
  void aPieceOfOnlyPadTakesThePadPriority() {
    // file [0,100), pad [100,200): piece 1 is only pad
    PieceState<String> s = withFiles(100, -100);
    s.setFilePriority(1, 0);
    assertThat(s.priority(1)).isZero();
    s.setFilePriority(1, 2);
    assertThat(s.priority(1)).isEqualTo(2);
  }

  @Test
  void setsAllFilePrioritiesAtOnce() {
    PieceState<String> a = withFiles(150, -50, 100, 0, 50, 5, 5, 240);
    PieceState<String> b = withFiles(150, -50, 100, 0, 50, 5, 5, 240);
    int[] prios = {0, 3, 2, 7, 0, 4, 1, 0};
    b.setFilePriorities(prios);
    for (int f = 0; f < prios.length; f++) {
      a.setFilePriority(f, prios[f]);
    }
    for (int p = 0; p < a.pieceCount(); p++) {
      assertThat(b.priority(p)).as("piece " + p).isEqualTo(a.priority(p));
    }
    assertThatThrownBy(() -> b.setFilePriorities(new int[3]))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("3 priorities");
  }

  @Test
  void rejectsFilesOutOfOrderOrPastThePieces() {
    assertThatThrownBy(() -> new PieceState<>(2, 100, i -> 100,
        List.of(file(100, 50), file(0, 100)), new Random()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("file 1");
    assertThatThrownBy(() -> new PieceState<>(2, 100, i -> 100,
        List.of(file(0, 250)), new Random()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("piece 2");
  }

  // --------------------------------------------------------------------- availability

  @Test
  void countsAvailabilityFromBitfieldsHavesAndSeeds() {
    PieceState<String> s = small();
    BitSet a = new BitSet();
    a.set(1);
    a.set(2);
    a.set(12); // past the end: ignored
    s.addPeerBitfield(a);
    s.addPeerBitfield(a);
    s.peerHave(5);
    s.peerHasAll();
    assertThat(s.seedCount()).isEqualTo(1);
    assertThat(s.availability(0)).isEqualTo(1);
    assertThat(s.availability(1)).isEqualTo(3);
    assertThat(s.availability(5)).isEqualTo(2);
    s.removePeerBitfield(a);
    s.removePeerHasAll();
    assertThat(s.availability(1)).isEqualTo(1);
    assertThat(s.availability(0)).isZero();
    assertThatThrownBy(s::removePeerHasAll).isInstanceOf(IllegalStateException.class);
    BitSet other = new BitSet();
    other.set(7);
    assertThatThrownBy(() -> s.removePeerBitfield(other))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("piece 7");
    assertThat(s.availability(7)).isZero();
  }

  // --------------------------------------------------------------------------- blocks

  @Test
  void countsRequestsPerBlock() {
    PieceState<String> s = small();
    assertThat(s.isStarted(3)).isFalse();
    assertThat(s.blockRequested(3, 1)).isEqualTo(1);
    assertThat(s.blockRequested(3, 1)).isEqualTo(2);
    assertThat(s.blockRequests(3, 1)).isEqualTo(2);
    assertThat(s.blockRequests(3, 0)).isZero();
    assertThat(s.isStarted(3)).isTrue();
    assertThat(s.requestEnded(3, 1)).isTrue();
    assertThat(s.requestEnded(3, 1)).isTrue();
    assertThat(s.requestEnded(3, 1)).isFalse(); // none left: ignored
    assertThat(s.isStarted(3)).isFalse();
    assertThat(s.inProgressCount()).isZero();
    assertThat(s.nextStarted(0)).isEqualTo(-1);
  }

  @Test
  void iteratesPiecesInProgress() {
    PieceState<String> s = small();
    s.blockRequested(4, 0);
    s.blockReceived(7, 1, "a");
    s.blockRequested(8, 0);
    s.requestEnded(8, 0);
    assertThat(s.nextStarted(0)).isEqualTo(4);
    assertThat(s.nextStarted(5)).isEqualTo(7);
    assertThat(s.nextStarted(8)).isEqualTo(-1);
    assertThat(s.nextStarted(10)).isEqualTo(-1);
    assertThat(s.inProgressCount()).isEqualTo(2);
    assertThatThrownBy(() -> s.nextStarted(-1)).isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void reportsTheLastBlockOnce() {
    PieceState<String> s = small();
    assertThat(s.blockReceived(0, 0, "a")).isFalse();
    assertThat(s.blockReceived(0, 2, "b")).isFalse();
    assertThat(s.blockReceived(0, 2, "c")).isFalse(); // duplicate
    assertThat(s.receivedCount(0)).isEqualTo(2);
    assertThat(s.isBlockReceived(0, 2)).isTrue();
    assertThat(s.isBlockReceived(0, 1)).isFalse();
    assertThat(s.blockReceived(0, 1, "a")).isTrue();
    assertThat(s.blockReceived(0, 1, "a")).isFalse();
    assertThat(s.blockReceived(9, 0, "a")).isTrue(); // a one-block piece
  }

  @Test
  void verifiedPieceDropsItsBlocksAndIgnoresLateOnes() {
    PieceState<String> s = small();
    s.blockRequested(0, 0);
    s.blockRequested(0, 0);
    s.blockReceived(0, 0, "a");
    s.blockReceived(0, 1, "a");
    s.blockReceived(0, 2, "a");
    s.pieceVerified(0);
    assertThat(s.isStarted(0)).isFalse();
    assertThat(s.inProgressCount()).isZero();
    assertThat(s.isBlockReceived(0, 1)).isTrue();
    assertThat(s.blockRequests(0, 0)).isZero();
    assertThat(s.receivedCount(0)).isEqualTo(3);
    assertThat(s.requestEnded(0, 0)).isFalse();
    assertThat(s.blockReceived(0, 0, "late")).isFalse();
    assertThatThrownBy(() -> s.blockRequested(0, 1)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("piece 0 is verified");
    assertThatThrownBy(() -> s.pieceFailed(0)).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void failedPieceReturnsContributorsAndStartsOver() {
    PieceState<String> s = small();
    s.blockReceived(2, 0, "a");
    s.blockReceived(2, 1, "b");
    s.blockReceived(2, 2, "a");
    assertThat(s.pieceFailed(2)).containsExactlyInAnyOrder("a", "b");
    assertThat(s.isStarted(2)).isFalse();
    assertThat(s.isBlockReceived(2, 0)).isFalse();
    assertThat(s.isWanted(2)).isTrue();
    assertThat(s.pieceFailed(2)).isEmpty();
    assertThat(s.blockReceived(2, 0, "c")).isFalse(); // downloads again
  }

  @Test
  void failedPieceKeepsRequestsInFlight() {
    PieceState<String> s = small();
    s.blockRequested(2, 1); // an end-game duplicate still out
    s.blockReceived(2, 0, "a");
    s.blockReceived(2, 1, "a");
    s.blockReceived(2, 2, "a");
    assertThat(s.pieceFailed(2)).containsExactly("a");
    assertThat(s.isStarted(2)).isTrue();
    assertThat(s.blockRequests(2, 1)).isEqualTo(1);
    assertThat(s.requestEnded(2, 1)).isTrue();
    assertThat(s.isStarted(2)).isFalse();
  }

  @Test
  void endGameWhenEveryWantedBlockIsClaimed() {
    PieceState<String> s = new PieceState<>(3, i -> 2 * B, new Random(1));
    s.pieceVerified(0);
    s.setPiecePriority(2, 0);
    assertThat(s.isEndGame()).isFalse();
    s.blockRequested(1, 0);
    assertThat(s.isEndGame()).isFalse();
    s.blockReceived(1, 1, "a");
    assertThat(s.isEndGame()).isTrue();
    s.requestEnded(1, 0);
    assertThat(s.isEndGame()).isFalse();
    s.blockRequested(1, 0);
    s.setPiecePriority(2, 1); // piece 2 is wanted again, and untouched
    assertThat(s.isEndGame()).isFalse();
    s.setPiecePriority(2, 0);
    assertThat(s.isEndGame()).isTrue();
    s.pieceFailed(1);
    assertThat(s.isEndGame()).isFalse();
    s.pieceVerified(1);
    assertThat(s.isEndGame()).isFalse(); // nothing wanted
    assertThat(s.isComplete()).isTrue();
  }

  @Test
  void exposesTimeAndRandom() {
    Random r = new Random(7);
    PieceState<String> s = new PieceState<>(1, i -> 10, r);
    assertThat(s.nowNanos()).isZero();
    s.setNow(123_456L);
    assertThat(s.nowNanos()).isEqualTo(123_456L);
    assertThat(s.random()).isSameAs(r);
    assertThat(s.toString()).contains("0/1 verified");
  }

  @Test
  @Timeout(value = 20, unit = TimeUnit.SECONDS)
  void handlesTensOfThousandsOfPiecesAndHundredsOfPeers() {
    int n = 50_000;
    PieceState<Integer> s = new PieceState<>(n, i -> 4 * 1024 * 1024, new Random(3));
    Random r = new Random(5);
    List<BitSet> peers = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      BitSet b = new BitSet(n);
      for (int k = 0; k < n; k++) {
        if (r.nextInt(4) != 0) {
          b.set(k);
        }
      }
      peers.add(b);
      s.addPeerBitfield(b);
    }
    for (int i = 0; i < 100; i++) {
      s.peerHasAll();
    }
    // download 200 pieces
    for (int p = 0; p < 200; p++) {
      for (int b = 0; b < s.blockCount(p); b++) {
        s.blockRequested(p, b);
      }
      boolean last = false;
      for (int b = 0; b < s.blockCount(p); b++) {
        last = s.blockReceived(p, b, b % 7);
        s.requestEnded(p, b);
      }
      assertThat(last).isTrue();
      s.pieceVerified(p);
    }
    int wantedSeen = 0;
    for (int p = s.nextWanted(0); p >= 0; p = s.nextWanted(p + 1)) {
      wantedSeen++;
    }
    assertThat(wantedSeen).isEqualTo(n - 200);
    assertThat(s.inProgressCount()).isZero();
    for (BitSet b : peers) {
      s.removePeerBitfield(b);
    }
    assertThat(s.availability(n - 1)).isEqualTo(100);
  }

  // ---------------------------------------------------------------------- model test

  @Test
  void matchesAReferenceModelUnderRandomOperations() {
    for (long seed = 1; seed <= 12; seed++) {
      runModel(seed, 6_000);
    }
  }

  private static void runModel(long seed, int ops) {
    Random r = new Random(seed);
    int pieceLength = 2 * B + 100 + r.nextInt(B);
    int pieces = 1 + r.nextInt(14);
    long total = (long) (pieces - 1) * pieceLength + 1 + r.nextInt(pieceLength);
    // random files over the total: some empty, some pad
    List<FileEntry> files = new ArrayList<>();
    long off = 0;
    while (off < total) {
      long len = r.nextInt(4) == 0 ? 0 : Math.min(total - off, 1 + r.nextLong(2L * pieceLength));
      files.add(r.nextInt(5) == 0 && len > 0 ? pad(off, len)
          : new FileEntry(List.of("f" + files.size()), len, off, "", Optional.empty(),
              Optional.empty()));
      off += len;
    }
    Model m = new Model(pieces, pieceLength, total, files);
    PieceState<String> s = new PieceState<>(pieces, pieceLength, m::size, files,
        new Random(seed));
    String[] peerNames = {"a", "b", "c", "d"};
    for (int op = 0; op < ops; op++) {
      int p = r.nextInt(pieces);
      int b = r.nextInt(m.blocks(p));
      String what;
      switch (r.nextInt(16)) {
        case 0, 1, 2 -> {
          what = "blockRequested";
          if (m.verified[p]) {
            assertThatThrownBy(() -> s.blockRequested(p, b))
                .isInstanceOf(IllegalStateException.class);
          } else {
            assertThat(s.blockRequested(p, b)).isEqualTo(++m.requests[p][b]);
          }
        }
        case 3, 4 -> {
          what = "requestEnded";
          boolean had = m.requests[p][b] > 0;
          if (had) {
            m.requests[p][b]--;
          }
          assertThat(s.requestEnded(p, b)).isEqualTo(had);
        }
        case 5, 6, 7 -> {
          what = "blockReceived";
          String peer = peerNames[r.nextInt(peerNames.length)];
          boolean expect = false;
          if (!m.verified[p] && !m.received[p][b]) {
            m.received[p][b] = true;
            m.contributors.get(p).add(peer);
            expect = m.allReceived(p);
          }
          assertThat(s.blockReceived(p, b, peer)).isEqualTo(expect);
        }
        case 8 -> {
          what = "pieceVerified";
          if (r.nextBoolean() || m.allReceived(p)) {
            m.verify(p);
            s.pieceVerified(p);
          }
        }
        case 9 -> {
          what = "pieceFailed";
          if (m.verified[p]) {
            assertThatThrownBy(() -> s.pieceFailed(p)).isInstanceOf(IllegalStateException.class);
          } else {
            Set<String> expect = new HashSet<>(m.contributors.get(p));
            m.contributors.get(p).clear();
            java.util.Arrays.fill(m.received[p], false);
            assertThat(s.pieceFailed(p)).isEqualTo(expect);
          }
        }
        case 10 -> {
          what = "setPiecePriority";
          int prio = r.nextInt(3) == 0 ? 0 : r.nextInt(8);
          m.priority[p] = prio;
          s.setPiecePriority(p, prio);
        }
        case 11 -> {
          what = "setFilePriority";
          int f = r.nextInt(files.size());
          int prio = r.nextInt(3) == 0 ? 0 : r.nextInt(8);
          if (r.nextInt(4) == 0) {
            int[] all = new int[files.size()];
            for (int i = 0; i < all.length; i++) {
              all[i] = r.nextInt(8);
            }
            m.setFilePriorities(all);
            s.setFilePriorities(all);
          } else {
            m.setFilePriority(f, prio);
            s.setFilePriority(f, prio);
          }
        }
        case 12 -> {
          what = "addPeer";
          BitSet bits = new BitSet();
          for (int i = 0; i < pieces; i++) {
            if (r.nextBoolean()) {
              bits.set(i);
            }
          }
          m.peers.add(bits);
          s.addPeerBitfield(bits);
        }
        case 13 -> {
          what = "removePeer";
          if (!m.peers.isEmpty()) {
            BitSet bits = m.peers.remove(r.nextInt(m.peers.size()));
            s.removePeerBitfield(bits);
          }
        }
        case 14 -> {
          what = "peerHave";
          if (!m.peers.isEmpty()) {
            BitSet bits = m.peers.get(r.nextInt(m.peers.size()));
            if (!bits.get(p)) {
              bits.set(p);
              s.peerHave(p);
            }
          }
        }
        default -> {
          what = "seeds";
          if (m.seeds > 0 && r.nextBoolean()) {
            m.seeds--;
            s.removePeerHasAll();
          } else {
            m.seeds++;
            s.peerHasAll();
          }
        }
      }
      m.check(s, "seed " + seed + " op " + op + " " + what + "(" + p + ", " + b + ")");
    }
  }

  /** A plain reference: arrays of every block's state, recomputed from scratch on each query. */
  static final class Model {
    final int pieces;
    final int pieceLength;
    final long total;
    final List<FileEntry> files;
    final boolean[] verified;
    final int[] priority;
    final int[] filePriority;
    final boolean[][] received;
    final int[][] requests;
    final List<Set<String>> contributors = new ArrayList<>();
    final List<BitSet> peers = new ArrayList<>();
    int seeds;

    Model(int pieces, int pieceLength, long total, List<FileEntry> files) {
      this.pieces = pieces;
      this.pieceLength = pieceLength;
      this.total = total;
      this.files = files;
      verified = new boolean[pieces];
      priority = new int[pieces];
      java.util.Arrays.fill(priority, 1);
      filePriority = new int[files.size()];
      java.util.Arrays.fill(filePriority, 1);
      received = new boolean[pieces][];
      requests = new int[pieces][];
      for (int p = 0; p < pieces; p++) {
        received[p] = new boolean[blocks(p)];
        requests[p] = new int[blocks(p)];
        contributors.add(new HashSet<>());
      }
    }

    int size(int p) {
      return (int) Math.min(pieceLength, total - (long) p * pieceLength);
    }

    int blocks(int p) {
      return (size(p) + B - 1) / B;
    }

    boolean wanted(int p) {
      return !verified[p] && priority[p] > 0;
    }

    boolean allReceived(int p) {
      for (boolean x : received[p]) {
        if (!x) {
          return false;
        }
      }
      return true;
    }

    boolean started(int p) {
      if (verified[p]) {
        return false;
      }
      for (int b = 0; b < blocks(p); b++) {
        if (received[p][b] || requests[p][b] > 0) {
          return true;
        }
      }
      return false;
    }

    void verify(int p) {
      verified[p] = true;
      java.util.Arrays.fill(received[p], false);
      java.util.Arrays.fill(requests[p], 0);
      contributors.get(p).clear();
    }

    boolean covers(FileEntry f, int p) {
      long start = (long) p * pieceLength;
      return f.length() > 0 && f.offset() < start + size(p) && f.endOffset() > start;
    }

    int derivedPriority(int p) {
      int real = -1;
      int pad = -1;
      for (int f = 0; f < files.size(); f++) {
        if (covers(files.get(f), p)) {
          if (files.get(f).isPad()) {
            pad = Math.max(pad, filePriority[f]);
          } else {
            real = Math.max(real, filePriority[f]);
          }
        }
      }
      return real >= 0 ? real : pad;
    }

    void setFilePriority(int f, int prio) {
      filePriority[f] = prio;
      for (int p = 0; p < pieces; p++) {
        if (covers(files.get(f), p)) {
          priority[p] = derivedPriority(p);
        }
      }
    }

    void setFilePriorities(int[] prios) {
      System.arraycopy(prios, 0, filePriority, 0, prios.length);
      for (int p = 0; p < pieces; p++) {
        int d = derivedPriority(p);
        if (d >= 0) {
          priority[p] = d;
        }
      }
    }

    void check(PieceState<String> s, String where) {
      int wantedCount = 0;
      long wantedBytes = 0;
      long left = 0;
      int verifiedCount = 0;
      int inProgress = 0;
      boolean endGame = true;
      int expectNext = -1;
      int expectNextStarted = -1;
      for (int p = pieces - 1; p >= 0; p--) {
        int avail = seeds;
        for (BitSet peer : peers) {
          avail += peer.get(p) ? 1 : 0;
        }
        assertThat(s.availability(p)).as(where + ": availability " + p).isEqualTo(avail);
        assertThat(s.priority(p)).as(where + ": priority " + p).isEqualTo(priority[p]);
        assertThat(s.isWanted(p)).as(where + ": wanted " + p).isEqualTo(wanted(p));
        assertThat(s.isVerified(p)).as(where + ": verified " + p).isEqualTo(verified[p]);
        assertThat(s.isStarted(p)).as(where + ": started " + p).isEqualTo(started(p));
        assertThat(s.blockCount(p)).isEqualTo(blocks(p));
        int rc = 0;
        for (int b = 0; b < blocks(p); b++) {
          assertThat(s.isBlockReceived(p, b)).as(where + ": received " + p + "/" + b)
              .isEqualTo(verified[p] || received[p][b]);
          assertThat(s.blockRequests(p, b)).as(where + ": requests " + p + "/" + b)
              .isEqualTo(requests[p][b]);
          rc += verified[p] || received[p][b] ? 1 : 0;
          if (wanted(p) && !received[p][b] && requests[p][b] == 0) {
            endGame = false;
          }
        }
        assertThat(s.receivedCount(p)).as(where + ": receivedCount " + p).isEqualTo(rc);
        assertThat(s.nextWanted(p)).as(where + ": nextWanted " + p)
            .isEqualTo(wanted(p) ? p : expectNext);
        assertThat(s.nextStarted(p)).as(where + ": nextStarted " + p)
            .isEqualTo(started(p) ? p : expectNextStarted);
        if (started(p)) {
          expectNextStarted = p;
        }
        if (wanted(p)) {
          expectNext = p;
          wantedCount++;
          wantedBytes += size(p);
        }
        if (verified[p]) {
          verifiedCount++;
        } else {
          left += size(p);
        }
        inProgress += started(p) ? 1 : 0;
      }
      assertThat(s.wantedCount()).as(where + ": wantedCount").isEqualTo(wantedCount);
      assertThat(s.wantedBytesLeft()).as(where + ": wantedBytesLeft").isEqualTo(wantedBytes);
      assertThat(s.bytesLeft()).as(where + ": bytesLeft").isEqualTo(left);
      assertThat(s.verifiedCount()).as(where + ": verifiedCount").isEqualTo(verifiedCount);
      assertThat(s.inProgressCount()).as(where + ": inProgress").isEqualTo(inProgress);
      assertThat(s.isComplete()).as(where + ": complete").isEqualTo(wantedCount == 0);
      assertThat(s.isEndGame()).as(where + ": endGame").isEqualTo(endGame && wantedCount > 0);
      assertThat(s.seedCount()).isEqualTo(seeds);
    }
  }
}
