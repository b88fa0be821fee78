package io.btlib.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.client.Client;
import io.btlib.client.EncryptionPolicy;
import io.btlib.client.Storage;
import io.btlib.client.Torrent;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two bt clients with every interesting pair of encryption policies, the leecher dialling the
 * seeder through a recording relay: the transfer completes (or is refused) and the wire shows
 * what was encrypted. On the simulated network (moved here from bt-core's loopback tests, which
 * polled and slept in wall-clock time for the relay's connections and a fallback).
 */
class EncryptionSwarmTest {
  static final byte[] HEADER = "\u0013BitTorrent protocol".getBytes(StandardCharsets.US_ASCII);
  static final SimTorrent TORRENT = SimTorrent.random(77, 768 * 1024 + 99, 32 * 1024);
  static final Metainfo META = TORRENT.metainfo();
  static final int SIZE = (int) TORRENT.size();
  /** 64 bytes of the torrent from offset 100,000 (in its fourth piece): plain piece data. */
  static final byte[] PIECE_BYTES = bytes(TORRENT, 100_000, 64);
  static final Duration LIMIT = Duration.ofMinutes(5);
  static final AccessLink LAN = AccessLink.symmetric(20 << 20, Duration.ofMillis(5));

  static byte[] bytes(SimTorrent t, int offset, int length) {
    int pl = t.metainfo().pieceLength();
    ByteBuffer b = ByteBuffer.allocate(length);
    try {
      t.seededStorage().read(offset / pl, offset % pl, b);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return b.array();
  }

  /** What a run saw. */
  record Run(boolean completed, List<RecordingRelay.Relayed> wire, int piecesHave) {}

  /** A seeder that checked its data, a relay to it, and a leecher (dialling the relay) started. */
  static final class Setup {
    final Simulation sim;
    final Torrent seed;
    final RecordingRelay relay;
    final Storage store = TORRENT.emptyStorage();
    final Torrent leech;

    Setup(Simulation sim, Client.Builder seeder, Client.Builder leecher, long uploadLimit) {
      this.sim = sim;
      Client s = sim.addHost(LAN).client(seeder);
      seed = s.add(META, TORRENT.seededStorage()); // checked, not trusted
      seed.setRateLimits(0, uploadLimit);
      seed.start();
      assertThat(sim.runUntil(() -> seed.completion().isDone(), LIMIT)).isTrue();
      relay = new RecordingRelay(sim, sim.addHost(LAN), 7000,
          PeerAddress.of(s.listenAddress()));
      leech = sim.addHost(LAN).client(leecher).add(META, store);
      leech.addPeer(relay.address());
      leech.start();
    }

    /** Runs until the relay has relayed {@code n} connections and the last sent 20 bytes. */
    void awaitRelayed(int n) {
      assertThat(sim.runUntil(() -> relay.relayed().size() >= n
          && relay.relayed().get(n - 1).up().length >= 20, LIMIT)).isTrue();
    }
  }

  static Run transfer(EncryptionPolicy leecherOut, EncryptionPolicy seederIn, boolean expectDone) {
    try (Simulation sim = new Simulation(leecherOut.ordinal() * 10L + seederIn.ordinal())) {
      Setup x = new Setup(sim, Client.builder().encryption(EncryptionPolicy.ENABLED, seederIn),
          Client.builder().encryption(leecherOut, EncryptionPolicy.ENABLED), 0);
      if (expectDone) {
        assertThat(sim.runUntil(() -> x.leech.completion().isDone(), LIMIT)).isTrue();
        assertThat(TORRENT.matches(x.store)).isTrue();
        return new Run(true, x.relay.relayed(), x.leech.status().piecesHave());
      }
      // refused: run until the first connection ends, then give a fallback time to show up
      assertThat(sim.runUntil(() -> !x.relay.relayed().isEmpty()
          && x.relay.relayed().get(0).ended(), LIMIT)).isTrue();
      sim.runFor(Duration.ofSeconds(30));
      return new Run(x.leech.completion().isDone(), x.relay.relayed(),
          x.leech.status().piecesHave());
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
  static void assertEncrypted(RecordingRelay.Relayed r) {
    byte[] up = r.up();
    byte[] down = r.down();
    assertThat(up.length).isGreaterThan(96);
    assertThat(contains(up, HEADER)).as("plain header upstream").isFalse();
    assertThat(contains(down, HEADER)).as("plain header downstream").isFalse();
    assertThat(down.length).isGreaterThan(SIZE);
    assertThat(contains(down, PIECE_BYTES)).as("plain piece bytes downstream").isFalse();
  }

  static void assertPlain(RecordingRelay.Relayed r) {
    assertThat(startsPlain(r.up())).isTrue();
    assertThat(contains(r.down(), PIECE_BYTES)).isTrue();
  }

  @Test
  void forcedToForcedTransfersEverythingEncrypted() {
    Run run = transfer(EncryptionPolicy.FORCED, EncryptionPolicy.FORCED, true);
    assertThat(run.wire()).hasSize(1);
    assertEncrypted(run.wire().get(0));
  }

  @Test
  void enabledToForcedTransfersEncrypted() {
    Run run = transfer(EncryptionPolicy.ENABLED, EncryptionPolicy.FORCED, true);
    assertThat(run.wire()).hasSize(1);
    assertEncrypted(run.wire().get(0));
  }

  @Test
  void forcedToEnabledTransfersEncrypted() {
    Run run = transfer(EncryptionPolicy.FORCED, EncryptionPolicy.ENABLED, true);
    assertEncrypted(run.wire().get(0));
  }

  @Test
  void enabledToEnabledObfuscatesTheHandshakeAndSendsAPlainPayload() {
    // libtorrent's default (prefer_rc4 = false): RC4 only when one side requires it
    Run run = transfer(EncryptionPolicy.ENABLED, EncryptionPolicy.ENABLED, true);
    assertThat(run.wire()).hasSize(1);
    RecordingRelay.Relayed r = run.wire().get(0);
    assertThat(startsPlain(r.up())).as("an MSE handshake first, not a plain one").isFalse();
    assertThat(contains(r.down(), PIECE_BYTES)).as("plain piece bytes downstream").isTrue();
  }

  @Test
  void enabledToDisabledFallsBackToPlaintext() {
    Run run = transfer(EncryptionPolicy.ENABLED, EncryptionPolicy.DISABLED, true);
    List<RecordingRelay.Relayed> wire = run.wire();
    assertThat(wire.size()).isGreaterThanOrEqualTo(2);
    assertThat(startsPlain(wire.get(0).up())).as("first attempt is MSE").isFalse();
    assertThat(wire.get(0).down()).as("the plain seeder answers no MSE").isEmpty();
    assertPlain(wire.get(wire.size() - 1));
  }

  @Test
  void aPeerThatFailedMseIsDialledInPlainTextFromThenOn() {
    try (Simulation sim = new Simulation(99)) {
      // the seeder is slow enough to pause the leecher in the middle
      Setup x = new Setup(sim,
          Client.builder().encryption(EncryptionPolicy.ENABLED, EncryptionPolicy.DISABLED),
          Client.builder(), 100_000);
      x.awaitRelayed(2);
      assertThat(startsPlain(x.relay.relayed().get(0).up())).isFalse();
      assertThat(startsPlain(x.relay.relayed().get(1).up())).isTrue();
      x.leech.pause();
      assertThat(sim.runUntil(() -> x.relay.relayed().get(1).ended(), LIMIT)).isTrue();
      assertThat(x.leech.completion()).isNotDone();
      x.leech.resume();
      x.awaitRelayed(3);
      assertThat(startsPlain(x.relay.relayed().get(2).up())).as("dialled plain at once").isTrue();
    }
  }

  @Test
  void disabledToEnabledIsAPlainConnection() {
    Run run = transfer(EncryptionPolicy.DISABLED, EncryptionPolicy.ENABLED, true);
    assertThat(run.wire()).hasSize(1);
    assertPlain(run.wire().get(0));
  }

  @Test
  void forcedToDisabledIsRefusedWithoutFallingBack() {
    Run run = transfer(EncryptionPolicy.FORCED, EncryptionPolicy.DISABLED, false);
    assertThat(run.completed()).isFalse();
    assertThat(run.piecesHave()).isZero();
    assertThat(run.wire()).isNotEmpty();
    for (RecordingRelay.Relayed r : run.wire()) {
      assertThat(startsPlain(r.up())).as("never a plain handshake").isFalse();
      assertThat(r.down()).isEmpty();
    }
  }

  @Test
  void disabledToForcedIsRefused() {
    Run run = transfer(EncryptionPolicy.DISABLED, EncryptionPolicy.FORCED, false);
    assertThat(run.completed()).isFalse();
    assertThat(run.piecesHave()).isZero();
    assertThat(startsPlain(run.wire().get(0).up())).isTrue();
    assertThat(run.wire().get(0).down()).as("the forced seeder sends nothing").isEmpty();
  }
}
