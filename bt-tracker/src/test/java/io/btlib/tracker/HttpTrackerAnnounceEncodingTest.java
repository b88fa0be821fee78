package io.btlib.tracker;

import static io.btlib.tracker.Bodies.body;
import static io.btlib.tracker.Bodies.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.bencode.Bdecoder;
import io.btlib.peer.PeerAddress;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Random;
import org.junit.jupiter.api.Test;

class HttpTrackerAnnounceEncodingTest {
  private static final List<PeerAddress> MIXED = List.of(
      PeerAddress.parse("1.2.3.4:6881"),
      PeerAddress.parse("[2001:db8::1]:51413"),
      PeerAddress.parse("10.0.0.1:80"));

  @Test
  void encodesCompactPeersAndPeers6Canonically() {
    AnnounceResponse r = AnnounceResponse.of(Duration.ofSeconds(1800), MIXED)
        .withMinInterval(Duration.ofSeconds(900))
        .withCounts(3, 4);
    assertThat(HttpTrackerResponses.encodeAnnounce(r, true)).isEqualTo(body(
        "d8:completei3e10:incompletei4e8:intervali1800e12:min intervali900e",
        "5:peers12:", hex("010203041ae1 0a0000010050"),
        "6:peers618:", hex("20010db8000000000000000000000001c8d5"), "e"));
  }

  @Test
  void leavesOutPeers6WhenThereAreNoIpv6PeersButAlwaysWritesPeers() {
    AnnounceResponse r = AnnounceResponse.of(Duration.ofSeconds(60), List.of());
    assertThat(HttpTrackerResponses.encodeAnnounce(r, true)).isEqualTo(body("d8:intervali60e5:peers0:e"));
    assertThat(HttpTrackerResponses.encodeAnnounce(r, false)).isEqualTo(body("d8:intervali60e5:peerslee"));
  }

  @Test
  void encodesTheDictionaryPeerListWithBareIpLiterals() {
    AnnounceResponse r = AnnounceResponse.of(Duration.ofSeconds(1800), MIXED);
    assertThat(HttpTrackerResponses.encodeAnnounce(r, false)).isEqualTo(body(
        "d8:intervali1800e5:peersl",
        "d2:ip7:1.2.3.44:porti6881ee",
        "d2:ip11:2001:db8::14:porti51413ee",
        "d2:ip8:10.0.0.14:porti80ee",
        "ee"));
  }

  @Test
  void encodesTrackerIdByteForByteAndWarningAsUtf8() {
    AnnounceResponse r = AnnounceResponse.of(Duration.ofSeconds(60), List.of())
        .withTrackerId("a\u00ffb")
        .withWarning("é");
    assertThat(HttpTrackerResponses.encodeAnnounce(r, true)).isEqualTo(body(
        "d8:intervali60e5:peers0:10:tracker id3:a\u00ffb15:warning message2:\u00c3\u00a9e"));
  }

  @Test
  void writesIntervalsInWholeSecondsRoundedDown() {
    AnnounceResponse r = AnnounceResponse.of(Duration.ofMillis(90_999), List.of());
    assertThat(HttpTrackerResponses.encodeAnnounce(r, true)).isEqualTo(body("d8:intervali90e5:peers0:e"));
  }

  @Test
  void encodesCanonicalBencode() {
    AnnounceResponse r = AnnounceResponse.of(Duration.ofSeconds(1800), MIXED)
        .withMinInterval(Duration.ofSeconds(900)).withCounts(1, 2).withTrackerId("t").withWarning("w");
    for (boolean compact : new boolean[] {true, false}) {
      byte[] encoded = HttpTrackerResponses.encodeAnnounce(r, compact);
      assertThat(Bdecoder.strict().decodeDocument(encoded).isCanonical()).isTrue();
    }
  }

  @Test
  void roundTripsEveryFieldInBothForms() {
    AnnounceResponse r = new AnnounceResponse(Duration.ofSeconds(1800), Optional.of(Duration.ofSeconds(900)),
        Optional.of("\u0000id\u00fe"), OptionalInt.of(0), OptionalInt.of(Integer.MAX_VALUE), MIXED,
        Optional.of("tracker moves to https; mise à jour"));
    // compact lists IPv4 peers (in 'peers') before IPv6 ones (in 'peers6')
    AnnounceResponse compactOrder = r.withPeers(List.of(MIXED.get(0), MIXED.get(2), MIXED.get(1)));
    assertThat(HttpTrackerResponses.parseAnnounce(HttpTrackerResponses.encodeAnnounce(r, true)))
        .isEqualTo(compactOrder);
    assertThat(HttpTrackerResponses.parseAnnounce(HttpTrackerResponses.encodeAnnounce(r, false)))
        .isEqualTo(r);
  }

  @Test
  void roundTripsRandomResponses() throws UnknownHostException {
    Random rnd = new Random(2024);
    for (int n = 0; n < 300; n++) {
      List<PeerAddress> peers = new ArrayList<>();
      int count = rnd.nextInt(40);
      for (int i = 0; i < count; i++) {
        byte[] a = new byte[rnd.nextInt(3) == 0 ? 16 : 4];
        rnd.nextBytes(a);
        a[0] = (byte) (1 + rnd.nextInt(200)); // not IPv4-mapped
        PeerAddress p = PeerAddress.of(InetAddress.getByAddress(a), 1 + rnd.nextInt(65535));
        if (!peers.contains(p)) {
          peers.add(p);
        }
      }
      peers.sort((x, y) -> Boolean.compare(x.isIpv6(), y.isIpv6())); // the compact order
      AnnounceResponse r = AnnounceResponse.of(Duration.ofSeconds(60 + rnd.nextInt(86_341)), peers);
      if (rnd.nextBoolean()) {
        r = r.withMinInterval(Duration.ofSeconds(60 + rnd.nextInt(3600)));
      }
      if (rnd.nextBoolean()) {
        r = r.withCounts(rnd.nextInt(Integer.MAX_VALUE), rnd.nextInt(1000));
      }
      boolean compact = rnd.nextBoolean();
      assertThat(HttpTrackerResponses.parseAnnounce(HttpTrackerResponses.encodeAnnounce(r, compact)))
          .as("response %d, compact %s", n, compact)
          .isEqualTo(r);
    }
  }

  @Test
  void encodesAFailureThatParsesBackAsOne() {
    byte[] encoded = HttpTrackerResponses.encodeFailure("torrent não registrado");
    assertThat(encoded).isEqualTo(body("d14:failure reason23:torrent n\u00c3\u00a3o registradoe"));
    assertThatThrownBy(() -> HttpTrackerResponses.parseAnnounce(encoded))
        .isInstanceOfSatisfying(TrackerFailureException.class,
            f -> assertThat(f.failureReason()).isEqualTo("torrent não registrado"));
    assertThatThrownBy(() -> HttpTrackerResponses.parseScrape(encoded))
        .isInstanceOf(TrackerFailureException.class);
  }
}
