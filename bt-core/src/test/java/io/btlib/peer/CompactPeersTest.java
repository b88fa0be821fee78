package io.btlib.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CompactPeersTest {
  private static final HexFormat HEX = HexFormat.of();

  private static ByteBuffer hex(String h) {
    return ByteBuffer.wrap(HEX.parseHex(h.replace(" ", "")));
  }

  @Test
  void decodesIpv4EntriesWithBigEndianPorts() {
    List<PeerAddress> peers = CompactPeers.decodeIpv4(hex("01020304 1ae1  0a000001 c8d5"));
    assertThat(peers).containsExactly(PeerAddress.parse("1.2.3.4:6881"), PeerAddress.parse("10.0.0.1:51413"));
  }

  @Test
  void decodesIpv6Entries() {
    List<PeerAddress> peers =
        CompactPeers.decodeIpv6(hex("20010db8000000000000000000000001 1ae1"));
    assertThat(peers).containsExactly(PeerAddress.parse("[2001:db8::1]:6881"));
  }

  @Test
  void decodesAnEmptyBufferAsNoPeers() {
    assertThat(CompactPeers.decodeIpv4(ByteBuffer.allocate(0))).isEmpty();
    assertThat(CompactPeers.decodeIpv6(ByteBuffer.allocate(0))).isEmpty();
  }

  @Test
  void skipsEntriesWithPortZero() {
    assertThat(CompactPeers.decodeIpv4(hex("01020304 0000  05060708 0001")))
        .containsExactly(PeerAddress.parse("5.6.7.8:1"));
    assertThat(CompactPeers.decodeIpv6(hex("00000000000000000000000000000001 0000"))).isEmpty();
  }

  @Test
  void rejectsLengthsThatAreNotWholeEntriesNamingTheLength() {
    for (int length : new int[] {1, 5, 7, 13}) {
      ByteBuffer b = ByteBuffer.allocate(length);
      assertThatThrownBy(() -> CompactPeers.decodeIpv4(b))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(length + " bytes")
          .hasMessageContaining("multiple of 6");
      assertThat(b.position()).isZero();
    }
    for (int length : new int[] {6, 17, 19, 35}) {
      assertThatThrownBy(() -> CompactPeers.decodeIpv6(ByteBuffer.allocate(length)))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(length + " bytes")
          .hasMessageContaining("multiple of 18");
    }
  }

  @Test
  void readsFromPositionToLimitAndConsumesThem() {
    ByteBuffer b = hex("ffff 01020304 1ae1 eeee");
    b.position(2).limit(8);
    assertThat(CompactPeers.decodeIpv4(b)).containsExactly(PeerAddress.parse("1.2.3.4:6881"));
    assertThat(b.position()).isEqualTo(8);
    assertThat(b.limit()).isEqualTo(8);
  }

  @Test
  void ignoresTheBufferByteOrder() {
    ByteBuffer b = hex("01020304 1ae1").order(ByteOrder.LITTLE_ENDIAN);
    assertThat(CompactPeers.decodeIpv4(b)).containsExactly(PeerAddress.parse("1.2.3.4:6881"));
  }

  @Test
  void readsDirectAndSlicedBuffers() {
    ByteBuffer direct = ByteBuffer.allocateDirect(12);
    direct.put(HEX.parseHex("010203041ae1050607080050")).flip();
    assertThat(CompactPeers.decodeIpv4(direct))
        .containsExactly(PeerAddress.parse("1.2.3.4:6881"), PeerAddress.parse("5.6.7.8:80"));
    ByteBuffer slice = hex("aa 010203041ae1").position(1).slice();
    assertThat(CompactPeers.decodeIpv4(slice)).containsExactly(PeerAddress.parse("1.2.3.4:6881"));
  }

  @Test
  void decodesIpv4MappedEntriesOfAnIpv6ListAsIpv4Peers() {
    List<PeerAddress> peers = CompactPeers.decodeIpv6(hex("00000000000000000000ffff01020304 1ae1"));
    assertThat(peers).containsExactly(PeerAddress.parse("1.2.3.4:6881"));
    assertThat(peers.get(0).isIpv6()).isFalse();
  }

  @Test
  void decodedListsAreUnmodifiable() {
    List<PeerAddress> peers = CompactPeers.decodeIpv4(hex("01020304 1ae1"));
    assertThatThrownBy(() -> peers.add(PeerAddress.parse("1.1.1.1:1")))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void encodesEachFamilyAndSkipsTheOther() {
    List<PeerAddress> mixed = List.of(
        PeerAddress.parse("1.2.3.4:6881"),
        PeerAddress.parse("[2001:db8::1]:6881"),
        PeerAddress.parse("10.0.0.1:51413"));
    assertThat(HEX.formatHex(CompactPeers.encodeIpv4(mixed))).isEqualTo("010203041ae10a000001c8d5");
    assertThat(HEX.formatHex(CompactPeers.encodeIpv6(mixed)))
        .isEqualTo("20010db80000000000000000000000011ae1");
    assertThat(CompactPeers.encodeIpv4(List.of())).isEmpty();
  }

  @Test
  void encodesOnePeerInSixOrEighteenBytes() {
    assertThat(HEX.formatHex(CompactPeers.encodeOne(PeerAddress.parse("255.254.253.252:65535"))))
        .isEqualTo("fffefdfcffff");
    assertThat(CompactPeers.encodeOne(PeerAddress.parse("[::1]:1"))).hasSize(18);
  }

  @Test
  void encodingRejectsNullElementsNamingTheIndex() {
    List<PeerAddress> withNull = Arrays.asList(PeerAddress.parse("1.2.3.4:1"), null);
    assertThatThrownBy(() -> CompactPeers.encodeIpv4(withNull))
        .isInstanceOf(NullPointerException.class)
        .hasMessageContaining("peers[1]");
  }

  @Test
  void encodeThenDecodeGivesBackThePeers() {
    Random rnd = new Random(3);
    List<PeerAddress> v4 = new ArrayList<>();
    List<PeerAddress> v6 = new ArrayList<>();
    for (int i = 0; i < 500; i++) {
      byte[] a = new byte[rnd.nextBoolean() ? 4 : 16];
      rnd.nextBytes(a);
      a[0] = (byte) 0x20; // never IPv4-mapped, so the family is kept
      PeerAddress p = PeerAddress.of(IpLiterals.toInetAddress(a), 1 + rnd.nextInt(65535));
      (p.isIpv6() ? v6 : v4).add(p);
    }
    List<PeerAddress> all = new ArrayList<>(v4);
    all.addAll(v6);
    assertThat(CompactPeers.decodeIpv4(ByteBuffer.wrap(CompactPeers.encodeIpv4(all)))).isEqualTo(v4);
    assertThat(CompactPeers.decodeIpv6(ByteBuffer.wrap(CompactPeers.encodeIpv6(all)))).isEqualTo(v6);
  }
}
