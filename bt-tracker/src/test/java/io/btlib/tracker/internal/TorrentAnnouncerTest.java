package io.btlib.tracker.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.InfoHashes;
import io.btlib.peer.PeerAddress;
import io.btlib.tracker.AnnounceEvent;
import io.btlib.tracker.AnnounceResponse;
import io.btlib.tracker.TrackerFailureException;
import io.btlib.tracker.internal.FakeTrackers.Call;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

class TorrentAnnouncerTest {
  static final String A = "http://a.example/announce";
  static final String B = "http://b.example/announce";
  static final String C = "udp://c.example:6969";
  static final String D = "http://d.example/announce";
  static final String X = "udp://extra.example:1337/announce";

  final FakeScheduler scheduler = new FakeScheduler();
  final FakeTrackers trackers = new FakeTrackers();
  final FakeTrackers.Context ctx = new FakeTrackers.Context();

  TorrentAnnouncer announcer(boolean allTiers, List<String> extra) {
    AnnounceConfig config = new AnnounceConfig(extra, 50, allTiers, Duration.ofSeconds(30),
        Duration.ofMinutes(30), Duration.ofSeconds(30), Duration.ofSeconds(2),
        Duration.ofSeconds(5), 16384, Duration.ofMinutes(5));
    return new TorrentAnnouncer(ctx, config, scheduler, uri -> trackers.supports(uri) ? trackers
        : null, new Random(7));
  }

  TorrentAnnouncer started(boolean allTiers, List<String> extra) {
    TorrentAnnouncer a = announcer(allTiers, extra);
    a.start();
    scheduler.runDue();
    return a;
  }

  static List<String> urls(List<Call> calls) {
    List<String> out = new ArrayList<>();
    calls.forEach(c -> out.add(c.url()));
    return out;
  }

  /**
   * The peer source closed between filtering a torrent's trackers and building their lanes (its
   * client lookup answers null from then on): those trackers are never announced to, and stopping
   * sends no stopped to them. This was a NullPointerException from sendStopped at shutdown.
   */
  @Test
  void aTrackerWhoseClientIsGoneIsNeitherAnnouncedToNorSentStopped() {
    ctx.tiers = List.of(List.of(A), List.of(B));
    java.util.Set<java.net.URI> asked = new java.util.HashSet<>();
    AnnounceConfig config = new AnnounceConfig(List.of(), 50, true, Duration.ofSeconds(30),
        Duration.ofMinutes(30), Duration.ofSeconds(30), Duration.ofSeconds(2),
        Duration.ofSeconds(5), 16384, Duration.ofMinutes(5));
    // B's client is there when the URL is filtered, gone when its lane is built
    TorrentAnnouncer a = new TorrentAnnouncer(ctx, config, scheduler,
        uri -> uri.toString().equals(B) && !asked.add(uri) ? null : trackers, new Random(7));
    a.start();
    scheduler.runDue();
    List<Call> calls = trackers.newCalls();
    assertThat(urls(calls)).containsExactly(A);
    calls.get(0).ok(Duration.ofMinutes(30));
    scheduler.runDue();

    CompletableFuture<Void> stopped = a.stop();
    scheduler.runDue();
    List<Call> stops = trackers.newCalls();
    assertThat(urls(stops)).containsExactly(A);
    assertThat(stops.get(0).event()).isEqualTo(AnnounceEvent.STOPPED);
    stops.get(0).ok(Duration.ofMinutes(30));
    scheduler.runDue();
    assertThat(stopped).isCompleted();
  }

  @Test
  void announcesStartedToTheFirstTrackerOfEveryTierAndReportsThePeers() {
    ctx.tiers = List.of(List.of(A), List.of(B));
    started(true, List.of());
    List<Call> calls = trackers.newCalls();
    assertThat(urls(calls)).containsExactly(A, B);
    assertThat(calls).allSatisfy(c -> {
      assertThat(c.event()).isEqualTo(AnnounceEvent.STARTED);
      assertThat(c.request().infoHash()).isEqualTo(ctx.hashes.shortHash());
      assertThat(c.request().left()).isEqualTo(1000);
      assertThat(c.request().uploaded()).isEqualTo(10);
      assertThat(c.request().numWant()).isEqualTo(50);
    });
    calls.get(0).ok(Duration.ofMinutes(30), PeerAddress.parse("127.0.0.1:7000"));
    scheduler.runDue();
    assertThat(ctx.peers).containsExactly(PeerAddress.parse("127.0.0.1:7000"));
  }

  @Test
  void shufflesEachTierOnceAndKeepsThatOrderAcrossRounds() {
    List<String> tier = List.of(A, B, D, "http://e.example/announce", "http://f.example/announce");
    ctx.tiers = List.of(tier);
    started(true, List.of());
    List<String> firstRound = new ArrayList<>();
    for (int i = 0; i < tier.size(); i++) {
      Call c = trackers.next();
      firstRound.add(c.url());
      c.fail();
      scheduler.runDue();
    }
    assertThat(firstRound).containsExactlyInAnyOrderElementsOf(tier).isNotEqualTo(tier);
    scheduler.advance(Duration.ofSeconds(30)); // the back-off after a failed round
    List<String> secondRound = new ArrayList<>();
    for (int i = 0; i < tier.size(); i++) {
      Call c = trackers.next();
      secondRound.add(c.url());
      c.fail();
      scheduler.runDue();
    }
    assertThat(secondRound).isEqualTo(firstRound);
  }

  @Test
  void aTrackerThatAnswersMovesToTheFrontOfItsTier() {
    ctx.tiers = List.of(List.of(A, B, D));
    started(true, List.of());
    Call first = trackers.next();
    first.fail();
    scheduler.runDue();
    Call second = trackers.next();
    assertThat(second.url()).isNotEqualTo(first.url());
    second.ok(Duration.ofMinutes(10));
    scheduler.runDue();
    scheduler.advance(Duration.ofMinutes(10));
    Call regular = trackers.next();
    assertThat(regular.url()).isEqualTo(second.url());
    assertThat(regular.event()).isEqualTo(AnnounceEvent.NONE);
  }

  @Test
  void strictModeFallsThroughToTheNextTierOnlyWhenAWholeTierFailed() {
    ctx.tiers = List.of(List.of(A, B), List.of(C));
    started(false, List.of());
    Call t1 = trackers.next();
    assertThat(t1.url()).isIn(A, B);
    t1.fail();
    scheduler.runDue();
    Call t2 = trackers.next();
    assertThat(t2.url()).isIn(A, B).isNotEqualTo(t1.url());
    t2.fail();
    scheduler.runDue();
    Call t3 = trackers.next();
    assertThat(t3.url()).isEqualTo(C);
    t3.ok(Duration.ofMinutes(5), PeerAddress.parse("127.0.0.1:7001"));
    scheduler.runDue();
    assertThat(ctx.peers).hasSize(1);
    assertThat(trackers.newCalls()).isEmpty();
  }

  @Test
  void strictModeAnnouncesToOneTrackerWhenTheFirstTierWorks() {
    ctx.tiers = List.of(List.of(A), List.of(B), List.of(C));
    started(false, List.of());
    trackers.next().ok();
    scheduler.runDue();
    assertThat(trackers.newCalls()).isEmpty();
  }

  @Test
  void addsTheExtraTrackersAsALastTierForPublicTorrents() {
    ctx.tiers = List.of(List.of(A));
    TorrentAnnouncer a = started(true, List.of(X, A));
    assertThat(a.effectiveTiers()).containsExactly(List.of(A), List.of(X));
    assertThat(urls(trackers.newCalls())).containsExactly(A, X);
  }

  @Test
  void aPrivateTorrentNeverUsesTheExtraTrackers() {
    ctx.tiers = List.of(List.of(A));
    ctx.isPrivate = true;
    TorrentAnnouncer a = started(true, List.of(X));
    assertThat(a.effectiveTiers()).containsExactly(List.of(A));
    assertThat(urls(trackers.newCalls())).containsExactly(A);
    trackers.calls.get(0).fail(); // even when its own tracker fails
    scheduler.advance(Duration.ofHours(1));
    assertThat(urls(trackers.newCalls())).containsOnly(A);
  }

  @Test
  void dropsTheExtraTrackersWhenTheMetadataShowsTheTorrentIsPrivate() {
    TorrentAnnouncer a = started(true, List.of(X));
    Call extra = trackers.next();
    assertThat(extra.url()).isEqualTo(X);
    extra.ok();
    scheduler.runDue();
    ctx.tiers = List.of(List.of(A));
    ctx.isPrivate = true;
    scheduler.advance(Duration.ofSeconds(5));
    List<Call> calls = trackers.newCalls();
    assertThat(a.effectiveTiers()).containsExactly(List.of(A));
    assertThat(calls).extracting(Call::url, Call::event).containsExactlyInAnyOrder(
        org.assertj.core.groups.Tuple.tuple(X, AnnounceEvent.STOPPED),
        org.assertj.core.groups.Tuple.tuple(A, AnnounceEvent.STARTED));
  }

  @Test
  void leavesOutUrlsNoClientSupportsAndDuplicates() {
    ctx.tiers = List.of(List.of("wss://w.example/", "not a url", A), List.of(A, "http:///x"));
    TorrentAnnouncer a = started(true, List.of());
    assertThat(a.effectiveTiers()).containsExactly(List.of(A));
  }

  @Test
  void movesOnWhenATrackerNeverAnswersAndIgnoresItsLateAnswer() {
    ctx.tiers = List.of(List.of(A, B));
    started(false, List.of());
    Call silent = trackers.next();
    scheduler.advance(Duration.ofMinutes(5).minusNanos(1));
    assertThat(trackers.newCalls()).isEmpty();
    scheduler.advance(Duration.ofNanos(1));
    Call next = trackers.next();
    assertThat(next.url()).isNotEqualTo(silent.url());
    silent.ok(Duration.ofMinutes(30), PeerAddress.parse("127.0.0.9:9"));
    scheduler.runDue();
    assertThat(ctx.peers).as("the late answer is ignored").isEmpty();
    next.ok();
    scheduler.runDue();
    assertThat(trackers.newCalls()).isEmpty();
  }

  @Test
  void announcesToAtMostMaxTrackersOfAHostileTorrent() {
    List<List<String>> tiers = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      tiers.add(List.of("http://t" + i + ".example/announce"));
    }
    ctx.tiers = tiers;
    TorrentAnnouncer a = started(true, List.of());
    assertThat(a.effectiveTiers()).hasSize(TorrentAnnouncer.MAX_TRACKERS);
    assertThat(trackers.newCalls()).hasSize(TorrentAnnouncer.MAX_TRACKERS);
  }

  @Test
  void sendsStartedThenRegularAnnouncesThenCompletedThenStopped() {
    ctx.tiers = List.of(List.of(A));
    TorrentAnnouncer a = started(true, List.of());
    Call started = trackers.next();
    assertThat(started.event()).isEqualTo(AnnounceEvent.STARTED);
    started.reply().complete(AnnounceResponse.of(Duration.ofSeconds(1800), List.of())
        .withTrackerId("tid"));
    scheduler.runDue();

    scheduler.advance(Duration.ofSeconds(899));
    assertThat(trackers.newCalls()).as("nothing before half the interval").isEmpty();
    scheduler.advance(Duration.ofSeconds(901)); // the first regular one: in the second half
    Call regular = trackers.next();
    assertThat(regular.event()).isEqualTo(AnnounceEvent.NONE);
    assertThat(regular.request().trackerId()).contains("tid");
    regular.ok(Duration.ofSeconds(1800));
    scheduler.runDue();

    ctx.left = 0;
    a.completed();
    Call completed = trackers.next();
    assertThat(completed.event()).isEqualTo(AnnounceEvent.COMPLETED);
    assertThat(completed.request().left()).isZero();
    completed.ok(Duration.ofSeconds(1800));
    scheduler.runDue();

    CompletableFuture<Void> stop = a.stop();
    Call stopped = trackers.next();
    assertThat(stopped.event()).isEqualTo(AnnounceEvent.STOPPED);
    assertThat(stop).isNotDone();
    stopped.ok();
    assertThat(stop).isDone();
    scheduler.advance(Duration.ofDays(2));
    assertThat(trackers.newCalls()).as("nothing after stop").isEmpty();
  }

  /**
   * Torrents started together (a client opening thousands) announce {@code started} at once; their
   * first regular announces then fall at random points of the interval's second half, and later
   * ones keep that phase, so the tracker does not get them in one burst every interval.
   */
  @Test
  void torrentsStartedTogetherSpreadTheirRegularAnnounces() {
    ctx.tiers = List.of(List.of(A));
    AnnounceConfig config = new AnnounceConfig(List.of(), 50, true, Duration.ofSeconds(30),
        Duration.ofMinutes(30), Duration.ofSeconds(30), Duration.ofSeconds(2),
        Duration.ofSeconds(5), 16384, Duration.ofMinutes(5));
    for (int i = 0; i < 20; i++) {
      new TorrentAnnouncer(ctx, config, scheduler, uri -> trackers, new Random(i)).start();
    }
    scheduler.runDue();
    for (Call c : trackers.newCalls()) {
      c.ok(Duration.ofSeconds(1800));
    }
    scheduler.runDue();
    java.util.Set<Long> minutes = new java.util.TreeSet<>();
    for (int s = 1; s <= 1800; s++) {
      scheduler.advance(Duration.ofSeconds(1));
      for (Call c : trackers.newCalls()) {
        assertThat(s).as("first regular announce, s after started").isBetween(900, 1800);
        minutes.add(s / 60L);
        c.ok(Duration.ofSeconds(1800));
      }
    }
    assertThat(minutes).as("minutes of the interval with an announce").hasSizeGreaterThan(10);
  }

  @Test
  void honoursMinIntervalWhenItIsLongerThanTheInterval() {
    ctx.tiers = List.of(List.of(A));
    started(true, List.of());
    trackers.next().reply().complete(AnnounceResponse.of(Duration.ofSeconds(60), List.of())
        .withMinInterval(Duration.ofSeconds(120)));
    scheduler.runDue();
    scheduler.advance(Duration.ofSeconds(119));
    assertThat(trackers.newCalls()).isEmpty();
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(trackers.newCalls()).hasSize(1);
  }

  @Test
  void sendsCompletedAfterAStartedThatWasInFlightAtCompletion() {
    ctx.tiers = List.of(List.of(A));
    TorrentAnnouncer a = started(true, List.of());
    Call started = trackers.next();
    a.completed();
    assertThat(trackers.newCalls()).isEmpty();
    started.ok();
    scheduler.runDue();
    assertThat(trackers.next().event()).isEqualTo(AnnounceEvent.COMPLETED);
  }

  @Test
  void backsOffExponentiallyWhenEveryTrackerOfATierFails() {
    ctx.tiers = List.of(List.of(A));
    started(true, List.of());
    trackers.next().fail();
    scheduler.runDue();
    scheduler.advance(Duration.ofSeconds(29));
    assertThat(trackers.newCalls()).isEmpty();
    scheduler.advance(Duration.ofSeconds(1));
    Call retry = trackers.next();
    assertThat(retry.event()).as("never answered: still started").isEqualTo(AnnounceEvent.STARTED);
    retry.fail();
    scheduler.runDue();
    scheduler.advance(Duration.ofSeconds(59));
    assertThat(trackers.newCalls()).isEmpty();
    scheduler.advance(Duration.ofSeconds(1));
    assertThat(trackers.newCalls()).hasSize(1);
  }

  @Test
  void aTrackerThatSaysNeverIsNotAskedAgainAndRetryInIsHonoured() {
    ctx.tiers = List.of(List.of(A), List.of(B));
    started(true, List.of());
    List<Call> calls = trackers.newCalls();
    calls.get(0).reply().completeExceptionally(
        new TrackerFailureException("banned", Optional.empty(), true));
    calls.get(1).reply().completeExceptionally(
        new TrackerFailureException("busy", Optional.of(Duration.ofMinutes(10)), false));
    scheduler.runDue();
    scheduler.advance(Duration.ofMinutes(9));
    assertThat(trackers.newCalls()).isEmpty();
    scheduler.advance(Duration.ofMinutes(1));
    assertThat(urls(trackers.newCalls())).containsExactly(B);
    scheduler.advance(Duration.ofDays(1));
    assertThat(urls(trackers.newCalls())).doesNotContain(A);
  }

  @Test
  void announcesBothShortHashesOfAHybridTorrent() {
    InfoHash v1 = InfoHash.fromHex("0123456789abcdef0123456789abcdef01234567");
    InfoHash v2 = InfoHash.fromHex(
        "aa23456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
    ctx.hashes = InfoHashes.of(v1, v2);
    ctx.tiers = List.of(List.of(A));
    started(true, List.of());
    assertThat(trackers.newCalls()).extracting(c -> c.request().infoHash())
        .containsExactly(v1, v2.truncated());
  }

  @Test
  void findsTrackersThatArriveWithTheMetadata() {
    started(true, List.of());
    assertThat(trackers.newCalls()).isEmpty();
    ctx.tiers = List.of(List.of(A));
    ctx.left = -1;
    scheduler.advance(Duration.ofSeconds(5));
    Call c = trackers.next();
    assertThat(c.url()).isEqualTo(A);
    assertThat(c.request().left()).as("unknown left").isEqualTo(16384);
  }

  @Test
  void stopSendsStoppedOnlyToContactedTrackersAndGivesUpAfterTheTimeout() {
    ctx.tiers = List.of(List.of(A, B));
    TorrentAnnouncer a = started(false, List.of());
    Call first = trackers.next();
    first.ok();
    scheduler.runDue();
    CompletableFuture<Void> stop = a.stop();
    Call stopped = trackers.next();
    assertThat(stopped.url()).isEqualTo(first.url());
    assertThat(stopped.event()).isEqualTo(AnnounceEvent.STOPPED);
    scheduler.advance(Duration.ofMillis(1999));
    assertThat(stop).isNotDone();
    scheduler.advance(Duration.ofMillis(1));
    assertThat(stop).isDone();
  }
}
