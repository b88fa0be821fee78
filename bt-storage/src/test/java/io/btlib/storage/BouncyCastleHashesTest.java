package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.hash.HashFunction;
import io.btlib.hash.Hasher;
import io.btlib.metainfo.Metainfo;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.Security;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Random;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BouncyCastleHashesTest {
  private static final int[] SIZES = {0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 129, 1000,
      16383, 16384, 16385, 65536, 100_003, 262_144, 1 << 20};

  private static HashFunction bc(String algorithm) {
    return algorithm.equals("SHA-1") ? BouncyCastleHashes.sha1() : BouncyCastleHashes.sha256();
  }

  private static byte[] jdk(String algorithm, byte[] data) throws Exception {
    return MessageDigest.getInstance(algorithm).digest(data);
  }

  /** Feeds {@code data} to {@code h} in seeded random chunks, each in a buffer from {@code alloc}. */
  private static void feedInChunks(Hasher h, byte[] data, Random rnd, int maxChunk,
      IntFunction<ByteBuffer> alloc, boolean readOnly) {
    for (int off = 0; off < data.length; ) {
      int n = Math.min(data.length - off, 1 + rnd.nextInt(maxChunk));
      ByteBuffer b = alloc.apply(n + 7);
      b.position(3);
      b.put(data, off, n);
      b.position(3).limit(3 + n);
      if (readOnly) {
        b = b.asReadOnlyBuffer();
      }
      h.update(b);
      assertThat(b.hasRemaining()).isFalse();
      off += n;
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"SHA-1", "SHA-256"})
  void matchesTheJdkOnWholeArraysOfManySizes(String algorithm) throws Exception {
    Random rnd = new Random(1);
    Hasher h = bc(algorithm).newHasher();
    for (int size : SIZES) {
      byte[] data = new byte[size + 10];
      rnd.nextBytes(data);
      h.update(data, 5, size);
      assertThat(h.digest()).as("%s of %d bytes", algorithm, size)
          .isEqualTo(jdk(algorithm, Arrays.copyOfRange(data, 5, 5 + size)));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"SHA-1", "SHA-256"})
  void matchesTheJdkOnHeapDirectAndReadOnlyBuffersInRandomChunks(String algorithm)
      throws Exception {
    Random rnd = new Random(2);
    HashFunction f = bc(algorithm);
    Hasher h = f.newHasher();
    for (int size : SIZES) {
      byte[] data = new byte[size];
      rnd.nextBytes(data);
      byte[] expected = jdk(algorithm, data);
      for (int maxChunk : new int[] {1, 63, 64, 1000, 40_000}) {
        if (maxChunk == 1 && size > 20_000) {
          continue;
        }
        feedInChunks(h, data, rnd, maxChunk, ByteBuffer::allocate, false);
        assertThat(h.digest()).as("heap, size %d, chunks ≤ %d", size, maxChunk)
            .isEqualTo(expected);
        feedInChunks(h, data, rnd, maxChunk, ByteBuffer::allocateDirect, false);
        assertThat(h.digest()).as("direct, size %d, chunks ≤ %d", size, maxChunk)
            .isEqualTo(expected);
        feedInChunks(h, data, rnd, maxChunk, ByteBuffer::allocate, true);
        assertThat(h.digest()).as("read-only heap, size %d, chunks ≤ %d", size, maxChunk)
            .isEqualTo(expected);
        feedInChunks(h, data, rnd, maxChunk, ByteBuffer::allocateDirect, true);
        assertThat(h.digest()).as("read-only direct, size %d, chunks ≤ %d", size, maxChunk)
            .isEqualTo(expected);
      }
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"SHA-1", "SHA-256"})
  void isReusableAfterDigestAndReset(String algorithm) throws Exception {
    Hasher h = bc(algorithm).newHasher();
    byte[] a = "abc".getBytes(StandardCharsets.US_ASCII);
    h.update(a, 0, a.length);
    byte[] first = h.digest();
    h.update(a, 0, a.length);
    assertThat(h.digest()).isEqualTo(first).isEqualTo(jdk(algorithm, a));
    h.update(new byte[100], 0, 100);
    h.reset();
    h.update(ByteBuffer.wrap(a));
    byte[] out = new byte[h.digestLength() + 4];
    h.digest(out, 4);
    assertThat(Arrays.copyOfRange(out, 4, out.length)).isEqualTo(first);
  }

  @Test
  void describesItsAlgorithmsAndLengths() {
    assertThat(BouncyCastleHashes.sha1().algorithm()).isEqualTo("SHA-1");
    assertThat(BouncyCastleHashes.sha1().digestLength()).isEqualTo(20);
    assertThat(BouncyCastleHashes.sha1().newHasher().digestLength()).isEqualTo(20);
    assertThat(BouncyCastleHashes.sha256().algorithm()).isEqualTo("SHA-256");
    assertThat(BouncyCastleHashes.sha256().digestLength()).isEqualTo(32);
    assertThat(BouncyCastleHashes.sha256().newHasher().digestLength()).isEqualTo(32);
  }

  @Test
  void rejectsADigestThatDoesNotFitAndStaysUsable() {
    Hasher h = BouncyCastleHashes.sha1().newHasher();
    h.update(new byte[] {1, 2, 3}, 0, 3);
    assertThatThrownBy(() -> h.digest(new byte[25], 6))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at 6");
    assertThatThrownBy(() -> h.digest(new byte[25], -1))
        .isInstanceOf(IllegalArgumentException.class);
    byte[] out = new byte[25];
    h.digest(out, 5);
    Hasher jdk = HashFunction.sha1().newHasher();
    jdk.update(new byte[] {1, 2, 3}, 0, 3);
    assertThat(Arrays.copyOfRange(out, 5, 25)).isEqualTo(jdk.digest());
  }

  @Test
  void registersNoSecurityProvider() {
    int before = Security.getProviders().length;
    BouncyCastleHashes.sha256().newHasher().digest();
    assertThat(Security.getProvider("BC")).isNull();
    assertThat(Security.getProviders()).hasSize(before);
  }

  @ParameterizedTest
  @ValueSource(strings = {"v1-multi.torrent", "v2-multi.torrent", "hybrid-multi.torrent"})
  void recheckFindsEveryPieceGoodWithBouncyCastle(String name) throws Exception {
    Metainfo m = RecheckFixtures.load(name);
    byte[] s = RecheckFixtures.stream(m);
    RecheckResult r = Recheck.builder(m, RecheckFixtures.arrayStorage(m, s, new BitSet()))
        .hashFunctions(BouncyCastleHashes.sha1(), BouncyCastleHashes.sha256())
        .threads(2).build().run();
    assertThat(r.allGood()).isTrue();
  }

  @Test
  void availableWhenBouncyCastleIsOnTheClassPath() {
    assertThat(BouncyCastleHashes.isAvailable()).isTrue();
  }

  /**
   * BouncyCastle is an optional dependency: loaded without it (bt's own classes only, in a class
   * loader whose parent is the platform loader), the class still loads, says it is unavailable, and
   * the two functions throw a specific exception that names the missing artifact.
   */
  @Test
  void withoutBouncyCastleTheFunctionsThrowASpecificException() throws Exception {
    java.net.URL[] urls = {
        BouncyCastleHashes.class.getProtectionDomain().getCodeSource().getLocation(),
        HashFunction.class.getProtectionDomain().getCodeSource().getLocation(),
        io.btlib.bencode.BValue.class.getProtectionDomain().getCodeSource().getLocation()};
    try (java.net.URLClassLoader loader =
        new java.net.URLClassLoader(urls, ClassLoader.getPlatformClassLoader())) {
      assertThatThrownBy(() -> loader.loadClass("org.bouncycastle.crypto.Digest"))
          .isInstanceOf(ClassNotFoundException.class);
      Class<?> c = loader.loadClass(BouncyCastleHashes.class.getName());
      assertThat(c.getMethod("isAvailable").invoke(null)).isEqualTo(false);
      for (String f : new String[] {"sha1", "sha256"}) {
        assertThatThrownBy(() -> c.getMethod(f).invoke(null))
            .isInstanceOf(java.lang.reflect.InvocationTargetException.class)
            .cause().isInstanceOf(IllegalStateException.class)
            .hasMessageContaining("org.bouncycastle:bcprov-jdk18on");
      }
    }
  }
}
