package io.btlib.storage;

import io.btlib.client.Storage;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.Map;

/** The libtorrent fixtures and their content (see bt-core's fixtures/libtorrent/README.md). */
final class RecheckFixtures {
  static final String[] ALL = {"v1-single.torrent", "v1-multi.torrent", "v2-single.torrent",
      "v2-multi.torrent", "hybrid-single.torrent", "hybrid-multi.torrent",
      "hybrid-multi-large-pieces.torrent"};
  static final Map<String, Integer> FILE_NUMBER = Map.of("single.bin", 0, "multi/a.bin", 1,
      "multi/sub/b.bin", 2, "multi/sub/c.bin", 3, "multi/empty.txt", 4, "multi/z/deep/d.bin", 5);

  private RecheckFixtures() {}

  static Metainfo load(String name) throws IOException {
    try (InputStream in = RecheckFixtures.class.getResourceAsStream("/fixtures/libtorrent/" + name)) {
      if (in != null) {
        return Metainfo.parse(in);
      }
    }
    return Metainfo.parse(Path.of("../bt-core/src/test/resources/fixtures/libtorrent/" + name));
  }

  static byte content(int file, long j) {
    return (byte) ((j * 31) + (file * 7L) + (j >> 8));
  }

  static byte[] fileContent(FileEntry f) {
    int number = FILE_NUMBER.get(f.pathString());
    byte[] b = new byte[(int) f.length()];
    for (int j = 0; j < b.length; j++) {
      b[j] = content(number, j);
    }
    return b;
  }

  /** Writes every non-pad file of the torrent under {@code root}. */
  static void writeFiles(Metainfo m, Path root) throws IOException {
    for (FileEntry f : m.files()) {
      if (f.isPad()) {
        continue;
      }
      Path p = root;
      for (String c : f.path()) {
        p = p.resolve(c);
      }
      Files.createDirectories(p.getParent());
      Files.write(p, fileContent(f));
    }
  }

  /** The piece-aligned stream: files in place, pads and v2 alignment as zeros. */
  static byte[] stream(Metainfo m) {
    long end = 0;
    for (FileEntry f : m.files()) {
      end = Math.max(end, f.endOffset());
    }
    byte[] s = new byte[(int) end];
    for (FileEntry f : m.files()) {
      if (!f.isPad()) {
        byte[] c = fileContent(f);
        System.arraycopy(c, 0, s, (int) f.offset(), c.length);
      }
    }
    return s;
  }

  /** A storage over a stream in memory; reads of pieces in {@code unreadable} fail. */
  static Storage arrayStorage(Metainfo m, byte[] stream, BitSet unreadable) {
    return new Storage() {
      @Override
      public void read(int piece, int offset, ByteBuffer dst) throws IOException {
        if (unreadable.get(piece)) {
          throw new EOFException("piece " + piece + " is not stored");
        }
        dst.put(stream, piece * m.pieceLength() + offset, dst.remaining());
      }

      @Override
      public void write(int piece, int offset, ByteBuffer src) {
        src.get(stream, piece * m.pieceLength() + offset, src.remaining());
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
  }
}
