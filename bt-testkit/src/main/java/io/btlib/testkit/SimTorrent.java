package io.btlib.testkit;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BString;
import io.btlib.client.Storage;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.MemoryStorage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.BitSet;
import java.util.Random;

/**
 * A single-file v1 torrent of pseudo-random bytes made in memory, for simulated swarms: its
 * metainfo, storages that hold all of it (for seeders) or nothing (for leechers), and a check of
 * what a storage holds. Immutable.
 */
public final class SimTorrent {
  private final Metainfo metainfo;
  private final byte[] data;

  private SimTorrent(Metainfo metainfo, byte[] data) {
    this.metainfo = metainfo;
    this.data = data;
  }

  /** {@code size} bytes drawn from {@code seed}, in pieces of {@code pieceLength}. */
  public static SimTorrent random(long seed, int size, int pieceLength) {
    if (size < 1 || pieceLength < 16 * 1024 || Integer.bitCount(pieceLength) != 1) {
      throw new IllegalArgumentException("size " + size + ", piece length " + pieceLength);
    }
    byte[] data = new byte[size];
    new Random(seed).nextBytes(data);
    MessageDigest sha1;
    try {
      sha1 = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    int pieces = (size + pieceLength - 1) / pieceLength;
    byte[] hashes = new byte[pieces * 20];
    for (int i = 0; i < pieces; i++) {
      sha1.update(data, i * pieceLength, Math.min(pieceLength, size - i * pieceLength));
      System.arraycopy(sha1.digest(), 0, hashes, i * 20, 20);
    }
    BDict info = BDict.builder().put("name", "sim-" + Long.toHexString(seed))
        .put("piece length", pieceLength).put("pieces", BString.of(hashes)).put("length", size)
        .build();
    return new SimTorrent(Metainfo.of(BDict.builder().put("info", info).build()), data);
  }

  /** The torrent's metainfo. */
  public Metainfo metainfo() {
    return metainfo;
  }

  /** The torrent's size in bytes. */
  public long size() {
    return data.length;
  }

  /** Every piece: the verified set a seeder starts with. */
  public BitSet allPieces() {
    BitSet b = new BitSet();
    b.set(0, metainfo.pieceCount());
    return b;
  }

  /** A new storage in memory with nothing in it. */
  public Storage emptyStorage() {
    return MemoryStorage.of(metainfo);
  }

  /** A new storage in memory holding the whole torrent. */
  public Storage seededStorage() {
    MemoryStorage s = MemoryStorage.of(metainfo);
    int pl = metainfo.pieceLength();
    try {
      for (int i = 0; i < metainfo.pieceCount(); i++) {
        int off = i * pl;
        s.write(i, 0, ByteBuffer.wrap(data, off, Math.min(pl, data.length - off)));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return s;
  }

  /** Whether {@code storage} holds exactly this torrent's bytes. */
  public boolean matches(Storage storage) {
    int pl = metainfo.pieceLength();
    try {
      for (int i = 0; i < metainfo.pieceCount(); i++) {
        int off = i * pl;
        int len = Math.min(pl, data.length - off);
        ByteBuffer b = ByteBuffer.allocate(len);
        storage.read(i, 0, b);
        if (!ByteBuffer.wrap(data, off, len).equals(b.flip())) {
          return false;
        }
      }
    } catch (IOException e) {
      return false;
    }
    return true;
  }
}
