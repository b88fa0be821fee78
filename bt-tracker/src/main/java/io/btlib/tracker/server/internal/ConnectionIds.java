package io.btlib.tracker.server.internal;

import java.security.SecureRandom;

/**
 * UDP tracker connection ids (BEP 15) that cost no memory per client: an id is SipHash-2-4, keyed
 * by a secret, of the client's address and port. The secret is replaced every {@code
 * rotationNanos}; ids made with the current or the previous secret are accepted, so an id lives
 * between one and two rotation periods (BEP 15 asks clients to reuse an id for at most one minute,
 * and servers to accept it for two). A client cannot forge an id for another address without the
 * secret, which never leaves the process.
 *
 * <p>Thread-safe: the secrets are one immutable object behind a volatile field, replaced under a
 * lock when due, so the UDP threads read them without locking.
 */
public final class ConnectionIds {
  private final SecureRandom random;
  private final long rotationNanos;
  private volatile Keys keys;

  /** The current and previous secrets; immutable, replaced whole on rotation. */
  private static final class Keys {
    final long k0;
    final long k1;
    final long prev0;
    final long prev1;
    final long rotatedAtNanos;

    Keys(long k0, long k1, long prev0, long prev1, long rotatedAtNanos) {
      this.k0 = k0;
      this.k1 = k1;
      this.prev0 = prev0;
      this.prev1 = prev1;
      this.rotatedAtNanos = rotatedAtNanos;
    }
  }

  /** Ids for a server whose clock reads {@code nowNanos}; secrets drawn from {@code random}. */
  public ConnectionIds(SecureRandom random, long rotationNanos, long nowNanos) {
    this.random = random;
    this.rotationNanos = rotationNanos;
    this.keys = new Keys(random.nextLong(), random.nextLong(), random.nextLong(),
        random.nextLong(), nowNanos);
  }

  /** Replaces the secret if it is older than the rotation period. Call before each use. */
  public void rotateIfDue(long nowNanos) {
    if (nowNanos - keys.rotatedAtNanos >= rotationNanos) {
      rotate(nowNanos);
    }
  }

  private synchronized void rotate(long nowNanos) {
    Keys k = keys;
    long age = nowNanos - k.rotatedAtNanos;
    if (age < rotationNanos) {
      return; // another thread rotated first
    }
    if (age >= 2 * rotationNanos) { // idle for long: the previous secret is stale too
      keys = new Keys(random.nextLong(), random.nextLong(), random.nextLong(), random.nextLong(),
          nowNanos);
    } else {
      keys = new Keys(random.nextLong(), random.nextLong(), k.k0, k.k1, nowNanos);
    }
  }

  /** The id to hand to a client at {@code ipHi:ipLo} (IPv6 or mapped IPv4) and {@code port}. */
  public long issue(long ipHi, long ipLo, int port) {
    Keys k = keys;
    return sipHash24(k.k0, k.k1, ipHi, ipLo, port);
  }

  /** Whether {@code id} was issued to this client with the current or the previous secret. */
  public boolean isValid(long id, long ipHi, long ipLo, int port) {
    Keys k = keys;
    return id == sipHash24(k.k0, k.k1, ipHi, ipLo, port)
        || id == sipHash24(k.prev0, k.prev1, ipHi, ipLo, port);
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
