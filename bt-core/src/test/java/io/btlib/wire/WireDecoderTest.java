package io.btlib.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.btlib.metainfo.MerkleRoot;
import io.btlib.wire.WireException.Rule;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class WireDecoderTest {

  static final MerkleRoot ROOT = MerkleRoot.of(filled(32, 7));

  static byte[] filled(int n, int v) {
    byte[] b = new byte[n];
    Arrays.fill(b, (byte) v);
    return b;
  }

  static List<PeerMessage> everyMessage() {
    BitSet have = new BitSet();
    have.set(0);
    have.set(9);
    return List.of(PeerMessage.KeepAlive.INSTANCE, PeerMessage.Choke.INSTANCE,
        PeerMessage.Unchoke.INSTANCE, PeerMessage.Interested.INSTANCE,
        PeerMessage.NotInterested.INSTANCE, new PeerMessage.Have(12345),
        PeerMessage.Bitfield.of(have, 10), new PeerMessage.Request(1, 16384, 16384),
        new PeerMessage.Piece(2, 32768, ByteBuffer.wrap(filled(16384, 3))),
        new PeerMessage.Cancel(1, 16384, 16384), new PeerMessage.Port(6881),
        new PeerMessage.SuggestPiece(4), PeerMessage.HaveAll.INSTANCE,
        PeerMessage.HaveNone.INSTANCE, new PeerMessage.RejectRequest(5, 0, 100),
        new PeerMessage.AllowedFast(6),
        new PeerMessage.Extended(0, ByteBuffer.wrap("d1:md11:ut_metadatai3eee".getBytes())),
        new PeerMessage.HashRequest(ROOT, 0, 8, 4, 2),
        new PeerMessage.Hashes(ROOT, 0, 8, 4, 2, ByteBuffer.wrap(filled(6 * 32, 9))),
        new PeerMessage.HashReject(ROOT, 0, 8, 4, 2));
  }

  static byte[] encodeAll(List<PeerMessage> ms) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (PeerMessage m : ms) {
      out.writeBytes(encode(m));
    }
    return out.toByteArray();
  }

  static byte[] encode(PeerMessage m) {
    ByteBuffer b = ByteBuffer.allocate(WireEncoder.encodedLength(m));
    assertThat(WireEncoder.encode(m, b)).isTrue();
    assertThat(b.hasRemaining()).isFalse();
    return b.array();
  }

  /**
   * Feeds {@code input} to a decoder in the chunks given, through a receive buffer that is
   * compacted after each decode as a connection would, and returns each message re-encoded (views
   * are only valid during the callback).
   */
  static List<byte[]> feed(byte[] input, int[] chunks) throws WireException {
    WireDecoder d = new WireDecoder();
    // never more than the whole input is buffered; a connection would use maxMessageLength + 4
    ByteBuffer buf = ByteBuffer.allocate(input.length + 4);
    List<byte[]> out = new ArrayList<>();
    int at = 0;
    for (int c : chunks) {
      buf.put(input, at, c);
      at += c;
      buf.flip();
      d.decode(buf, m -> out.add(m instanceof PeerMessage.Unknown
          ? m.toString().getBytes(java.nio.charset.StandardCharsets.US_ASCII) : encode(m)));
      buf.compact();
    }
    assertThat(at).isEqualTo(input.length);
    return out;
  }

  static int[] whole(byte[] in) {
    return new int[] {in.length};
  }

  static int[] byteByByte(byte[] in) {
    int[] c = new int[in.length];
    Arrays.fill(c, 1);
    return c;
  }

  static int[] split(byte[] in, int at) {
    return new int[] {at, in.length - at};
  }

  static int[] random(byte[] in, Random r) {
    List<Integer> c = new ArrayList<>();
    int left = in.length;
    while (left > 0) {
      int n = Math.min(left, 1 + r.nextInt(40_000));
      c.add(n);
      left -= n;
    }
    return c.stream().mapToInt(Integer::intValue).toArray();
  }

  @Test
  void everyMessageRoundTripsWholeByteByByteAndAtEverySplit() throws WireException {
    List<PeerMessage> ms = everyMessage();
    byte[] in = encodeAll(ms);
    List<byte[]> expected = new ArrayList<>();
    for (PeerMessage m : ms) {
      expected.add(encode(m));
    }
    assertThat(feed(in, whole(in))).containsExactlyElementsOf(expected);
    assertThat(feed(in, byteByByte(in))).containsExactlyElementsOf(expected);
    for (int at = 0; at <= in.length; at += (at < 200 ? 1 : 97)) {
      assertThat(feed(in, split(in, at))).as("split at %d", at).containsExactlyElementsOf(expected);
    }
    Random r = new Random(1);
    for (int i = 0; i < 50; i++) {
      assertThat(feed(in, random(in, r))).containsExactlyElementsOf(expected);
    }
  }

  @Test
  void decodedValuesAreTheValuesEncoded() throws WireException {
    for (PeerMessage m : everyMessage()) {
      List<PeerMessage> got = new ArrayList<>();
      new WireDecoder().decode(ByteBuffer.wrap(encode(m)), got::add);
      assertThat(got).singleElement().isEqualTo(m);
    }
  }

  @Test
  void stopsAtAnIncompleteMessageWithThePositionAtItsStart() throws WireException {
    byte[] in = encodeAll(List.of(new PeerMessage.Have(1), new PeerMessage.Have(2)));
    ByteBuffer b = ByteBuffer.wrap(in, 0, in.length - 1);
    List<PeerMessage> got = new ArrayList<>();
    assertThat(new WireDecoder().decode(b, got::add)).isEqualTo(1);
    assertThat(b.position()).isEqualTo(9);
    assertThat(b.limit()).isEqualTo(in.length - 1);
  }

  @Test
  void leavesTrailingBytesOfTheNextMessageUntouched() throws WireException {
    byte[] in = encodeAll(List.of(PeerMessage.Unchoke.INSTANCE));
    byte[] withTrail = Arrays.copyOf(in, in.length + 3);
    ByteBuffer b = ByteBuffer.wrap(withTrail);
    new WireDecoder().decode(b, m -> {});
    assertThat(b.remaining()).isEqualTo(3);
  }

  @Test
  void rejectsAnOversizedLengthPrefixAsSoonAsItArrives() {
    ByteBuffer b = ByteBuffer.allocate(4).putInt(0x7FFFFFFF).flip();
    WireException e = catchThrowableOfType(() -> new WireDecoder().decode(b, m -> {}),
        WireException.class);
    assertThat(e.rule()).isEqualTo(Rule.MESSAGE_TOO_LONG);
    assertThat(e.value()).isEqualTo(0x7FFFFFFFL);
    assertThat(e.limit()).isEqualTo(WireLimits.DEFAULTS.maxMessageLength());
  }

  @Test
  void rejectsAWrongLengthForAFixedSizeMessageOnceTheIdArrives() {
    ByteBuffer b = ByteBuffer.allocate(5).putInt(6).put((byte) PeerMessage.HAVE).flip();
    WireException e = catchThrowableOfType(() -> new WireDecoder().decode(b, m -> {}),
        WireException.class);
    assertThat(e.rule()).isEqualTo(Rule.BAD_LENGTH);
    assertThat(e.value()).isEqualTo(6);
    assertThat(e.limit()).isEqualTo(5);
  }

  @Test
  void namesTheStreamOffsetOfTheOffendingMessage() throws WireException {
    byte[] ok = encode(new PeerMessage.Have(1));
    ByteBuffer b = ByteBuffer.allocate(ok.length + 5).put(ok).putInt(2)
        .put((byte) PeerMessage.CHOKE).flip();
    WireException e = catchThrowableOfType(() -> new WireDecoder().decode(b, m -> {}),
        WireException.class);
    assertThat(e.offset()).isEqualTo(9);
  }

  @Test
  void rejectsBlocksThatAreTooLongOrEmpty() {
    ByteBuffer big = ByteBuffer.allocate(13).putInt(9 + 16385).put((byte) PeerMessage.PIECE)
        .putInt(0).putInt(0).flip();
    assertThat(catchThrowableOfType(() -> new WireDecoder().decode(big, m -> {}),
        WireException.class).rule()).isEqualTo(Rule.BLOCK_TOO_LONG);
    ByteBuffer empty = ByteBuffer.allocate(13).putInt(9).put((byte) PeerMessage.PIECE)
        .putInt(0).putInt(0).flip();
    assertThat(catchThrowableOfType(() -> new WireDecoder().decode(empty, m -> {}),
        WireException.class).rule()).isEqualTo(Rule.BLOCK_TOO_LONG);
    for (int len : new int[] {0, 16385}) {
      ByteBuffer req = ByteBuffer.allocate(17).putInt(13).put((byte) PeerMessage.REQUEST)
          .putInt(0).putInt(0).putInt(len).flip();
      assertThat(catchThrowableOfType(() -> new WireDecoder().decode(req, m -> {}),
          WireException.class).value()).isEqualTo(len);
    }
  }

  @Test
  void rejectsIndicesThatDoNotFitIn31Bits() {
    ByteBuffer b = ByteBuffer.allocate(9).putInt(5).put((byte) PeerMessage.HAVE)
        .putInt(0x80000000).flip();
    WireException e = catchThrowableOfType(() -> new WireDecoder().decode(b, m -> {}),
        WireException.class);
    assertThat(e.rule()).isEqualTo(Rule.OUT_OF_RANGE);
    assertThat(e.value()).isEqualTo(0x80000000L);
  }

  @Test
  void rejectsMalformedExtensionAndHashMessages() {
    ByteBuffer noId = ByteBuffer.allocate(5).putInt(1).put((byte) PeerMessage.EXTENDED).flip();
    assertThat(catchThrowableOfType(() -> new WireDecoder().decode(noId, m -> {}),
        WireException.class).rule()).isEqualTo(Rule.BAD_LENGTH);
    ByteBuffer hugeExt = ByteBuffer.allocate(5).putInt(1 + (1 << 20) + 1)
        .put((byte) PeerMessage.EXTENDED).flip();
    assertThat(catchThrowableOfType(() -> new WireDecoder().decode(hugeExt, m -> {}),
        WireException.class).rule()).isEqualTo(Rule.MESSAGE_TOO_LONG);
    ByteBuffer hashes = ByteBuffer.allocate(4 + 49 + 31).putInt(49 + 31)
        .put((byte) PeerMessage.HASHES).position(4 + 49 + 31).flip();
    assertThat(catchThrowableOfType(() -> new WireDecoder().decode(hashes, m -> {}),
        WireException.class).rule()).isEqualTo(Rule.BAD_LENGTH);
  }

  @Test
  void passesUnknownIdsOnAndSkipsTheirPayload() throws WireException {
    ByteBuffer b = ByteBuffer.allocate(20).putInt(4).put((byte) 99).put(new byte[3])
        .put(encode(PeerMessage.Choke.INSTANCE)).flip();
    List<PeerMessage> got = new ArrayList<>();
    new WireDecoder().decode(b, got::add);
    assertThat(got).containsExactly(new PeerMessage.Unknown(99, 4), PeerMessage.Choke.INSTANCE);
  }

  @Test
  void aFailedDecoderStaysFailed() {
    WireDecoder d = new WireDecoder();
    ByteBuffer bad = ByteBuffer.allocate(5).putInt(2).put((byte) 0).flip();
    assertThatThrownBy(() -> d.decode(bad, m -> {})).isInstanceOf(WireException.class);
    assertThatThrownBy(() -> d.decode(ByteBuffer.allocate(0), m -> {}))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("failed at stream offset 0");
  }

  @Test
  void fuzzedStreamsFailOnlyWithWireException() {
    byte[] valid = encodeAll(everyMessage());
    Random r = new Random(99);
    int cases = Integer.getInteger("bt.fuzz.cases", 20_000);
    for (int i = 0; i < cases; i++) {
      byte[] s = valid.clone();
      for (int e = 0; e < 1 + r.nextInt(6); e++) {
        int at = r.nextInt(s.length);
        s[at] = r.nextBoolean() ? (byte) r.nextInt(256) : (byte) r.nextInt(25);
      }
      try {
        feed(s, random(s, r));
      } catch (WireException expected) {
        // a rule broken: the connection would close
      } catch (Throwable t) {
        throw new AssertionError("case " + i + " escaped with " + t, t);
      }
    }
  }
}
