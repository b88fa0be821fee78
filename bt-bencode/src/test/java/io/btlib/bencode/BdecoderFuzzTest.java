package io.btlib.bencode;

import static io.btlib.bencode.TestBytes.bytes;
import static io.btlib.bencode.TestBytes.show;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Mutation fuzzing from a fixed seed: valid encodings are damaged at random and decoded by strict,
 * lenient and tightly limited decoders. Only {@link BencodeException} may escape; whatever decodes
 * must re-encode consistently.
 *
 * <p>The case count defaults to 100,000 (a few seconds); set {@code -Dbt.fuzz.cases=N} to run more
 * outside CI, and {@code -Dbt.fuzz.seed=S} to explore another seed.
 */
class BdecoderFuzzTest {

  private static final int CASES = Integer.getInteger("bt.fuzz.cases", 100_000);
  private static final long SEED = Long.getLong("bt.fuzz.seed", 0xF022_B17EL);
  private static final byte[] SPECIAL = bytes("0123456789eild:-");

  private static final Bdecoder STRICT = Bdecoder.strict();
  private static final Bdecoder LENIENT = Bdecoder.lenient();
  private static final Bdecoder TIGHT =
      Bdecoder.builder().strict(false).maxDepth(4).maxValues(24).maxStringLength(12).build();

  private static List<byte[]> seeds(Random r) {
    List<byte[]> seeds = new ArrayList<>();
    seeds.add(TorrentLike.document());
    for (String s :
        List.of(
            "llli1eeli-2eleee",
            "lllllllllleeeeeeeeee",
            "d1:ad1:bd1:cd1:dleeeee",
            "li9223372036854775807ei-9223372036854775808e0:e",
            "d8:msg_typei1e5:piecei0e10:total_sizei5ee",
            "d1:bi03e1:ai-0ee", // non-canonical seeds exercise the lenient paths
            "d1:ai1e1:ai2ee")) {
      seeds.add(bytes(s));
    }
    RandomValues gen = new RandomValues(r, 12);
    for (int i = 0; i < 60; i++) {
      seeds.add(BencodeWriter.encode(gen.value(4)));
    }
    return seeds;
  }

  @Test
  void onlyBencodeExceptionEscapesAndSuccessesReEncode() {
    Random r = new Random(SEED);
    List<byte[]> seeds = seeds(r);
    int strictOk = 0;
    int lenientOnly = 0;
    int rejected = 0;
    for (int i = 0; i < CASES; i++) {
      byte[] input = mutate(r, seeds.get(r.nextInt(seeds.size())));
      String at = "case " + i + " (seed " + SEED + "): " + show(input);
      Outcome strict = decode(STRICT, input, at);
      Outcome lenient = decode(LENIENT, input, at);
      Outcome tight = decode(TIGHT, input, at);

      if (strict.value != null) {
        strictOk++;
        // strict accepts canonical input only, so it re-encodes to exactly the input
        assertThat(BencodeWriter.encode(strict.value)).as(at).isEqualTo(input);
        assertThat(lenient.value).as(at).isEqualTo(strict.value);
        assertThat(lenient.doc.isCanonical()).as(at).isTrue();
      } else {
        assertThat(strict.error.offset()).as(at).isBetween(0L, (long) input.length);
        if (lenient.value != null) {
          lenientOnly++;
          // lenient accepted what strict refused: it must have reported why, at strict's offset
          assertThat(lenient.doc.isCanonical()).as(at).isFalse();
          assertThat(lenient.doc.leniencies().get(0).offset()).as(at)
              .isEqualTo(strict.error.offset());
        } else {
          rejected++;
          assertThat(lenient.error.offset()).as(at).isBetween(0L, (long) input.length);
        }
      }
      if (lenient.value != null) {
        reEncodes(lenient.value, at);
        for (Leniency l : lenient.doc.leniencies()) {
          assertThat(l.offset()).as(at).isBetween(0L, (long) input.length);
        }
      }
      if (tight.value != null) {
        assertThat(tight.value).as(at).isEqualTo(lenient.value);
      }
    }
    // the mutations reach every outcome
    assertThat(strictOk).isGreaterThan(CASES / 100);
    assertThat(lenientOnly).isGreaterThan(CASES / 100);
    assertThat(rejected).isGreaterThan(CASES / 2);
  }

  /** A leniently decoded value re-encodes, or fails with IllegalArgumentException for a duplicate
   * key only; the re-encoding is canonical. */
  private static void reEncodes(BValue v, String at) {
    byte[] enc;
    try {
      enc = BencodeWriter.encode(v);
    } catch (IllegalArgumentException e) {
      assertThat(hasDuplicateKey(v)).as(at + ": " + e.getMessage()).isTrue();
      return;
    } catch (Throwable t) {
      throw new AssertionError(at + ": re-encoding threw " + t, t);
    }
    assertThat(hasDuplicateKey(v)).as(at).isFalse();
    BValue back = decode(STRICT, enc, at + " re-encoded as " + show(enc)).value;
    assertThat(back).as(at + " re-encoded as " + show(enc)).isNotNull();
    assertThat(BencodeWriter.encode(back)).as(at).isEqualTo(enc);
  }

  private static boolean hasDuplicateKey(BValue v) {
    if (v instanceof BList) {
      for (BValue c : ((BList) v).values()) {
        if (hasDuplicateKey(c)) {
          return true;
        }
      }
    } else if (v instanceof BDict) {
      BDict d = (BDict) v;
      if (d.asMap().size() != d.size()) {
        return true;
      }
      for (int i = 0; i < d.size(); i++) {
        if (hasDuplicateKey(d.valueAt(i))) {
          return true;
        }
      }
    }
    return false;
  }

  private static final class Outcome {
    BValue value;
    BDocument doc;
    BencodeException error;
  }

  /** Decodes with a report; fails the test on any throwable other than BencodeException. */
  private static Outcome decode(Bdecoder d, byte[] input, String at) {
    Outcome o = new Outcome();
    try {
      o.doc = d.decodeDocument(input);
      o.value = o.doc.value();
      // the other entry points agree
      BValue plain = d.decode(input);
      if (!plain.equals(o.value)) {
        throw new AssertionError(at + ": decode and decodeDocument disagree");
      }
      BValue first = d.decodeFirst(input, 0, input.length);
      if (!first.equals(o.value)) {
        throw new AssertionError(at + ": decodeFirst disagrees");
      }
    } catch (BencodeException e) {
      o.error = e;
      o.value = null;
      o.doc = null;
    } catch (Throwable t) { // StackOverflowError, OutOfMemoryError, other RuntimeExceptions...
      throw new AssertionError(
          at + ": " + (d.isStrict() ? "strict" : "lenient") + " decoder threw " + t, t);
    }
    return o;
  }

  static byte[] mutate(Random r, byte[] seed) {
    byte[] b = seed.clone();
    int rounds = 1 + (r.nextInt(4) == 0 ? r.nextInt(4) : 0);
    for (int k = 0; k < rounds; k++) {
      b = mutateOnce(r, b);
    }
    return b;
  }

  private static byte[] mutateOnce(Random r, byte[] b) {
    int n = b.length;
    switch (r.nextInt(8)) {
      case 0: // flip one bit
        if (n > 0) {
          b[r.nextInt(n)] ^= (byte) (1 << r.nextInt(8));
        }
        return b;
      case 1: // random byte
        if (n > 0) {
          b[r.nextInt(n)] = (byte) r.nextInt(256);
        }
        return b;
      case 2: // a bencode-significant byte
      case 3:
        if (n > 0) {
          b[r.nextInt(n)] = SPECIAL[r.nextInt(SPECIAL.length)];
        }
        return b;
      case 4: // insert bytes
        {
          int at = r.nextInt(n + 1);
          byte[] ins = new byte[1 + r.nextInt(3)];
          for (int i = 0; i < ins.length; i++) {
            ins[i] = r.nextBoolean() ? SPECIAL[r.nextInt(SPECIAL.length)] : (byte) r.nextInt(256);
          }
          return splice(b, at, 0, ins);
        }
      case 5: // delete a range
        if (n > 0) {
          int at = r.nextInt(n);
          return splice(b, at, 1 + r.nextInt(Math.min(4, n - at)), new byte[0]);
        }
        return b;
      case 6: // duplicate a range somewhere
        if (n > 0) {
          int from = r.nextInt(n);
          int len = 1 + r.nextInt(Math.min(16, n - from));
          return splice(b, r.nextInt(n + 1), 0, Arrays.copyOfRange(b, from, from + len));
        }
        return b;
      default: // truncate
        return Arrays.copyOf(b, r.nextInt(n + 1));
    }
  }

  private static byte[] splice(byte[] b, int at, int remove, byte[] insert) {
    byte[] out = new byte[b.length - remove + insert.length];
    System.arraycopy(b, 0, out, 0, at);
    System.arraycopy(insert, 0, out, at, insert.length);
    System.arraycopy(b, at + remove, out, at + insert.length, b.length - at - remove);
    return out;
  }
}
