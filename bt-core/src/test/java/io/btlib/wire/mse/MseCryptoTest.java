package io.btlib.wire.mse;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.InfoHash;
import java.math.BigInteger;
import java.util.HexFormat;
import java.util.Random;
import javax.crypto.Cipher;
import javax.crypto.spec.SecretKeySpec;
import org.bouncycastle.crypto.engines.RC4Engine;
import org.bouncycastle.crypto.params.KeyParameter;
import org.junit.jupiter.api.Test;

/**
 * Known answers: RFC 6229's RC4 keystream at offset 1024, and the DH and key derivation values as
 * computed independently (Python's pow and hashlib) for fixed private keys.
 */
class MseCryptoTest {
  static final HexFormat HEX = HexFormat.of();
  static final BigInteger XA = new BigInteger("0123456789abcdef0123456789abcdef01234567", 16);
  static final BigInteger XB = new BigInteger("fedcba9876543210fedcba9876543210fedcba98", 16);
  static final String S_HEX = "0bf59f468e43b9f22a5fd0ccbc9bd7825a7495f6e670c31533db364b536ee297"
      + "a737d565ff7829d4c397de16aec19f893e3d28eaa14eaf7e17e1026697089fdff81c7dc7e4c65e621144"
      + "3d9dd3e5d8b0c0e8b2888af39637af18a75cc1b17685";

  @Test
  void rc4DiscardsTheFirst1024BytesOfKeystream() {
    // RFC 6229, key 0x0102030405: keystream at offset 1024
    Rc4 rc4 = MseCrypto.rc4(new byte[] {1, 2, 3, 4, 5});
    byte[] b = new byte[16];
    rc4.processBytes(b, 0, 16, b, 0);
    assertThat(HEX.formatHex(b)).isEqualTo("30abbcc7c20b01609f23ee2d5f6bb7df");
  }

  @Test
  void rc4AgreesWithTheJdksArcfour() throws Exception {
    byte[] key = new byte[20];
    new Random(1).nextBytes(key);
    Cipher jdk = Cipher.getInstance("ARCFOUR");
    jdk.init(Cipher.ENCRYPT_MODE, new SecretKeySpec(key, "ARCFOUR"));
    byte[] expected = jdk.update(new byte[1024 + 4096]);
    byte[] ours = new byte[4096];
    MseCrypto.rc4(key).processBytes(ours, 0, ours.length, ours, 0);
    assertThat(ours).isEqualTo(java.util.Arrays.copyOfRange(expected, 1024, expected.length));
  }

  @Test
  void rc4AgreesWithBouncyCastleAcrossOddChunks() {
    byte[] key = new byte[16];
    new Random(3).nextBytes(key);
    RC4Engine bc = new RC4Engine();
    bc.init(true, new KeyParameter(key));
    Rc4 ours = new Rc4(key);
    byte[] data = new byte[100_000];
    new Random(4).nextBytes(data);
    byte[] a = data.clone();
    byte[] b = data.clone();
    bc.processBytes(a, 0, a.length, a, 0);
    Random r = new Random(5);
    for (int at = 0; at < b.length; ) {
      int n = Math.min(b.length - at, r.nextInt(3000));
      ours.processBytes(b, at, n, b, at);
      at += n;
    }
    assertThat(b).isEqualTo(a);
  }

  @Test
  void rc4RejectsEmptyAndOverlongKeys() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Rc4(new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new Rc4(new byte[257]))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void publicKeyAndSharedSecretMatchIndependentValues() {
    assertThat(MseCrypto.P.bitLength()).isEqualTo(768);
    assertThat(MseCrypto.P.isProbablePrime(40)).isTrue();
    assertThat(HEX.formatHex(MseCrypto.toBytes(MseCrypto.publicKey(XA)))).isEqualTo(
        "6fd4bc7aa649593205ec30348a3ccc737b61fa01e9e1762c2c53eb69033afecbdf7c13b8ac3643af78d076"
        + "0b0f42db009f2b96c970f009d060faf617f117d0f1c221cea0561b9a86e852fc70a6f09ad0f82378603a"
        + "a5e56b811deb3f534bf276");
    BigInteger s1 = MseCrypto.publicKey(XB).modPow(XA, MseCrypto.P);
    BigInteger s2 = MseCrypto.publicKey(XA).modPow(XB, MseCrypto.P);
    assertThat(s1).isEqualTo(s2);
    assertThat(HEX.formatHex(MseCrypto.toBytes(s1))).isEqualTo(S_HEX);
  }

  @Test
  void keysAndRequestHashesMatchIndependentValues() {
    byte[] s = HEX.parseHex(S_HEX);
    InfoHash skey = MseTestPeers.SKEY;
    assertThat(HEX.formatHex(MseCrypto.hash(MseCrypto.REQ1, s)))
        .isEqualTo("e12fb1218d51e869dc8785d0bfafa6f1d59ee4e0");
    assertThat(HEX.formatHex(SkeyLookup.req2Hash(skey)))
        .isEqualTo("4321b2c3fbde0a4fa12ca762484f5b8dc9cf4b5f");
    assertThat(HEX.formatHex(MseCrypto.hash(MseCrypto.REQ3, s)))
        .isEqualTo("e958c54b3416790c08e23c2ab9e1af18267b8fd3");
    byte[] keyA = MseCrypto.hash(MseCrypto.KEY_A, s, skey.bytes());
    assertThat(HEX.formatHex(keyA)).isEqualTo("10da2c4f1af971f79495abbcca9d8ce03b531ea5");
    assertThat(HEX.formatHex(MseCrypto.hash(MseCrypto.KEY_B, s, skey.bytes())))
        .isEqualTo("f1f6a18c5394c2006f9710e71f8d7c4baf28544f");
    byte[] stream = new byte[32];
    MseCrypto.rc4(keyA).processBytes(stream, 0, 32, stream, 0);
    assertThat(HEX.formatHex(stream))
        .isEqualTo("74487149c17e8531f0730eb0611c19b0e2aab3d02aeb5bc93181614215cd282f");
  }

  @Test
  void keysShorterThan96BytesArePaddedWithLeadingZeros() {
    byte[] b = MseCrypto.toBytes(BigInteger.valueOf(258));
    assertThat(b).hasSize(96);
    assertThat(b[94]).isEqualTo((byte) 1);
    assertThat(b[95]).isEqualTo((byte) 2);
    assertThat(MseCrypto.toBytes(MseCrypto.P_MINUS_1)).hasSize(96);
  }

  @Test
  void privateKeysHave160BitsAtMost() {
    Random r = new Random(2);
    for (int i = 0; i < 100; i++) {
      BigInteger x = MseCrypto.privateKey(r);
      assertThat(x.bitLength()).isBetween(1, 160);
    }
  }
}
