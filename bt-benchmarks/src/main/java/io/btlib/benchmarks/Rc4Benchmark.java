package io.btlib.benchmarks;

import io.btlib.metainfo.InfoHash;
import io.btlib.wire.mse.CryptoMethod;
import io.btlib.wire.mse.MseException;
import io.btlib.wire.mse.MseHandshake;
import io.btlib.wire.mse.PayloadCipher;
import io.btlib.wire.mse.SkeyLookup;
import java.nio.ByteBuffer;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import javax.crypto.ShortBufferException;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.engines.RC4Engine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The cost of MSE's RC4 per thread, on the engine's own paths: a block body copied from a direct
 * (read cache) buffer into the connection's heap buffer and encrypted ({@code uploadBody}); bytes
 * read into a heap buffer decrypted in place ({@code downloadInPlaceHeap}) and into a direct one
 * ({@code downloadInPlaceDirect}, through the cipher's small array): all three with bt's own RC4.
 * For reference, other RC4s in place on an array: BouncyCastle's {@code RC4Engine} and the JDK's
 * {@code ARCFOUR} cipher.
 *
 * <p>The score is operations per second on one buffer of {@code size} bytes: MiB/s = score *
 * size / 2^20. Run {@code java -jar bt-benchmarks/target/benchmarks.jar Rc4Benchmark}; {@code
 * -t 2} for two threads (each has its own state).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class Rc4Benchmark {

  /** The buffer size in bytes: a 16 KiB block, a 64 KiB batch, a 1 MiB read buffer. */
  @Param({"16384", "65536", "1048576"})
  public int size;

  private ByteBuffer directBody;
  private ByteBuffer heapOut;
  private ByteBuffer heapIn;
  private ByteBuffer directIn;
  private byte[] array;
  private PayloadCipher encryptor;
  private PayloadCipher decryptor;
  private RC4Engine bc;
  private Cipher jdk;

  @Setup
  public void setup() throws Exception {
    byte[] data = new byte[size];
    new Random(1).nextBytes(data);
    directBody = ByteBuffer.allocateDirect(size).put(data).flip();
    heapOut = ByteBuffer.allocate(size);
    heapIn = ByteBuffer.wrap(data.clone());
    directIn = ByteBuffer.allocateDirect(size).put(data).flip();
    array = data.clone();
    PayloadCipher[] ciphers = rc4Pair();
    encryptor = ciphers[0];
    decryptor = ciphers[1];
    byte[] key = new byte[20];
    new Random(2).nextBytes(key);
    bc = new RC4Engine();
    bc.init(true, new KeyParameter(key));
    jdk = Cipher.getInstance("ARCFOUR");
    jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ARCFOUR"));
  }

  /** An RC4 encryptor and decryptor from a real handshake in memory. */
  static PayloadCipher[] rc4Pair() throws MseException {
    InfoHash skey = InfoHash.of(new byte[20]);
    MseHandshake a = MseHandshake.initiator(skey, EnumSet.of(CryptoMethod.RC4),
        ByteBuffer.allocate(0), new Random(3));
    MseHandshake b = MseHandshake.receiver(SkeyLookup.of(List.of(skey)),
        EnumSet.of(CryptoMethod.RC4), false, new Random(4));
    ByteBuffer wire = ByteBuffer.allocate(4096);
    for (int i = 0; i < 4 && !(a.isDone() && b.isDone()); i++) {
      wire.clear();
      a.pollTransmit(wire);
      b.handleBytes(wire.flip());
      wire.clear();
      b.pollTransmit(wire);
      a.handleBytes(wire.flip());
    }
    return new PayloadCipher[] {a.result().encryptor(), b.result().decryptor()};
  }

  @Benchmark
  public ByteBuffer uploadBody() {
    directBody.clear();
    heapOut.clear();
    encryptor.apply(directBody, heapOut);
    return heapOut;
  }

  @Benchmark
  public ByteBuffer downloadInPlaceHeap() {
    decryptor.apply(heapIn, 0, size);
    return heapIn;
  }

  @Benchmark
  public ByteBuffer downloadInPlaceDirect() {
    decryptor.apply(directIn, 0, size);
    return directIn;
  }

  @Benchmark
  public byte[] bouncyCastleRc4Engine() {
    bc.processBytes(array, 0, size, array, 0);
    return array;
  }

  @Benchmark
  public byte[] jdkArcfour() throws ShortBufferException {
    jdk.update(array, 0, size, array, 0);
    return array;
  }
}
