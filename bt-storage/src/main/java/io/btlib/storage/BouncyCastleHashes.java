package io.btlib.storage;

import io.btlib.hash.ArrayHasher;
import io.btlib.hash.HashFunction;
import io.btlib.hash.Hasher;
import java.util.Objects;
import java.util.function.Supplier;
import org.bouncycastle.crypto.Digest;
import org.bouncycastle.crypto.digests.SHA1Digest;
import org.bouncycastle.crypto.digests.SHA256Digest;

/**
 * BouncyCastle's SHA-1 and SHA-256 as {@link HashFunction}s: the alternative to the JDK's defaults
 * for a platform whose {@code MessageDigest} is missing, restricted or slow.
 *
 * <pre>{@code
 * Recheck r = Recheck.builder(metainfo, storage)
 *     .hashFunctions(BouncyCastleHashes.sha1(), BouncyCastleHashes.sha256())
 *     .build();
 * }</pre>
 *
 * <p>They use BouncyCastle's lightweight digests ({@code SHA1Digest}, {@code SHA256Digest})
 * directly: no JCA provider is registered and no global state is touched. They are pure Java, so
 * where the JDK runs SHA-1 on the CPU's SHA instructions (HotSpot on x86-64 with SHA-NI, or
 * AArch64) they are several times slower than {@link HashFunction#sha1()}; prefer the JDK's unless
 * there is a reason not to.
 *
 * <p>The functions are thread-safe; each {@link Hasher} is used by one thread at a time. Direct and
 * read-only buffers are fed through a 16 KiB heap chunk per hasher.
 *
 * <p><b>An optional dependency.</b> bt-storage declares BouncyCastle ({@code
 * org.bouncycastle:bcprov-jdk18on}) optional, so an application that never asks for these functions
 * does not carry it; one that does adds the dependency itself (and, as a named module, {@code
 * requires org.bouncycastle.provider}). Without it {@link #sha1()} and {@link #sha256()} throw
 * {@link IllegalStateException}; {@link #isAvailable()} tells beforehand.
 */
public final class BouncyCastleHashes {
  private static final String PROBE = "org.bouncycastle.crypto.digests.SHA1Digest";

  private BouncyCastleHashes() {}

  /** Whether BouncyCastle's digests can be loaded, so that {@link #sha1()} will not throw. */
  public static boolean isAvailable() {
    try {
      Class.forName(PROBE, false, BouncyCastleHashes.class.getClassLoader());
      return true;
    } catch (ClassNotFoundException | LinkageError e) {
      return false;
    }
  }

  /**
   * BouncyCastle's SHA-1 (for v1 pieces, BEP 3).
   *
   * @throws IllegalStateException if BouncyCastle is not on the class path or module path
   */
  public static HashFunction sha1() {
    requireAvailable();
    return Functions.SHA1;
  }

  /**
   * BouncyCastle's SHA-256 (for v2 merkle trees, BEP 52).
   *
   * @throws IllegalStateException if BouncyCastle is not on the class path or module path
   */
  public static HashFunction sha256() {
    requireAvailable();
    return Functions.SHA256;
  }

  private static void requireAvailable() {
    if (!isAvailable()) {
      throw new IllegalStateException("BouncyCastle is not available: BouncyCastleHashes needs"
          + " org.bouncycastle:bcprov-jdk18on, an optional dependency of bt-storage; add it to the"
          + " application (and 'requires org.bouncycastle.provider' to a module)");
    }
  }

  /** Touches BouncyCastle's classes only once its presence is checked. */
  private static final class Functions {
    static final HashFunction SHA1 = new BcHashFunction("SHA-1", 20, SHA1Digest::new);
    static final HashFunction SHA256 = new BcHashFunction("SHA-256", 32, SHA256Digest::new);
  }

  private static final class BcHashFunction implements HashFunction {
    private final String algorithm;
    private final int length;
    private final Supplier<Digest> digests;

    BcHashFunction(String algorithm, int length, Supplier<Digest> digests) {
      this.algorithm = algorithm;
      this.length = length;
      this.digests = digests;
    }

    @Override
    public String algorithm() {
      return algorithm;
    }

    @Override
    public int digestLength() {
      return length;
    }

    @Override
    public Hasher newHasher() {
      return new BcHasher(digests.get(), length);
    }

    @Override
    public String toString() {
      return "BouncyCastle " + algorithm;
    }
  }

  private static final class BcHasher extends ArrayHasher {
    private final Digest digest;
    private final int length;

    BcHasher(Digest digest, int length) {
      this.digest = digest;
      this.length = length;
    }

    @Override
    public void update(byte[] bytes, int offset, int len) {
      Objects.checkFromIndexSize(offset, len, bytes.length);
      digest.update(bytes, offset, len);
    }

    @Override
    public void digest(byte[] out, int offset) {
      if (offset < 0 || offset > out.length - length) {
        throw new IllegalArgumentException("no room for a " + length + "-byte digest at " + offset
            + " in an array of " + out.length);
      }
      digest.doFinal(out, offset);
    }

    @Override
    public int digestLength() {
      return length;
    }

    @Override
    public void reset() {
      digest.reset();
    }
  }
}
