package io.btlib.benchmarks;

import io.btlib.wire.PeerMessage;
import io.btlib.wire.WireDecoder;
import io.btlib.wire.WireEncoder;
import io.btlib.wire.WireException;
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
 * The peer wire codec on the engine's hot paths: {@link WireDecoder} splitting a received stream
 * into messages, and {@link WireEncoder} writing requests and piece headers.
 *
 * <ul>
 *   <li>{@link #decodePieces}: 64 piece messages of 16 KiB (1 MiB of blocks) from a direct buffer,
 *       as a downloader's socket delivers them; each block is handed on as a view of the buffer,
 *       not copied, so this is the framing's cost: score × 64 = messages per second;
 *   <li>{@link #decodeControl}: 1,024 short messages (request, have, cancel, interested,
 *       keep-alive in turn), as a seeder receives them; score × 1,024 = messages per second;
 *   <li>{@link #encodeRequests}: 1,024 requests into a buffer; score × 1,024 = requests per
 *       second;
 *   <li>{@link #encodePieceHeaders}: 1,024 piece headers (the engine sends the body after each).
 * </ul>
 *
 * <p>Run {@code java -jar bt-benchmarks/target/benchmarks.jar WireCodec}.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Thread)
public class WireCodecBenchmark {
  private static final int BLOCK = io.btlib.metainfo.Metainfo.BLOCK_SIZE;
  private static final int MESSAGES = 1024;

  private ByteBuffer pieces;
  private ByteBuffer control;
  private ByteBuffer out;

  /** Encodes the streams once. */
  @Setup
  public void setUp() {
    byte[] block = new byte[BLOCK];
    new Random(1).nextBytes(block);
    pieces = ByteBuffer.allocateDirect(64 * (BLOCK + 13));
    for (int i = 0; i < 64; i++) {
      encode(new PeerMessage.Piece(i / 4, (i % 4) * BLOCK, ByteBuffer.wrap(block)), pieces);
    }
    pieces.flip();
    control = ByteBuffer.allocateDirect(MESSAGES * 17);
    for (int i = 0; i < MESSAGES; i++) {
      PeerMessage m = switch (i % 5) {
        case 0 -> new PeerMessage.Request(i, BLOCK, BLOCK);
        case 1 -> new PeerMessage.Have(i);
        case 2 -> new PeerMessage.Cancel(i, 0, BLOCK);
        case 3 -> new PeerMessage.Interested();
        default -> new PeerMessage.KeepAlive();
      };
      encode(m, control);
    }
    control.flip();
    out = ByteBuffer.allocate(MESSAGES * 17);
  }

  private static void encode(PeerMessage m, ByteBuffer dst) {
    if (!WireEncoder.encode(m, dst)) {
      throw new IllegalStateException("no room for " + m);
    }
  }

  /** Decodes 64 piece messages (1 MiB of blocks). */
  @Benchmark
  public int decodePieces(Blackhole bh) throws WireException {
    ByteBuffer b = pieces.duplicate();
    return new WireDecoder().decode(b, bh::consume);
  }

  /** Decodes 1,024 short messages. */
  @Benchmark
  public int decodeControl(Blackhole bh) throws WireException {
    ByteBuffer b = control.duplicate();
    return new WireDecoder().decode(b, bh::consume);
  }

  /** Encodes 1,024 requests. */
  @Benchmark
  public ByteBuffer encodeRequests() {
    out.clear();
    for (int i = 0; i < MESSAGES; i++) {
      WireEncoder.encode(new PeerMessage.Request(i, 0, BLOCK), out);
    }
    return out;
  }

  /** Encodes 1,024 piece headers. */
  @Benchmark
  public ByteBuffer encodePieceHeaders() {
    out.clear();
    for (int i = 0; i < MESSAGES; i++) {
      WireEncoder.encodePieceHeader(i, 0, BLOCK, out);
    }
    return out;
  }
}
