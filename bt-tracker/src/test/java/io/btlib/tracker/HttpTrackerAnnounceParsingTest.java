package io.btlib.tracker;

import static io.btlib.tracker.Bodies.body;
import static io.btlib.tracker.Bodies.bytes;
import static io.btlib.tracker.Bodies.hex;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.btlib.peer.PeerAddress;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class HttpTrackerAnnounceParsingTest {

  private static PeerAddress peer(String s) {
    return PeerAddress.parse(s);
  }

  private static TrackerException parseFails(byte[] body) {
    return catchThrowableOfType(TrackerException.class, () -> HttpTrackerResponses.parseAnnounce(body));
  }

  @Test
  void parsesAnOpentrackerStyleCompactResponse() {
    byte[] body = body(
        "d8:completei1e10:downloadedi0e10:incompletei0e8:intervali1800e12:min intervali900e",
        "5:peers6:", bytes(1, 2, 3, 4, 0x1a, 0xe1), "e");
    AnnounceResponse r = HttpTrackerResponses.parseAnnounce(body);
    assertThat(r.interval()).isEqualTo(Duration.ofSeconds(1800));
    assertThat(r.minInterval()).contains(Duration.ofSeconds(900));
    assertThat(r.complete()).hasValue(1);
    assertThat(r.incomplete()).hasValue(0);
    assertThat(r.peers()).containsExactly(peer("1.2.3.4:6881"));
    assertThat(r.trackerId()).isEmpty();
    assertThat(r.warning()).isEmpty();
  }

  @Test
  void parsesCompactIpv4AndIpv6PeersTogetherIpv4First() {
    byte[] body = body("d8:intervali1800e",
        "5:peers12:", hex("0a000001 1ae1 0a000002 1ae2"),
        "6:peers618:", hex("20010db8000000000000000000000001 c8d5"), "e");
    assertThat(HttpTrackerResponses.parseAnnounce(body).peers()).containsExactly(
        peer("10.0.0.1:6881"), peer("10.0.0.2:6882"), peer("[2001:db8::1]:51413"));
  }

  @Test
  void parsesTheDictionaryPeerListOfBep3() {
    byte[] body = body("d8:intervali900e5:peersl",
        "d2:ip7:1.2.3.47:peer id20:-XX0001-abcdefghijkl4:porti6881ee",
        "d2:ip11:2001:db8::14:porti51413ee",
        "d4:porti80e2:ip8:10.0.0.1e", // keys out of order, as some trackers send them
        "ee");
    assertThat(HttpTrackerResponses.parseAnnounce(body).peers()).containsExactly(
        peer("1.2.3.4:6881"), peer("[2001:db8::1]:51413"), peer("10.0.0.1:80"));
  }

  @Test
  void skipsDictionaryPeersWhoseIpIsAHostNameWithoutResolvingIt() {
    byte[] body = body("d8:intervali900e5:peersl",
        "d2:ip9:localhost4:porti1ee",
        "d2:ip24:peer.example.invalid.org4:porti2ee",
        "d2:ip0:4:porti3ee",
        "d2:ip4:", bytes(1, 2, 3, 4), "4:porti4ee", // raw bytes are not a literal either
        "d2:ip7:5.6.7.84:porti5ee",
        "ee");
    assertThat(HttpTrackerResponses.parseAnnounce(body).peers()).containsExactly(peer("5.6.7.8:5"));
  }

  @Test
  void skipsDictionaryPeersWithPortsOutsideTheRange() {
    byte[] body = body("d8:intervali900e5:peersl",
        "d2:ip7:1.1.1.14:porti0ee",
        "d2:ip7:1.1.1.24:porti-1ee",
        "d2:ip7:1.1.1.34:porti65536ee",
        "d2:ip7:1.1.1.44:porti99999999999999ee",
        "d2:ip7:1.1.1.54:porti65535ee",
        "ee");
    assertThat(HttpTrackerResponses.parseAnnounce(body).peers()).containsExactly(peer("1.1.1.5:65535"));
  }

  @Test
  void skipsCompactEntriesWithPortZero() {
    byte[] body = body("d8:intervali900e5:peers12:", hex("01020304 0000 05060708 0050"),
        "6:peers618:", hex("00000000000000000000000000000001 0000"), "e");
    assertThat(HttpTrackerResponses.parseAnnounce(body).peers()).containsExactly(peer("5.6.7.8:80"));
  }

  @Test
  void dropsDuplicatePeersKeepingTheFirst() {
    byte[] body = body("d8:intervali900e5:peers18:", hex("01020304 1ae1 05060708 0050 01020304 1ae1"),
        "6:peers618:", hex("00000000000000000000ffff01020304 1ae1"), "e");
    assertThat(HttpTrackerResponses.parseAnnounce(body).peers())
        .containsExactly(peer("1.2.3.4:6881"), peer("5.6.7.8:80"));
  }

  @Test
  void acceptsAMissingPeersKeyAsNoPeers() {
    assertThat(HttpTrackerResponses.parseAnnounce(body("d8:intervali900ee")).peers()).isEmpty();
    assertThat(HttpTrackerResponses.parseAnnounce(body("d8:intervali900e5:peers0:e")).peers()).isEmpty();
    assertThat(HttpTrackerResponses.parseAnnounce(body("d8:intervali900e5:peerslee")).peers()).isEmpty();
  }

  @Test
  void readsTrackerIdWarningAndCounts() {
    byte[] body = body("d8:completei25e10:incompletei7e8:intervali1800e5:peers0:",
        "10:tracker id4:", bytes('a', 0xff, 0x00, 'z'),
        "15:warning message12:", "d\u00c3\u00a9j\u00c3\u00a0 vu ok", "e");
    AnnounceResponse r = HttpTrackerResponses.parseAnnounce(body);
    assertThat(r.complete()).hasValue(25);
    assertThat(r.incomplete()).hasValue(7);
    assertThat(r.trackerId()).contains("a\u00ff\u0000z");
    assertThat(r.warning()).contains("déjà vu ok");
  }

  @Test
  void acceptsUnsortedKeysLeadingZerosAndTrailingBytes() {
    byte[] body = body("d5:peers6:", bytes(1, 2, 3, 4, 0, 80), "8:intervali0900ee\r\n");
    AnnounceResponse r = HttpTrackerResponses.parseAnnounce(body);
    assertThat(r.interval()).isEqualTo(Duration.ofSeconds(900));
    assertThat(r.peers()).containsExactly(peer("1.2.3.4:80"));
  }

  @Test
  void readsTheFirstOfRepeatedKeys() {
    byte[] body = body("d8:intervali600e8:intervali1200e5:peers0:e");
    assertThat(HttpTrackerResponses.parseAnnounce(body).interval()).isEqualTo(Duration.ofSeconds(600));
  }

  @Test
  void requiresAnInterval() {
    TrackerException e = parseFails(body("d5:peers0:e"));
    assertThat(e).isExactlyInstanceOf(TrackerException.class);
    assertThat(e.keyPath()).isEqualTo("interval");
    assertThat(e.reason()).contains("missing");
    assertThat(e).hasMessageStartingWith("interval: missing");
  }

  @Test
  void clampsIntervalsToOneMinuteAndOneDay() {
    for (String v : new String[] {"0", "-5", "1", "59", "-9223372036854775808"}) {
      AnnounceResponse r = HttpTrackerResponses.parseAnnounce(body("d8:intervali" + v + "e12:min intervali" + v + "ee"));
      assertThat(r.interval()).as(v).isEqualTo(HttpTrackerResponses.MIN_INTERVAL).isEqualTo(Duration.ofMinutes(1));
      assertThat(r.minInterval()).as(v).contains(HttpTrackerResponses.MIN_INTERVAL);
    }
    for (String v : new String[] {"86401", "31536000", "9223372036854775807"}) {
      AnnounceResponse r = HttpTrackerResponses.parseAnnounce(body("d8:intervali" + v + "e12:min intervali" + v + "ee"));
      assertThat(r.interval()).as(v).isEqualTo(HttpTrackerResponses.MAX_INTERVAL).isEqualTo(Duration.ofDays(1));
      assertThat(r.minInterval()).as(v).contains(HttpTrackerResponses.MAX_INTERVAL);
    }
    assertThat(HttpTrackerResponses.parseAnnounce(body("d8:intervali60ee")).interval()).isEqualTo(Duration.ofSeconds(60));
    assertThat(HttpTrackerResponses.parseAnnounce(body("d8:intervali86400ee")).interval()).isEqualTo(Duration.ofDays(1));
  }

  @Test
  void ignoresCountsThatAreNegativeOrBeyondAnInt() {
    AnnounceResponse r = HttpTrackerResponses.parseAnnounce(
        body("d8:completei-1e10:incompletei2147483648e8:intervali900ee"));
    assertThat(r.complete()).isEmpty();
    assertThat(r.incomplete()).isEmpty();
    AnnounceResponse max = HttpTrackerResponses.parseAnnounce(
        body("d8:completei2147483647e10:incompletei0e8:intervali900ee"));
    assertThat(max.complete()).hasValue(Integer.MAX_VALUE);
    assertThat(max.incomplete()).hasValue(0);
  }

  @Test
  void throwsTheTrackersFailureReasonEvenWhenOtherKeysArePresent() {
    byte[] body = body("d14:failure reason22:torrent not found, sir8:intervali1800e5:peers6:",
        bytes(1, 2, 3, 4, 0, 80), "e");
    TrackerException e = parseFails(body);
    assertThat(e).isInstanceOf(TrackerFailureException.class);
    TrackerFailureException f = (TrackerFailureException) e;
    assertThat(f.failureReason()).isEqualTo("torrent not found, sir");
    assertThat(f.retryIn()).isEmpty();
    assertThat(f.retryNever()).isFalse();
    assertThat(f.keyPath()).isEqualTo("failure reason");
    assertThat(f).hasMessageContaining("torrent not found, sir");
  }

  @Test
  void failureWinsOverOtherwiseMalformedKeys() {
    byte[] body = body("d14:failure reason6:denied8:interval3:abc5:peers7:1234567e");
    assertThatThrownBy(() -> HttpTrackerResponses.parseAnnounce(body))
        .isInstanceOfSatisfying(TrackerFailureException.class,
            f -> assertThat(f.failureReason()).isEqualTo("denied"));
  }

  @Test
  void readsBep31RetryInMinutes() {
    byte[] body = body("d14:failure reason4:busy8:retry ini30ee");
    assertThatThrownBy(() -> HttpTrackerResponses.parseAnnounce(body))
        .isInstanceOfSatisfying(TrackerFailureException.class, f -> {
          assertThat(f.retryIn()).contains(Duration.ofMinutes(30));
          assertThat(f.retryNever()).isFalse();
          assertThat(f).hasMessageContaining("retry in 30 min");
        });
  }

  @Test
  void readsBep31RetryNever() {
    byte[] body = body("d14:failure reason6:banned8:retry in5:nevere");
    assertThatThrownBy(() -> HttpTrackerResponses.parseAnnounce(body))
        .isInstanceOfSatisfying(TrackerFailureException.class, f -> {
          assertThat(f.retryNever()).isTrue();
          assertThat(f.retryIn()).isEmpty();
        });
  }

  @Test
  void ignoresUnusableRetryInRatherThanHidingTheFailure() {
    for (String retry : new String[] {"i0e", "i-5e", "5:later", "le", "de", "5:NEVER"}) {
      byte[] body = body("d14:failure reason1:x8:retry in" + retry + "e");
      assertThatThrownBy(() -> HttpTrackerResponses.parseAnnounce(body))
          .as(retry)
          .isInstanceOfSatisfying(TrackerFailureException.class, f -> {
            assertThat(f.retryIn()).isEmpty();
            assertThat(f.retryNever()).isFalse();
          });
    }
    byte[] huge = body("d14:failure reason1:x8:retry ini9223372036854775807ee");
    assertThatThrownBy(() -> HttpTrackerResponses.parseAnnounce(huge))
        .isInstanceOfSatisfying(TrackerFailureException.class,
            f -> assertThat(f.retryIn()).contains(Duration.ofMinutes(Integer.MAX_VALUE)));
  }

  @Test
  void readsAFailureReasonAsUtf8ReplacingMalformedBytes() {
    byte[] body = body("d14:failure reason6:", bytes('n', 0xc3, 0xa3, 'o', 0xff, '!'), "e");
    assertThatThrownBy(() -> HttpTrackerResponses.parseAnnounce(body))
        .isInstanceOfSatisfying(TrackerFailureException.class,
            f -> assertThat(f.failureReason()).isEqualTo("não\ufffd!"));
  }

  @Test
  void shortensAVeryLongFailureReasonInTheMessageOnly() {
    String reason = "x".repeat(5000);
    byte[] body = body("d14:failure reason5000:" + reason + "e");
    assertThatThrownBy(() -> HttpTrackerResponses.parseAnnounce(body))
        .isInstanceOfSatisfying(TrackerFailureException.class, f -> {
          assertThat(f.failureReason()).isEqualTo(reason);
          assertThat(f.getMessage()).hasSizeLessThan(400).contains("(5000 chars)");
        });
  }

  @Test
  void ignoresUnknownKeys() {
    byte[] body = body("d11:external ip4:", bytes(1, 2, 3, 4), "8:intervali900e3:zzzli1eee");
    assertThat(HttpTrackerResponses.parseAnnounce(body).interval()).isEqualTo(Duration.ofSeconds(900));
  }
}
