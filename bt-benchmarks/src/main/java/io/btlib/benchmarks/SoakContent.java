package io.btlib.benchmarks;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BInteger;
import io.btlib.bencode.BString;
import io.btlib.bencode.BencodeWriter;
import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;

/**
 * One soak torrent's content: {@code size} pseudo-random bytes from {@code seed}, regenerated
 * rather than kept, so that verifying a download costs the driver no heap that would blur the
 * heap series. A single-file v1 torrent of 64 KiB pieces, trackerless (the clients' peer sources
 * add the tracker and the DHT).
 */
final class SoakContent {
  static final int PIECE = 64 * 1024;
  private static final int CHUNK = PIECE;

  final String name;
  final long seed;
  final long size;

  SoakContent(String name, long seed, long size) {
    this.name = name;
    this.seed = seed;
    this.size = size;
  }

  /** The bytes from {@code seed}, a piece-sized chunk at a time, into {@code sink}. */
  private void generate(ChunkSink sink) throws IOException {
    Random r = new Random(seed);
    byte[] chunk = new byte[CHUNK];
    long left = size;
    while (left > 0) {
      int n = (int) Math.min(CHUNK, left);
      r.nextBytes(chunk); // whole chunks, so the stream does not depend on the last one's length
      sink.accept(chunk, n);
      left -= n;
    }
  }

  private interface ChunkSink {
    void accept(byte[] chunk, int n) throws IOException;
  }

  /** Writes the content to {@code dir/name} and returns its metainfo. */
  Metainfo write(Path dir) throws IOException {
    MessageDigest sha1 = sha1();
    int pieces = (int) ((size + PIECE - 1) / PIECE);
    byte[] hashes = new byte[pieces * 20];
    int[] at = {0};
    try (var out = Files.newOutputStream(dir.resolve(name))) {
      generate((chunk, n) -> {
        out.write(chunk, 0, n);
        sha1.update(chunk, 0, n); // a chunk is a piece
        try {
          sha1.digest(hashes, at[0], 20);
        } catch (java.security.DigestException e) {
          throw new IOException(e);
        }
        at[0] += 20;
      });
    }
    BDict info = BDict.builder()
        .put("length", size)
        .put("name", name)
        .put("piece length", PIECE)
        .put("pieces", BString.of(hashes))
        .build();
    BDict root = BDict.builder().put("info", info).put("creation date", BInteger.of(0)).build();
    return Metainfo.parse(BencodeWriter.encode(root));
  }

  /**
   * Whether {@code file} holds exactly this content; a missing or short file does not.
   *
   * @return null if it does, else what differs
   */
  String mismatch(Path file) throws IOException {
    if (!Files.exists(file)) {
      return "missing";
    }
    long len = Files.size(file);
    if (len != size) {
      return "length " + len + ", expected " + size;
    }
    byte[] got = new byte[CHUNK];
    long[] offset = {0};
    String[] diff = {null};
    try (InputStream in = Files.newInputStream(file)) {
      generate((chunk, n) -> {
        if (diff[0] != null) {
          return;
        }
        int read = in.readNBytes(got, 0, n);
        for (int i = 0; i < n; i++) {
          if (i >= read || got[i] != chunk[i]) {
            diff[0] = "differs at byte " + (offset[0] + i);
            return;
          }
        }
        offset[0] += n;
      });
    }
    return diff[0];
  }

  private static MessageDigest sha1() {
    try {
      return MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
