package io.btlib.benchmarks;

import io.btlib.hash.HashFunction;
import io.btlib.hash.Hasher;
import io.btlib.storage.BouncyCastleHashes;
import java.nio.ByteBuffer;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * SHA-1 of one whole piece held in memory, per piece size, the way {@code openssl speed -evp sha1
 * -bytes N} measures it (the same buffer again and again, so it stays in cache as far as it fits):
 * bt's {@link Hasher} over the JDK's {@code MessageDigest} fed from a heap array and from a direct
 * buffer, a bare {@code MessageDigest} (to show the wrapper costs nothing), and BouncyCastle's
 * {@code SHA1Digest} through {@link BouncyCastleHashes}.
 *
 * <p>The primary score is pieces per second; the {@code bytes} secondary score ({@link Bytes}) is
 * bytes per second, so MiB/s = bytes / 2^20. Each thread hashes its own buffer: run with {@code -t
 * 2} for the two-thread figure, which JMH sums over the threads. {@code bt-benchmarks/
 * hash-baseline.sh} runs this next to OpenSSL and prints the ratios.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class HashBenchmark {

  /** The piece size in bytes: 16 KiB, 64 KiB, 256 KiB, 1 MiB, 4 MiB, 16 MiB. */
  @Param({"16384", "65536", "262144", "1048576", "4194304", "16777216"})
  public int size;

  private byte[] heap;
  private ByteBuffer direct;
  private final byte[] out = new byte[20];
  private Hasher jdk;
  private Hasher bc;
  private MessageDigest md;

  /** Bytes hashed, reported per second as the {@code bytes} secondary result. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Bytes {
    /** The count; JMH reports it as a rate. */
    public long bytes;

    /** Starts each iteration from zero. */
    @Setup(Level.Iteration)
    public void clear() {
      bytes = 0;
    }
  }

  /** Fills the piece with random bytes and checks that the three hashers agree on it. */
  @Setup(Level.Trial)
  public void setUp() throws NoSuchAlgorithmException {
    heap = new byte[size];
    new Random(size).nextBytes(heap);
    direct = ByteBuffer.allocateDirect(size);
    direct.put(heap).flip();
    jdk = HashFunction.sha1().newHasher();
    bc = BouncyCastleHashes.sha1().newHasher();
    md = MessageDigest.getInstance("SHA-1");
    byte[] expected = md.digest(heap);
    if (!Arrays.equals(jdkHeap(new Bytes()), expected)
        || !Arrays.equals(jdkDirect(new Bytes()), expected)
        || !Arrays.equals(bouncyCastle(new Bytes()), expected)) {
      throw new AssertionError("the hashers disagree on a " + size + "-byte piece");
    }
  }

  /** bt's JDK hasher over a heap array: {@code MessageDigest.update(byte[], int, int)}. */
  @Benchmark
  public byte[] jdkHeap(Bytes b) {
    jdk.update(heap, 0, size);
    jdk.digest(out, 0);
    b.bytes += size;
    return out;
  }

  /** bt's JDK hasher over a direct buffer ({@code Hasher.update(ByteBuffer)}). */
  @Benchmark
  public byte[] jdkDirect(Bytes b) {
    direct.clear();
    jdk.update(direct);
    jdk.digest(out, 0);
    b.bytes += size;
    return out;
  }

  /** The bare {@code MessageDigest}, without bt's {@link Hasher} around it. */
  @Benchmark
  public byte[] messageDigest(Bytes b) throws Exception {
    md.update(heap, 0, size);
    md.digest(out, 0, 20);
    b.bytes += size;
    return out;
  }

  /** BouncyCastle's {@code SHA1Digest} over a heap array. */
  @Benchmark
  public byte[] bouncyCastle(Bytes b) {
    bc.update(heap, 0, size);
    bc.digest(out, 0);
    b.bytes += size;
    return out;
  }
}
