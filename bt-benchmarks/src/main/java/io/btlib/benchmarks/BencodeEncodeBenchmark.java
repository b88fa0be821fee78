package io.btlib.benchmarks;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BencodeWriter;
import java.util.concurrent.TimeUnit;
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
 * Encoding with {@link BencodeWriter#encode(io.btlib.bencode.BValue)}: the same torrent and announce
 * response that {@link BencodeDecodeBenchmark} decodes, as values built in code. The encoded size
 * is printed at the start of each trial (MiB/s = ops/s × size / 2^20).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
@State(Scope.Benchmark)
public class BencodeEncodeBenchmark {

  /** The document to encode. */
  @Param({"torrent", "announce"})
  public String doc;

  private BDict value;

  /** Picks the value and prints its encoded size. */
  @Setup(Level.Trial)
  public void setUp() {
    value = BencodeInputs.value(doc);
    BencodeInputs.printSize(doc, BencodeWriter.encode(value));
  }

  @Benchmark
  public byte[] encode() {
    return BencodeWriter.encode(value);
  }
}
