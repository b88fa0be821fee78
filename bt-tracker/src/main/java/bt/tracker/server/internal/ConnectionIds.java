package bt.tracker.server.internal;

import java.security.SecureRandom;

/**
 * UDP tracker connection ids (BEP 15) that cost no memory per client: an id is SipHash-2-4, keyed
 * by a secret, of the client's address and port. The secret is replaced every {@code
 * rotationNanos}; ids made with the current or the previous secret are accepted, so an id lives
 * between one and two rotation periods (BEP 15 asks clients to reuse an id for at most one minute,
 * and servers to accept it for two). A client cannot forge an id for another address without the
 * secret, which never leaves the process.
 *
 * <p>Not thread-safe: owned by the single UDP receive thread.
 */
public final class ConnectionIds {
  private final SecureRandom random;
  private final long rotationNanos;
  private long k0;
  private long k1;
  private long prev0;
  private long prev1;
  private long rotatedAtNanos;

  /** Ids for a server whose clock reads {@code nowNanos}; secrets drawn from {@code random}. */
  public ConnectionIds(SecureRandom random, long rotationNanos, long nowNanos) {
    this.random = random;
    this.rotationNanos = rotationNanos;
    this.k0 = random.nextLong();
    this.k1 = random.nextLong();
    this.prev0 = random.nextLong();
    this.prev1 = random.nextLong();
    this.rotatedAtNanos = nowNanos;
  }

  /** Replaces the secret if it is older than the rotation period. Call before each use. */
  public void rotateIfDue(long nowNanos) {
    long age = nowNanos - rotatedAtNanos;
    if (age < rotationNanos) {
      return;
    }
    if (age >= 2 * rotationNanos) { // idle for long: the previous secret is stale too
      prev0 = random.nextLong();
      prev1 = random.nextLong();
    } else {
      prev0 = k0;
      prev1 = k1;
    }
    k0 = random.nextLong();
    k1 = random.nextLong();
    rotatedAtNanos = nowNanos;
  }

  /** The id to hand to a client at {@code ipHi:ipLo} (IPv6 or mapped IPv4) and {@code port}. */
  public long issue(long ipHi, long ipLo, int port) {
    return sipHash24(k0, k1, ipHi, ipLo, port);
  }

  /** Whether {@code id} was issued to this client with the current or the previous secret. */
  public boolean isValid(long id, long ipHi, long ipLo, int port) {
    return id == sipHash24(k0, k1, ipHi, ipLo, port)
        || id == sipHash24(prev0, prev1, ipHi, ipLo, port);
  }

  /** SipHash-2-4 of the 24-byte message m0 m1 m2 (each little-endian, as in the reference). */
  static long sipHash24(long k0, long k1, long m0, long m1, long m2) {
    long v0 = k0 ^ 0x736f6d6570736575L;
    long v1 = k1 ^ 0x646f72616e646f6dL;
    long v2 = k0 ^ 0x6c7967656e657261L;
    long v3 = k1 ^ 0x7465646279746573L;
    for (int w = 0; w < 4; w++) {
      long m = w == 0 ? m0 : w == 1 ? m1 : w == 2 ? m2 : 24L << 56;
      v3 ^= m;
      for (int r = 0; r < 2; r++) {
        v0 += v1;
        v1 = Long.rotateLeft(v1, 13);
        v1 ^= v0;
        v0 = Long.rotateLeft(v0, 32);
        v2 += v3;
        v3 = Long.rotateLeft(v3, 16);
        v3 ^= v2;
        v0 += v3;
        v3 = Long.rotateLeft(v3, 21);
        v3 ^= v0;
        v2 += v1;
        v1 = Long.rotateLeft(v1, 17);
        v1 ^= v2;
        v2 = Long.rotateLeft(v2, 32);
      }
      v0 ^= m;
    }
    v2 ^= 0xff;
    for (int r = 0; r < 4; r++) {
      v0 += v1;
      v1 = Long.rotateLeft(v1, 13);
      v1 ^= v0;
      v0 = Long.rotateLeft(v0, 32);
      v2 += v3;
      v3 = Long.rotateLeft(v3, 16);
      v3 ^= v2;
      v0 += v3;
      v3 = Long.rotateLeft(v3, 21);
      v3 ^= v0;
      v2 += v1;
      v1 = Long.rotateLeft(v1, 17);
      v1 ^= v2;
      v2 = Long.rotateLeft(v2, 32);
    }
    return v0 ^ v1 ^ v2 ^ v3;
  }
}
