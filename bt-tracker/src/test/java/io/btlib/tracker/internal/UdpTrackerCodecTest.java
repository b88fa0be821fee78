package io.btlib.tracker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.tracker.AnnounceEvent;
import io.btlib.tracker.AnnounceRequest;
import io.btlib.tracker.internal.UdpTrackerCodec.AnnounceReply;
import io.btlib.tracker.internal.UdpTrackerCodec.ConnectReply;
import io.btlib.tracker.internal.UdpTrackerCodec.ErrorReply;
import io.btlib.tracker.internal.UdpTrackerCodec.ScrapeEntry;
import io.btlib.tracker.internal.UdpTrackerCodec.ScrapeReply;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class UdpTrackerCodecTest {
  static final HexFormat HEX = HexFormat.of();
  static final InfoHash HASH = InfoHash.fromHex("00112233445566778899aabbccddeeff00112233");
  static final PeerId PEER = PeerId.fromHex("2d4254303130302d000102030405060708090a0b");

  static byte[] hex(String s) {
    return HEX.parseHex(s.replace(" ", ""));
  }

  static ByteBuffer packet(String hex) {
    return ByteBuffer.wrap(hex(hex));
  }

  @Test
  void encodesAConnectRequest() {
    assertThat(HEX.formatHex(UdpTrackerCodec.encodeConnect(0x12345678)))
        .isEqualTo("0000041727101980" + "00000000" + "12345678");
  }

  @Test
  void encodesAnAnnounceRequestFieldByField() {
    AnnounceRequest r = AnnounceRequest.builder(HASH, PEER, 6881).downloaded(5).left(6)
        .uploaded(7).event(AnnounceEvent.STARTED).key(0x0a0b0c0d).numWant(-1).build();
    byte[] b = UdpTrackerCodec.encodeAnnounce(0x1122334455667788L, 42, r, new byte[0]);
    assertThat(HEX.formatHex(b)).isEqualTo(
        "1122334455667788" + "00000001" + "0000002a" // connection id, action, tx
            + HASH.hex() + PEER.hex()
            + "0000000000000005" + "0000000000000006" + "0000000000000007" // down, left, up
            + "00000002" + "00000000" + "0a0b0c0d" + "ffffffff" + "1ae1"); // event ip key num port
  }

  @Test
  void appendsTheUrlPathAsBep41OptionsInChunksOf255() {
    AnnounceRequest r = AnnounceRequest.builder(HASH, PEER, 6881).build();
    byte[] path = ("/" + "a".repeat(299)).getBytes(StandardCharsets.ISO_8859_1);
    byte[] b = UdpTrackerCodec.encodeAnnounce(1, 2, r, path);
    assertThat(b).hasSize(98 + 2 + 255 + 2 + 45 + 1);
    assertThat(b[98]).isEqualTo((byte) 2);
    assertThat(b[99] & 0xFF).isEqualTo(255);
    assertThat(b[98 + 2 + 255]).isEqualTo((byte) 2);
    assertThat(b[98 + 2 + 255 + 1]).isEqualTo((byte) 45);
    assertThat(b[b.length - 1]).isEqualTo((byte) 0);
  }

  @Test
  void encodesAScrapeRequestAndRefusesTooManyHashes() {
    byte[] b = UdpTrackerCodec.encodeScrape(3, 4, List.of(HASH, HASH));
    assertThat(HEX.formatHex(b)).isEqualTo(
        "0000000000000003" + "00000002" + "00000004" + HASH.hex() + HASH.hex());
    List<InfoHash> many = java.util.Collections.nCopies(75, HASH);
    assertThatThrownBy(() -> UdpTrackerCodec.encodeScrape(3, 4, many))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("1..74");
  }

  @Test
  void decodesAConnectReplyIgnoringTrailingBytes() {
    assertThat(UdpTrackerCodec.decode(packet("00000000 0000002a 0102030405060708"), false))
        .isEqualTo(new ConnectReply(42, 0x0102030405060708L));
    assertThat(UdpTrackerCodec.decode(packet("00000000 0000002a 0102030405060708 ff"), false))
        .isEqualTo(new ConnectReply(42, 0x0102030405060708L));
  }

  @Test
  void decodesIpv4AnnounceRepliesWithSixBytePeers() {
    AnnounceReply r = (AnnounceReply) UdpTrackerCodec.decode(
        packet("00000001 00000007 00000708 00000003 00000004 7f0000011ae1 0a0000020050"), false);
    assertThat(r.transactionId()).isEqualTo(7);
    assertThat(r.intervalSeconds()).isEqualTo(1800);
    assertThat(r.leechers()).isEqualTo(3);
    assertThat(r.seeders()).isEqualTo(4);
    assertThat(r.peers()).containsExactly(
        PeerAddress.parse("127.0.0.1:6881"), PeerAddress.parse("10.0.0.2:80"));
  }

  @Test
  void decodesIpv6AnnounceRepliesWithEighteenBytePeers() {
    AnnounceReply r = (AnnounceReply) UdpTrackerCodec.decode(
        packet("00000001 00000007 0000003c 00000000 00000001"
            + "00000000000000000000000000000001 1ae1"), true);
    assertThat(r.peers()).containsExactly(PeerAddress.parse("[::1]:6881"));
  }

  @Test
  void rejectsPeersThatAreNotWholeEntriesOfTheTrackersFamily() {
    String twelve = "00000001 00000007 0000003c 00000000 00000001 7f0000011ae1 7f0000011ae2";
    assertThat(((AnnounceReply) UdpTrackerCodec.decode(packet(twelve), false)).peers()).hasSize(2);
    assertThatThrownBy(() -> UdpTrackerCodec.decode(packet(twelve), true))
        .isInstanceOf(UdpTrackerFormatException.class)
        .satisfies(e -> assertThat(((UdpTrackerFormatException) e).keyPath())
            .isEqualTo("announce.peers"))
        .hasMessageContaining("18-byte");
    assertThatThrownBy(() -> UdpTrackerCodec.decode(packet(twelve + "00"), false))
        .isInstanceOf(UdpTrackerFormatException.class).hasMessageContaining("6-byte");
  }

  @Test
  void decodesScrapeAndErrorReplies() {
    assertThat(UdpTrackerCodec.decode(packet("00000002 00000009 00000001 00000002 00000003"
        + "00000004 00000005 00000006"), false))
        .isEqualTo(new ScrapeReply(9, List.of(new ScrapeEntry(1, 2, 3), new ScrapeEntry(4, 5, 6))));
    assertThat(UdpTrackerCodec.decode(packet("00000003 00000009 " + HEX.formatHex(
        "no such torrent".getBytes(StandardCharsets.UTF_8))), false))
        .isEqualTo(new ErrorReply(9, "no such torrent"));
  }

  @Test
  void rejectsTruncatedPacketsNamingTheAction() {
    assertThatThrownBy(() -> UdpTrackerCodec.decode(packet("000000"), false))
        .isInstanceOf(UdpTrackerFormatException.class).hasMessageContaining("3 bytes");
    assertThatThrownBy(() -> UdpTrackerCodec.decode(packet("00000000 00000001 0102"), false))
        .isInstanceOf(UdpTrackerFormatException.class)
        .satisfies(e -> assertThat(((UdpTrackerFormatException) e).keyPath()).isEqualTo("connect"));
    assertThatThrownBy(() -> UdpTrackerCodec.decode(packet("00000001 00000001 00000708"), false))
        .isInstanceOf(UdpTrackerFormatException.class).hasMessageContaining("less than 20");
    assertThatThrownBy(() -> UdpTrackerCodec.decode(packet("00000002 00000001 00000001"), false))
        .isInstanceOf(UdpTrackerFormatException.class).hasMessageContaining("12 per hash");
  }

  @Test
  void rejectsAnUnknownAction() {
    assertThatThrownBy(() -> UdpTrackerCodec.decode(packet("ffffffff 00000001"), false))
        .isInstanceOf(UdpTrackerFormatException.class)
        .hasMessageContaining("unknown action 4294967295");
  }

  @Test
  void leavesTheBufferPositionAlone() {
    ByteBuffer b = packet("00000000 0000002a 0102030405060708");
    UdpTrackerCodec.decode(b, false);
    assertThat(b.position()).isZero();
  }

  @Test
  void cutsLongErrorMessages() {
    ByteBuffer b = ByteBuffer.allocate(8 + 5000).putInt(3).putInt(1);
    b.put("x".repeat(5000).getBytes(StandardCharsets.UTF_8)).flip();
    assertThat(((ErrorReply) UdpTrackerCodec.decode(b, false)).message())
        .hasSize(UdpTrackerCodec.MAX_ERROR_BYTES);
  }

  @Test
  void randomBytesNeverThrowAnythingButTheFormatException() {
    Random rnd = new Random(20261125);
    int decoded = 0;
    for (int i = 0; i < 20_000; i++) {
      byte[] b = new byte[rnd.nextInt(0, 120)];
      rnd.nextBytes(b);
      if (b.length >= 4 && rnd.nextBoolean()) { // a plausible action, to reach the deep checks
        b[0] = 0;
        b[1] = 0;
        b[2] = 0;
        b[3] = (byte) rnd.nextInt(0, 4);
      }
      try {
        UdpTrackerCodec.decode(ByteBuffer.wrap(b), rnd.nextBoolean());
        decoded++;
      } catch (UdpTrackerFormatException expected) {
        assertThat(expected.getMessage()).isNotBlank();
      }
    }
    assertThat(decoded).isPositive();
  }

  @Test
  void everyTruncationOfAValidReplyDecodesOrFailsCleanly() {
    byte[] full = hex("00000001 00000007 00000708 00000003 00000004 7f0000011ae1 0a0000020050");
    for (int n = 0; n < full.length; n++) {
      ByteBuffer b = ByteBuffer.wrap(full, 0, n);
      int len = n;
      if (n >= 20 && (n - 20) % 6 == 0) {
        assertThat(((AnnounceReply) UdpTrackerCodec.decode(b, false)).peers())
            .hasSize((len - 20) / 6);
      } else {
        assertThatThrownBy(() -> UdpTrackerCodec.decode(b, false))
            .as("length %d", len).isInstanceOf(UdpTrackerFormatException.class);
      }
    }
  }
}
