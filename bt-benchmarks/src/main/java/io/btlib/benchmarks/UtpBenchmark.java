package io.btlib.benchmarks;

import io.btlib.utp.UtpConfig;
import io.btlib.utp.UtpConnection;
import io.btlib.utp.UtpException;
import io.btlib.utp.UtpPacket;
import java.nio.ByteBuffer;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * uTP's hot paths (issue 16), CPU only, no sockets:
 *
 * <ul>
 *   <li>{@link #decodeData}: decoding a 1,400-byte data packet with a selective ACK, as every
 *       received datagram is (the payload is a view, not copied); score = packets per second;
 *   <li>{@link #encodeData}: encoding one; score = packets per second;
 *   <li>{@link #dataAndAckPath}: 64 KiB through a connected pair in memory: the sender packs 48
 *       packets, the receiver takes them in order and acknowledges, the sender takes the acks
 *       (LEDBAT and the in-flight bookkeeping included); score × 64 KiB = bytes per second one
 *       core moves through both ends;
 *   <li>{@link #dataAndAckPathDirect}: the same with the datagrams in a direct buffer, as the
 *       engine's UDP socket receives them (the receiver's copy of each payload out of it, and
 *       its arrays, are what this path costs beyond the heap one).
 * </ul>
 *
 * <p>Run {@code java -jar bt-benchmarks/target/benchmarks.jar Utp}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class UtpBenchmark {
  private static final int CHUNK = 64 * 1024;

  private ByteBuffer datagram;
  private UtpPacket packet;
  private ByteBuffer out;
  private final ByteBuffer outDirect = ByteBuffer.allocateDirect(1500);
  private UtpConnection sender;
  private UtpConnection receiver;
  private ByteBuffer chunk;
  private ByteBuffer readBuffer;
  private long now = 1_000_000_000L;

  /** Builds the packet and connects the pair. */
  @Setup
  public void setUp() throws UtpException {
    byte[] payload = new byte[1400 - UtpPacket.HEADER_SIZE - 6];
    new Random(1).nextBytes(payload);
    packet = UtpPacket.of(UtpPacket.Type.DATA, 4711, 123, 456, 1 << 20, 100, 99)
        .withSelectiveAck(new byte[] {5, 0, 0, 0}).withPayload(ByteBuffer.wrap(payload));
    datagram = ByteBuffer.allocate(packet.encodedLength());
    packet.encode(datagram);
    datagram.flip();
    out = ByteBuffer.allocate(1500);

    UtpConfig config = UtpConfig.defaults();
    Random random = new Random(2);
    sender = UtpConnection.connect(config, random, now);
    sender.pollTransmit(out.clear(), now);
    receiver = UtpConnection.accept(config, UtpPacket.decode(out.flip()), random, now);
    receiver.pollTransmit(out.clear(), now);
    sender.handlePacket(UtpPacket.decode(out.flip()), now);
    chunk = ByteBuffer.allocate(CHUNK);
    readBuffer = ByteBuffer.allocate(CHUNK);
  }

  /** Decodes one data packet. */
  @Benchmark
  public UtpPacket decodeData() throws UtpException {
    return UtpPacket.decode(datagram);
  }

  /** Encodes one data packet. */
  @Benchmark
  public ByteBuffer encodeData() {
    out.clear();
    packet.encode(out);
    return out;
  }

  /** Moves 64 KiB from sender to receiver, acknowledged. */
  @Benchmark
  public void dataAndAckPath(Blackhole bh) throws UtpException {
    move(out, bh);
  }

  /** Moves 64 KiB as {@link #dataAndAckPath} does, the datagrams in a direct buffer. */
  @Benchmark
  public void dataAndAckPathDirect(Blackhole bh) throws UtpException {
    move(outDirect, bh);
  }

  private void move(ByteBuffer out, Blackhole bh) throws UtpException {
    now += 1_000_000; // a millisecond a round: the clock moves, the path has no delay
    chunk.clear();
    while (chunk.hasRemaining()) {
      if (sender.write(chunk) == 0) {
        throw new IllegalStateException("send buffer full: " + sender);
      }
    }
    while (sender.sendQueued() > 0) {
      boolean sent = false;
      while (sender.pollTransmit(out.clear(), now)) {
        receiver.handlePacket(UtpPacket.decode(out.flip()), now);
        sent = true;
      }
      while (receiver.pollTransmit(out.clear(), now)) {
        sender.handlePacket(UtpPacket.decode(out.flip()), now);
      }
      while (receiver.read(readBuffer.clear()) > 0) {
        bh.consume(readBuffer.position());
      }
      if (!sent && sender.sendQueued() > 0) {
        throw new IllegalStateException("stalled: " + sender + " / " + receiver);
      }
    }
  }
}
