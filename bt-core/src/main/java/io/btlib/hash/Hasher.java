package io.btlib.hash;

import java.nio.ByteBuffer;

/**
 * One running hash computation: feed bytes, then take the digest. Obtained from {@link
 * HashFunction#newHasher()}; reusable after {@link #digest()} (which resets it) or {@link #reset()}.
 *
 * <p>Not thread-safe: one thread at a time, which is why each thread takes its own.
 */
public interface Hasher {

  /** Feeds {@code length} bytes of {@code bytes} from {@code offset}. */
  void update(byte[] bytes, int offset, int length);

  /** Feeds the remaining bytes of {@code buffer} and moves its position to its limit. */
  void update(ByteBuffer buffer);

  /** Finishes the computation, writes the digest into {@code out} at {@code offset}, and resets. */
  void digest(byte[] out, int offset);

  /** Finishes the computation and resets; returns the digest. */
  default byte[] digest() {
    byte[] out = new byte[digestLength()];
    digest(out, 0);
    return out;
  }

  /** The digest's length in bytes. */
  int digestLength();

  /** Discards the bytes fed so far. */
  void reset();
}
