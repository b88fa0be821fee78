package io.btlib.fuzz;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeException;
import io.btlib.bencode.BencodeWriter;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.MagnetLinkException;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.MetainfoException;
import io.btlib.metainfo.MetainfoParser;
import io.btlib.wire.PeerMessage;
import io.btlib.wire.WireDecoder;
import io.btlib.wire.WireException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Coverage-guided fuzz targets (Jazzer) for the inputs bt reads from strangers: bencode, metainfo
 * files, magnet links and the peer wire stream. Each target asserts what must hold for any input:
 * only the documented exception escapes, and what is accepted is consistent (canonical bencode
 * encodes back to the same bytes; a parsed torrent, written and read again, has the same info
 * hashes; a wire stream decodes to the same messages however it is split).
 *
 * <p>Under {@code mvn test} each target replays its seed corpus and any saved findings (in
 * {@code src/test/resources/io/btlib/fuzz/InputFuzzTestInputs/<target>/}): seconds, in CI. To
 * fuzz, run one target with {@code JAZZER_FUZZ=1}, e.g. {@code JAZZER_FUZZ=1 mvn -pl bt-core -am
 * test -Dtest='InputFuzzTest#metainfo' -Dsurefire.failIfNoSpecifiedTests=false}; a finding is
 * written to that folder and replayed from then on.
 */
class InputFuzzTest {
  private static final Bdecoder STRICT = Bdecoder.strict();
  private static final Bdecoder LENIENT = Bdecoder.lenient();

  @FuzzTest(maxDuration = "60s")
  void bencode(byte[] data) {
    BValue strict = null;
    try {
      strict = STRICT.decode(data);
    } catch (BencodeException e) {
      // refused: fine
    }
    BValue lenient = null;
    try {
      lenient = LENIENT.decode(data);
    } catch (BencodeException e) {
      assertThat(strict).as("lenient refused what strict accepted").isNull();
    }
    if (strict != null) {
      assertThat(BencodeWriter.encode(strict)).as("canonical input encodes back").isEqualTo(data);
      assertThat(lenient).isEqualTo(strict);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void metainfo(byte[] data) {
    Metainfo m;
    try {
      m = Metainfo.parse(data);
    } catch (MetainfoException e) {
      try {
        MetainfoParser.strict().parse(data);
        throw new AssertionError("strict accepted what the lenient default refused", e);
      } catch (MetainfoException expected) {
        return;
      }
    }
    Metainfo again = Metainfo.parse(m.encode());
    assertThat(again.infoHashes()).isEqualTo(m.infoHashes());
    assertThat(again.files()).isEqualTo(m.files());
    assertThat(again.pieceCount()).isEqualTo(m.pieceCount());
    long total = 0;
    for (int p = 0; p < m.pieceCount(); p++) {
      total += m.pieceSize(p);
    }
    assertThat(total).isGreaterThanOrEqualTo(m.totalSize());
  }

  @FuzzTest(maxDuration = "60s")
  void magnet(byte[] data) {
    String uri = new String(data, StandardCharsets.UTF_8);
    MagnetLink link;
    try {
      link = MagnetLink.parse(uri);
    } catch (MagnetLinkException e) {
      return;
    }
    String again = link.toString();
    if (again.length() <= MagnetLink.MAX_LENGTH) { // escaping may lengthen it past the limit
      assertThat(MagnetLink.parse(again)).isEqualTo(link);
    }
  }

  @FuzzTest(maxDuration = "60s")
  void wire(byte[] data) {
    List<String> whole = decode(data, data.length);
    if (data.length > 1) {
      List<String> split = decode(data, 1 + (data[0] & 0x3F));
      assertThat(split).as("the same stream in small reads").isEqualTo(whole);
    }
  }

  /**
   * Decodes {@code data} fed {@code step} bytes at a time, each message described as it arrives
   * (a block may be a view of the buffer); null if the decoder refused the stream.
   */
  private static List<String> decode(byte[] data, int step) {
    WireDecoder d = new WireDecoder();
    List<String> out = new ArrayList<>();
    ByteBuffer buf = ByteBuffer.allocate(data.length);
    try {
      for (int off = 0; off < data.length; off += step) {
        buf.put(data, off, Math.min(step, data.length - off));
        buf.flip();
        d.decode(buf, m -> out.add(describe(m)));
        buf.compact();
      }
    } catch (WireException e) {
      return null; // refused: the one exception the decoder may throw
    }
    return out;
  }

  private static String describe(PeerMessage m) {
    if (m instanceof PeerMessage.Piece) {
      ByteBuffer b = ((PeerMessage.Piece) m).block().duplicate();
      byte[] copy = new byte[b.remaining()];
      b.get(copy);
      return m + Arrays.toString(copy);
    }
    return m.toString();
  }
}
