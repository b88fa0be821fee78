package io.btlib.bencode;

import static io.btlib.bencode.TestBytes.bytes;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * Every valid encoding fed every way through {@link DecoderFeed}: whole in every input form,
 * truncated at every index, and with trailing bytes.
 */
class BdecoderFeedingTest {

  private static final String[] TRAILING = {"x", "e", "i1e", "\u0000", "0:", "le", "\u00ff\u00fe"};

  private static List<byte[]> encodings() {
    List<byte[]> all = new ArrayList<>();
    for (String s :
        new String[] {
          "i0e", "i-1e", "i9223372036854775807e", "i-9223372036854775808e", "0:", "1:e",
          "10:0123456789", "le", "de", "llleee", "li1el2:abee", "d1:ai1e1:bl1:cee",
          "d0:de1:\u0080lee", TorrentLike.DOCUMENT
        }) {
      all.add(bytes(s));
    }
    RandomValues gen = new RandomValues(new Random(0xFEED));
    for (int i = 0; i < 150; i++) {
      all.add(BencodeWriter.encode(gen.value(4)));
    }
    return all;
  }

  @Test
  void decodesEveryValidEncodingEveryWay() {
    for (byte[] e : encodings()) {
      BValue v = DecoderFeed.decodesEveryWay(Bdecoder.strict(), e);
      assertThat(DecoderFeed.decodesEveryWay(Bdecoder.lenient(), e)).isEqualTo(v);
      assertThat(BencodeWriter.encode(v)).isEqualTo(e);
    }
  }

  @Test
  void failsOnTruncationAtEveryIndex() {
    for (byte[] e : encodings()) {
      DecoderFeed.everyProperPrefixFails(Bdecoder.strict(), e);
      DecoderFeed.everyProperPrefixFails(Bdecoder.lenient(), e);
    }
  }

  @Test
  void truncationIsReportedAtTheEndOrAtTheTruncatedString() {
    byte[] e = bytes("d4:spaml1:a2:bbee");
    long[] expected = {0, 1, 2, 1, 1, 1, 1, 7, 8, 9, 8, 11, 12, 11, 11, 15, 16};
    for (int n = 0; n < e.length; n++) {
      byte[] prefix = java.util.Arrays.copyOf(e, n);
      BencodeException x = DecoderFeed.rejectedEveryWay(Bdecoder.strict(), prefix);
      assertThat(x.offset()).as("prefix of %d", n).isEqualTo(expected[n]);
    }
  }

  @Test
  void rejectsTrailingBytesStrictAndReportsThemLenient() {
    for (byte[] e : encodings()) {
      for (String t : TRAILING) {
        DecoderFeed.trailingBytesAreHandled(e, bytes(t));
      }
    }
  }
}
