package io.btlib.benchmarks;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BList;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import bt.bencoding.serializers.BEParser;
import bt.bencoding.types.BEMap;
import com.turn.ttorrent.bcodec.BDecoder;
import com.turn.ttorrent.bcodec.BEValue;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
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
import org.openjdk.jmh.infra.Blackhole;

/**
 * Decoding a whole document into each parser's tree: bt's {@link Bdecoder} (strict and lenient)
 * against the Java parsers in use today, atomashpolskiy/bt's {@code bt-bencoding} 1.10 and
 * ttorrent's {@code bcodec} (ttorrent-core 1.5). The inputs are {@link BencodeInputs}' torrent
 * (490,827 bytes) and tracker announce response (844 bytes); their sizes are also printed at
 * the start of each trial, so that MiB/s = ops/s × size / 2^20.
 *
 * <p>Each parser is called the way its library's own code reads a torrent: bt with a byte array,
 * atomashpolskiy with {@code new BEParser(byte[]).readMap()}, ttorrent with {@code
 * BDecoder.bdecode(InputStream)} over a {@code ByteArrayInputStream}. Each builds its full tree; the
 * trees differ by design (bt's strings are views into the input, the others copy every string, and
 * atomashpolskiy also keeps every value's raw bytes), which is part of what is measured.
 *
 * <p>{@link #btStrictWithInfoSpan} adds what a metainfo reader does next, taking the {@code info}
 * dictionary's original bytes for the info-hash without re-encoding; it runs on the torrent only.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BencodeDecodeBenchmark {

  /** The document the four parsers decode. */
  @State(Scope.Benchmark)
  public static class Doc {
    /** Which document. */
    @Param({"torrent", "announce"})
    public String doc;

    byte[] bytes;

    /** Generates the document, checks every parser reads it alike, and prints its size. */
    @Setup(Level.Trial)
    public void setUp() throws IOException {
      bytes = BencodeInputs.bytes(doc);
      BencodeInputs.printSize(doc, bytes);
      check(bytes);
    }
  }

  /** The torrent alone, for {@link #btStrictWithInfoSpan}. */
  @State(Scope.Benchmark)
  public static class Torrent {
    byte[] bytes;

    /** Generates the torrent and prints its size. */
    @Setup(Level.Trial)
    public void setUp() {
      bytes = BencodeInputs.bytes("torrent");
      BencodeInputs.printSize("torrent", bytes);
    }
  }

  @Benchmark
  public void btStrict(Doc d, Blackhole bh) {
    bh.consume(Bdecoder.strict().decode(d.bytes));
  }

  @Benchmark
  public void btLenient(Doc d, Blackhole bh) {
    bh.consume(Bdecoder.lenient().decode(d.bytes));
  }

  @Benchmark
  public void atomashpolskiy(Doc d, Blackhole bh) {
    try (BEParser parser = new BEParser(d.bytes)) {
      bh.consume(parser.readMap());
    }
  }

  @Benchmark
  public void ttorrent(Doc d, Blackhole bh) throws IOException {
    bh.consume(BDecoder.bdecode(new ByteArrayInputStream(d.bytes)));
  }

  /** A strict decode of the torrent, then the info dictionary's source span (info-hash input). */
  @Benchmark
  public void btStrictWithInfoSpan(Torrent t, Blackhole bh) {
    BDict root = Bdecoder.strict().decodeDict(t.bytes);
    BDict info = (BDict) root.get("info");
    bh.consume(root);
    bh.consume(info.sourceBytes());
  }

  /** Fails the trial early if a parser cannot read the document or reads it wrongly. */
  private static void check(byte[] bytes) throws IOException {
    BValue strict = Bdecoder.strict().decode(bytes);
    if (!strict.equals(Bdecoder.lenient().decode(bytes))) {
      throw new AssertionError("strict and lenient decodes differ");
    }
    int n = bytes.length;
    if (strict.sourceLength() != n) {
      throw new AssertionError("bt decoded " + strict.sourceLength() + " of " + n + " bytes");
    }
    BEMap a;
    try (BEParser parser = new BEParser(bytes)) {
      a = parser.readMap();
    }
    if (a.getContent().length != n) {
      throw new AssertionError("atomashpolskiy decoded " + a.getContent().length + " bytes");
    }
    BEValue t = BDecoder.bdecode(new ByteArrayInputStream(bytes));
    int keys = ((BDict) strict).size();
    if (a.getValue().size() != keys || t.getMap().size() != keys) {
      throw new AssertionError("top-level key counts differ");
    }
    BValue info = ((BDict) strict).get("info");
    if (info != null) {
      ByteBuffer span = info.sourceBytes();
      byte[] aInfo = a.getValue().get("info").getContent();
      if (!span.equals(ByteBuffer.wrap(aInfo))) {
        throw new AssertionError("info spans differ");
      }
      int files = ((BDict) info).get("files") instanceof BList l ? l.size() : -1;
      if (t.getMap().get("info").getMap().get("files").getList().size() != files) {
        throw new AssertionError("file counts differ");
      }
    }
  }
}
