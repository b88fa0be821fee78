package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BString;
import io.btlib.bencode.BencodeWriter;
import io.btlib.client.Storage;
import io.btlib.client.StorageFactory;
import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Many file storages, one bound on their open files (issue 18). */
class FilePoolTest {
  static final int SIZE = 16 * 1024;
  @TempDir Path root;

  /** A single-file torrent {@code t<i>.bin} of one piece, its file written under root. */
  Metainfo torrent(int i) throws Exception {
    byte[] bytes = new byte[SIZE];
    bytes[0] = (byte) i;
    bytes[1] = (byte) (i >>> 8);
    String name = "t" + i + ".bin";
    Files.write(root.resolve(name), bytes);
    BDict info = BDict.builder().put("length", SIZE).put("name", name).put("piece length", SIZE)
        .put("pieces", BString.of(MessageDigest.getInstance("SHA-1").digest(bytes))).build();
    return Metainfo.parse(BencodeWriter.encode(BDict.builder().put("info", info).build()));
  }

  static byte[] read(Storage s) throws IOException {
    ByteBuffer b = ByteBuffer.allocate(SIZE);
    s.read(0, 0, b);
    return b.array();
  }

  @Test
  void storagesSharingAPoolKeepNoMoreFilesOpenThanItsBound() throws Exception {
    try (FilePool pool = FilePool.create(3)) {
      StorageFactory factory = FileStorage.builder(root).filePool(pool).build();
      List<Storage> storages = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        storages.add(factory.open(torrent(i)));
      }
      for (int round = 0; round < 2; round++) { // the second round reopens evicted files
        for (int i = 0; i < 20; i++) {
          assertThat(read(storages.get(i))[0]).isEqualTo((byte) i);
          assertThat(pool.openFiles()).isLessThanOrEqualTo(3);
        }
      }
      assertThat(pool.openFiles()).isEqualTo(3);
      int idle = 0;
      for (Storage s : storages) {
        idle += ((FileStorage) s).openFileCount() == 0 ? 1 : 0;
      }
      assertThat(idle).as("storages holding no file").isEqualTo(17);
      for (Storage s : storages) {
        s.close();
      }
      assertThat(pool.openFiles()).isZero();
    }
  }

  @Test
  void aFactoryWithoutAPoolSharesOneOfMaxOpenFilesAmongItsStorages() throws Exception {
    StorageFactory factory = FileStorage.builder(root).maxOpenFiles(2).build();
    List<FileStorage> storages = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      FileStorage s = (FileStorage) factory.open(torrent(i));
      storages.add(s);
      read(s);
    }
    int open = 0;
    for (FileStorage s : storages) {
      open += s.openFileCount();
      s.close();
    }
    assertThat(open).isEqualTo(2);
  }

  @Test
  void eachStorageOfOpenWithoutAPoolHasItsOwn() throws Exception {
    List<FileStorage> storages = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      FileStorage s = FileStorage.open(torrent(i), root);
      storages.add(s);
      read(s);
    }
    for (FileStorage s : storages) {
      assertThat(s.openFileCount()).isEqualTo(1);
      s.close();
    }
  }

  @Test
  void aWriteEvictedByAnotherStorageIsStillFlushed() throws Exception {
    List<Path> opened = new ArrayList<>();
    FileStorage.ChannelOpener counting = (file, options) -> {
      opened.add(file);
      return FileStorage.ChannelOpener.SYSTEM.open(file, options);
    };
    try (FilePool pool = FilePool.create(1)) {
      StorageFactory factory = FileStorage.builder(root.resolve("out")).filePool(pool)
          .channelOpener(counting).build();
      Metainfo a = torrent(1);
      Metainfo b = torrent(2);
      try (Storage sa = factory.open(a); Storage sb = factory.open(b)) {
        sa.write(0, 0, ByteBuffer.wrap(new byte[SIZE]));
        sb.write(0, 0, ByteBuffer.wrap(new byte[SIZE])); // evicts a's written channel
        assertThat(((FileStorage) sa).openFileCount()).isZero();
        opened.clear();
        sa.flush(); // reopens a's file to force it
        assertThat(opened).containsExactly(root.resolve("out").resolve("t1.bin"));
      }
    }
  }

  @Test
  void closingThePoolFailsTheStoragesLaterCalls() throws Exception {
    FilePool pool = FilePool.create();
    FileStorage s = FileStorage.open(torrent(0), root, pool);
    read(s);
    assertThat(pool.openFiles()).isEqualTo(1);
    pool.close();
    pool.close(); // idempotent
    assertThat(pool.openFiles()).isZero();
    assertThatThrownBy(() -> read(s)).isInstanceOf(IllegalStateException.class)
        .hasMessage("closed");
    s.close();
  }

  @Test
  void aPoolAndMaxOpenFilesAreExclusiveAndTheBoundIsChecked() {
    assertThatThrownBy(() -> FilePool.create(0)).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxOpenFiles must be >= 1: 0");
    try (FilePool pool = FilePool.create()) {
      assertThat(pool.maxOpenFiles()).isEqualTo(FilePool.DEFAULT_MAX_OPEN_FILES);
      assertThatThrownBy(() -> FileStorage.builder(root).maxOpenFiles(8).filePool(pool))
          .isInstanceOf(IllegalStateException.class);
      assertThatThrownBy(() -> FileStorage.builder(root).filePool(pool).maxOpenFiles(8))
          .isInstanceOf(IllegalStateException.class);
    }
  }
}
