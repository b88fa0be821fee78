package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assumptions.assumeThat;

import io.btlib.client.Storage;
import io.btlib.client.StorageFactory;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class FileStorageTest extends FileBackedStorageTest {

  @Override
  Storage open(Metainfo m) throws IOException {
    return FileStorage.open(m, root());
  }

  @Override
  Storage open(Metainfo m, TestOpener opener, int maxOpen, boolean preallocate)
      throws IOException {
    return FileStorage.builder(root()).channelOpener(opener).maxOpenFiles(maxOpen)
        .preallocate(preallocate).build().open(m);
  }

  @Override
  int openChannelCount(Storage s) {
    return ((FileStorage) s).openFileCount();
  }

  static Path fileOf(Path root, FileEntry f) {
    Path p = root;
    for (String c : f.path()) {
      p = p.resolve(c);
    }
    return p;
  }

  /** Every regular file and directory under {@code root}, relative, with {@code /}. */
  static Set<String> tree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return Set.of();
    }
    try (Stream<Path> s = Files.walk(root)) {
      return s.filter(p -> !p.equals(root))
          .map(p -> root.relativize(p).toString().replace('\\', '/')
              + (Files.isDirectory(p) ? "/" : ""))
          .collect(Collectors.toCollection(TreeSet::new));
    }
  }

  static BitSet allBut(Metainfo m, int skipped) {
    BitSet b = new BitSet();
    b.set(0, m.files().size());
    b.clear(skipped);
    return b;
  }

  static BitSet all(Metainfo m) {
    return allBut(m, -1 >>> 1);
  }

  // ---- files on disk

  @ParameterizedTest
  @ValueSource(strings = {"v1-single.torrent", "v1-multi.torrent", "v2-single.torrent",
      "v2-multi.torrent", "hybrid-single.torrent", "hybrid-multi.torrent",
      "hybrid-multi-large-pieces.torrent"})
  void filesOnDiskHoldExactlyTheContentAndPadFilesNeverAppear(String name) throws IOException {
    Metainfo m = RecheckFixtures.load(name);
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      writeAll(s, m, stream);
      s.flush();
    }
    Set<String> expected = new TreeSet<>();
    for (FileEntry f : m.files()) {
      if (f.isPad()) {
        continue;
      }
      Path p = fileOf(root(), f);
      assertThat(Files.readAllBytes(p)).as(f.pathString())
          .isEqualTo(RecheckFixtures.fileContent(f));
      expected.add(f.pathString());
      for (int k = 1; k < f.path().size(); k++) {
        expected.add(String.join("/", f.path().subList(0, k)) + "/");
      }
    }
    assertThat(tree(root())).isEqualTo(expected); // no .pad, no part file, nothing else
    // and read back through a fresh storage, every piece still verifies
    try (Storage s = open(m)) {
      assertAllPiecesVerify(s, m, stream);
    }
  }

  @Test
  void nothingIsCreatedBeforeTheFirstWriteAndDirectoriesAppearLazily() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      assertThat(root()).doesNotExist();
      assertThatThrownBy(() -> s.read(0, 0, ByteBuffer.allocate(1)))
          .isInstanceOf(NoSuchFileException.class).hasMessageContaining("a.bin");
      s.flush();
      assertThat(root()).doesNotExist();
      writePiece(s, m, stream, 0); // a.bin only
      // the first write also creates the torrent's empty files
      assertThat(tree(root())).containsExactly("multi/", "multi/a.bin", "multi/empty.txt");
      assertThat(root().resolve("multi/empty.txt")).isEmptyFile();
      writePiece(s, m, stream, 4); // d.bin only
      assertThat(tree(root())).containsExactly("multi/", "multi/a.bin", "multi/empty.txt",
          "multi/z/", "multi/z/deep/", "multi/z/deep/d.bin");
    }
  }

  @Test
  void aMissingFileFailsWithNoSuchFileNamingIt() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      writePiece(s, m, stream, 0);
      assertThatThrownBy(() -> s.read(4, 0, ByteBuffer.allocate(10)))
          .isInstanceOf(NoSuchFileException.class).hasMessageContaining("d.bin");
      assertThatThrownBy(() -> s.transferTo(4, 0, 10, NOWHERE))
          .isInstanceOf(NoSuchFileException.class).hasMessageContaining("d.bin");
    }
  }

  @Test
  void aDirectoryWhereAFileBelongsIsRefusedByName() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    Files.createDirectories(root().resolve("multi/sub/c.bin"));
    try (Storage s = open(m)) {
      writePiece(s, m, stream, 0); // a.bin is fine
      assertThatThrownBy(() -> writePiece(s, m, stream, 2))
          .isInstanceOf(IOException.class).hasMessageContaining("c.bin")
          .hasMessageContaining("is a directory");
      assertThatThrownBy(() -> s.read(2, 0, ByteBuffer.allocate(10)))
          .isInstanceOf(IOException.class).hasMessageContaining("c.bin");
      writePiece(s, m, stream, 4); // and the storage goes on working
      assertThat(readPiece(s, m, 4)).isEqualTo(piece(m, stream, 4));
    }
  }

  @Test
  void anUnreadableFileFailsTheRead() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (Storage s = open(m)) {
      writeAll(s, m, stream);
    }
    Path a = root().resolve("multi/a.bin");
    Files.setPosixFilePermissions(a, Set.of());
    try {
      assumeThat(Files.isReadable(a)).as("chmod 000 blocks reads (not as root)").isFalse();
      try (Storage s = open(m)) {
        assertThatThrownBy(() -> s.read(0, 0, ByteBuffer.allocate(10)))
            .isInstanceOf(AccessDeniedException.class).hasMessageContaining("a.bin");
        assertThat(readPiece(s, m, 4)).isEqualTo(piece(m, stream, 4));
      }
    } finally {
      Files.setPosixFilePermissions(a, PosixFilePermissions.fromString("rw-r--r--"));
    }
  }

  @Test
  void aFileThatCannotBeOpenedFailsOnlyItsOwnPieces() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    TestOpener opener = new TestOpener();
    StorageFactory f = FileStorage.builder(root()).channelOpener(opener).build();
    try (Storage s = f.open(m)) {
      writeAll(s, m, stream);
    }
    opener.denied.add(root().resolve("multi/a.bin"));
    try (Storage s = f.open(m)) {
      assertThatThrownBy(() -> s.read(1, 0, ByteBuffer.allocate(m.pieceSize(1))))
          .isInstanceOf(AccessDeniedException.class).hasMessageContaining("a.bin");
      assertThat(readPiece(s, m, 2)).isEqualTo(piece(m, stream, 2));
    }
  }

  // ---- paths stay inside the root

  @Test
  void aSymlinkedDirectoryLeadingOutsideTheRootIsRefused() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    Path outside = Files.createDirectories(dir.resolve("outside"));
    Files.createDirectories(root().resolve("multi"));
    Files.createSymbolicLink(root().resolve("multi/sub"), outside);
    try (Storage s = open(m)) {
      writePiece(s, m, stream, 0);
      for (int p = 1; p <= 3; p++) { // the pieces that touch sub/b.bin or sub/c.bin
        int piece = p;
        assertThatThrownBy(() -> writePiece(s, m, stream, piece))
            .isInstanceOf(IOException.class).hasMessageContaining("sub")
            .hasMessageContaining("outside the download directory");
        assertThatThrownBy(() -> s.read(piece, 0, ByteBuffer.allocate(m.pieceSize(piece))))
            .isInstanceOf(IOException.class).hasMessageContaining("outside the download directory");
      }
      writePiece(s, m, stream, 4);
      assertThat(readPiece(s, m, 0)).isEqualTo(piece(m, stream, 0));
    }
    assertThat(outside).isEmptyDirectory();
  }

  @Test
  void aSymlinkedFileIsNeverFollowed() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    Path secret = dir.resolve("secret.txt");
    Files.writeString(secret, "secret");
    Files.createDirectories(root().resolve("multi"));
    Files.createSymbolicLink(root().resolve("multi/a.bin"), secret);
    try (Storage s = open(m)) {
      assertThatThrownBy(() -> writePiece(s, m, stream, 0))
          .isInstanceOf(IOException.class).hasMessageContaining("a.bin")
          .hasMessageContaining("symbolic link");
      assertThatThrownBy(() -> s.read(0, 0, ByteBuffer.allocate(6)))
          .isInstanceOf(IOException.class).hasMessageContaining("symbolic link");
    }
    assertThat(secret).hasContent("secret");
  }

  @Test
  void aSymlinkedDirectoryInsideTheRootIsFollowed() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    Path elsewhere = Files.createDirectories(root().resolve("elsewhere"));
    Files.createDirectories(root().resolve("multi"));
    Files.createSymbolicLink(root().resolve("multi/sub"), Path.of("../elsewhere"));
    try (Storage s = open(m)) {
      writeAll(s, m, stream);
      assertAllPiecesVerify(s, m, stream);
    }
    assertThat(Files.readAllBytes(elsewhere.resolve("c.bin")))
        .isEqualTo(RecheckFixtures.fileContent(m.files().get(3)));
  }

  // ---- skipped files and the part file

  @Test
  void aSkippedMiddleFileLivesInThePartFileUntilItIsWantedAgain() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    Path c = root().resolve("multi/sub/c.bin"); // pieces 1 (shared), 2 (its own), 3 (shared)
    try (FileStorage s = FileStorage.open(m, root())) {
      s.setWantedFiles(allBut(m, 3));
      writeAll(s, m, stream);
      s.flush();
      assertThat(c).doesNotExist();
      assertThat(s.partFile()).exists()
          .hasFileName("." + m.infoHashes().shortHash().hex() + ".parts");
      assertAllPiecesVerify(s, m, stream); // boundary pieces read c.bin's share from the part file
      byte[] sent = new byte[m.pieceSize(3)];
      s.transferTo(3, 0, sent.length, java.nio.channels.Channels.newChannel(
          new java.io.OutputStream() {
            int at;

            @Override
            public void write(int b) {
              sent[at++] = (byte) b;
            }
          }));
      assertThat(sent).isEqualTo(piece(m, stream, 3));

      s.setWantedFiles(all(m));
      assertThat(c).exists();
      assertThat(Files.readAllBytes(c)).isEqualTo(RecheckFixtures.fileContent(m.files().get(3)));
      assertThat(s.partFile()).doesNotExist();
      assertAllPiecesVerify(s, m, stream);
    }
  }

  @Test
  void thePartFileHeaderIndexesTheSlotsOfTheSkippedFilesPieces() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (FileStorage s = FileStorage.open(m, root())) {
      s.setWantedFiles(allBut(m, 3));
      writePiece(s, m, stream, 3);
      writePiece(s, m, stream, 1);
      s.flush();
      ByteBuffer h = ByteBuffer.wrap(Files.readAllBytes(s.partFile()));
      byte[] magic = new byte[8];
      h.get(magic);
      assertThat(new String(magic, StandardCharsets.US_ASCII)).isEqualTo("BTPARTS1");
      assertThat(h.getInt()).isEqualTo(32768);
      assertThat(h.getInt()).isEqualTo(5);
      assertThat(h.getInt()).isEqualTo(5);
      assertThat(h.get()).isEqualTo((byte) 0b1000); // file 3 kept
      int[] index = new int[5];
      for (int p = 0; p < 5; p++) {
        index[p] = h.getInt();
      }
      assertThat(index).containsExactly(0, 2, 0, 1, 0); // slot + 1, in order of first write
      // slot 1 holds piece 1: c.bin's share starts at offset 7233 of the piece, at 4096 + 32768
      int cStart = 40001 - 32768;
      assertThat(Arrays.copyOfRange(h.array(), 4096 + 32768 + cStart, 4096 + 65536))
          .isEqualTo(Arrays.copyOfRange(piece(m, stream, 1), cStart, 32768));
    }
  }

  @Test
  void thePartFileSurvivesAReopenAndEmptiesOnTheFirstWriteOnceWanted() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    Path c = root().resolve("multi/sub/c.bin");
    Path part;
    try (FileStorage s = FileStorage.open(m, root())) {
      s.setWantedFiles(allBut(m, 3));
      writeAll(s, m, stream);
      s.flush();
      part = s.partFile();
    }
    try (FileStorage s = FileStorage.open(m, root())) { // priorities restored: still skipped
      s.setWantedFiles(allBut(m, 3));
      assertAllPiecesVerify(s, m, stream);
      writePiece(s, m, stream, 2);
      assertThat(c).doesNotExist();
    }
    try (FileStorage s = FileStorage.open(m, root())) { // all wanted by default
      assertAllPiecesVerify(s, m, stream); // c.bin's bytes still come from the part file
      assertThat(c).doesNotExist();
      writePiece(s, m, stream, 0); // the first write moves them out
      assertThat(Files.readAllBytes(c)).isEqualTo(RecheckFixtures.fileContent(m.files().get(3)));
      assertThat(part).doesNotExist();
      assertAllPiecesVerify(s, m, stream);
    }
  }

  @Test
  void skippingAFileThatExistsKeepsUsingIt() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (FileStorage s = FileStorage.open(m, root())) {
      writeAll(s, m, stream);
      s.setWantedFiles(allBut(m, 3));
      writePiece(s, m, stream, 2);
      assertThat(s.partFile()).doesNotExist();
      assertAllPiecesVerify(s, m, stream);
    }
  }

  @Test
  void aSkippedFileOfAV2TorrentKeepsWholePiecesInThePartFile() throws IOException {
    Metainfo m = RecheckFixtures.load("v2-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    int c = 0; // multi/sub/c.bin: its own pieces 3, 4 and 5
    while (!m.files().get(c).pathString().equals("multi/sub/c.bin")) {
      c++;
    }
    try (FileStorage s = FileStorage.open(m, root())) {
      s.setWantedFiles(allBut(m, c));
      writeAll(s, m, stream);
      assertThat(fileOf(root(), m.files().get(c))).doesNotExist();
      assertThat(tree(root())).doesNotContain("multi/.pad/");
      assertAllPiecesVerify(s, m, stream);
      s.setWantedFiles(all(m));
      assertThat(Files.readAllBytes(fileOf(root(), m.files().get(c))))
          .isEqualTo(RecheckFixtures.fileContent(m.files().get(c)));
      assertThat(s.partFile()).doesNotExist();
    }
  }

  @Test
  void aSkippedFileNeverWrittenIsNotInventedWhenWantedAgain() throws IOException {
    Metainfo m = RecheckFixtures.load("v1-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    try (FileStorage s = FileStorage.open(m, root())) {
      s.setWantedFiles(allBut(m, 3));
      writePiece(s, m, stream, 0);
      assertThatThrownBy(() -> s.read(2, 0, ByteBuffer.allocate(10)))
          .isInstanceOf(NoSuchFileException.class).hasMessageContaining("c.bin")
          .hasMessageContaining("part file");
      s.setWantedFiles(all(m));
      assertThat(root().resolve("multi/sub")).doesNotExist();
      assertThat(s.partFile()).doesNotExist();
    }
  }

  // ---- open files, concurrency, failures

  @Test
  void closeClosesEveryChannelItOpened() throws IOException {
    Metainfo m = RecheckFixtures.load("hybrid-multi.torrent");
    byte[] stream = RecheckFixtures.stream(m);
    TestOpener opener = new TestOpener();
    Storage s = FileStorage.builder(root()).channelOpener(opener).build().open(m);
    s.setWantedFiles(allBut(m, 5));
    writeAll(s, m, stream);
    assertThat(opener.openNow()).isGreaterThan(1);
    s.close();
    assertThat(opener.openNow()).isZero();
    s.close();
    assertThatThrownBy(() -> s.setWantedFiles(new BitSet()))
        .isInstanceOf(IllegalStateException.class).hasMessage("closed");
  }

  @Test
  void theBuilderChecksItsValuesAndTheFactoryOpensFileStorages() throws IOException {
    assertThatThrownBy(() -> FileStorage.builder(root()).maxOpenFiles(0))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("maxOpenFiles must be >= 1: 0");
    assertThatThrownBy(() -> FileStorage.builder(null)).isInstanceOf(NullPointerException.class);
    assertThatThrownBy(() -> FileStorage.builder(root()).channelOpener(null))
        .isInstanceOf(NullPointerException.class);
    StorageFactory f = FileStorage.builder(root()).build();
    assertThat(f.toString()).contains("FilePool[0/64 open]").contains("preallocate=false");
    try (Storage a = f.open(RecheckFixtures.load("v1-multi.torrent"));
        Storage b = f.open(RecheckFixtures.load("v1-single.torrent"))) {
      assertThat(a).isInstanceOf(FileStorage.class).isNotSameAs(b);
      assertThat(((FileStorage) a).root()).isEqualTo(root().toAbsolutePath());
    }
  }
}
