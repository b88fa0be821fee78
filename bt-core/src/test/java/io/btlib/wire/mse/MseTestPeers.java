package io.btlib.wire.mse;

import io.btlib.metainfo.InfoHash;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.Random;
import java.util.function.IntSupplier;

/** Pipes for handshakes in memory, and a hand-built peer for hostile handshakes. */
final class MseTestPeers {
  private MseTestPeers() {}

  static final InfoHash SKEY = InfoHash.of(new byte[] {
      0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19});

  /** One end: its handshake and the bytes it received and has not consumed (write mode). */
  static final class End {
    final MseHandshake hs;
    final ByteBuffer in = ByteBuffer.allocate(1 << 18);

    End(MseHandshake hs) {
      this.hs = hs;
    }

    /** What is left in the input after the handshake: payload. */
    byte[] leftover() {
      ByteBuffer b = in.duplicate().flip();
      byte[] out = new byte[b.remaining()];
      b.get(out);
      return out;
    }
  }

  /** Chunk sizes: all at once, one byte at a time, or seeded random sizes. */
  enum Chunking {
    WHOLE(() -> Integer.MAX_VALUE),
    ONE_BYTE(() -> 1),
    SEVEN(() -> 7),
    RANDOM(null);

    private final IntSupplier sizes;

    Chunking(IntSupplier sizes) {
      this.sizes = sizes;
    }

    IntSupplier sizes() {
      if (sizes != null) {
        return sizes;
      }
      Random r = new Random(42);
      return () -> 1 + r.nextInt(100);
    }
  }

  /** Everything the handshake has to send. */
  static byte[] drain(MseHandshake hs) {
    ByteBuffer b = ByteBuffer.allocate(1 << 17);
    while (hs.pollTransmit(b)) {
      // all of it
    }
    return Arrays.copyOf(b.array(), b.position());
  }

  /** Delivers bytes to an end in chunks, feeding its handshake until it is done. */
  static void deliver(byte[] bytes, End to, IntSupplier chunks) throws MseException {
    for (int off = 0; off < bytes.length; ) {
      int n = Math.min(chunks.getAsInt(), bytes.length - off);
      to.in.put(bytes, off, n);
      off += n;
      if (!to.hs.isDone()) {
        to.in.flip();
        to.hs.handleBytes(to.in);
        to.in.compact();
      }
    }
  }

  /** Runs both handshakes to the end; B sends {@code payloadFromB} as soon as it is done. */
  static void run(End a, End b, Chunking chunking, byte[] payloadFromB) throws MseException {
    IntSupplier chunks = chunking.sizes();
    boolean bPayloadSent = false;
    for (int round = 0; round < 10 && !(a.hs.isDone() && b.hs.isDone()
        && !a.hs.hasTransmit() && !b.hs.hasTransmit()); round++) {
      deliver(drain(a.hs), b, chunks);
      byte[] fromB = drain(b.hs);
      if (b.hs.isDone() && !bPayloadSent && payloadFromB != null) {
        byte[] enc = payloadFromB.clone();
        b.hs.result().encryptor().apply(enc, 0, enc.length);
        fromB = concat(fromB, enc);
        bPayloadSent = true;
      }
      deliver(fromB, a, chunks);
    }
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }

  static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  /** A peer whose every field is chosen by the test: for hostile handshakes. */
  static final class HandPeer {
    final BigInteger x = new BigInteger("0123456789abcdef0123456789abcdef01234567", 16);
    byte[] secret;

    byte[] publicKey() {
      return MseCrypto.toBytes(MseCrypto.publicKey(x));
    }

    void onPeerKey(byte[] y96) {
      secret = MseCrypto.toBytes(new BigInteger(1, y96).modPow(x, MseCrypto.P));
    }

    Rc4 keyA(InfoHash skey) {
      return MseCrypto.rc4(MseCrypto.hash(MseCrypto.KEY_A, secret, skey.bytes()));
    }

    Rc4 keyB(InfoHash skey) {
      return MseCrypto.rc4(MseCrypto.hash(MseCrypto.KEY_B, secret, skey.bytes()));
    }

    /** Step 3 as an initiator, with the fields given. */
    byte[] step3(InfoHash skey, byte vcByte, int provide, int padC, byte[] ia) {
      byte[] req1 = MseCrypto.hash(MseCrypto.REQ1, secret);
      byte[] req2 = MseCrypto.hash(MseCrypto.REQ2, skey.bytes());
      byte[] req3 = MseCrypto.hash(MseCrypto.REQ3, secret);
      for (int i = 0; i < 20; i++) {
        req2[i] ^= req3[i];
      }
      ByteBuffer b = ByteBuffer.allocate(8 + 4 + 2 + padC + 2 + ia.length);
      for (int i = 0; i < 8; i++) {
        b.put(vcByte);
      }
      b.putInt(provide).putShort((short) padC).position(b.position() + padC);
      b.putShort((short) ia.length).put(ia);
      keyA(skey).processBytes(b.array(), 0, b.capacity(), b.array(), 0);
      return concat(req1, req2, b.array());
    }

    /** Step 4 as a receiver, with the fields given. */
    byte[] step4(InfoHash skey, int select, int padD) {
      ByteBuffer b = ByteBuffer.allocate(8 + 4 + 2 + padD);
      b.position(8);
      b.putInt(select).putShort((short) padD);
      keyB(skey).processBytes(b.array(), 0, b.capacity(), b.array(), 0);
      return b.array();
    }
  }
}
