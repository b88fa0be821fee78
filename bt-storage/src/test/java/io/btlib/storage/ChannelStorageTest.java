package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.btlib.client.Storage;
import io.btlib.client.StorageFactory;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.FileChannelProvider.Mode;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.BitSet;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link ChannelStorage} over a provider shaped like an Android app's (read-only channels for
 * reads, write-only ones for writes): the {@link Storage} contract, and what a provider can do
 * wrong.
 */
class ChannelStorageTest extends FileBackedStorageTest {
  TestProvider provider;

  @Override
  Storage open(Metainfo m) {
    provider = new TestProvider(root());
    return ChannelStorage.open(m, provider);
  }

  @Override
  Storage open(Metainfo m, TestOpener opener, int maxOpen, boolean preallocate)
      throws IOException {
    provider = new TestProvider(root(), opener);
    return ChannelStorage.builder(provider).maxOpenChannels(maxOpen).preallocate(preallocate)
        .build().open(m);
  }

  @Override
  int openChannelCount(Storage s) {
    return ((ChannelStorage) s).openChannelCount();
  }

  static int indexOf(Metainfo m, String path) {
    for (int i = 0; i < m.files().size(); i++) {
      if (m.files().get(i).pathString().equals(path)) {
        return i;
      }
    }
    throw new AssertionError("no file " + path);
  }

  // ---- files

  @ParameterizedTest
  @ValueSource(strings = {"v1-single.torrent", "v1-multi.torrent", "v2-single.torrent",
      "v2-multi.torrent", "hybrid-single.torrent", "hybrid-multi.torrent",
      "hybrid-multi-large-pieces.torrent"})
  void theProvidersFilesHoldExactlyTheContentAndPadFilesAreNeverOpened(String name)
      throws IOException {
    Metainfo m = RecheckFixtures.load(name);
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      writeAll(s, m, stream);
      s.flush();
      assertAllPiecesVerify(s, m, stream); // reads through channels that cannot write
    }
    Set<String> expected = new TreeSet<>();
    for (int i = 0; i < m.files().size(); i++) {
      FileEntry f = m.files().get(i);
      if (f.isPad()) {
        assertThat(provider.callsFor(i)).as("pad file %s", f.pathString()).isEmpty();
        continue;
      }
      assertThat(Files.readAllBytes(provider.pathOf(f))).as(f.pathString())
          .isEqualTo(RecheckFixtures.fileContent(f));
      expected.add(f.pathString());
    }
    Set<String> onDisk = new TreeSet<>(FileStorageTest.tree(root()));
    onDisk.removeIf(p -> p.endsWith("/"));
    assertThat(onDisk).isEqualTo(expected);
    try (Storage s = ChannelStorage.open(m, new TestProvider(root()))) {
      assertAllPiecesVerify(s, m, stream); // a fresh storage over the same documents
    }
  }

  @Test
  void readsAskForReadAndWritesForWriteAndTheFirstWriteCreatesTheEmptyFiles()
      throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    int a = indexOf(m, "multi/a.bin");
    int empty = indexOf(m, "multi/empty.txt");
    try (Storage s = open(m)) {
      assertThat(provider.calls).isEmpty(); // opening asks for nothing
      writePiece(s, m, stream, 0); // a.bin only
      assertThat(provider.calls).extracting(TestProvider.Call::index, TestProvider.Call::mode)
          .containsExactlyInAnyOrder(tuple(empty, Mode.WRITE), tuple(a, Mode.WRITE));
      assertThat(provider.pathOf(m.files().get(empty))).isEmptyFile();
      assertThat(readPiece(s, m, 0)).isEqualTo(piece(m, stream, 0));
      assertThat(provider.callsFor(a)).extracting(TestProvider.Call::mode)
          .containsExactly(Mode.WRITE, Mode.READ);
    }
  }

  // ---- a provider that fails or misbehaves

  @Test
  void aProviderThatThrowsFailsOnlyTheCallThatNeededTheFile() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    int a = indexOf(m, "multi/a.bin");
    int d = indexOf(m, "multi/z/deep/d.bin");
    IOException gone = new IOException("document revoked");
    try (Storage s = open(m)) {
      writeAll(s, m, stream);
      s.close(); // drop the open channels, so the next calls ask the provider
    }
    try (Storage s = ChannelStorage.open(m, provider)) {
      provider.override(a, Mode.READ, p -> {
        throw gone;
      });
      provider.override(d, Mode.WRITE, p -> {
        throw gone;
      });
      assertThatThrownBy(() -> s.read(0, 0, ByteBuffer.allocate(10))).isSameAs(gone);
      assertThatThrownBy(() -> writePiece(s, m, stream, 4)).isSameAs(gone);
      assertThat(readPiece(s, m, 4)).isEqualTo(piece(m, stream, 4)); // d.bin reads
      writePiece(s, m, stream, 0); // a.bin writes
      assertThat(readPiece(s, m, 2)).isEqualTo(piece(m, stream, 2)); // c.bin is untouched
      provider.clearOverrides();
      assertThat(readPiece(s, m, 0)).isEqualTo(piece(m, stream, 0)); // asked again
      writePiece(s, m, stream, 4);
      s.flush();
      assertAllPiecesVerify(s, m, stream);
    }
  }

  @Test
  void aNullOrClosedChannelIsRefusedNamingTheFileAndTheNextCallAsksAgain() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    int c = indexOf(m, "multi/sub/c.bin");
    try (Storage s = open(m)) {
      provider.override(c, Mode.WRITE, p -> null);
      assertThatThrownBy(() -> writePiece(s, m, stream, 2))
          .isExactlyInstanceOf(IOException.class)
          .hasMessage("file 3 (multi/sub/c.bin): the FileChannelProvider returned null for WRITE");
      FileChannel[] closedOne = new FileChannel[1];
      provider.override(c, Mode.WRITE, p -> {
        Files.createDirectories(p.getParent());
        closedOne[0] = FileChannel.open(p, StandardOpenOption.WRITE, StandardOpenOption.CREATE);
        closedOne[0].close();
        return closedOne[0];
      });
      assertThatThrownBy(() -> writePiece(s, m, stream, 2))
          .isExactlyInstanceOf(IOException.class).hasMessage("file 3 (multi/sub/c.bin): "
              + "the FileChannelProvider returned a closed channel for WRITE");
      writePiece(s, m, stream, 4); // other files go on
      provider.clearOverrides();
      writeAll(s, m, stream);
      assertAllPiecesVerify(s, m, stream);
    }
  }

  @Test
  void aChannelThatCannotDoWhatItsModeAsksIsRefusedAndClosed() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    int a = indexOf(m, "multi/a.bin");
    try (Storage s = open(m)) {
      writeAll(s, m, stream);
    }
    try (Storage s = ChannelStorage.open(m, provider)) {
      provider.override(a, Mode.WRITE, p -> FileChannel.open(p, StandardOpenOption.READ));
      provider.override(a, Mode.READ, p -> FileChannel.open(p, StandardOpenOption.WRITE));
      byte[] zeros = new byte[100];
      assertThatThrownBy(() -> s.write(0, 0, ByteBuffer.wrap(zeros)))
          .isInstanceOf(AccessDeniedException.class)
          .hasMessageContaining("file 0 (multi/a.bin)").hasMessageContaining("cannot write");
      assertThat(provider.last(a, Mode.WRITE).isOpen()).isFalse();
      assertThatThrownBy(() -> s.read(0, 0, ByteBuffer.allocate(10)))
          .isInstanceOf(AccessDeniedException.class).hasMessageContaining("cannot read");
      assertThat(provider.last(a, Mode.READ).isOpen()).isFalse();
      provider.clearOverrides();
      assertAllPiecesVerify(s, m, stream); // nothing was written by the refused write
    }
  }

  @Test
  void aChannelTheAppClosesUnderneathIsAskedForAgainAndStillFlushed() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    int a = indexOf(m, "multi/a.bin");
    try (Storage s = open(m)) {
      writePiece(s, m, stream, 0);
      assertThat(readPiece(s, m, 0)).isEqualTo(piece(m, stream, 0));
      provider.last(a, Mode.READ).close();
      provider.last(a, Mode.WRITE).close();
      assertThat(readPiece(s, m, 0)).isEqualTo(piece(m, stream, 0));
      assertThat(provider.callsFor(a)).extracting(TestProvider.Call::mode)
          .containsExactly(Mode.WRITE, Mode.READ, Mode.READ);
      s.flush(); // the written, closed channel is asked for again to force the file
      assertThat(provider.callsFor(a)).extracting(TestProvider.Call::mode)
          .containsExactly(Mode.WRITE, Mode.READ, Mode.READ, Mode.WRITE);
      assertThat(provider.opener.forced).contains(root().resolve("multi/a.bin"));
      writeAll(s, m, stream);
      assertAllPiecesVerify(s, m, stream);
    }
  }

  // ---- open channels, flush, close

  @Test
  void closeClosesEveryChannelTheProviderGaveAndLaterCallsAskForNothing() throws IOException {
    Metainfo m = RecheckFixtures.load("hybrid-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    Storage s = open(m);
    writeAll(s, m, stream);
    assertAllPiecesVerify(s, m, stream);
    assertThat(provider.openNow()).isGreaterThan(1);
    s.close();
    assertThat(provider.openNow()).isZero();
    int calls = provider.calls.size();
    s.close();
    assertThatThrownBy(() -> writePiece(s, m, stream, 0))
        .isInstanceOf(IllegalStateException.class).hasMessage("closed");
    assertThatThrownBy(s::flush).isInstanceOf(IllegalStateException.class).hasMessage("closed");
    assertThat(provider.calls).hasSize(calls);
  }

  // ---- recheck and the builder

  @ParameterizedTest
  @ValueSource(booleans = {false, true})
  void recheckFindsTheGoodAndTheDamagedPieces(boolean mapped) throws Exception {
    Metainfo m = RecheckFixtures.load("hybrid-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      writeAll(s, m, stream);
      s.flush();
    }
    try (Storage s = ChannelStorage.open(m, provider)) {
      RecheckResult all = Recheck.builder(m, s).memoryMapped(mapped).build().run();
      assertThat(all.allGood()).isTrue();
    }
    FileEntry first = m.files().get(0); // its last byte's piece also holds a pad file
    assertThat(first.isPad()).isFalse();
    try (RandomAccessFile f = new RandomAccessFile(provider.pathOf(first).toFile(), "r")) {
      assertThat(f.length()).isEqualTo(first.length());
    }
    try (RandomAccessFile f = new RandomAccessFile(provider.pathOf(first).toFile(), "rw")) {
      f.seek(first.length() - 1);
      int last = f.read();
      f.seek(first.length() - 1);
      f.write(~last & 0xff);
    }
    try (Storage s = ChannelStorage.open(m, provider)) {
      RecheckResult r = Recheck.builder(m, s).memoryMapped(mapped).build().run();
      BitSet bad = new BitSet();
      bad.set((int) ((first.offset() + first.length() - 1) / m.pieceLength()));
      assertThat(r.bad()).isEqualTo(bad);
      assertThat(r.unreadable().isEmpty()).isTrue();
    }
  }

  @Test
  void resumeDataTakenThroughFileStatesTrustsOnlyUnchangedFiles() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      writeAll(s, m, stream);
      s.flush();
    }
    // what an app would ask its documents provider: size and last-modified of each document
    ResumeData.FileStates states = (f, i) -> ResumeData.FileState.of(provider.pathOf(f));
    BitSet all = new BitSet();
    all.set(0, m.pieceCount());
    Path file = dir.resolve("multi.resume");
    ResumeData.capture(m, states, all).save(file);
    ResumeData loaded = ResumeData.load(file);
    assertThat(loaded.resolve(m, states).verified()).isEqualTo(all);

    Path d = provider.pathOf(m.files().get(indexOf(m, "multi/z/deep/d.bin"))); // pieces 3, 4
    Files.setLastModifiedTime(d, FileTime.from(Instant.parse("2001-01-01T00:00:00Z")));
    Files.delete(provider.pathOf(m.files().get(indexOf(m, "multi/a.bin")))); // pieces 0, 1
    ResumeData.Resolution r = loaded.resolve(m, states);
    BitSet recheck = new BitSet();
    recheck.set(0, 2);
    recheck.set(3, 5);
    assertThat(r.toRecheck()).isEqualTo(recheck); // a missing file has no part file to cover it
    assertThat(r.verified()).isEqualTo(BitSet.valueOf(new long[] {0b00100}));
    assertThatThrownBy(() -> loaded.resolve(m, (f, i) -> null))
        .isInstanceOf(NullPointerException.class).hasMessage("FileStates gave null for file 0");
  }

  @Test
  void theBuilderChecksItsValuesAndTheFactoryOpensChannelStorages() throws IOException {
    TestProvider p = new TestProvider(root());
    assertThatThrownBy(() -> ChannelStorage.builder(p).maxOpenChannels(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxOpenChannels must be >= 1: 0");
    assertThatThrownBy(() -> ChannelStorage.builder(null))
        .isInstanceOf(NullPointerException.class);
    StorageFactory f = ChannelStorage.builder(p).build();
    assertThat(f.toString()).contains("maxOpenChannels=32").contains("preallocate=false");
    try (Storage a = f.open(RecheckFixtures.load("v1-multi.torrent"));
        Storage b = f.open(RecheckFixtures.load("v1-single.torrent"))) {
      assertThat(a).isInstanceOf(ChannelStorage.class).isNotSameAs(b);
      assertThat(a.toString()).contains("TestProvider");
    }
  }
}
