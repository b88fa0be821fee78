package io.btlib.bencode;

import static io.btlib.bencode.TestBytes.bytes;
import static io.btlib.bencode.TestBytes.concat;
import static io.btlib.bencode.TestBytes.remaining;
import static io.btlib.bencode.TestBytes.sha1;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ReadOnlyBufferException;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Input forms, byte-string views, source spans, decodeFirst. */
class BdecoderInputTest {

  private static final Bdecoder STRICT = Bdecoder.strict();

  @Test
  void decodesSameValueFromEveryInputForm() {
    BValue v = DecoderFeed.decodesEveryWay(STRICT, TorrentLike.document());
    assertThat(v).isInstanceOf(BDict.class);
    BDict d = (BDict) v;
    assertThat(d.get("announce")).isEqualTo(BString.of("http://t.example/ann"));
    assertThat(d.get("creation date")).isEqualTo(BInteger.of(1_700_000_000L));
    BDict info = (BDict) d.get("info");
    assertThat(((BString) info.get("pieces")).bytes()).isEqualTo(bytes(TorrentLike.PIECES));
    assertThat(((BString) info.get("name")).asString(StandardCharsets.US_ASCII))
        .isEqualTo("file.bin");
  }

  @Test
  void decodesEachKindOfValue() {
    assertThat(STRICT.decode(bytes("i42e"))).isEqualTo(BInteger.of(42));
    assertThat(STRICT.decode(bytes("i-42e"))).isEqualTo(BInteger.of(-42));
    assertThat(STRICT.decode(bytes("i0e"))).isEqualTo(BInteger.of(0));
    assertThat(STRICT.decode(bytes("0:"))).isEqualTo(BString.of(new byte[0]));
    assertThat(STRICT.decode(bytes("4:spam"))).isEqualTo(BString.of("spam"));
    assertThat(STRICT.decode(bytes("le"))).isEqualTo(BList.of());
    assertThat(STRICT.decode(bytes("de"))).isEqualTo(BDict.empty());
    assertThat(STRICT.decode(bytes("l4:spami42ee")))
        .isEqualTo(BList.of(BString.of("spam"), BInteger.of(42)));
    assertThat(STRICT.decode(bytes("d3:bar4:spam3:fooi42ee")))
        .isEqualTo(BDict.builder().put("bar", "spam").put("foo", 42).build());
  }

  @Test
  void reportsOffsetsRelativeToTheGivenRange() {
    byte[] big = concat(bytes("xxxxx"), bytes("li1e"), bytes("zzz"));
    assertThatThrownBy(() -> STRICT.decode(big, 5, 4))
        .isInstanceOfSatisfying(
            BencodeException.class,
            e -> {
              assertThat(e.offset()).isEqualTo(4);
              assertThat(e.reason())
                  .isEqualTo(
                      "unexpected end of input, expected a value or 'e' to close the list opened"
                          + " at offset 0");
            });
    BList l = (BList) STRICT.decode(concat(bytes("xxxxx"), bytes("li1ei22ee"), bytes("z")), 5, 9);
    assertThat(l.sourceOffset()).isZero();
    assertThat(l.get(1).sourceOffset()).isEqualTo(4);
    assertThat(l.get(1).sourceLength()).isEqualTo(4);
    assertThat(remaining(l.get(1).sourceBytes())).isEqualTo(bytes("i22e"));
  }

  @Test
  void rejectsRangeOutsideArrayWithIndexOutOfBounds() {
    byte[] b = bytes("i1e");
    assertThatThrownBy(() -> STRICT.decode(b, 1, 3)).isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> STRICT.decode(b, -1, 1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> STRICT.decode(b, 0, -1))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> STRICT.decodeFirst(b, 2, 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
    assertThatThrownBy(() -> STRICT.decodeDocument(b, 4, 0))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void decodesHeapSliceWithNonZeroArrayOffsetInPlace() {
    byte[] big = bytes("junk4:spamjunk");
    ByteBuffer slice = ByteBuffer.wrap(big, 4, 6).slice();
    assertThat(slice.arrayOffset()).isEqualTo(4);
    BString s = (BString) STRICT.decode(slice);
    assertThat(s.asString(StandardCharsets.US_ASCII)).isEqualTo("spam");
    assertThat(s.sourceOffset()).isZero();
    assertThat(slice.position()).isEqualTo(slice.limit());
    big[6] = 'S'; // the view shares the buffer's array
    assertThat(s.asString(StandardCharsets.US_ASCII)).isEqualTo("Spam");
  }

  @Test
  void decodesDirectAndReadOnlyBuffersFromACopy() {
    ByteBuffer direct = ByteBuffer.allocateDirect(6);
    direct.put(bytes("4:spam")).flip();
    BString s = (BString) STRICT.decode(direct);
    assertThat(direct.hasRemaining()).isFalse();
    direct.put(2, (byte) 'S');
    assertThat(s.asString(StandardCharsets.US_ASCII)).isEqualTo("spam");

    byte[] array = bytes("4:spam");
    ByteBuffer ro = ByteBuffer.wrap(array).asReadOnlyBuffer();
    BString t = (BString) STRICT.decode(ro);
    assertThat(ro.hasRemaining()).isFalse();
    array[2] = 'S'; // a read-only buffer exposes no array, so the decoder copied it
    assertThat(t.asString(StandardCharsets.US_ASCII)).isEqualTo("spam");
  }

  @Test
  void decodesStreamExactlyAtSizeCap() throws IOException {
    Bdecoder d = Bdecoder.builder().maxInputBytes(6).build();
    assertThat(d.decode(new ByteArrayInputStream(bytes("4:spam")))).isEqualTo(BString.of("spam"));
    assertThat(d.decode(new DecoderFeed.ChunkedInputStream(bytes("4:spam"), null)))
        .isEqualTo(BString.of("spam"));
  }

  @Test
  void rejectsStreamOneByteOverSizeCap() {
    Bdecoder d = Bdecoder.builder().maxInputBytes(6).build();
    for (InputStream in :
        List.of(
            new ByteArrayInputStream(bytes("5:spams")),
            new DecoderFeed.ChunkedInputStream(bytes("5:spams"), null))) {
      assertThatThrownBy(() -> d.decode(in))
          .isInstanceOfSatisfying(
              BencodeException.class,
              e -> {
                assertThat(e.offset()).isEqualTo(6);
                assertThat(e.reason()).isEqualTo("input is larger than the limit of 6 bytes");
              });
    }
  }

  @Test
  void readsStreamOfInvalidBencodeToAnException() {
    assertThatThrownBy(() -> STRICT.decode(new ByteArrayInputStream(bytes("i03e"))))
        .isInstanceOfSatisfying(BencodeException.class, e -> assertThat(e.offset()).isEqualTo(1));
  }

  /**
   * The contract: a decoded byte string is a view into the array it was decoded from.
   * asByteBuffer() shares that array (no copy), so a later change to the source array shows
   * through the view; bytes() is a copy and does not change. Callers that keep values must not
   * reuse the source array, or must copy.
   */
  @Test
  void byteStringIsAViewOfTheSourceArrayAndBytesCopies() {
    byte[] src = bytes("d3:key5:valuee");
    BDict d = (BDict) STRICT.decode(src);
    BString value = (BString) d.get("key");
    ByteBuffer view = value.asByteBuffer();
    byte[] copy = value.bytes();

    src[8] = 'V'; // "value" starts at index 8
    assertThat(view.get(0)).isEqualTo((byte) 'V');
    assertThat(value.asString(StandardCharsets.US_ASCII)).isEqualTo("Value");
    assertThat(copy).isEqualTo(bytes("value"));

    assertThat(view.isReadOnly()).isTrue();
    assertThat(view.position()).isZero();
    assertThat(view.remaining()).isEqualTo(5);
    assertThatThrownBy(() -> view.put(0, (byte) 'x')).isInstanceOf(ReadOnlyBufferException.class);
  }

  @Test
  void readsTextOnlyThroughAnExplicitCharsetOrStrictUtf8() throws CharacterCodingException {
    BString utf8 = (BString) STRICT.decode(bytes("2:\u00c3\u00a9"));
    assertThat(utf8.utf8()).isEqualTo("\u00e9");
    assertThat(utf8.isUtf8()).isTrue();
    assertThat(utf8.asString(StandardCharsets.ISO_8859_1)).isEqualTo("\u00c3\u00a9");

    BString binary = (BString) STRICT.decode(bytes("2:\u00ff\u00fe"));
    assertThat(binary.isUtf8()).isFalse();
    assertThatThrownBy(binary::utf8).isInstanceOf(CharacterCodingException.class);
    assertThat(binary.asString(StandardCharsets.UTF_8)).isEqualTo("\ufffd\ufffd");
  }

  @Test
  void everyDecodedValueSpansExactlyItsBytes() {
    byte[] doc = TorrentLike.document();
    // decoded at an offset inside a larger array, so array index and input offset differ
    byte[] big = concat(bytes("garbage"), doc, bytes("more"));
    BValue root = STRICT.decode(big, 7, doc.length);
    List<BValue> all = new ArrayList<>();
    collect(root, all);
    assertThat(all).hasSizeGreaterThan(15);
    for (BValue v : all) {
      int off = v.sourceOffset();
      int len = v.sourceLength();
      assertThat(v.hasSource()).isTrue();
      byte[] exact = Arrays.copyOfRange(doc, off, off + len);
      assertThat(remaining(v.sourceBytes())).as("span of %s", v).isEqualTo(exact);
      assertThat(v.sourceBytes().isReadOnly()).isTrue();
      // canonical input: each value's span is its own canonical encoding
      assertThat(BencodeWriter.encode(v)).as("encoding of %s", v).isEqualTo(exact);
      // and decoding the span alone gives the value back
      assertThat(STRICT.decode(exact)).isEqualTo(v);
    }
  }

  @Test
  void infoDictionaryIsHashableFromItsSourceBytes() {
    byte[] doc = TorrentLike.document();
    BDict root = STRICT.decodeDict(doc);
    BDict info = (BDict) root.get("info");
    assertThat(info.sourceOffset()).isEqualTo(TorrentLike.infoOffset());
    assertThat(info.sourceLength()).isEqualTo(TorrentLike.infoLength());
    byte[] expected = sha1(bytes(TorrentLike.INFO), 0, TorrentLike.infoLength());
    assertThat(sha1(info.sourceBytes())).isEqualTo(expected);
    assertThat(sha1(doc, TorrentLike.infoOffset(), TorrentLike.infoLength())).isEqualTo(expected);
  }

  @Test
  void builtValuesHaveNoSource() {
    for (BValue v :
        List.of(
            BString.of("x"),
            BInteger.of(1000),
            BInteger.of(1),
            BList.of(),
            BDict.builder().put("a", 1).build(),
            BDict.empty())) {
      assertThat(v.hasSource()).isFalse();
      assertThat(v.sourceOffset()).isEqualTo(-1);
      assertThat(v.sourceLength()).isEqualTo(-1);
      assertThatThrownBy(v::sourceBytes)
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("not decoded");
    }
    BString decoded = (BString) STRICT.decode(bytes("5:hello"));
    assertThatThrownBy(() -> decoded.slice(1, 2).sourceBytes())
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void decodeFirstIgnoresTrailingBytesInStrictMode() {
    // a BEP 9 ut_metadata data message: a bencoded header, then raw metadata bytes
    byte[] header = bytes("d8:msg_typei1e5:piecei0e10:total_sizei5ee");
    byte[] raw = bytes("\u0000i1e\u00ff");
    byte[] message = concat(bytes("PREFIX"), header, raw);

    BDict h = (BDict) STRICT.decodeFirst(message, 6, message.length - 6);
    assertThat(h.get("msg_type")).isEqualTo(BInteger.of(1));
    assertThat(h.get("total_size")).isEqualTo(BInteger.of(5));
    assertThat(h.sourceOffset()).isZero();
    assertThat(h.sourceLength()).isEqualTo(header.length);
    int rawStart = 6 + h.sourceLength();
    assertThat(Arrays.copyOfRange(message, rawStart, message.length)).isEqualTo(raw);

    assertThatThrownBy(() -> STRICT.decode(message, 6, message.length - 6))
        .isInstanceOfSatisfying(
            BencodeException.class,
            e -> {
              assertThat(e.offset()).isEqualTo(header.length);
              assertThat(e.reason()).isEqualTo("5 trailing bytes after the top-level value");
            });
  }

  @Test
  void decodeFirstStillRejectsNonCanonicalAndTruncatedHeaderInStrictMode() {
    byte[] unsorted = bytes("d5:piecei0e8:msg_typei1ee\u00ff");
    assertThatThrownBy(() -> STRICT.decodeFirst(unsorted, 0, unsorted.length))
        .isInstanceOfSatisfying(BencodeException.class, e -> assertThat(e.offset()).isEqualTo(11));
    assertThat(Bdecoder.lenient().decodeFirst(unsorted, 0, unsorted.length).sourceLength())
        .isEqualTo(unsorted.length - 1);
    byte[] truncated = bytes("d8:msg_typei1e");
    assertThatThrownBy(() -> STRICT.decodeFirst(truncated, 0, truncated.length))
        .isInstanceOfSatisfying(BencodeException.class, e -> assertThat(e.offset()).isEqualTo(14));
  }

  @Test
  void decodeDictRejectsOtherTopLevelTypes() {
    assertThatThrownBy(() -> STRICT.decodeDict(bytes("li1ee")))
        .isInstanceOfSatisfying(
            BencodeException.class,
            e -> {
              assertThat(e.offset()).isZero();
              assertThat(e.reason()).isEqualTo("expected a dictionary at the top level, found LIST");
            });
  }

  @Test
  void acceptsLongMinAndMaxValue() {
    assertThat(STRICT.decode(bytes("i9223372036854775807e")))
        .isEqualTo(BInteger.of(Long.MAX_VALUE));
    assertThat(STRICT.decode(bytes("i-9223372036854775808e")))
        .isEqualTo(BInteger.of(Long.MIN_VALUE));
    assertThat(((BInteger) STRICT.decode(bytes("i-9223372036854775808e"))).value())
        .isEqualTo(Long.MIN_VALUE);
  }

  static void collect(BValue v, List<BValue> out) {
    out.add(v);
    if (v instanceof BList) {
      for (BValue c : ((BList) v).values()) {
        collect(c, out);
      }
    } else if (v instanceof BDict) {
      BDict d = (BDict) v;
      for (int i = 0; i < d.size(); i++) {
        collect(d.keyAt(i), out);
        collect(d.valueAt(i), out);
      }
    }
  }
}
