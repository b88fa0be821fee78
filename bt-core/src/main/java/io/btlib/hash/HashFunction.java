package io.btlib.hash;

import io.btlib.hash.internal.JdkHashFunction;

/**
 * A hash algorithm bt uses to check data: SHA-1 for v1 pieces (BEP 3) and SHA-256 for v2 merkle
 * trees (BEP 52). The service interface through which an application can swap the implementation
 * (for example BouncyCastle's, from bt-storage); the defaults are the JDK's {@code MessageDigest},
 * which HotSpot runs on the CPU's SHA instructions where it has them.
 *
 * <pre>{@code
 * Hasher h = HashFunction.sha1().newHasher();
 * h.update(pieceBytes);
 * byte[] digest = h.digest();
 * }</pre>
 *
 * <p>Implementations must be thread-safe: {@link #newHasher()} is called from many threads, and each
 * {@link Hasher} is then used by one thread.
 */
public interface HashFunction {

  /** The JDK's SHA-1. */
  static HashFunction sha1() {
    return JdkHashFunction.SHA1;
  }

  /** The JDK's SHA-256. */
  static HashFunction sha256() {
    return JdkHashFunction.SHA256;
  }

  /** The algorithm's standard name: {@code "SHA-1"} or {@code "SHA-256"}. */
  String algorithm();

  /** The digest's length in bytes: 20 for SHA-1, 32 for SHA-256. */
  int digestLength();

  /** A new, independent computation. */
  Hasher newHasher();
}
