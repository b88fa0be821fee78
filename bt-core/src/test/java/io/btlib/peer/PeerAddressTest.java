package io.btlib.peer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PeerAddressTest {

  private static InetAddress ip(int... bytes) throws UnknownHostException {
    byte[] b = new byte[bytes.length];
    for (int i = 0; i < b.length; i++) {
      b[i] = (byte) bytes[i];
    }
    return InetAddress.getByAddress(b);
  }

  @Test
  void parsesIpv4WithPort() throws Exception {
    PeerAddress a = PeerAddress.parse("1.2.3.4:6881");
    assertThat(a.address()).isEqualTo(ip(1, 2, 3, 4));
    assertThat(a.port()).isEqualTo(6881);
    assertThat(a.isIpv6()).isFalse();
  }

  @Test
  void parsesBracketedIpv6WithPort() throws Exception {
    PeerAddress a = PeerAddress.parse("[::1]:6881");
    assertThat(a.address()).isEqualTo(ip(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1));
    assertThat(a.port()).isEqualTo(6881);
    assertThat(a.isIpv6()).isTrue();
  }

  @Test
  void toStringWritesIpv4AndBracketedCompressedIpv6() {
    assertThat(PeerAddress.parse("1.2.3.4:6881")).hasToString("1.2.3.4:6881");
    assertThat(PeerAddress.parse("[::1]:6881")).hasToString("[::1]:6881");
    assertThat(PeerAddress.parse("[2001:0DB8:0:0:0:0:0:1]:80")).hasToString("[2001:db8::1]:80");
    assertThat(PeerAddress.parse("[0:0:0:0:0:0:0:0]:1")).hasToString("[::]:1");
  }

  @Test
  void toStringCompressesTheLongestZeroRunAndTheFirstOnATie() {
    assertThat(PeerAddress.of("1:0:0:2:0:0:0:3", 1)).hasToString("[1:0:0:2::3]:1");
    assertThat(PeerAddress.of("1:0:0:2:3:0:0:4", 1)).hasToString("[1::2:3:0:0:4]:1");
    // a single zero group is not compressed (RFC 5952 section 4.2.2)
    assertThat(PeerAddress.of("1:2:3:4:5:6:0:8", 1)).hasToString("[1:2:3:4:5:6:0:8]:1");
    assertThat(PeerAddress.of("1::", 1)).hasToString("[1::]:1");
  }

  @Test
  void toStringParsesBackToAnEqualValue() {
    Random rnd = new Random(42);
    for (int i = 0; i < 2000; i++) {
      byte[] b = new byte[rnd.nextBoolean() ? 4 : 16];
      for (int j = 0; j < b.length; j++) {
        // many zero bytes, so that runs of zero groups are common
        b[j] = rnd.nextInt(3) == 0 ? (byte) rnd.nextInt(256) : 0;
      }
      PeerAddress a;
      try {
        a = PeerAddress.of(InetAddress.getByAddress(b), 1 + rnd.nextInt(65535));
      } catch (UnknownHostException e) {
        throw new AssertionError(e);
      }
      assertThat(PeerAddress.parse(a.toString())).isEqualTo(a);
    }
  }

  @Test
  void parsesEveryIpv6TextForm() throws Exception {
    InetAddress expected = ip(0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1);
    for (String s : new String[] {
        "2001:db8::1", "2001:DB8::1", "2001:0db8:0000:0000:0000:0000:0000:0001",
        "2001:db8:0:0:0:0:0:1", "2001:db8::0:1", "2001:db8:0::0:1", "[2001:db8::1]"}) {
      assertThat(PeerAddress.of(s, 1).address()).as(s).isEqualTo(expected);
    }
    assertThat(PeerAddress.of("::", 1).address()).isEqualTo(ip(new int[16]));
    assertThat(PeerAddress.of("::1.2.3.4", 1).address())
        .isEqualTo(ip(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4));
    assertThat(PeerAddress.of("64:ff9b::192.0.2.33", 1).address())
        .isEqualTo(ip(0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0, 192, 0, 2, 33));
    assertThat(PeerAddress.of("1:2:3:4:5:6:7.8.9.10", 1).address())
        .isEqualTo(ip(0, 1, 0, 2, 0, 3, 0, 4, 0, 5, 0, 6, 7, 8, 9, 10));
  }

  @Test
  void rejectsMalformedIpv6Literals() {
    for (String s : new String[] {
        ":", ":::", "1:::2", "1::2::3", "1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::",
        "::1:2:3:4:5:6:7:8", ":1::2", "1::2:", "12345::1", "g::1", "::1%eth0", "fe80::1%1",
        "1.2.3.4::", "::1.2.3", "::1.2.3.256", "::1.2.3.4.5", "1:2:3:4:5:6:7:1.2.3.4",
        "::１", "[::1", "::1]", "[]", ""}) {
      assertThatThrownBy(() -> PeerAddress.of(s, 1))
          .as(s)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void rejectsMalformedIpv4Literals() {
    for (String s : new String[] {
        "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "01.2.3.4", "1.2.3.04", "1..3.4", "1.2.3.4.",
        ".1.2.3", "1234.1.1.1", "1.2.3.4 ", " 1.2.3.4", "１.2.3.4", "0x1.2.3.4", "16909060"}) {
      assertThatThrownBy(() -> PeerAddress.of(s, 1))
          .as(s)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(s);
    }
  }

  @Test
  void rejectsHostNamesWithoutResolvingThem() {
    // the parser is our own and has no path to a name service; the message says so
    for (String s : new String[] {"localhost", "tracker.example.invalid", "a", "cafe", "abc.def"}) {
      assertThatThrownBy(() -> PeerAddress.of(s, 6881))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("not an IP literal")
          .hasMessageContaining(s);
    }
    assertThatThrownBy(() -> PeerAddress.parse("localhost:6881"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("never resolved");
    assertThatThrownBy(() -> PeerAddress.parse("[localhost]:6881"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not an IPv6 literal");
  }

  @Test
  void parseRejectsMalformedPortsNamingTheInput() {
    for (String s : new String[] {
        "1.2.3.4", "1.2.3.4:", "1.2.3.4:0", "1.2.3.4:65536", "1.2.3.4:-1", "1.2.3.4:+80",
        "1.2.3.4:123456", "1.2.3.4:80a", "[::1]:", "[::1]:0", "[::1]", "[::1]6881"}) {
      assertThatThrownBy(() -> PeerAddress.parse(s))
          .as(s)
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining(s);
    }
  }

  @Test
  void parseRequiresBracketsAroundIpv6() {
    assertThatThrownBy(() -> PeerAddress.parse("::1:6881"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("needs brackets");
  }

  @Test
  void rejectsPortZeroAndOutOfRange() {
    InetAddress lo = InetAddress.getLoopbackAddress();
    for (int port : new int[] {0, -1, 65536, Integer.MIN_VALUE}) {
      assertThatThrownBy(() -> PeerAddress.of(lo, port))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("got " + port);
    }
    assertThat(PeerAddress.of(lo, 1).port()).isEqualTo(1);
    assertThat(PeerAddress.of(lo, 65535).port()).isEqualTo(65535);
  }

  @Test
  void normalisesIpv4MappedIpv6ToIpv4() throws Exception {
    PeerAddress mapped = PeerAddress.parse("[::ffff:1.2.3.4]:6881");
    assertThat(mapped.isIpv6()).isFalse();
    assertThat(mapped.address()).isInstanceOf(Inet4Address.class);
    assertThat(mapped).isEqualTo(PeerAddress.parse("1.2.3.4:6881"));
    assertThat(mapped).hasToString("1.2.3.4:6881");
    assertThat(PeerAddress.of("::ffff:102:304", 6881)).isEqualTo(mapped);

    // an Inet6Address object can hold a mapped address; it is normalised too
    byte[] m = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, (byte) 0xff, (byte) 0xff, 1, 2, 3, 4};
    Inet6Address held = Inet6Address.getByAddress(null, m, -1);
    assertThat(PeerAddress.of(held, 6881)).isEqualTo(mapped);
  }

  @Test
  void dropsHostNameAndScopeId() throws Exception {
    InetAddress named = InetAddress.getByAddress("tracker.example", new byte[] {1, 2, 3, 4});
    PeerAddress a = PeerAddress.of(named, 80);
    assertThat(a.address().toString()).isEqualTo("/1.2.3.4");
    assertThat(a).isEqualTo(PeerAddress.parse("1.2.3.4:80"));

    byte[] ll = new byte[16];
    ll[0] = (byte) 0xfe;
    ll[1] = (byte) 0x80;
    ll[15] = 1;
    Inet6Address scoped = Inet6Address.getByAddress(null, ll, 3);
    PeerAddress s = PeerAddress.of(scoped, 80);
    assertThat(((Inet6Address) s.address()).getScopeId()).isZero();
    assertThat(s).hasToString("[fe80::1]:80");
  }

  @Test
  void ofSocketAddressRejectsUnresolvedAddresses() {
    InetSocketAddress unresolved = InetSocketAddress.createUnresolved("tracker.example.invalid", 80);
    assertThatThrownBy(() -> PeerAddress.of(unresolved))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("unresolved")
        .hasMessageContaining("tracker.example.invalid:80");
  }

  @Test
  void convertsToAndFromSocketAddresses() {
    PeerAddress a = PeerAddress.parse("[2001:db8::7]:51413");
    InetSocketAddress sa = a.toSocketAddress();
    assertThat(sa.isUnresolved()).isFalse();
    assertThat(sa.getPort()).isEqualTo(51413);
    assertThat(PeerAddress.of(sa)).isEqualTo(a);
    assertThatThrownBy(() -> PeerAddress.of(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("got 0");
  }

  @Test
  void equalityIsByAddressAndPort() {
    PeerAddress a = PeerAddress.parse("10.0.0.1:6881");
    assertThat(a).isEqualTo(PeerAddress.parse("10.0.0.1:6881"));
    assertThat(a.hashCode()).isEqualTo(PeerAddress.parse("10.0.0.1:6881").hashCode());
    assertThat(a).isNotEqualTo(PeerAddress.parse("10.0.0.1:6882"));
    assertThat(a).isNotEqualTo(PeerAddress.parse("10.0.0.2:6881"));
    assertThat(PeerAddress.parse("[::a00:1]:6881")).isNotEqualTo(a);
  }
}
