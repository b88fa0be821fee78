package io.btlib.bencode;

import static io.btlib.bencode.TestBytes.bytes;
import static io.btlib.bencode.TestBytes.show;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Seeded property tests: encode/decode round trips, canonical and not. */
class RoundTripPropertyTest {

  private static final long SEED = 0x5EED_BE7C_0DE5L;
  private static final int CASES = 20_000;

  @Test
  void randomValuesRoundTripThroughStrictDecoding() throws IOException {
    Random r = new Random(SEED);
    RandomValues gen = new RandomValues(r);
    for (int i = 0; i < CASES; i++) {
      BValue v = gen.value(6);
      byte[] enc = BencodeWriter.encode(v);
      BValue back;
      try {
        back = Bdecoder.strict().decode(enc);
      } catch (BencodeException e) {
        throw new AssertionError("case " + i + ": " + e.getMessage() + " in " + show(enc), e);
      }
      assertThat(back).as("case %d: %s", i, show(enc)).isEqualTo(v);
      assertThat(back.hashCode()).isEqualTo(v.hashCode());
      assertThat(back.sourceLength()).isEqualTo(enc.length);
      assertThat(BencodeWriter.encode(back)).as("re-encoding of case %d", i).isEqualTo(enc);
      assertThat(BencodeWriter.encodedLength(v)).isEqualTo(enc.length);
      if (i % 16 == 0) { // the other entry points, on a sample
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        BencodeWriter.write(v, out);
        assertThat(out.toByteArray()).isEqualTo(enc);
        ByteBuffer buf = ByteBuffer.allocate(enc.length);
        assertThat(BencodeWriter.encode(back, buf)).isTrue();
        assertThat(buf.array()).isEqualTo(enc);
        assertThat(Bdecoder.lenient().decodeDocument(enc).isCanonical()).isTrue();
      }
    }
  }

  @Test
  void canonicalInputReEncodesByteIdentically() {
    List<String> inputs =
        List.of(
            "i0e", "i-1e", "i42e", "i9223372036854775807e", "i-9223372036854775808e", "0:",
            "4:spam", "3:\u0000\u00ff\u0080", "le", "de", "l4:spami42ee",
            "d3:bar4:spam3:fooi42ee", "d0:i0e1:\u0000i1e1:\u007fi2e1:\u0080i3e1:\u00ffi4ee",
            "lllleeee", "ldedelee", "d1:ad1:bd1:cleeee", TorrentLike.DOCUMENT);
    for (String s : inputs) {
      byte[] x = bytes(s);
      assertThat(BencodeWriter.encode(Bdecoder.strict().decode(x))).as(s).isEqualTo(x);
      assertThat(BencodeWriter.encode(Bdecoder.lenient().decode(x))).as(s).isEqualTo(x);
    }
  }

  /**
   * A non-canonical rendering of a value (keys shuffled, leading zeros, -0) decodes leniently to a
   * value whose canonical encoding is the original's, with a leniency reported for each change.
   */
  @Test
  void nonCanonicalRenderingsDecodeLenientlyToTheSameValue() {
    Random r = new Random(SEED + 1);
    RandomValues gen = new RandomValues(r);
    int withLeniencies = 0;
    for (int i = 0; i < 5_000; i++) {
      BValue v = gen.value(5);
      byte[] canonical = BencodeWriter.encode(v);
      Renderer renderer = new Renderer(r);
      byte[] noncanonical = renderer.render(v);
      BDocument doc = Bdecoder.lenient().decodeDocument(noncanonical);
      assertThat(BencodeWriter.encode(doc.value()))
          .as("case %d: %s", i, show(noncanonical))
          .isEqualTo(canonical);
      if (renderer.changes == 0) {
        assertThat(noncanonical).isEqualTo(canonical);
        assertThat(doc.isCanonical()).isTrue();
      } else {
        withLeniencies++;
        // every change made is reported, once
        assertThat(doc.leniencies())
            .as("case %d: %s", i, show(noncanonical))
            .hasSize(renderer.changes);
        assertThat(doc.leniencies()).isSortedAccordingTo(
            (a, b) -> Long.compare(a.offset(), b.offset()));
        BencodeException e = catchBencode(noncanonical);
        assertThat(e).as("strict on case %d", i).isNotNull();
        assertThat(e.offset()).isEqualTo(doc.leniencies().get(0).offset());
      }
    }
    assertThat(withLeniencies).isGreaterThan(1_000);
  }

  private static BencodeException catchBencode(byte[] input) {
    try {
      Bdecoder.strict().decode(input);
      return null;
    } catch (BencodeException e) {
      return e;
    }
  }

  /** Writes a value with random non-canonical choices, counting them. */
  private static final class Renderer {
    final Random r;
    final StringBuilder out = new StringBuilder();
    int changes;

    Renderer(Random r) {
      this.r = r;
    }

    byte[] render(BValue v) {
      write(v);
      return bytes(out.toString());
    }

    private void write(BValue v) {
      if (v instanceof BInteger) {
        long n = ((BInteger) v).value();
        out.append('i');
        if (n == 0 && r.nextInt(8) == 0) {
          out.append('-'); // -0
          changes++;
        } else if (n < 0) {
          out.append('-');
        }
        zeros();
        out.append(n < 0 ? Long.toString(n).substring(1) : Long.toString(n));
        out.append('e');
      } else if (v instanceof BString) {
        BString s = (BString) v;
        zeros();
        out.append(s.length()).append(':').append(s.asString(StandardCharsets.ISO_8859_1));
      } else if (v instanceof BList) {
        out.append('l');
        for (BValue c : ((BList) v).values()) {
          write(c);
        }
        out.append('e');
      } else {
        BDict d = (BDict) v;
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < d.size(); i++) {
          order.add(i);
        }
        if (d.size() > 1 && r.nextInt(4) == 0) {
          // a rotation by one: exactly one key ends up out of order
          order.add(order.remove(0));
          changes++;
        }
        out.append('d');
        for (int i : order) {
          write(d.keyAt(i));
          write(d.valueAt(i));
        }
        out.append('e');
      }
    }

    private void zeros() {
      if (r.nextInt(12) == 0) {
        out.append("0".repeat(1 + r.nextInt(3)));
        changes++;
      }
    }
  }
}
