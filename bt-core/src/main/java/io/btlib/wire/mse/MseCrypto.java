package io.btlib.wire.mse;

import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Random;

/** The MSE constants and primitives: the DH group, HASH() and the RC4 keystreams. */
final class MseCrypto {
  private MseCrypto() {}

  /** The 768-bit safe prime P of the spec. */
  static final BigInteger P = new BigInteger(
      "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E"
          + "3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A3621"
          + "0000000000090563", 16);
  static final BigInteger G = BigInteger.valueOf(2);
  static final BigInteger P_MINUS_1 = P.subtract(BigInteger.ONE);
  /** Public keys and the secret S are 768 bits: 96 bytes, big-endian. */
  static final int KEY_LENGTH = 96;
  static final int PRIVATE_KEY_BITS = 160;
  static final int MAX_PAD = 512;
  static final int VC_LENGTH = 8;
  static final int RC4_DISCARD = 1024;

  static final byte[] REQ1 = ascii("req1");
  static final byte[] REQ2 = ascii("req2");
  static final byte[] REQ3 = ascii("req3");
  static final byte[] KEY_A = ascii("keyA");
  static final byte[] KEY_B = ascii("keyB");

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A private key of 160 random bits, never zero. */
  static BigInteger privateKey(Random random) {
    byte[] b = new byte[PRIVATE_KEY_BITS / 8];
    BigInteger x;
    do {
      random.nextBytes(b);
      x = new BigInteger(1, b);
    } while (x.signum() == 0);
    return x;
  }

  /** G^x mod P. */
  static BigInteger publicKey(BigInteger x) {
    return G.modPow(x, P);
  }

  /** Whether a peer's public key is usable: in [2, P-2] (1 and P-1 would force S). */
  static boolean isValidPublicKey(BigInteger y) {
    return y.compareTo(BigInteger.ONE) > 0 && y.compareTo(P_MINUS_1) < 0;
  }

  /** {@code v} as exactly 96 big-endian bytes. */
  static byte[] toBytes(BigInteger v) {
    byte[] raw = v.toByteArray();
    byte[] out = new byte[KEY_LENGTH];
    int n = Math.min(raw.length, KEY_LENGTH);
    System.arraycopy(raw, raw.length - n, out, KEY_LENGTH - n, n);
    return out;
  }

  /** HASH(): SHA-1 of the parts concatenated. */
  static byte[] hash(byte[]... parts) {
    MessageDigest sha1;
    try {
      sha1 = MessageDigest.getInstance("SHA-1");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is missing from this JDK", e);
    }
    for (byte[] p : parts) {
      sha1.update(p);
    }
    return sha1.digest();
  }

  /** An RC4 stream keyed with {@code key}, its first 1024 bytes of output already discarded. */
  static Rc4 rc4(byte[] key) {
    Rc4 rc4 = new Rc4(key);
    byte[] discard = new byte[RC4_DISCARD];
    rc4.processBytes(discard, 0, discard.length, discard, 0);
    return rc4;
  }
}
