package io.btlib.wire.mse;

import static io.btlib.wire.mse.MseTestPeers.SKEY;
import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.InfoHash;
import io.btlib.wire.mse.MseTestPeers.Chunking;
import io.btlib.wire.mse.MseTestPeers.End;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class MseHandshakeTest {
  static final Set<CryptoMethod> BOTH = EnumSet.allOf(CryptoMethod.class);
  static final Set<CryptoMethod> RC4 = EnumSet.of(CryptoMethod.RC4);
  static final Set<CryptoMethod> PLAIN = EnumSet.of(CryptoMethod.PLAINTEXT);

  static End initiator(Set<CryptoMethod> provide, byte[] ia, long seed) {
    return new End(MseHandshake.initiator(SKEY, provide, ByteBuffer.wrap(ia),
        new Random(seed)));
  }

  static End receiver(Set<CryptoMethod> accept, boolean plainOk, long seed) {
    return new End(MseHandshake.receiver(SkeyLookup.of(List.of(SKEY)), accept, plainOk,
        new Random(seed)));
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @ParameterizedTest
  @EnumSource(Chunking.class)
  void rc4HandshakeCarriesPayloadBothWays(Chunking chunking) throws MseException {
    End a = initiator(BOTH, new byte[0], 1);
    End b = receiver(RC4, true, 2);
    byte[] fromB = bytes("payload from B, sent right after step 4");
    MseTestPeers.run(a, b, chunking, fromB);

    assertThat(a.hs.isDone()).isTrue();
    assertThat(b.hs.isDone()).isTrue();
    assertThat(a.hs.result().method()).isEqualTo(CryptoMethod.RC4);
    assertThat(b.hs.result().method()).isEqualTo(CryptoMethod.RC4);
    assertThat(b.hs.result().skey()).isEqualTo(SKEY);
    assertThat(a.hs.result().isPlaintextHandshake()).isFalse();
    // B's payload is left in A's input, encrypted; A's decryptor recovers it
    byte[] left = a.leftover();
    assertThat(left).hasSameSizeAs(fromB).isNotEqualTo(fromB);
    a.hs.result().decryptor().apply(left, 0, left.length);
    assertThat(left).isEqualTo(fromB);
    // and the other way
    byte[] fromA = bytes("payload from A");
    byte[] wire = fromA.clone();
    a.hs.result().encryptor().apply(wire, 0, wire.length);
    assertThat(b.leftover()).isEmpty();
    b.hs.result().decryptor().apply(wire, 0, wire.length);
    assertThat(wire).isEqualTo(fromA);
  }

  @ParameterizedTest
  @EnumSource(Chunking.class)
  void initialPayloadArrivesDecryptedOnTheReceiver(Chunking chunking) throws MseException {
    byte[] ia = bytes("\u0013BitTorrent protocol and the rest of a handshake");
    End a = initiator(BOTH, ia, 3);
    End b = receiver(BOTH, true, 4);
    MseTestPeers.run(a, b, chunking, null);

    ByteBuffer got = b.hs.result().initialPayload();
    byte[] g = new byte[got.remaining()];
    got.get(g);
    assertThat(g).isEqualTo(ia);
    assertThat(b.hs.result().initialPayload().isReadOnly()).isTrue();
    assertThat(a.hs.result().initialPayload().remaining()).isZero();
  }

  @Test
  void initialPayloadNeverAppearsInPlainOnTheWire() throws MseException {
    byte[] ia = bytes("\u0013BitTorrent protocol");
    MseHandshake a = MseHandshake.initiator(SKEY, PLAIN, ByteBuffer.wrap(ia),
        new Random(5));
    End b = receiver(BOTH, true, 6);
    MseTestPeers.deliver(MseTestPeers.drain(a), b, () -> Integer.MAX_VALUE);
    byte[] yb = MseTestPeers.drain(b.hs);
    ByteBuffer in = ByteBuffer.wrap(yb);
    a.handleBytes(in);
    byte[] step3 = MseTestPeers.drain(a);
    assertThat(MseTestPeers.contains(step3, ia)).isFalse();
    assertThat(MseTestPeers.contains(step3, SKEY.bytes())).isFalse();
  }

  @Test
  void receiverChoosesAPlainPayloadWhenBothAllowItAndRc4WhenOneRequiresIt() throws MseException {
    End a = initiator(BOTH, new byte[0], 7);
    End b = receiver(BOTH, false, 8);
    MseTestPeers.run(a, b, Chunking.WHOLE, null);
    assertThat(b.hs.result().method()).isEqualTo(CryptoMethod.PLAINTEXT); // libtorrent's default
    assertThat(a.hs.result().method()).isEqualTo(CryptoMethod.PLAINTEXT);
    End forcedA = initiator(RC4, new byte[0], 17);
    End relaxedB = receiver(BOTH, false, 18);
    MseTestPeers.run(forcedA, relaxedB, Chunking.WHOLE, null);
    assertThat(relaxedB.hs.result().method()).isEqualTo(CryptoMethod.RC4);
    assertThat(relaxedB.hs.result().encryptor().isPlaintext()).isFalse();
  }

  @Test
  void plaintextIsSelectedWhenTheReceiverAcceptsOnlyPlaintext() throws MseException {
    End a = initiator(BOTH, bytes("IA is RC4 even so"), 9);
    End b = receiver(PLAIN, false, 10);
    byte[] fromB = bytes("plain payload");
    MseTestPeers.run(a, b, Chunking.SEVEN, fromB);
    assertThat(a.hs.result().method()).isEqualTo(CryptoMethod.PLAINTEXT);
    assertThat(a.hs.result().decryptor().isPlaintext()).isTrue();
    assertThat(a.leftover()).isEqualTo(fromB);
    byte[] ia = new byte[b.hs.result().initialPayload().remaining()];
    b.hs.result().initialPayload().get(ia);
    assertThat(ia).isEqualTo(bytes("IA is RC4 even so"));
  }

  @Test
  void anInitiatorOfferingOnlyPlaintextGetsPlaintext() throws MseException {
    End a = initiator(PLAIN, new byte[0], 11);
    End b = receiver(BOTH, false, 12);
    MseTestPeers.run(a, b, Chunking.ONE_BYTE, null);
    assertThat(a.hs.result().method()).isEqualTo(CryptoMethod.PLAINTEXT);
    assertThat(b.hs.result().method()).isEqualTo(CryptoMethod.PLAINTEXT);
  }

  @ParameterizedTest
  @EnumSource(Chunking.class)
  void longestPadsStillSynchronise(Chunking chunking) throws MseException {
    End a = new End(MseHandshake.initiator(SKEY, BOTH, ByteBuffer.allocate(0),
        new Random(13)).padLength(512));
    End b = new End(MseHandshake.receiver(SkeyLookup.of(List.of(SKEY)), BOTH, false,
        new Random(14)).padLength(512));
    byte[] fromB = bytes("after the longest PadD");
    MseTestPeers.run(a, b, chunking, fromB);
    byte[] left = a.leftover();
    a.hs.result().decryptor().apply(left, 0, left.length);
    assertThat(left).isEqualTo(fromB);
  }

  @Test
  void emptyPadsSynchronise() throws MseException {
    End a = new End(MseHandshake.initiator(SKEY, RC4, ByteBuffer.allocate(0),
        new Random(15)).padLength(0));
    End b = new End(MseHandshake.receiver(SkeyLookup.of(List.of(SKEY)), RC4, false,
        new Random(16)).padLength(0));
    MseTestPeers.run(a, b, Chunking.ONE_BYTE, null);
    assertThat(a.hs.isDone()).isTrue();
    assertThat(b.hs.isDone()).isTrue();
  }

  @Test
  void receiverFindsTheTorrentAmongManyIncludingTruncatedV2Hashes() throws MseException {
    List<InfoHash> hashes = new ArrayList<>();
    Random r = new Random(17);
    for (int i = 0; i < 1000; i++) {
      byte[] h = new byte[i % 2 == 0 ? 20 : 32];
      r.nextBytes(h);
      hashes.add(InfoHash.of(h).isV1() ? InfoHash.of(h) : InfoHash.of(h).truncated());
    }
    InfoHash wanted = hashes.get(501); // a truncated v2 hash
    End a = new End(MseHandshake.initiator(wanted, RC4, ByteBuffer.allocate(0),
        new Random(18)));
    End b = new End(MseHandshake.receiver(SkeyLookup.of(hashes), RC4, false,
        new Random(19)));
    MseTestPeers.run(a, b, Chunking.RANDOM, null);
    assertThat(b.hs.result().skey()).isEqualTo(wanted);
  }

  @Test
  void aPlainBitTorrentHandshakeIsRecognisedWithoutConsumingIt() throws MseException {
    MseHandshake b = MseHandshake.receiver(SkeyLookup.of(List.of(SKEY)), BOTH, true,
        new Random(20));
    byte[] hello = MseTestPeers.concat(bytes("\u0013BitTorrent protocol"), new byte[48]);
    ByteBuffer in = ByteBuffer.allocate(100);
    for (int i = 0; i < hello.length && !b.isDone(); i++) {
      in.put(hello[i]);
      in.flip();
      b.handleBytes(in);
      assertThat(in.position()).isZero();
      assertThat(b.isDone()).isEqualTo(i >= 19);
      in.position(in.limit()).limit(in.capacity());
    }
    assertThat(b.result().isPlaintextHandshake()).isTrue();
    assertThat(b.result().skey()).isNull();
    assertThat(b.hasTransmit()).isFalse();
  }

  @Test
  void aKeyThatStartsLikeTheProtocolHeaderIsStillReadAsAKey() throws MseException {
    MseHandshake b = MseHandshake.receiver(SkeyLookup.of(List.of(SKEY)), BOTH, true,
        new Random(21));
    byte[] almost = bytes("\u0013BitTorrent protocoX");
    ByteBuffer in = ByteBuffer.wrap(almost);
    b.handleBytes(in);
    assertThat(in.hasRemaining()).isFalse(); // consumed as the start of Ya
    assertThat(b.isDone()).isFalse();
  }

  @Test
  void payloadCipherWorksOnHeapDirectAndReadOnlyBuffers() throws MseException {
    End a = initiator(RC4, new byte[0], 22);
    End b = receiver(RC4, false, 23);
    MseTestPeers.run(a, b, Chunking.WHOLE, null);
    byte[] plain = new byte[50_000];
    new Random(24).nextBytes(plain);

    ByteBuffer direct = ByteBuffer.allocateDirect(plain.length + 10);
    direct.position(10);
    a.hs.result().encryptor().apply(ByteBuffer.wrap(plain).asReadOnlyBuffer(), direct);
    ByteBuffer heap = ByteBuffer.allocate(plain.length);
    direct.position(10);
    b.hs.result().decryptor().apply(direct, heap); // direct -> heap
    assertThat(heap.array()).isEqualTo(plain);

    ByteBuffer inPlace = ByteBuffer.allocateDirect(plain.length).put(plain).flip();
    a.hs.result().encryptor().apply(inPlace, 0, plain.length);
    b.hs.result().decryptor().apply(inPlace, 0, plain.length);
    byte[] back = new byte[plain.length];
    inPlace.get(0, back);
    assertThat(back).isEqualTo(plain);
  }
}
