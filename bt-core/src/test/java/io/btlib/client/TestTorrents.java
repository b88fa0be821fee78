package io.btlib.client;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/** Torrents made in memory for engine tests, and a storage over a byte array. */
final class TestTorrents {
  private TestTorrents() {}

  /** A v1 torrent over {@code data}, split into files of the given lengths (summing to it). */
  static Metainfo v1(byte[] data, int pieceLength, long... fileLengths) {
    return v1(false, data, pieceLength, fileLengths);
  }

  /** The same, marked private (BEP 27) if {@code isPrivate}. */
  static Metainfo v1(boolean isPrivate, byte[] data, int pieceLength, long... fileLengths) {
    try {
      MessageDigest sha1 = MessageDigest.getInstance("SHA-1");
      int pieces = (data.length + pieceLength - 1) / pieceLength;
      byte[] hashes = new byte[pieces * 20];
      for (int i = 0; i < pieces; i++) {
        sha1.update(data, i * pieceLength, Math.min(pieceLength, data.length - i * pieceLength));
        System.arraycopy(sha1.digest(), 0, hashes, i * 20, 20);
      }
      BDict.Builder info = BDict.builder().put("name", "swarm").put("piece length", pieceLength)
          .put("pieces", BString.of(hashes));
      if (isPrivate) {
        info.put("private", 1);
      }
      if (fileLengths.length <= 1) {
        info.put("length", data.length);
      } else {
        List<BValue> files = new ArrayList<>();
        for (int i = 0; i < fileLengths.length; i++) {
          files.add(BDict.builder().put("length", fileLengths[i])
              .put("path", BList.of(BString.of("dir" + (i % 2)), BString.of("f" + i))).build());
        }
        info.put("files", BList.of(files));
      }
      return Metainfo.of(BDict.builder().put("info", info.build()).build());
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static byte[] random(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  /** A storage over an array holding the torrent's piece-aligned stream; reads of unwritten bytes fail. */
  static final class ArrayStorage implements Storage {
    final Metainfo m;
    final byte[] data;
    final boolean[] written;
    volatile boolean closed;

    ArrayStorage(Metainfo m, byte[] initial) {
      this.m = m;
      long end = 0;
      for (FileEntry f : m.files()) {
        end = Math.max(end, f.endOffset());
      }
      this.data = initial != null ? initial.clone() : new byte[(int) end];
      this.written = new boolean[m.pieceCount()];
      if (initial != null) {
        Arrays.fill(written, true);
      }
    }

    @Override
    public void read(int piece, int offset, ByteBuffer dst) throws IOException {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      synchronized (this) {
        if (!written[piece]) {
          throw new java.io.EOFException("piece " + piece + " not stored");
        }
      }
      dst.put(data, piece * m.pieceLength() + offset, dst.remaining());
    }

    @Override
    public void write(int piece, int offset, ByteBuffer src) {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      int n = src.remaining();
      src.get(data, piece * m.pieceLength() + offset, n);
      if (offset + n == m.pieceSize(piece)) {
        synchronized (this) {
          written[piece] = true;
        }
      }
    }

    @Override
    public void flush() {}

    /** Counted down when the storage is closed. */
    final java.util.concurrent.CountDownLatch closing = new java.util.concurrent.CountDownLatch(1);

    @Override
    public void close() {
      closed = true;
      closing.countDown();
    }
  }
}
