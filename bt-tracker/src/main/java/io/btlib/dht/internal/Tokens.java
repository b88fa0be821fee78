package io.btlib.dht.internal;

import io.btlib.hash.HashFunction;
import io.btlib.hash.Hasher;
import java.net.InetAddress;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;

/**
 * The announce tokens a node hands out with get_peers replies: the first 8 bytes of SHA-1(secret,
 * requester IP). The secret is replaced every {@link #ROTATE_MILLIS} (5 minutes), and a token made
 * with the previous secret is still accepted, so a token lives 5 to 10 minutes. Time is given by
 * the caller. Not thread-safe (used by the DHT thread only).
 */
final class Tokens {
  /** How often the secret changes. */
  public static final long ROTATE_MILLIS = 5 * 60_000L;

  /** Token length in bytes. */
  public static final int LENGTH = 8;

  private final Random random;
  private final Hasher sha1 = HashFunction.sha1().newHasher();
  private byte[] current = new byte[16];
  private byte[] previous = new byte[16];
  private long rotatedAt;

  /** Tokens with fresh random secrets, the first created at {@code nowMillis}. */
  public Tokens(Random random, long nowMillis) {
    this.random = random;
    random.nextBytes(current);
    random.nextBytes(previous);
    this.rotatedAt = nowMillis;
  }

  private void rotate(long now) {
    long elapsed = now - rotatedAt;
    if (elapsed < ROTATE_MILLIS) {
      return;
    }
    if (elapsed >= 2 * ROTATE_MILLIS) {
      random.nextBytes(previous); // both secrets are stale
    } else {
      previous = current;
    }
    current = new byte[16];
    random.nextBytes(current);
    rotatedAt = now;
  }

  /** The token for {@code requester} at {@code now}. */
  public byte[] tokenFor(InetAddress requester, long now) {
    rotate(now);
    return make(current, requester);
  }

  /** Whether {@code token} was issued to {@code requester} with the current or previous secret. */
  public boolean isValid(byte[] token, InetAddress requester, long now) {
    rotate(now);
    if (token == null || token.length != LENGTH) {
      return false;
    }
    return MessageDigest.isEqual(token, make(current, requester))
        || MessageDigest.isEqual(token, make(previous, requester));
  }

  private byte[] make(byte[] secret, InetAddress ip) {
    byte[] ipBytes = ip.getAddress();
    sha1.update(secret, 0, secret.length);
    sha1.update(ipBytes, 0, ipBytes.length);
    return Arrays.copyOf(sha1.digest(), LENGTH);
  }
}
