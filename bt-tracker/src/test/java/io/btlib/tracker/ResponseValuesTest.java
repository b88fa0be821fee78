package io.btlib.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.peer.PeerAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;

class ResponseValuesTest {
  private static final Duration MINUTE = Duration.ofMinutes(1);

  @Test
  void announceResponseRejectsIntervalsUnderOneSecond() {
    for (Duration d : new Duration[] {Duration.ZERO, Duration.ofSeconds(-1), Duration.ofMillis(999)}) {
      assertThatThrownBy(() -> AnnounceResponse.of(d, List.of()))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("interval must be at least 1 second, got " + d);
      assertThatThrownBy(() -> AnnounceResponse.of(MINUTE, List.of()).withMinInterval(d))
          .isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("minInterval");
    }
  }

  @Test
  void announceResponseRejectsNegativeCountsNamingThem() {
    AnnounceResponse r = AnnounceResponse.of(MINUTE, List.of());
    assertThatThrownBy(() -> r.withCounts(-1, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("complete must be >= 0, got -1");
    assertThatThrownBy(() -> r.withCounts(0, -2))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("incomplete must be >= 0, got -2");
  }

  @Test
  void announceResponseRejectsTrackerIdsThatAreNotOneBytePerChar() {
    AnnounceResponse r = AnnounceResponse.of(MINUTE, List.of());
    assertThatThrownBy(() -> r.withTrackerId("ok\u0100"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("index 2");
    assertThat(r.withTrackerId("\u00ff").trackerId()).contains("\u00ff");
  }

  @Test
  void announceResponseRejectsNullsNamingTheComponent() {
    assertThatThrownBy(() -> new AnnounceResponse(MINUTE, null, Optional.empty(), OptionalInt.empty(),
        OptionalInt.empty(), List.of(), Optional.empty()))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("minInterval");
    List<PeerAddress> withNull = Arrays.asList(PeerAddress.parse("1.2.3.4:1"), null);
    assertThatThrownBy(() -> AnnounceResponse.of(MINUTE, withNull))
        .isInstanceOf(NullPointerException.class)
        .hasMessage("peers[1] is null");
  }

  @Test
  void announceResponseCopiesThePeerList() {
    List<PeerAddress> peers = new ArrayList<>(List.of(PeerAddress.parse("1.2.3.4:1")));
    AnnounceResponse r = AnnounceResponse.of(MINUTE, peers);
    peers.clear();
    assertThat(r.peers()).hasSize(1);
    assertThatThrownBy(() -> r.peers().clear()).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void withMethodsChangeOnlyTheirComponent() {
    AnnounceResponse r = AnnounceResponse.of(MINUTE, List.of()).withWarning("w").withCounts(1, 2);
    assertThat(r.warning()).contains("w");
    assertThat(r.complete()).hasValue(1);
    assertThat(r.incomplete()).hasValue(2);
    assertThat(r.interval()).isEqualTo(MINUTE);
    assertThat(r.minInterval()).isEmpty();
    assertThat(r.trackerId()).isEmpty();
  }

  @Test
  void scrapeStatsRejectsNegativeCountsNamingThem() {
    assertThatThrownBy(() -> ScrapeStats.of(0, 0, -7))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("downloaded must be >= 0, got -7");
    assertThatThrownBy(() -> new ScrapeStats(0, 0, 0, null)).isInstanceOf(NullPointerException.class);
  }

  @Test
  void failureExceptionRejectsContradictoryRetryAdvice() {
    assertThatThrownBy(() -> new TrackerFailureException("x", Optional.of(MINUTE), true))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("contradicts");
    assertThatThrownBy(() -> new TrackerFailureException("x", Optional.of(Duration.ZERO), false))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("positive");
  }

  @Test
  void failureExceptionIsATrackerExceptionAtKeyPathFailureReason() {
    TrackerFailureException f = new TrackerFailureException("gone");
    assertThat(f).isInstanceOf(TrackerException.class);
    assertThat(f.keyPath()).isEqualTo("failure reason");
    assertThat(f).hasMessage("failure reason: the tracker refused the request: \"gone\"");
    assertThat(new TrackerFailureException("gone", Optional.empty(), true))
        .hasMessageEndingWith("(retry: never)");
  }

  @Test
  void trackerExceptionMessageJoinsPathAndReason() {
    TrackerException e = new TrackerException("peers[2].ip", "missing");
    assertThat(e).hasMessage("peers[2].ip: missing");
    assertThat(new TrackerException("", "not bencode")).hasMessage("not bencode");
  }
}
