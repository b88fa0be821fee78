package io.btlib.metainfo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.fail;

import io.btlib.metainfo.MagnetLink.IndexRange;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.assertj.core.api.AbstractThrowableAssert;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class MagnetLinkTest {

  private static final String V1_HEX = "dd8255ecdc7ca55fb0bbf81323d87062db1f6d1c";
  private static final String V1_BASE32 = "3WBFL3G4PSSV7MF37AJSHWDQMLNR63I4";
  private static final String V2_HEX = "caf1e1c30e81cb361b9ee167c4aa64228a7fa4fa9f6105232b28ad099f3a302e";
  private static final InfoHash V1 = InfoHash.fromHex(V1_HEX);
  private static final InfoHash V2 = InfoHash.fromHex(V2_HEX);
  private static final String BTIH = "magnet:?xt=urn:btih:" + V1_HEX;
  private static final String BTMH = "magnet:?xt=urn:btmh:1220" + V2_HEX;

  private static AbstractThrowableAssert<?, ? extends Throwable> assertRejected(String uri, String parameter) {
    return assertThatThrownBy(() -> MagnetLink.parse(uri))
        .isInstanceOf(MagnetLinkException.class)
        .satisfies(e -> assertThat(((MagnetLinkException) e).parameter()).isEqualTo(parameter));
  }

  private static void assertRoundTrips(MagnetLink link) {
    MagnetLink reparsed = MagnetLink.parse(link.toString());
    assertThat(reparsed).isEqualTo(link).hasSameHashCodeAs(link);
    assertThat(reparsed.toString()).isEqualTo(link.toString());
  }

  @Nested
  class ExactTopic {

    @Test
    void parsesV1Hex() {
      MagnetLink m = MagnetLink.parse(BTIH);
      assertThat(m.infoHashes()).isEqualTo(InfoHashes.ofV1(V1));
      assertThat(m.displayName()).isEmpty();
      assertThat(m.trackers()).isEmpty();
      assertThat(m.webSeeds()).isEmpty();
      assertThat(m.peers()).isEmpty();
      assertThat(m.selectOnly()).isEmpty();
      assertThat(m.otherTopics()).isEmpty();
      assertThat(m.otherParameters()).isEmpty();
    }

    @Test
    void parsesV1HexInUpperCase() {
      assertThat(MagnetLink.parse("magnet:?xt=urn:btih:" + V1_HEX.toUpperCase()).infoHashes().shortHash())
          .isEqualTo(V1);
    }

    @Test
    void parsesV1Base32InEitherCase() {
      assertThat(MagnetLink.parse("magnet:?xt=urn:btih:" + V1_BASE32).infoHashes().shortHash()).isEqualTo(V1);
      assertThat(MagnetLink.parse("magnet:?xt=urn:btih:" + V1_BASE32.toLowerCase()).infoHashes().shortHash())
          .isEqualTo(V1);
    }

    @Test
    void matchesSchemeAndUrnPrefixIgnoringCase() {
      assertThat(MagnetLink.parse("MAGNET:?xt=URN:BTIH:" + V1_HEX).infoHashes().shortHash()).isEqualTo(V1);
      assertThat(MagnetLink.parse("magnet:?xt=urn:BTMH:1220" + V2_HEX).infoHashes().v2()).contains(V2);
    }

    @Test
    void parsesV2Multihash() {
      MagnetLink m = MagnetLink.parse(BTMH);
      assertThat(m.infoHashes()).isEqualTo(InfoHashes.ofV2(V2));
      assertThat(m.infoHashes().shortHash()).isEqualTo(V2.truncated());
    }

    @Test
    void parsesHybridInEitherOrder() {
      MagnetLink a = MagnetLink.parse(BTIH + "&xt=urn:btmh:1220" + V2_HEX);
      MagnetLink b = MagnetLink.parse(BTMH + "&xt=urn:btih:" + V1_HEX);
      assertThat(a.infoHashes().isHybrid()).isTrue();
      assertThat(a).isEqualTo(b);
    }

    @Test
    void acceptsTheSameHashRepeatedEvenInAnotherEncoding() {
      MagnetLink m = MagnetLink.parse(BTIH + "&xt=urn:btih:" + V1_BASE32 + "&xt=urn:btih:" + V1_HEX);
      assertThat(m).isEqualTo(MagnetLink.parse(BTIH));
      assertThat(MagnetLink.parse(BTMH + "&xt=urn:btmh:1220" + V2_HEX.toUpperCase()))
          .isEqualTo(MagnetLink.parse(BTMH));
    }

    @Test
    void rejectsConflictingV1Hashes() {
      assertRejected(BTIH + "&xt=urn:btih:" + "0".repeat(40), "xt")
          .hasMessageContaining("conflicting xt=urn:btih:")
          .hasMessageContaining(V1_HEX)
          .hasMessageContaining("0".repeat(40));
    }

    @Test
    void rejectsConflictingV2Hashes() {
      assertRejected(BTMH + "&xt=urn:btmh:1220" + "0".repeat(64), "xt")
          .hasMessageContaining("conflicting xt=urn:btmh:");
    }

    @Test
    void rejectsBtihOfWrongLength() {
      assertRejected("magnet:?xt=urn:btih:" + V1_HEX.substring(1), "xt")
          .hasMessageContaining("40 hex or 32 base32")
          .hasMessageContaining("got 39");
      assertRejected("magnet:?xt=urn:btih:" + V2_HEX, "xt").hasMessageContaining("got 64");
      assertRejected("magnet:?xt=urn:btih:", "xt").hasMessageContaining("got 0");
    }

    @Test
    void rejectsBtihWithBadCharacters() {
      assertRejected("magnet:?xt=urn:btih:" + "x" + V1_HEX.substring(1), "xt").hasMessageContaining("'x'");
      assertRejected("magnet:?xt=urn:btih:" + "1" + V1_BASE32.substring(1), "xt").hasMessageContaining("'1'");
    }

    @Test
    void rejectsMultihashWithOtherFunctionCode() {
      assertRejected("magnet:?xt=urn:btmh:1114" + V1_HEX, "xt")
          .hasMessageContaining("function code 0x11");
      assertRejected("magnet:?xt=urn:btmh:b220" + V2_HEX, "xt").hasMessageContaining("0xb2");
    }

    @Test
    void rejectsMultihashWithOtherDigestLength() {
      assertRejected("magnet:?xt=urn:btmh:1214" + V1_HEX, "xt").hasMessageContaining("length is 0x14");
    }

    @Test
    void rejectsMultihashWhoseDigestDisagreesWithItsHeader() {
      assertRejected("magnet:?xt=urn:btmh:1220" + V2_HEX.substring(2), "xt")
          .hasMessageContaining("31 bytes");
      assertRejected("magnet:?xt=urn:btmh:1220" + V2_HEX + "00", "xt").hasMessageContaining("33 bytes");
      assertRejected("magnet:?xt=urn:btmh:1220", "xt");
    }

    @Test
    void rejectsMultihashThatIsNotEvenHex() {
      assertRejected("magnet:?xt=urn:btmh:1220" + V2_HEX.substring(1), "xt");
      assertRejected("magnet:?xt=urn:btmh:12", "xt");
      assertRejected("magnet:?xt=urn:btmh:1220" + "g" + V2_HEX.substring(1), "xt")
          .hasMessageContaining("'g'");
    }

    @Test
    void rejectsLinkWithoutXt() {
      assertRejected("magnet:?dn=x&tr=http%3A%2F%2Fa", "xt").hasMessageContaining("no xt");
    }

    @Test
    void rejectsLinkWithOnlyUnknownTopics() {
      assertRejected("magnet:?xt=urn:sha1:YNCKHTQCWBTRNJIV4WNAE52SJUQCZO5C", "xt")
          .hasMessageContaining("urn:sha1:");
    }

    @Test
    void keepsUnknownTopicsForRoundTrip() {
      MagnetLink m = MagnetLink.parse(BTIH + "&xt=urn:ed2k:354B15E68FB8F36D7CD88FF94116CDC1"
          + "&xt=urn:sha1:YNCKHTQCWBTRNJIV4WNAE52SJUQCZO5C&xt=urn:ed2k:354B15E68FB8F36D7CD88FF94116CDC1");
      assertThat(m.otherTopics()).containsExactly("urn:ed2k:354B15E68FB8F36D7CD88FF94116CDC1",
          "urn:sha1:YNCKHTQCWBTRNJIV4WNAE52SJUQCZO5C");
      assertRoundTrips(m);
    }

    @Test
    void parameterNamesAreCaseSensitive() {
      assertRejected("magnet:?XT=urn:btih:" + V1_HEX, "xt");
      MagnetLink m = MagnetLink.parse(BTIH + "&DN=name");
      assertThat(m.displayName()).isEmpty();
      assertThat(m.otherParameters()).containsExactly(Map.entry("DN", List.of("name")));
    }
  }

  @Nested
  class Fields {

    @Test
    void decodesPlusAsSpaceInDisplayNameOnly() {
      MagnetLink m = MagnetLink.parse(BTIH + "&dn=Big+Buck%20Bunny%2B1&tr=http%3A%2F%2Fa%2Fx%3Fq%3Da+b"
          + "&foo=a+b");
      assertThat(m.displayName()).contains("Big Buck Bunny+1");
      assertThat(m.trackers()).containsExactly("http://a/x?q=a+b");
      assertThat(m.otherParameters().get("foo")).containsExactly("a+b");
      assertRoundTrips(m);
    }

    @Test
    void decodesUtf8InDisplayNameBothEscapedAndRaw() {
      MagnetLink escaped = MagnetLink.parse(BTIH + "&dn=%E4%B8%96%E7%95%8C%F0%9F%98%80");
      MagnetLink raw = MagnetLink.parse(BTIH + "&dn=世界😀");
      assertThat(escaped.displayName()).contains("世界😀");
      assertThat(raw).isEqualTo(escaped);
    }

    @Test
    void acceptsRepeatedIdenticalDisplayName() {
      assertThat(MagnetLink.parse(BTIH + "&dn=a+b&dn=a%20b").displayName()).contains("a b");
    }

    @Test
    void rejectsConflictingDisplayNames() {
      assertRejected(BTIH + "&dn=one&dn=two", "dn").hasMessageContaining("\"one\"").hasMessageContaining("\"two\"");
    }

    @Test
    void keepsTrackerOrderAndDropsDuplicates() {
      MagnetLink m = MagnetLink.parse(BTIH + "&tr=udp://b:1&tr=http://a/announce&tr=udp%3A%2F%2Fb%3A1&tr=udp://c:2");
      assertThat(m.trackers()).containsExactly("udp://b:1", "http://a/announce", "udp://c:2");
    }

    @Test
    void keepsWebSeedOrderAndDropsDuplicates() {
      MagnetLink m = MagnetLink.parse(BTIH + "&ws=http://z/f&ws=http://a/f&ws=http://z/f");
      assertThat(m.webSeeds()).containsExactly("http://z/f", "http://a/f");
    }

    @Test
    void skipsEmptyValuesOfKnownParametersButNotOfXt() {
      for (String name : List.of("dn", "tr", "ws", "x.pe", "so")) {
        assertThat(MagnetLink.parse(BTIH + "&" + name + "="))
            .isEqualTo(MagnetLink.parse(BTIH));
      }
      assertRejected(BTIH + "&xt=", "xt").hasMessageContaining("empty value");
    }

    @Test
    void keepsEmptyValuesOfUnknownParameters() {
      MagnetLink m = MagnetLink.parse(BTIH + "&kt=");
      assertThat(m.otherParameters()).containsExactly(Map.entry("kt", List.of("")));
      assertRoundTrips(m);
    }

    @Test
    void keepsUnknownParametersInOrderWithRepeats() {
      MagnetLink m = MagnetLink.parse(BTIH + "&xs=http%3A%2F%2Fx&kt=b&as=1&kt=a&kt=b&xt.1=urn:btih:" + V1_HEX);
      assertThat(m.otherParameters().keySet()).containsExactly("xs", "kt", "as", "xt.1");
      assertThat(m.otherParameters().get("kt")).containsExactly("b", "a", "b");
      assertRoundTrips(m);
      assertThatThrownBy(() -> m.otherParameters().put("x", List.of()))
          .isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> m.otherParameters().get("kt").add("c"))
          .isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void decodesParameterNames() {
      MagnetLink m = MagnetLink.parse(BTIH + "&d%6E=name&a%26b=c");
      assertThat(m.displayName()).contains("name");
      assertThat(m.otherParameters()).containsKey("a&b");
      assertRoundTrips(m);
    }

    @Test
    void listsAreUnmodifiable() {
      MagnetLink m = MagnetLink.parse(BTIH + "&tr=udp://a:1&ws=http://w&x.pe=h:1&so=1");
      assertThatThrownBy(() -> m.trackers().add("x")).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> m.webSeeds().clear()).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> m.peers().clear()).isInstanceOf(UnsupportedOperationException.class);
      assertThatThrownBy(() -> m.selectOnly().clear()).isInstanceOf(UnsupportedOperationException.class);
    }
  }

  @Nested
  class Peers {

    @Test
    void parsesIpv4HostnameAndBracketedIpv6Unresolved() {
      MagnetLink m = MagnetLink.parse(BTIH + "&x.pe=10.0.0.1:6881&x.pe=peer.example.org:1"
          + "&x.pe=%5B2001:db8::1%5D:65535&x.pe=[::ffff:1.2.3.4]:80");
      assertThat(m.peers()).containsExactly(
          InetSocketAddress.createUnresolved("10.0.0.1", 6881),
          InetSocketAddress.createUnresolved("peer.example.org", 1),
          InetSocketAddress.createUnresolved("2001:db8::1", 65535),
          InetSocketAddress.createUnresolved("::ffff:1.2.3.4", 80));
      assertThat(m.peers()).allSatisfy(p -> assertThat(p.isUnresolved()).isTrue());
      assertThat(m.toString()).contains("x.pe=%5B2001:db8::1%5D:65535");
      assertRoundTrips(m);
    }

    @Test
    void dropsDuplicatePeers() {
      MagnetLink m = MagnetLink.parse(BTIH + "&x.pe=a:1&x.pe=b:1&x.pe=a:1");
      assertThat(m.peers()).hasSize(2);
    }

    @Test
    void rejectsMalformedPeers() {
      List<String> bad = List.of("host", "host:", ":80", "host:0", "host:65536", "host:-1", "host:+80",
          "host:8o", "host:123456", "::1:80", "2001:db8::1", "[::1]", "[::1]80", "[::1:80", "[]:80",
          "[nothex::1]:80", "[1.2.3.4]:80", "ho st:80", "hôst:80", "host:%D9%A0");
      for (String peer : bad) {
        assertRejected(BTIH + "&x.pe=" + peer, "x.pe").hasMessageContaining("x.pe");
      }
    }

    @Test
    void builderStoresResolvedAddressesUnresolved() throws Exception {
      InetSocketAddress resolved = new InetSocketAddress(InetAddress.getByAddress(new byte[] {127, 0, 0, 1}), 80);
      MagnetLink m = MagnetLink.builder(InfoHashes.ofV1(V1)).addPeer(resolved).build();
      assertThat(m.peers()).containsExactly(InetSocketAddress.createUnresolved("127.0.0.1", 80));
      assertRoundTrips(m);
    }

    @Test
    void builderRejectsBadPeers() {
      MagnetLink.Builder b = MagnetLink.builder(InfoHashes.ofV1(V1));
      assertThatThrownBy(() -> b.addPeer(InetSocketAddress.createUnresolved("host", 0)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("port");
      assertThatThrownBy(() -> b.addPeer(InetSocketAddress.createUnresolved("fe80::1%eth0", 1)))
          .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("'%'");
      assertThatThrownBy(() -> b.addPeer(InetSocketAddress.createUnresolved("a b", 1)))
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Nested
  class SelectOnly {

    @Test
    void parsesIndicesAndInclusiveRanges() {
      MagnetLink m = MagnetLink.parse(BTIH + "&so=0,2,4-6");
      assertThat(m.selectOnly()).containsExactly(IndexRange.of(0), IndexRange.of(2), new IndexRange(4, 6));
      assertThat(m.selectsFile(0)).isTrue();
      assertThat(m.selectsFile(1)).isFalse();
      assertThat(m.selectsFile(2)).isTrue();
      assertThat(m.selectsFile(3)).isFalse();
      assertThat(m.selectsFile(4)).isTrue();
      assertThat(m.selectsFile(6)).isTrue();
      assertThat(m.selectsFile(7)).isFalse();
      assertThat(m.toString()).endsWith("&so=0,2,4-6");
      assertRoundTrips(m);
    }

    @Test
    void selectsEveryFileWithoutSo() {
      MagnetLink m = MagnetLink.parse(BTIH);
      assertThat(m.selectsFile(0)).isTrue();
      assertThat(m.selectsFile(Integer.MAX_VALUE)).isTrue();
      assertThatThrownBy(() -> m.selectsFile(-1)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void acceptsLargestIndexAndSingletonRange() {
      MagnetLink m = MagnetLink.parse(BTIH + "&so=3-3,2147483647");
      assertThat(m.selectOnly()).containsExactly(IndexRange.of(3), IndexRange.of(Integer.MAX_VALUE));
      assertRoundTrips(m);
    }

    @Test
    void rejectsMalformedSelections() {
      for (String so : List.of(",", "1,", ",1", "1,,2", "-1", "1-", "-", "6-4", "a", "1-2-3", " 1", "1 ",
          "2147483648", "99999999999", "0x1", "1.5", "%D9%A1")) {
        assertRejected(BTIH + "&so=" + so, "so").hasMessageContaining("so");
      }
    }

    @Test
    void acceptsRepeatedIdenticalSoAndRejectsConflict() {
      assertThat(MagnetLink.parse(BTIH + "&so=1&so=1").selectOnly()).containsExactly(IndexRange.of(1));
      assertRejected(BTIH + "&so=1&so=2", "so").hasMessageContaining("conflicting so");
    }

    @Test
    void indexRangeRejectsNegativeAndReversed() {
      assertThatThrownBy(() -> new IndexRange(-1, 3)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("-1");
      assertThatThrownBy(() -> new IndexRange(5, 4)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("5-4");
      assertThat(new IndexRange(2, 4).contains(4)).isTrue();
      assertThat(new IndexRange(2, 4).contains(5)).isFalse();
    }
  }

  @Nested
  class Encoding {

    @Test
    void rejectsPercentWithoutTwoHexDigits() {
      for (String value : List.of("%", "a%", "a%4", "%G0", "%0G", "%%41", "%-1", "%+1")) {
        assertRejected(BTIH + "&dn=" + value, "dn").hasMessageContaining("'%'").hasMessageContaining("dn");
      }
    }

    @Test
    void rejectsBytesThatAreNotUtf8() {
      for (String value : List.of("%FF", "%C3", "a%C3b", "%C0%AF", "%ED%A0%80", "%F4%90%80%80", "%80")) {
        assertRejected(BTIH + "&tr=" + value, "tr").hasMessageContaining("UTF-8");
      }
    }

    @Test
    void rejectsBadEncodingInParameterName() {
      assertRejected(BTIH + "&a%ZZ=1", "a%ZZ");
      assertRejected(BTIH + "&%FF=1", "%FF").hasMessageContaining("UTF-8");
    }

    @Test
    void rejectsRawControlCharactersAndUnpairedSurrogates() {
      assertRejected(BTIH + "&dn=a\nb", "dn").hasMessageContaining("U+000A");
      assertRejected(BTIH + "&dn=a\u0000b", "dn").hasMessageContaining("U+0000");
      assertRejected(BTIH + "&dn=a\u007Fb", "dn");
      assertRejected(BTIH + "&dn=a\uD800b", "dn").hasMessageContaining("surrogate");
      assertRejected(BTIH + "&dn=a\uDC00", "dn").hasMessageContaining("surrogate");
    }

    @Test
    void acceptsEncodedControlCharactersAndRoundTripsThem() {
      MagnetLink m = MagnetLink.parse(BTIH + "&dn=a%0Ab%00");
      assertThat(m.displayName()).contains("a\nb\u0000");
      assertRoundTrips(m);
    }

    @Test
    void printsCanonicalForm() {
      MagnetLink m = MagnetLink.parse("magnet:?so=1-2&x.pe=[::1]:6881&ws=http://w/f%20g&tr=udp://t:1/a?b=c%26d"
          + "&dn=Big+Buck+Bunny~%C3%A9&zz=1&xt=urn:btmh:1220" + V2_HEX.toUpperCase()
          + "&xt=urn:btih:" + V1_BASE32);
      assertThat(m.toString()).isEqualTo("magnet:?xt=urn:btih:" + V1_HEX + "&xt=urn:btmh:1220" + V2_HEX
          + "&dn=Big%20Buck%20Bunny~%C3%A9&tr=udp://t:1/a%3Fb%3Dc%26d&ws=http://w/f%20g"
          + "&x.pe=%5B::1%5D:6881&so=1-2&zz=1");
    }
  }

  @Nested
  class Structure {

    @Test
    void rejectsWrongScheme() {
      assertRejected("http://example.com/?xt=urn:btih:" + V1_HEX, null).hasMessageContaining("scheme");
      assertRejected("magnets:?xt=urn:btih:" + V1_HEX, null);
      assertRejected("", null);
      assertRejected(" " + BTIH, null);
    }

    @Test
    void rejectsMissingQuestionMark() {
      assertRejected("magnet:", null).hasMessageContaining("'?'");
      assertRejected("magnet:xt=urn:btih:" + V1_HEX, null).hasMessageContaining("'?'");
      assertRejected("magnet://?xt=urn:btih:" + V1_HEX, null);
    }

    @Test
    void rejectsEmptyQuery() {
      assertRejected("magnet:?", "xt");
    }

    @Test
    void rejectsMissingEquals() {
      assertRejected(BTIH + "&dn", "dn").hasMessageContaining("no '='");
      assertRejected("magnet:?xt", "xt");
    }

    @Test
    void skipsEmptyParameters() {
      assertThat(MagnetLink.parse(BTIH + "&&dn=x").displayName()).hasValue("x");
      assertThat(MagnetLink.parse(BTIH + "&").displayName()).isEmpty();
      assertThat(MagnetLink.parse(BTIH + "&tr=&dn=").trackers()).isEmpty();
      assertThat(MagnetLink.parse("magnet:?&" + BTIH.substring(8))).isEqualTo(MagnetLink.parse(BTIH));
    }

    @Test
    void rejectsEmptyParameterName() {
      assertRejected(BTIH + "&=x", "").hasMessageContaining("empty name");
    }

    @Test
    void rejectsOverlongUriWithoutQuotingAllOfIt() {
      String uri = BTIH + "&dn=" + "a".repeat(MagnetLink.MAX_LENGTH);
      assertRejected(uri, null).hasMessageContaining(String.valueOf(MagnetLink.MAX_LENGTH))
          .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(400));
    }

    @Test
    void acceptsUriAtTheLengthLimit() {
      String prefix = BTIH + "&dn=";
      String uri = prefix + "a".repeat(MagnetLink.MAX_LENGTH - prefix.length());
      assertThat(MagnetLink.parse(uri).displayName().orElseThrow()).hasSize(MagnetLink.MAX_LENGTH - prefix.length());
    }

    @Test
    void rejectsTooManyParameters() {
      StringBuilder sb = new StringBuilder(BTIH);
      for (int i = 0; i < MagnetLink.MAX_PARAMETERS; i++) {
        sb.append("&tr=").append(i);
      }
      assertRejected(sb.toString(), null).hasMessageContaining("more than " + MagnetLink.MAX_PARAMETERS);
    }

    @Test
    void acceptsParametersUpToTheLimit() {
      StringBuilder sb = new StringBuilder(BTIH);
      for (int i = 1; i < MagnetLink.MAX_PARAMETERS; i++) {
        sb.append("&tr=").append(i);
      }
      assertThat(MagnetLink.parse(sb.toString()).trackers()).hasSize(MagnetLink.MAX_PARAMETERS - 1);
    }

    @Test
    void truncatesOffendingValueInMessage() {
      String junk = "z".repeat(5000);
      assertRejected(BTIH + "&x.pe=" + junk, "x.pe")
          .satisfies(e -> assertThat(e.getMessage().length()).isLessThan(400))
          .hasMessageContaining("5000 chars");
    }

    @Test
    void rejectsNullWithNullPointerException() {
      assertThatThrownBy(() -> MagnetLink.parse(null)).isInstanceOf(NullPointerException.class);
    }
  }

  @Nested
  class Building {

    @Test
    void ofHoldsOnlyTheHashes() {
      MagnetLink m = MagnetLink.of(InfoHashes.of(V1, V2));
      assertThat(m.toString()).isEqualTo(BTIH + "&xt=urn:btmh:1220" + V2_HEX);
      assertRoundTrips(m);
    }

    @Test
    void builderMatchesParsedLink() {
      MagnetLink built = MagnetLink.builder(InfoHashes.ofV1(V1))
          .displayName("a b")
          .addTracker("udp://t:1")
          .addTrackers(List.of("udp://t:1", "http://u/announce"))
          .addWebSeed("http://w/")
          .addPeer(InetSocketAddress.createUnresolved("::1", 6881))
          .selectOnly(List.of(IndexRange.of(0), new IndexRange(2, 3)))
          .addOtherTopic("urn:sha1:X")
          .addParameter("kt", "k1")
          .addParameter("kt", "")
          .build();
      MagnetLink parsed = MagnetLink.parse(BTIH + "&dn=a+b&tr=udp://t:1&tr=http://u/announce&ws=http://w/"
          + "&x.pe=[::1]:6881&so=0,2-3&xt=urn:sha1:X&kt=k1&kt=");
      assertThat(built).isEqualTo(parsed).hasSameHashCodeAs(parsed);
      assertRoundTrips(built);
    }

    @Test
    void toBuilderMakesAnEqualCopyThatCanBeChanged() {
      MagnetLink m = MagnetLink.parse(BTIH + "&dn=x&tr=udp://t:1&so=1&kt=v&xt=urn:sha1:X&x.pe=h:1&ws=http://w");
      assertThat(m.toBuilder().build()).isEqualTo(m);
      MagnetLink changed = m.toBuilder().displayName(null).selectOnly(List.of()).build();
      assertThat(changed.displayName()).isEmpty();
      assertThat(changed.selectOnly()).isEmpty();
      assertThat(m.displayName()).contains("x");
      assertThat(changed).isNotEqualTo(m);
    }

    @Test
    void builderRejectsBadValuesAtOnce() {
      MagnetLink.Builder b = MagnetLink.builder(InfoHashes.ofV1(V1));
      assertThatThrownBy(() -> b.addTracker("")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("tr");
      assertThatThrownBy(() -> b.displayName("")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.addWebSeed("a\uD800")).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("surrogate");
      assertThatThrownBy(() -> b.addParameter("dn", "x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.addParameter("", "x")).isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.addOtherTopic("urn:btih:" + V1_HEX))
          .isInstanceOf(IllegalArgumentException.class);
      assertThatThrownBy(() -> b.addTracker(null)).isInstanceOf(NullPointerException.class);
      assertThatThrownBy(() -> MagnetLink.builder(null)).isInstanceOf(NullPointerException.class);
    }

    @Test
    void equalityCoversEveryField() {
      MagnetLink base = MagnetLink.parse(BTIH);
      List<String> variants = List.of("&dn=x", "&tr=udp://t:1", "&ws=http://w", "&x.pe=h:1", "&so=1",
          "&kt=v", "&xt=urn:sha1:X", "&xt=urn:btmh:1220" + V2_HEX);
      for (String v : variants) {
        assertThat(MagnetLink.parse(BTIH + v)).isNotEqualTo(base);
      }
      assertThat(MagnetLink.parse(BTIH + "&tr=udp://a:1&tr=udp://b:1"))
          .isNotEqualTo(MagnetLink.parse(BTIH + "&tr=udp://b:1&tr=udp://a:1"));
    }
  }

  @Nested
  class Properties {

    private static final String[] PIECES = {"a", "Z", "0", "~", "-", ".", "_", " ", "+", "&", "=", "%", "%20",
      "?", "#", "/", ":", "[", "]", ",", ";", "@", "\"", "'", "é", "ß", "世", "😀", "\u0301", "\n", "\u0000",
      "\u007F", "\u00A0", "\uFEFF", "%41", "urn:btih:", "http://", "udp://"};

    private String randomText(Random r, int maxPieces, boolean mayBeEmpty) {
      StringBuilder sb = new StringBuilder();
      int n = (mayBeEmpty ? 0 : 1) + r.nextInt(maxPieces);
      for (int i = 0; i < n; i++) {
        sb.append(PIECES[r.nextInt(PIECES.length)]);
      }
      return sb.toString();
    }

    private InetSocketAddress randomPeer(Random r) {
      int port = 1 + r.nextInt(65535);
      switch (r.nextInt(3)) {
        case 0:
          return InetSocketAddress.createUnresolved(
              r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256) + "." + r.nextInt(256), port);
        case 1: {
          StringBuilder sb = new StringBuilder();
          int groups = 2 + r.nextInt(7);
          for (int i = 0; i < groups; i++) {
            sb.append(i == 0 ? "" : (r.nextInt(6) == 0 ? "::" : ":")).append(Integer.toHexString(r.nextInt(65536)));
          }
          return InetSocketAddress.createUnresolved(sb.toString(), port);
        }
        default: {
          String alphabet = "abcXYZ019.-_";
          StringBuilder sb = new StringBuilder();
          int len = 1 + r.nextInt(20);
          for (int i = 0; i < len; i++) {
            sb.append(alphabet.charAt(r.nextInt(alphabet.length())));
          }
          return InetSocketAddress.createUnresolved(sb.toString(), port);
        }
      }
    }

    private MagnetLink randomLink(Random r) {
      byte[] v1 = new byte[20];
      byte[] v2 = new byte[32];
      r.nextBytes(v1);
      r.nextBytes(v2);
      int kind = r.nextInt(3);
      InfoHashes hashes = InfoHashes.of(kind != 1 ? InfoHash.of(v1) : null, kind != 0 ? InfoHash.of(v2) : null);
      MagnetLink.Builder b = MagnetLink.builder(hashes);
      if (r.nextBoolean()) {
        b.displayName(randomText(r, 12, false));
      }
      for (int i = r.nextInt(5); i > 0; i--) {
        b.addTracker((r.nextBoolean() ? "udp://" : "http://") + randomText(r, 8, false));
      }
      for (int i = r.nextInt(3); i > 0; i--) {
        b.addWebSeed("https://" + randomText(r, 8, false));
      }
      for (int i = r.nextInt(4); i > 0; i--) {
        b.addPeer(randomPeer(r));
      }
      if (r.nextInt(3) == 0) {
        List<IndexRange> ranges = new ArrayList<>();
        for (int i = 1 + r.nextInt(4); i > 0; i--) {
          int first = r.nextInt(1000);
          ranges.add(new IndexRange(first, first + (r.nextBoolean() ? 0 : r.nextInt(1000))));
        }
        b.selectOnly(ranges);
      }
      if (r.nextInt(5) == 0) {
        b.addOtherTopic("urn:sha1:" + randomText(r, 6, false));
      }
      for (int i = r.nextInt(3); i > 0; i--) {
        String name = randomText(r, 3, false);
        if (!List.of("xt", "dn", "tr", "ws", "x.pe", "so").contains(name)) {
          b.addParameter(name, randomText(r, 6, true));
        }
      }
      return b.build();
    }

    @Test
    void randomLinksRoundTripThroughToString() {
      Random r = new Random(0x6d61676e6574L);
      for (int i = 0; i < 5000; i++) {
        MagnetLink link = randomLink(r);
        MagnetLink reparsed;
        try {
          reparsed = MagnetLink.parse(link.toString());
        } catch (MagnetLinkException e) {
          throw new AssertionError("case " + i + " failed to parse " + link, e);
        }
        assertThat(reparsed).as("case %d: %s", i, link).isEqualTo(link).hasSameHashCodeAs(link);
        assertThat(reparsed.toString()).isEqualTo(link.toString());
      }
    }

    @Test
    void mutatedLinksFailOnlyWithMagnetLinkException() {
      Random r = new Random(0xF022L);
      List<String> seeds = new ArrayList<>(List.of(
          BTIH + "&dn=Big+Buck+Bunny&tr=udp%3A%2F%2Ft%3A1&x.pe=[::1]:6881&so=0,2,4-6",
          BTMH + "&xt=urn:btih:" + V1_BASE32 + "&ws=http://w/&x.pe=10.0.0.1:80",
          "magnet:?xt=urn:btih:" + V1_BASE32 + "&dn=%E4%B8%96&kt=&xs=a%26b"));
      for (int i = 0; i < 50; i++) {
        seeds.add(randomLink(r).toString());
      }
      String[] inserts = {"%", "&", "=", "?", "[", "]", ":", "-", ",", "+", "%G", "%FF", "%C3", "%0", "\u0000",
        "\uD800", "\uDC00", "😀", "é", "1", "f", "Z", "&&", "&xt=urn:btmh:1220", "&so=", "&x.pe=", "xt=", "magnet:?"};
      int parsed = 0;
      for (int i = 0; i < 50_000; i++) {
        StringBuilder sb = new StringBuilder(seeds.get(r.nextInt(seeds.size())));
        for (int op = 1 + r.nextInt(4); op > 0; op--) {
          int at = sb.length() == 0 ? 0 : r.nextInt(sb.length() + 1);
          switch (r.nextInt(6)) {
            case 0:
              sb.insert(at, inserts[r.nextInt(inserts.length)]);
              break;
            case 1:
              if (at < sb.length()) {
                sb.deleteCharAt(at);
              }
              break;
            case 2:
              if (at < sb.length()) {
                sb.setCharAt(at, (char) r.nextInt(0x3000));
              }
              break;
            case 3:
              sb.setLength(at);
              break;
            case 4: {
              int end = Math.min(sb.length(), at + r.nextInt(40));
              sb.insert(at, sb.substring(at, end));
              break;
            }
            default:
              if (at < sb.length()) {
                sb.setCharAt(at, Character.isUpperCase(sb.charAt(at))
                    ? Character.toLowerCase(sb.charAt(at)) : Character.toUpperCase(sb.charAt(at)));
              }
              break;
          }
        }
        String input = sb.toString();
        try {
          MagnetLink m = MagnetLink.parse(input);
          parsed++;
          assertThat(MagnetLink.parse(m.toString())).as("reprint of %s", input).isEqualTo(m);
        } catch (MagnetLinkException e) {
          assertThat(e.getMessage()).isNotBlank();
        } catch (RuntimeException e) {
          fail("case " + i + " threw " + e + " for input " + input, e);
        }
      }
      assertThat(parsed).as("some mutants stay valid").isGreaterThan(1000);
    }
  }
}
