package io.btlib.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.Metainfo;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Two bt clients with every interesting pair of encryption policies, the leecher dialling the
 * seeder through a recording relay: the transfer completes (or is refused) and the wire shows
 * what was encrypted.
 */
@Timeout(60)
class EncryptionSwarmTest {
  static final byte[] HEADER = "\u0013BitTorrent protocol".getBytes(StandardCharsets.US_ASCII);
  static final byte[] DATA = TestTorrents.random(768 * 1024 + 99, 77);
  static final Metainfo META = TestTorrents.v1(DATA, 32 * 1024);

  /** What a run saw. */
  record Run(boolean completed, List<RecordingProxy.Relayed> wire, int piecesHave) {}

  static Run transfer(EncryptionPolicy leecherOut, EncryptionPolicy seederIn, boolean expectDone)
      throws Exception {
    try (Client seeder = Client.builder().encryption(EncryptionPolicy.ENABLED, seederIn).build();
        Client leecher = Client.builder().encryption(leecherOut, EncryptionPolicy.ENABLED)
            .build();
        RecordingProxy proxy = new RecordingProxy(seeder.listenAddress())) {
      Torrent s = seeder.add(META, new TestTorrents.ArrayStorage(META, DATA));
      s.start();
      s.completion().get(10, TimeUnit.SECONDS);
      TestTorrents.ArrayStorage store = new TestTorrents.ArrayStorage(META, null);
      Torrent l = leecher.add(META, store);
      l.addPeer(proxy.address());
      l.start();
      if (expectDone) {
        l.completion().get(30, TimeUnit.SECONDS);
        assertThat(store.data).isEqualTo(DATA);
        return new Run(true, proxy.relayed(), l.status().piecesHave());
      }
      // refused: wait for the first connection to end, then give a fallback time to show up
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while ((proxy.relayed().isEmpty() || !proxy.relayed().get(0).ended)
          && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(500);
      return new Run(l.completion().isDone(), proxy.relayed(), l.status().piecesHave());
    }
  }

  static boolean contains(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return true;
    }
    return false;
  }

  static boolean startsPlain(byte[] b) {
    return b.length >= HEADER.length
        && Arrays.equals(Arrays.copyOf(b, HEADER.length), HEADER);
  }

  /** No plain protocol header either way, and no plain piece data downstream. */
  static void assertEncrypted(RecordingProxy.Relayed r) {
    byte[] up = r.up();
    byte[] down = r.down();
    assertThat(up.length).isGreaterThan(96);
    assertThat(contains(up, HEADER)).as("plain header upstream").isFalse();
    assertThat(contains(down, HEADER)).as("plain header downstream").isFalse();
    assertThat(down.length).isGreaterThan(DATA.length);
    assertThat(contains(down, Arrays.copyOfRange(DATA, 100_000, 100_064)))
        .as("plain piece bytes downstream").isFalse();
  }

  static void assertPlain(RecordingProxy.Relayed r) {
    assertThat(startsPlain(r.up())).isTrue();
    assertThat(contains(r.down(), Arrays.copyOfRange(DATA, 100_000, 100_064))).isTrue();
  }

  @Test
  void forcedToForcedTransfersEverythingEncrypted() throws Exception {
    Run run = transfer(EncryptionPolicy.FORCED, EncryptionPolicy.FORCED, true);
    assertThat(run.wire()).hasSize(1);
    assertEncrypted(run.wire().get(0));
  }

  @Test
  void enabledToForcedTransfersEncrypted() throws Exception {
    Run run = transfer(EncryptionPolicy.ENABLED, EncryptionPolicy.FORCED, true);
    assertThat(run.wire()).hasSize(1);
    assertEncrypted(run.wire().get(0));
  }

  @Test
  void forcedToEnabledTransfersEncrypted() throws Exception {
    Run run = transfer(EncryptionPolicy.FORCED, EncryptionPolicy.ENABLED, true);
    assertEncrypted(run.wire().get(0));
  }

  @Test
  void enabledToEnabledObfuscatesTheHandshakeAndSendsAPlainPayload() throws Exception {
    // libtorrent's default (prefer_rc4 = false): RC4 only when one side requires it
    Run run = transfer(EncryptionPolicy.ENABLED, EncryptionPolicy.ENABLED, true);
    assertThat(run.wire()).hasSize(1);
    RecordingProxy.Relayed r = run.wire().get(0);
    assertThat(startsPlain(r.up())).as("an MSE handshake first, not a plain one").isFalse();
    assertThat(contains(r.down(), Arrays.copyOfRange(DATA, 100_000, 100_064)))
        .as("plain piece bytes downstream").isTrue();
  }

  @Test
  void enabledToDisabledFallsBackToPlaintext() throws Exception {
    Run run = transfer(EncryptionPolicy.ENABLED, EncryptionPolicy.DISABLED, true);
    List<RecordingProxy.Relayed> wire = run.wire();
    assertThat(wire.size()).isGreaterThanOrEqualTo(2);
    assertThat(startsPlain(wire.get(0).up())).as("first attempt is MSE").isFalse();
    assertThat(wire.get(0).down()).as("the plain seeder answers no MSE").isEmpty();
    assertPlain(wire.get(wire.size() - 1));
  }

  @Test
  void aPeerThatFailedMseIsDialledInPlainTextFromThenOn() throws Exception {
    try (Client seeder = Client.builder()
        .encryption(EncryptionPolicy.ENABLED, EncryptionPolicy.DISABLED).build();
        Client leecher = Client.builder().build();
        RecordingProxy proxy = new RecordingProxy(seeder.listenAddress())) {
      Torrent s = seeder.add(META, new TestTorrents.ArrayStorage(META, DATA));
      s.setRateLimits(0, 100_000); // slow enough to pause the leecher in the middle
      s.start();
      s.completion().get(10, TimeUnit.SECONDS);
      Torrent l = leecher.add(META, new TestTorrents.ArrayStorage(META, null));
      l.addPeer(proxy.address());
      l.start();
      awaitRelayed(proxy, 2);
      assertThat(startsPlain(proxy.relayed().get(0).up())).isFalse();
      assertThat(startsPlain(proxy.relayed().get(1).up())).isTrue();
      l.pause();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
      while (!proxy.relayed().get(1).ended && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      l.resume();
      awaitRelayed(proxy, 3);
      assertThat(startsPlain(proxy.relayed().get(2).up())).as("dialled plain at once").isTrue();
    }
  }

  /** Waits until the proxy relayed {@code n} connections and the last sent 20 bytes. */
  static void awaitRelayed(RecordingProxy proxy, int n) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while ((proxy.relayed().size() < n || proxy.relayed().get(n - 1).up().length < 20)
        && System.nanoTime() < deadline) {
      Thread.sleep(20);
    }
    assertThat(proxy.relayed()).hasSizeGreaterThanOrEqualTo(n);
  }

  @Test
  void disabledToEnabledIsAPlainConnection() throws Exception {
    Run run = transfer(EncryptionPolicy.DISABLED, EncryptionPolicy.ENABLED, true);
    assertThat(run.wire()).hasSize(1);
    assertPlain(run.wire().get(0));
  }

  @Test
  void forcedToDisabledIsRefusedWithoutFallingBack() throws Exception {
    Run run = transfer(EncryptionPolicy.FORCED, EncryptionPolicy.DISABLED, false);
    assertThat(run.completed()).isFalse();
    assertThat(run.piecesHave()).isZero();
    assertThat(run.wire()).isNotEmpty();
    for (RecordingProxy.Relayed r : run.wire()) {
      assertThat(startsPlain(r.up())).as("never a plain handshake").isFalse();
      assertThat(r.down()).isEmpty();
    }
  }

  @Test
  void disabledToForcedIsRefused() throws Exception {
    Run run = transfer(EncryptionPolicy.DISABLED, EncryptionPolicy.FORCED, false);
    assertThat(run.completed()).isFalse();
    assertThat(run.piecesHave()).isZero();
    assertThat(startsPlain(run.wire().get(0).up())).isTrue();
    assertThat(run.wire().get(0).down()).as("the forced seeder sends nothing").isEmpty();
  }
}
