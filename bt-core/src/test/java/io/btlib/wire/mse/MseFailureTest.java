package io.btlib.wire.mse;

import static io.btlib.wire.mse.MseTestPeers.SKEY;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.metainfo.InfoHash;
import io.btlib.wire.mse.MseException.Rule;
import io.btlib.wire.mse.MseTestPeers.HandPeer;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Hostile and broken handshakes: each ends in the exception that names its rule. */
class MseFailureTest {
  static final Set<CryptoMethod> BOTH = EnumSet.allOf(CryptoMethod.class);

  static MseHandshake receiver() {
    return MseHandshake.receiver(SkeyLookup.of(List.of(SKEY)), BOTH, false,
        new Random(1));
  }

  static MseHandshake initiator() {
    return MseHandshake.initiator(SKEY, BOTH, ByteBuffer.allocate(0), new Random(2));
  }

  /** A hand peer as initiator that has done step 1 against {@code b} and read its step 2. */
  static HandPeer handInitiatorAgainst(MseHandshake b) throws MseException {
    HandPeer a = new HandPeer();
    b.handleBytes(ByteBuffer.wrap(a.publicKey()));
    byte[] step2 = MseTestPeers.drain(b);
    a.onPeerKey(Arrays.copyOf(step2, 96));
    return a;
  }

  /** A hand peer as receiver that has read {@code a}'s step 1, sent step 2 and read step 3. */
  static HandPeer handReceiverAgainst(MseHandshake a) throws MseException {
    HandPeer b = new HandPeer();
    byte[] step1 = MseTestPeers.drain(a);
    b.onPeerKey(Arrays.copyOf(step1, 96));
    a.handleBytes(ByteBuffer.wrap(b.publicKey()));
    MseTestPeers.drain(a); // step 3
    return b;
  }

  static MseException fail(MseHandshake hs, byte[] input) {
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(
        () -> hs.handleBytes(ByteBuffer.wrap(input)));
    assertThat(t).isInstanceOf(MseException.class);
    return (MseException) t;
  }

  @Test
  void aWrongVerificationConstantIsRejected() throws MseException {
    MseHandshake b = receiver();
    HandPeer a = handInitiatorAgainst(b);
    MseException e = fail(b, a.step3(SKEY, (byte) 1, 0x02, 0, new byte[0]));
    assertThat(e.rule()).isEqualTo(Rule.BAD_VC);
    assertThat(e.offset()).isEqualTo(96 + 40);
  }

  @Test
  void anUnknownTorrentIsRejected() throws MseException {
    MseHandshake b = receiver();
    HandPeer a = handInitiatorAgainst(b);
    InfoHash other = InfoHash.fromHex("ffffffffffffffffffffffffffffffffffffffff");
    MseException e = fail(b, a.step3(other, (byte) 0, 0x02, 0, new byte[0]));
    assertThat(e.rule()).isEqualTo(Rule.UNKNOWN_SKEY);
    assertThat(e.offset()).isEqualTo(96 + 20);
  }

  @Test
  void noCommonCryptoMethodIsRejected() throws MseException {
    MseHandshake b = MseHandshake.receiver(SkeyLookup.of(List.of(SKEY)),
        EnumSet.of(CryptoMethod.RC4), false, new Random(3));
    HandPeer a = handInitiatorAgainst(b);
    MseException e = fail(b, a.step3(SKEY, (byte) 0, 0x01 | 0x10, 0, new byte[0]));
    assertThat(e.rule()).isEqualTo(Rule.NO_COMMON_METHOD);
    assertThat(e.value()).isEqualTo(0x11);
  }

  @Test
  void aZeroCryptoProvideIsRejected() throws MseException {
    MseHandshake b = receiver();
    HandPeer a = handInitiatorAgainst(b);
    assertThat(fail(b, a.step3(SKEY, (byte) 0, 0, 0, new byte[0])).rule())
        .isEqualTo(Rule.NO_COMMON_METHOD);
  }

  @Test
  void unknownProvideBitsAreIgnored() throws MseException {
    MseHandshake b = receiver();
    HandPeer a = handInitiatorAgainst(b);
    b.handleBytes(ByteBuffer.wrap(a.step3(SKEY, (byte) 0, 0xFFFF_FFF2, 0, new byte[0])));
    assertThat(b.result().method()).isEqualTo(CryptoMethod.RC4);
  }

  @Test
  void padCLongerThan512IsRejected() throws MseException {
    MseHandshake b = receiver();
    HandPeer a = handInitiatorAgainst(b);
    MseException e = fail(b, a.step3(SKEY, (byte) 0, 0x02, 513, new byte[0]));
    assertThat(e.rule()).isEqualTo(Rule.PAD_TOO_LONG);
    assertThat(e.value()).isEqualTo(513);
    assertThat(e.limit()).isEqualTo(512);
  }

  @Test
  void padDLongerThan512IsRejected() throws MseException {
    MseHandshake a = initiator();
    HandPeer b = handReceiverAgainst(a);
    MseException e = fail(a, b.step4(SKEY, 0x02, 600));
    assertThat(e.rule()).isEqualTo(Rule.PAD_TOO_LONG);
    assertThat(e.value()).isEqualTo(600);
  }

  @Test
  void selectingTwoMethodsIsRejected() throws MseException {
    MseHandshake a = initiator();
    HandPeer b = handReceiverAgainst(a);
    assertThat(fail(a, b.step4(SKEY, 0x03, 0)).rule()).isEqualTo(Rule.BAD_SELECT);
  }

  @Test
  void selectingAMethodNotOfferedIsRejected() throws MseException {
    MseHandshake a = MseHandshake.initiator(SKEY, EnumSet.of(CryptoMethod.RC4),
        ByteBuffer.allocate(0), new Random(4));
    HandPeer b = handReceiverAgainst(a);
    MseException e = fail(a, b.step4(SKEY, 0x01, 0));
    assertThat(e.rule()).isEqualTo(Rule.BAD_SELECT);
    assertThat(e.value()).isEqualTo(1);
  }

  @Test
  void selectingNothingIsRejected() throws MseException {
    MseHandshake a = initiator();
    HandPeer b = handReceiverAgainst(a);
    assertThat(fail(a, b.step4(SKEY, 0x100, 0)).rule()).isEqualTo(Rule.BAD_SELECT);
  }

  @Test
  void aReceiverGivesUpWhenReq1DoesNotComeWithin628Bytes() throws MseException {
    MseHandshake b = receiver();
    HandPeer a = handInitiatorAgainst(b);
    byte[] tooMuchPad = new byte[513];
    MseException e = fail(b, MseTestPeers.concat(tooMuchPad,
        a.step3(SKEY, (byte) 0, 0x02, 0, new byte[0])));
    assertThat(e.rule()).isEqualTo(Rule.SYNC_NOT_FOUND);
    assertThat(e.offset()).isEqualTo(628);
    assertThat(e.limit()).isEqualTo(628);
  }

  @Test
  void aReceiverAcceptsExactly512BytesOfPadA() throws MseException {
    MseHandshake b = receiver();
    HandPeer a = handInitiatorAgainst(b);
    b.handleBytes(ByteBuffer.wrap(MseTestPeers.concat(new byte[512],
        a.step3(SKEY, (byte) 0, 0x02, 0, new byte[0]))));
    assertThat(b.isDone()).isTrue();
  }

  @Test
  void anInitiatorGivesUpWhenTheVerificationConstantDoesNotComeWithin616Bytes()
      throws MseException {
    MseHandshake a = initiator();
    HandPeer b = handReceiverAgainst(a);
    MseException e = fail(a, MseTestPeers.concat(new byte[513], b.step4(SKEY, 0x02, 0)));
    assertThat(e.rule()).isEqualTo(Rule.SYNC_NOT_FOUND);
    assertThat(e.offset()).isEqualTo(616);
  }

  @Test
  void publicKeysOutsideTheGroupAreRejected() {
    BigInteger[] bad = {BigInteger.ZERO, BigInteger.ONE, MseCrypto.P_MINUS_1, MseCrypto.P,
        BigInteger.ONE.shiftLeft(768).subtract(BigInteger.ONE)};
    for (BigInteger y : bad) {
      MseException e = fail(receiver(), MseCrypto.toBytes(y));
      assertThat(e.rule()).as("key %s", y).isEqualTo(Rule.BAD_PUBLIC_KEY);
      assertThat(e.offset()).isZero();
      MseHandshake a = initiator();
      MseException e2 = fail(a, MseCrypto.toBytes(y));
      assertThat(e2.rule()).isEqualTo(Rule.BAD_PUBLIC_KEY);
    }
  }

  @Test
  void garbageEndsInSyncNotFoundOnBothSides() {
    byte[] garbage = new byte[2000];
    new Random(5).nextBytes(garbage);
    garbage[0] = 0x55; // below P
    assertThat(fail(receiver(), garbage).rule()).isEqualTo(Rule.SYNC_NOT_FOUND);
    assertThat(fail(initiator(), garbage).rule()).isEqualTo(Rule.SYNC_NOT_FOUND);
  }

  @Test
  void garbageOneByteAtATimeFailsAtTheSamePlace() {
    byte[] garbage = new byte[2000];
    new Random(6).nextBytes(garbage);
    garbage[0] = 0x55;
    MseHandshake b = receiver();
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> {
      for (byte x : garbage) {
        b.handleBytes(ByteBuffer.wrap(new byte[] {x}));
      }
    });
    assertThat(((MseException) t).offset()).isEqualTo(628);
  }

  @Test
  void aTruncatedHandshakeEndsInTruncated() throws MseException {
    MseHandshake b = receiver();
    b.handleBytes(ByteBuffer.wrap(new HandPeer().publicKey()));
    assertThatThrownBy(b::handleEof).isInstanceOf(MseException.class)
        .extracting(e -> ((MseException) e).rule()).isEqualTo(Rule.TRUNCATED);
    assertThatThrownBy(() -> initiator().handleEof())
        .extracting(e -> ((MseException) e).offset()).isEqualTo(0L);
  }

  @Test
  void eofAfterTheHandshakeIsFine() throws MseException {
    MseHandshake b = receiver();
    HandPeer a = handInitiatorAgainst(b);
    b.handleBytes(ByteBuffer.wrap(a.step3(SKEY, (byte) 0, 0x02, 10, new byte[3])));
    assertThat(b.isDone()).isTrue();
    b.handleEof();
  }

  @Test
  void aPlainHandshakeToAForcedReceiverIsRefused() {
    MseException e = fail(receiver(), "\u0013BitTorrent protocol\0\0\0\0\0\0\0\0".getBytes(
        java.nio.charset.StandardCharsets.US_ASCII));
    assertThat(e.rule()).isEqualTo(Rule.PLAINTEXT_REFUSED);
  }

  @Test
  void aFailedHandshakeStaysDead() {
    MseHandshake b = receiver();
    fail(b, MseCrypto.toBytes(BigInteger.ONE));
    assertThatThrownBy(() -> b.handleBytes(ByteBuffer.allocate(1)))
        .isInstanceOf(IllegalStateException.class).hasMessageContaining("BAD_PUBLIC_KEY");
    assertThat(b.hasTransmit()).isFalse();
  }

  @Test
  void callerMistakesAreIllegalArguments() {
    assertThatThrownBy(() -> MseHandshake.initiator(SKEY, EnumSet.noneOf(CryptoMethod.class),
        ByteBuffer.allocate(0), new Random(7)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MseHandshake.initiator(SKEY, BOTH, ByteBuffer.allocate(65536),
        new Random(7))).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> MseHandshake.initiator(InfoHash.of(new byte[32]), BOTH,
        ByteBuffer.allocate(0), new Random(7)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> initiator().result()).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void whatAHostileReceiverSendsAfterStep4StaysInTheBuffer() throws MseException {
    MseHandshake a = initiator();
    HandPeer b = handReceiverAgainst(a);
    ByteBuffer in = ByteBuffer.wrap(MseTestPeers.concat(b.step4(SKEY, 0x01, 5),
        new byte[] {1, 2, 3}));
    a.handleBytes(in);
    assertThat(a.isDone()).isTrue();
    assertThat(in.remaining()).isEqualTo(3);
  }
}
