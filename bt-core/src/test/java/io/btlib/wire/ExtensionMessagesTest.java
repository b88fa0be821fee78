package io.btlib.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.peer.PeerAddress;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ExtensionMessagesTest {

  static ByteBuffer buf(String s) {
    return ByteBuffer.wrap(s.getBytes(StandardCharsets.ISO_8859_1));
  }

  @Test
  void extendedHandshakeRoundTrips() throws Exception {
    ExtendedHandshake h = new ExtendedHandshake(Map.of("ut_metadata", 3, "ut_pex", 1),
        Optional.of("bt 0.1.0"), OptionalInt.of(6881), OptionalInt.of(250),
        Optional.of(InetAddress.getByName("127.0.0.1")), OptionalInt.of(31235), false);
    ExtendedHandshake d = ExtendedHandshake.decode(ByteBuffer.wrap(h.encode()));
    assertThat(d).isEqualTo(h);
    assertThat(d.idOf("ut_metadata")).hasValue(3);
    assertThat(d.idOf("lt_donthave")).isEmpty();
  }

  @Test
  void extendedHandshakeIgnoresBadOptionalFieldsButNeedsM() throws Exception {
    ExtendedHandshake d = ExtendedHandshake.decode(buf(
        "d1:md11:ut_metadatai0e6:ut_pexi300e3:fooi7ee1:pi0e4:reqq3:abc6:youripi1ee"));
    assertThat(d.extensions()).containsExactly(Map.entry("foo", 7));
    assertThat(d.listenPort()).isEmpty();
    assertThat(d.requestQueue()).isEmpty();
    assertThat(d.yourIp()).isEmpty();
    assertThatThrownBy(() -> ExtendedHandshake.decode(buf("d1:pi5ee")))
        .isInstanceOf(WireException.class).hasMessageContaining("no dictionary 'm'");
    assertThatThrownBy(() -> ExtendedHandshake.decode(buf("li1ee")))
        .isInstanceOf(WireException.class);
    assertThatThrownBy(() -> ExtendedHandshake.decode(buf("d1:md")))
        .isInstanceOf(WireException.class);
  }

  @Test
  void metadataMessagesRoundTrip() throws Exception {
    byte[] metadata = new byte[40_000];
    new Random(3).nextBytes(metadata);
    for (int piece = 0; piece < 3; piece++) {
      MetadataMessage m = MetadataMessage.data(piece, metadata);
      MetadataMessage d = MetadataMessage.decode(ByteBuffer.wrap(m.encode()), 1 << 20);
      assertThat(d.type()).isEqualTo(MetadataMessage.DATA);
      assertThat(d.totalSize()).isEqualTo(40_000);
      byte[] got = new byte[d.data().remaining()];
      d.data().get(got);
      assertThat(got).isEqualTo(Arrays.copyOfRange(metadata, piece * 16384,
          Math.min(40_000, (piece + 1) * 16384)));
    }
    assertThat(MetadataMessage.decode(ByteBuffer.wrap(MetadataMessage.request(2).encode()), 100))
        .isEqualTo(MetadataMessage.request(2));
    assertThat(MetadataMessage.decode(ByteBuffer.wrap(MetadataMessage.reject(1).encode()), 100))
        .isEqualTo(MetadataMessage.reject(1));
  }

  @Test
  void metadataMessagesRejectLiesAboutSizes() {
    // total_size beyond the cap
    assertThatThrownBy(() -> MetadataMessage.decode(
        buf("d8:msg_typei1e5:piecei0e10:total_sizei99999999ee"), 1 << 20))
        .isInstanceOf(WireException.class).hasMessageContaining("total_size");
    // a piece index past the end, and data of the wrong length
    assertThatThrownBy(() -> MetadataMessage.decode(
        buf("d8:msg_typei1e5:piecei5e10:total_sizei100ee" + "x".repeat(100)), 1 << 20))
        .isInstanceOf(WireException.class);
    assertThatThrownBy(() -> MetadataMessage.decode(
        buf("d8:msg_typei1e5:piecei0e10:total_sizei100ee" + "x".repeat(99)), 1 << 20))
        .isInstanceOf(WireException.class);
    assertThatThrownBy(() -> MetadataMessage.decode(buf("d8:msg_typei7e5:piecei0ee"), 100))
        .isInstanceOf(WireException.class);
    assertThatThrownBy(() -> MetadataMessage.decode(buf("d5:piecei0ee"), 100))
        .isInstanceOf(WireException.class);
  }

  @Test
  void pexRoundTripsBothFamiliesWithFlags() throws Exception {
    Map<PeerAddress, Integer> added = new LinkedHashMap<>();
    added.put(PeerAddress.parse("127.0.0.1:6881"), 0x02);
    added.put(PeerAddress.parse("[::1]:6882"), 0x10);
    added.put(PeerAddress.parse("127.0.0.2:80"), 0);
    PexMessage m = new PexMessage(added, List.of(PeerAddress.parse("127.0.0.3:1")));
    PexMessage d = PexMessage.decode(ByteBuffer.wrap(m.encode()));
    assertThat(d.added()).containsExactlyInAnyOrderEntriesOf(added);
    assertThat(d.dropped()).containsExactly(PeerAddress.parse("127.0.0.3:1"));
  }

  /**
   * Found by fuzzing: an IPv4-mapped entry (::ffff:a.b.c.d) in {@code dropped6} is an IPv4
   * address, which encode() writes to {@code dropped}; the decoder puts IPv4 addresses first, so
   * the list reads back the same.
   */
  @Test
  void pexReadsAnIpv4MappedDropped6EntryAsIpv4First() throws Exception {
    byte[] v6 = new byte[36];
    v6[0] = 0x20; // 2000::1 port 1, then ::ffff:10.0.0.1 port 2
    v6[15] = 1;
    v6[17] = 1;
    v6[28] = (byte) 0xff;
    v6[29] = (byte) 0xff;
    v6[30] = 10;
    v6[33] = 1;
    v6[35] = 2;
    String doc = "d8:dropped636:" + new String(v6, StandardCharsets.ISO_8859_1) + "e";
    PexMessage m = PexMessage.decode(buf(doc));
    assertThat(m.dropped()).containsExactly(PeerAddress.parse("10.0.0.1:2"),
        PeerAddress.parse("[2000::1]:1"));
    assertThat(PexMessage.decode(ByteBuffer.wrap(m.encode()))).isEqualTo(m);
  }

  @Test
  void pexRejectsTornEntriesAndCapsLongLists() throws Exception {
    assertThatThrownBy(() -> PexMessage.decode(buf("d5:added7:1234567e")))
        .isInstanceOf(WireException.class).hasMessageContaining("whole number");
    byte[] many = new byte[6 * 1000];
    for (int i = 0; i < 1000; i++) {
      many[i * 6] = 127;
      many[i * 6 + 2] = (byte) (i >> 8);
      many[i * 6 + 3] = (byte) i;
      many[i * 6 + 5] = 1;
    }
    String doc = "d5:added6000:" + new String(many, StandardCharsets.ISO_8859_1) + "e";
    assertThat(PexMessage.decode(buf(doc)).added()).hasSize(PexMessage.MAX_PEERS);
  }

  @Test
  void fuzzedExtensionPayloadsFailOnlyWithWireException() throws Exception {
    Map<PeerAddress, Integer> added = new LinkedHashMap<>();
    added.put(PeerAddress.parse("127.0.0.1:6881"), 1);
    byte[][] seeds = {
      new PexMessage(added, List.of()).encode(),
      MetadataMessage.data(0, new byte[300]).encode(),
      new ExtendedHandshake(Map.of("ut_pex", 1), Optional.of("x"), OptionalInt.of(1),
          OptionalInt.empty(), Optional.empty(), OptionalInt.of(5), true).encode(),
    };
    Random r = new Random(5);
    for (int i = 0; i < 30_000; i++) {
      byte[] s = seeds[r.nextInt(seeds.length)].clone();
      int edits = 1 + r.nextInt(3);
      for (int e = 0; e < edits && s.length > 0; e++) {
        int at = r.nextInt(s.length);
        if (r.nextInt(4) == 0) {
          s = Arrays.copyOf(s, at);
        } else {
          s[at] = (byte) (r.nextBoolean() ? r.nextInt(256) : "0123456789:deil".charAt(r.nextInt(15)));
        }
      }
      for (int kind = 0; kind < 3; kind++) {
        try {
          switch (kind) {
            case 0:
              PexMessage.decode(ByteBuffer.wrap(s));
              break;
            case 1:
              MetadataMessage.decode(ByteBuffer.wrap(s), 1 << 20);
              break;
            default:
              ExtendedHandshake.decode(ByteBuffer.wrap(s));
          }
        } catch (WireException expected) {
          // rejected
        } catch (Throwable t) {
          throw new AssertionError("case " + i + " kind " + kind + " escaped with " + t, t);
        }
      }
    }
  }
}
