package io.btlib.dht.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.dht.NodeId;
import java.net.InetAddress;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** BEP 42 against the test vectors in the BEP's own table. */
class Bep42Test {

  @ParameterizedTest
  @CsvSource({
    "124.31.75.21, 1, 5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401",
    "21.75.31.124, 86, 5a3ce9c14e7a08645677bbd1cfe7d8f956d53256",
    "65.23.51.170, 22, a5d43220bc8f112a3d426c84764f8c2a1150e616",
    "84.124.73.14, 65, 1b0321dd1bb1fe518101ceef99462b947a01ff41",
    "43.213.53.83, 90, e56f6cbf5b7c4be0237986d5243b87aa6d51305a",
  })
  void theBepsExampleIdsAreValidAndGeneratedIdsShareTheirPrefix(String ip, int rand, String hex)
      throws Exception {
    InetAddress a = InetAddress.getByName(ip);
    NodeId example = NodeId.fromHex(hex);
    assertThat(Bep42.isValid(example, a)).isTrue();

    NodeId generated = Bep42.generate(a, rand, new Random(rand));
    assertThat(generated.byteAt(19) & 0xFF).isEqualTo(rand);
    assertThat(generated.commonPrefixLength(example)).isGreaterThanOrEqualTo(21);
    assertThat(Bep42.isValid(generated, a)).isTrue();
  }

  @Test
  void anIdMadeForAnotherIpIsInvalid() throws Exception {
    NodeId example = NodeId.fromHex("5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401");
    assertThat(Bep42.isValid(example, InetAddress.getByName("124.31.75.22"))).isFalse();
    assertThat(
            Bep42.isValid(NodeId.random(new Random(1)), InetAddress.getByName("8.8.4.4")))
        .isFalse();
  }

  @Test
  void changingTheRandomByteInvalidatesTheId() throws Exception {
    byte[] b = NodeId.fromHex("5fbfbff10c5d6a4ec8a88e4c6ab4c28b95eee401").bytes();
    b[19] = 2;
    assertThat(Bep42.isValid(NodeId.of(b), InetAddress.getByName("124.31.75.21"))).isFalse();
  }

  @Test
  void localAndLoopbackAddressesAreExemptSoAnyIdIsValidThere() throws Exception {
    NodeId any = NodeId.random(new Random(5));
    for (String ip :
        new String[] {
          "127.0.0.1",
          "127.5.6.7",
          "10.0.0.1",
          "172.16.3.4",
          "192.168.1.1",
          "169.254.0.9",
          "::1",
          "fe80::1",
          "fd00::1"
        }) {
      assertThat(Bep42.isValid(any, InetAddress.getByName(ip))).as(ip).isTrue();
    }
    assertThat(Bep42.isExempt(InetAddress.getByName("2001:db8::1"))).isFalse();
  }

  @Test
  void ipv6IdsUseTheFirstEightBytes() throws Exception {
    InetAddress a = InetAddress.getByName("2001:db8:1:2:3:4:5:6");
    NodeId id = Bep42.generate(a, new Random(11));
    assertThat(Bep42.isValid(id, a)).isTrue();
    assertThat(Bep42.isValid(id, InetAddress.getByName("2001:db8:1:2:ff:ff:ff:ff"))).isTrue();
    assertThat(Bep42.isValid(id, InetAddress.getByName("2001:db9:1:2:3:4:5:6"))).isFalse();
  }

  @Test
  void theOwnCrc32cAgreesWithTheJdks() {
    Random r = new Random(42);
    for (int n = 0; n < 64; n++) {
      byte[] b = new byte[n];
      r.nextBytes(b);
      java.util.zip.CRC32C jdk = new java.util.zip.CRC32C();
      jdk.update(b);
      assertThat(Bep42.crc32c(b)).as("%d bytes", n).isEqualTo((int) jdk.getValue());
    }
    // the check value of CRC-32C: "123456789" -> 0xE3069283
    assertThat(Bep42.crc32c("123456789".getBytes(java.nio.charset.StandardCharsets.US_ASCII)))
        .isEqualTo(0xE3069283);
  }
}
