package bt.hash.internal;

import bt.hash.HashFunction;
import bt.hash.Hasher;
import java.nio.ByteBuffer;
import java.security.DigestException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * {@link HashFunction} over the JDK's {@code MessageDigest}. Direct buffers are fed through a small
 * heap chunk: the JDK's own {@code update(ByteBuffer)} copies through a temporary array too, and a
 * reused 16 KiB chunk stays in the L1/L2 cache where a large copy would not. Internal, not API.
 */
public final class JdkHashFunction implements HashFunction {
  public static final JdkHashFunction SHA1 = new JdkHashFunction("SHA-1", 20);
  public static final JdkHashFunction SHA256 = new JdkHashFunction("SHA-256", 32);

  private static final int CHUNK = 16 * 1024;

  private final String algorithm;
  private final int length;

  private JdkHashFunction(String algorithm, int length) {
    this.algorithm = algorithm;
    this.length = length;
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
    try {
      return new JdkHasher(MessageDigest.getInstance(algorithm), length);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required of every Java platform", e);
    }
  }

  @Override
  public String toString() {
    return "JDK " + algorithm;
  }

  private static final class JdkHasher implements Hasher {
    private final MessageDigest md;
    private final int length;
    private byte[] chunk;

    JdkHasher(MessageDigest md, int length) {
      this.md = md;
      this.length = length;
    }

    @Override
    public void update(byte[] bytes, int offset, int len) {
      md.update(bytes, offset, len);
    }

    @Override
    public void update(ByteBuffer buffer) {
      if (buffer.hasArray()) {
        md.update(buffer.array(), buffer.arrayOffset() + buffer.position(), buffer.remaining());
        buffer.position(buffer.limit());
        return;
      }
      if (chunk == null) {
        chunk = new byte[CHUNK];
      }
      while (buffer.hasRemaining()) {
        int n = Math.min(CHUNK, buffer.remaining());
        buffer.get(chunk, 0, n);
        md.update(chunk, 0, n);
      }
    }

    @Override
    public void digest(byte[] out, int offset) {
      try {
        md.digest(out, offset, length);
      } catch (DigestException e) {
        throw new IllegalArgumentException("no room for a " + length + "-byte digest at " + offset
            + " in an array of " + out.length, e);
      }
    }

    @Override
    public int digestLength() {
      return length;
    }

    @Override
    public void reset() {
      md.reset();
    }
  }
}
