package io.btlib.hash;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** The default (JDK) hashers: long arrays fed in slices, direct buffers copied in chunks. */
class JdkHashFunctionTest {
  /** Sizes around the 4 KiB copy chunk and the 64 KiB array slice, and a few MiB. */
  private static final int[] SIZES = {0, 1, 63, 64, 4095, 4096, 4097, 65_535, 65_536, 65_537,
      131_072, 131_073, 200_003, (1 << 20) + 13, 3 << 20};

  private static HashFunction jdk(String algorithm) {
    return algorithm.equals("SHA-1") ? HashFunction.sha1() : HashFunction.sha256();
  }

  private static byte[] expected(String algorithm, byte[] data, int off, int len)
      throws Exception {
    return MessageDigest.getInstance(algorithm).digest(Arrays.copyOfRange(data, off, off + len));
  }

  @ParameterizedTest
  @ValueSource(strings = {"SHA-1", "SHA-256"})
  void longArraysAtAnyOffsetHashAsOneDigestWould(String algorithm) throws Exception {
    Random rnd = new Random(7);
    Hasher h = jdk(algorithm).newHasher();
    for (int size : SIZES) {
      byte[] data = new byte[size + 11];
      rnd.nextBytes(data);
      h.update(data, 11, size);
      assertThat(h.digest()).as("%s of %d bytes at offset 11", algorithm, size)
          .isEqualTo(expected(algorithm, data, 11, size));
      // the same bytes split unevenly across two calls
      int cut = size / 3;
      h.update(data, 11, cut);
      h.update(data, 11 + cut, size - cut);
      assertThat(h.digest()).as("%s of %d bytes in two calls", algorithm, size)
          .isEqualTo(expected(algorithm, data, 11, size));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"SHA-1", "SHA-256"})
  void directAndReadOnlyBuffersHashAsArraysDo(String algorithm) throws Exception {
    Random rnd = new Random(8);
    Hasher h = jdk(algorithm).newHasher();
    for (int size : SIZES) {
      byte[] data = new byte[size];
      rnd.nextBytes(data);
      byte[] want = expected(algorithm, data, 0, size);
      ByteBuffer direct = ByteBuffer.allocateDirect(size + 5);
      direct.position(5);
      direct.put(data).position(5);
      h.update(direct);
      assertThat(direct.hasRemaining()).isFalse();
      assertThat(h.digest()).as("direct, %d bytes", size).isEqualTo(want);
      h.update(ByteBuffer.wrap(data).asReadOnlyBuffer());
      assertThat(h.digest()).as("read-only heap, %d bytes", size).isEqualTo(want);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"SHA-1", "SHA-256"})
  void outOfRangeArraysAreRefusedBeforeAnyByteIsHashed(String algorithm) throws Exception {
    Hasher h = jdk(algorithm).newHasher();
    byte[] data = new byte[200_000];
    new Random(9).nextBytes(data);
    assertThatThrownBy(() -> h.update(data, 100, data.length))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> h.update(data, -1, 10))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> h.update(data, 10, -1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    // nothing of the refused calls was hashed: the state is still empty
    h.update(data, 0, data.length);
    assertThat(h.digest()).isEqualTo(expected(algorithm, data, 0, data.length));
  }
}
