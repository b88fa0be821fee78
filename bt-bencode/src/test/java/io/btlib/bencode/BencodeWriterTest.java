package io.btlib.bencode;

import static io.btlib.bencode.TestBytes.bytes;
import static io.btlib.bencode.TestBytes.concat;
import static io.btlib.bencode.TestBytes.latin1;
import static io.btlib.bencode.TestBytes.repeat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class BencodeWriterTest {

  /** Encodes through every whole-value entry point, asserts they agree, and returns the bytes. */
  static byte[] encodeEveryWay(BValue v) throws IOException {
    byte[] a = BencodeWriter.encode(v);
    assertThat(BencodeWriter.encodedLength(v)).isEqualTo(a.length);

    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BencodeWriter.write(v, out);
    assertThat(out.toByteArray()).isEqualTo(a);
    assertThat(BencodeWriter.encodeViaStream(v)).isEqualTo(a);

    ByteBuffer heap = ByteBuffer.allocate(a.length + 5);
    heap.position(2);
    assertThat(BencodeWriter.encode(v, heap)).isTrue();
    assertThat(heap.position()).isEqualTo(2 + a.length);
    assertThat(Arrays.copyOfRange(heap.array(), 2, 2 + a.length)).isEqualTo(a);

    ByteBuffer direct = ByteBuffer.allocateDirect(a.length);
    assertThat(BencodeWriter.encode(v, direct)).isTrue();
    assertThat(direct.hasRemaining()).isFalse();
    direct.flip();
    byte[] d = new byte[a.length];
    direct.get(d);
    assertThat(d).isEqualTo(a);

    ByteArrayOutputStream tokens = new ByteArrayOutputStream();
    BencodeWriter w = new BencodeWriter(tokens);
    w.value(v);
    assertThat(w.isComplete()).isTrue();
    assertThat(tokens.toByteArray()).isEqualTo(a);
    return a;
  }

  @Test
  void encodesEachKindOfValue() throws IOException {
    assertThat(latin1(encodeEveryWay(BInteger.of(0)))).isEqualTo("i0e");
    assertThat(latin1(encodeEveryWay(BInteger.of(-42)))).isEqualTo("i-42e");
    assertThat(latin1(encodeEveryWay(BInteger.of(Long.MAX_VALUE))))
        .isEqualTo("i9223372036854775807e");
    assertThat(latin1(encodeEveryWay(BInteger.of(Long.MIN_VALUE))))
        .isEqualTo("i-9223372036854775808e");
    assertThat(latin1(encodeEveryWay(BString.of("")))).isEqualTo("0:");
    assertThat(latin1(encodeEveryWay(BString.of(new byte[] {0, (byte) 0xff, 'e'}))))
        .isEqualTo("3:\u0000\u00ffe");
    assertThat(latin1(encodeEveryWay(BString.of(repeat('x', 10))))).startsWith("10:xx");
    assertThat(latin1(encodeEveryWay(BList.of()))).isEqualTo("le");
    assertThat(latin1(encodeEveryWay(BDict.empty()))).isEqualTo("de");
    assertThat(
            latin1(
                encodeEveryWay(
                    BList.of(BInteger.of(1), BList.of(BString.of("ab")), BDict.empty()))))
        .isEqualTo("li1el2:abedee");
  }

  @Test
  void sortsKeysAsUnsignedBytesWithHighBytesAfterAscii() throws IOException {
    BDict d =
        BDict.builder()
            .put("b", 2)
            .put("\u00e9", 5) // UTF-8 c3 a9
            .put(BString.of(new byte[] {(byte) 0x80}), BInteger.of(4))
            .put(BString.of(new byte[] {0x7f}), BInteger.of(3))
            .put("a", 1)
            .put("", 0)
            .put("ab", 6)
            .build();
    assertThat(latin1(encodeEveryWay(d)))
        .isEqualTo("d0:i0e1:ai1e2:abi6e1:bi2e1:\u007fi3e1:\u0080i4e2:\u00c3\u00a9i5ee");
    assertThat(Bdecoder.strict().decode(BencodeWriter.encode(d))).isEqualTo(d);
  }

  @Test
  void encodeIntoBufferWritesNothingWhenItDoesNotFit() {
    BValue v = BDict.builder().put("key", "value").put("n", 12345).build();
    int n = (int) BencodeWriter.encodedLength(v);
    byte[] backing = repeat('#', n + 3);
    ByteBuffer dst = ByteBuffer.wrap(backing);
    dst.position(4); // n - 1 bytes remain
    assertThat(BencodeWriter.encode(v, dst)).isFalse();
    assertThat(dst.position()).isEqualTo(4);
    assertThat(backing).isEqualTo(repeat('#', n + 3));
    assertThat(BencodeWriter.encode(v, ByteBuffer.allocate(0))).isFalse();

    dst.position(3); // exactly n remain
    assertThat(BencodeWriter.encode(v, dst)).isTrue();
    assertThat(dst.hasRemaining()).isFalse();
    assertThat(Arrays.copyOfRange(backing, 3, n + 3)).isEqualTo(BencodeWriter.encode(v));
  }

  @Test
  void writesLenientlyDecodedUnsortedDictSorted() throws IOException {
    BValue v = Bdecoder.lenient().decode(bytes("d1:bi1e1:ad1:yi0e1:xi0eee"));
    assertThat(latin1(encodeEveryWay(v))).isEqualTo("d1:ad1:xi0e1:yi0ee1:bi1ee");
  }

  @Test
  void writesLenientlyDecodedNonCanonicalIntegersAndLengthsCanonically() throws IOException {
    BValue v = Bdecoder.lenient().decode(bytes("li007ei-0e03:abce"));
    assertThat(latin1(encodeEveryWay(v))).isEqualTo("li7ei0e3:abce");
  }

  @Test
  void rejectsDictWithDuplicateKeyWithIllegalArgument() {
    for (String input : List.of("d1:ai1e1:ai2ee", "d1:ai1e1:bi2e1:ai3ee", "ld1:ai1e1:ai2eee")) {
      BValue v = Bdecoder.lenient().decode(bytes(input));
      assertThatThrownBy(() -> BencodeWriter.encode(v))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("duplicate key \"a\"");
      assertThatThrownBy(() -> BencodeWriter.encodedLength(v))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> BencodeWriter.write(v, new ByteArrayOutputStream()))
          .isInstanceOf(IllegalArgumentException.class);
      byte[] backing = repeat('#', 64);
      ByteBuffer dst = ByteBuffer.wrap(backing);
      assertThatThrownBy(() -> BencodeWriter.encode(v, dst))
          .isInstanceOf(IllegalArgumentException.class);
      assertThat(dst.position()).isZero();
      assertThat(backing).isEqualTo(repeat('#', 64));
    }
  }

  @Test
  void encodesVeryDeepListWithoutStackOverflow() throws IOException {
    int depth = 100_000;
    BValue v = BList.of();
    for (int i = 1; i < depth; i++) {
      v = BList.of(v);
    }
    byte[] expected = concat(repeat('l', depth), repeat('e', depth));
    assertThat(BencodeWriter.encodedLength(v)).isEqualTo(2L * depth);
    assertThat(BencodeWriter.encode(v)).isEqualTo(expected);
    ByteBuffer dst = ByteBuffer.allocate(2 * depth);
    assertThat(BencodeWriter.encode(v, dst)).isTrue();
    assertThat(dst.array()).isEqualTo(expected);
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BencodeWriter.write(v, out);
    assertThat(out.toByteArray()).isEqualTo(expected);
  }

  @Test
  void writeReportsStreamFailureAsIOException() {
    OutputStream broken =
        new OutputStream() {
          @Override
          public void write(int b) throws IOException {
            throw new IOException("disk full");
          }
        };
    assertThatThrownBy(() -> BencodeWriter.write(BList.of(BInteger.of(1)), broken))
        .isInstanceOf(IOException.class)
        .hasMessage("disk full");
  }

  // ---- token writer ----

  @Test
  void tokenWriterWritesCanonicalBencode() throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    BencodeWriter w = new BencodeWriter(out);
    assertThat(w.isComplete()).isFalse();
    w.beginDict()
        .key("a")
        .integer(-7)
        .key("b")
        .beginList()
        .string("x")
        .string(new byte[] {0, 1})
        .string(bytes("abcdef"), 2, 3)
        .integer(Long.MIN_VALUE)
        .end()
        .key(BString.of(new byte[] {(byte) 0x80}))
        .value(BDict.builder().put("z", 1).put("y", 2).build())
        .end();
    assertThat(w.isComplete()).isTrue();
    assertThat(latin1(out.toByteArray()))
        .isEqualTo(
            "d1:ai-7e1:bl1:x2:\u0000\u00013:cdei-9223372036854775808ee1:\u0080d1:yi2e1:zi1eee");
    assertThat(Bdecoder.strict().decode(out.toByteArray())).isNotNull();
  }

  @Test
  void tokenWriterRejectsOutOfOrderKeys() throws IOException {
    BencodeWriter w = new BencodeWriter(new ByteArrayOutputStream());
    w.beginDict().key("b").integer(1);
    assertThatThrownBy(() -> w.key("a"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("key \"a\" is not after \"b\" (keys must ascend, no duplicates)");
    // unsigned order: 0x80 after 'z' is fine, 'z' after 0x80 is not
    BencodeWriter w2 = new BencodeWriter(new ByteArrayOutputStream());
    w2.beginDict().key("z").integer(1).key(BString.of(new byte[] {(byte) 0x80})).integer(2);
    assertThatThrownBy(() -> w2.key("z")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void tokenWriterRejectsDuplicateKeys() throws IOException {
    BencodeWriter w = new BencodeWriter(new ByteArrayOutputStream());
    w.beginDict().key("a").integer(1);
    assertThatThrownBy(() -> w.key("a"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("no duplicates");
  }

  @Test
  void tokenWriterRejectsValueWithoutKey() throws IOException {
    BencodeWriter w = new BencodeWriter(new ByteArrayOutputStream());
    w.beginDict();
    assertThatThrownBy(() -> w.integer(1))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a dictionary value needs a key() first");
    assertThatThrownBy(() -> w.string("x")).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(w::beginList).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> w.raw(ByteBuffer.wrap(bytes("i1e"))))
        .isInstanceOf(IllegalStateException.class);
    w.key("k").integer(1);
    assertThatThrownBy(() -> w.value(BInteger.of(2))).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void tokenWriterRejectsKeyAfterKeyAndEndAfterKey() throws IOException {
    BencodeWriter w = new BencodeWriter(new ByteArrayOutputStream());
    w.beginDict().key("a");
    assertThatThrownBy(() -> w.key("b"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("key \"b\" after key \"a\" without its value");
    assertThatThrownBy(w::end)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("end() after key \"a\" without its value");
  }

  @Test
  void tokenWriterRejectsEndWithNothingOpen() throws IOException {
    BencodeWriter w = new BencodeWriter(new ByteArrayOutputStream());
    assertThatThrownBy(w::end)
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("end() with no open list or dictionary");
    w.beginList().end();
    assertThatThrownBy(w::end).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void tokenWriterRejectsKeyOutsideDict() throws IOException {
    BencodeWriter w = new BencodeWriter(new ByteArrayOutputStream());
    assertThatThrownBy(() -> w.key("a"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("key() outside a dictionary");
    w.beginList();
    assertThatThrownBy(() -> w.key("a")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void tokenWriterRejectsSecondTopLevelValue() throws IOException {
    BencodeWriter w = new BencodeWriter(new ByteArrayOutputStream());
    w.integer(1);
    assertThat(w.isComplete()).isTrue();
    assertThatThrownBy(() -> w.integer(2))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("a complete top-level value was already written");
    assertThatThrownBy(w::beginDict).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> w.raw(ByteBuffer.wrap(bytes("le"))))
        .isInstanceOf(IllegalStateException.class);

    BencodeWriter w2 = new BencodeWriter(new ByteArrayOutputStream());
    w2.beginList().end();
    assertThatThrownBy(() -> w2.string("x")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void tokenWriterRejectsNullStreamAndBadRange() {
    assertThatThrownBy(() -> new BencodeWriter(null)).isInstanceOf(NullPointerException.class);
    BencodeWriter w = new BencodeWriter(new ByteArrayOutputStream());
    assertThatThrownBy(() -> w.string(new byte[3], 2, 2))
        .isInstanceOf(IndexOutOfBoundsException.class);
  }

  @Test
  void rawCopiesBytesAsGiven() throws IOException {
    // not checked, not canonicalised: the caller vouches for them (e.g. a torrent's original info)
    byte[] nonCanonical = bytes("d1:bi03e1:ai1ee");
    List<ByteBuffer> forms =
        List.of(
            ByteBuffer.wrap(nonCanonical.clone()),
            ByteBuffer.wrap(concat(bytes("xx"), nonCanonical, bytes("yy")), 2, nonCanonical.length)
                .slice(),
            ByteBuffer.wrap(nonCanonical.clone()).asReadOnlyBuffer(),
            ByteBuffer.allocateDirect(nonCanonical.length).put(nonCanonical).flip());
    for (ByteBuffer raw : forms) {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      BencodeWriter w = new BencodeWriter(out);
      w.beginDict().key("info").raw(raw).key("x").integer(1).end();
      assertThat(raw.hasRemaining()).isFalse();
      assertThat(latin1(out.toByteArray())).isEqualTo("d4:infod1:bi03e1:ai1ee1:xi1ee");
    }
    // typical use: copy the original info dictionary from a decoded torrent
    BDict torrent = Bdecoder.strict().decodeDict(TorrentLike.document());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    new BencodeWriter(out).beginDict().key("info").raw(torrent.get("info").sourceBytes()).end();
    assertThat(latin1(out.toByteArray())).isEqualTo("d4:info" + TorrentLike.INFO + "e");
  }
}
