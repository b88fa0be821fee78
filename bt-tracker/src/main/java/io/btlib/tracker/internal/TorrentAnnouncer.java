package io.btlib.tracker.internal;

import io.btlib.client.PeerSource;
import io.btlib.metainfo.InfoHash;
import io.btlib.policy.PeerCandidate;
import io.btlib.tracker.AnnounceEvent;
import io.btlib.tracker.AnnounceRequest;
import io.btlib.tracker.AnnounceResponse;
import io.btlib.tracker.TrackerClient;
import io.btlib.tracker.TrackerException;
import io.btlib.tracker.TrackerFailureException;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces one torrent to its trackers (BEP 3 events, BEP 12 tiers). Confined to the {@link
 * Scheduler}'s thread: every method must be called there, and every result is handled there.
 *
 * <p><b>Tiers.</b> The tiers are the torrent's own ({@link PeerSource.Context#trackerTiers()})
 * plus, unless the torrent is private, the extra trackers as one last tier. A URL seen twice is
 * kept at its first place; a URL no client supports is left out, and so is every URL after the
 * first {@value #MAX_TRACKERS}. Each tier is shuffled once.
 * A <em>lane</em> walks its trackers in order: a tracker that answers moves to the front of its
 * tier and the lane restarts from its first tracker at the next announce; a tracker that fails
 * hands over to the next one at once; when every tracker of the lane failed in a row the lane
 * waits {@code retryBase * 2^(rounds - 1)} (at most {@code retryMax}) and starts over. With
 * {@code announceToAllTiers} (like libtorrent's setting of that name, and qBittorrent's default)
 * every tier is its own lane, so the first working tracker of each tier is announced to; without
 * it there is one lane over all tiers in order: strict BEP 12, where tier 2 is used only when
 * every tracker of tier 1 failed.
 *
 * <p><b>Events.</b> A tracker's first announce is {@code started}; later ones are regular, spaced
 * by the tracker's interval (at least its {@code min interval} and our {@code minInterval}); the
 * first of them comes at a random point of the interval's second half, so that torrents started
 * together do not announce in bursts.
 * {@link #completed()} announces {@code completed} at once to every lane, to trackers that were
 * sent {@code started}; a tracker first reached after completion just gets {@code started}
 * with {@code left} 0. {@link #stop()} sends {@code stopped} to every tracker that was sent
 * anything. A BEP 31 {@code retry in} keeps a tracker aside for that long; {@code never}, for
 * good.
 *
 * <p><b>Hashes.</b> Each 20-byte hash of {@link io.btlib.metainfo.InfoHashes#shortHashes()} (two for a
 * hybrid torrent: v1 and truncated v2) is announced on its own, with its own lanes and tracker
 * states, as libtorrent does, so that peers of both swarms are found.
 */
public final class TorrentAnnouncer {
  private static final Logger log = LoggerFactory.getLogger(TorrentAnnouncer.class);
  /** The most trackers one torrent announces to; a hostile torrent may list thousands. */
  public static final int MAX_TRACKERS = 128;

  private final PeerSource.Context ctx;
  private final AnnounceConfig config;
  private final Scheduler scheduler;
  private final Function<URI, TrackerClient> clients;
  private final Random random;
  private int key; // drawn on the scheduler's thread, which alone uses the random generator
  private final List<HashAnnouncer> hashes = new ArrayList<>();
  private final Set<String> reportedUnusable = new LinkedHashSet<>();
  private List<List<String>> effectiveTiers = List.of();
  private Scheduler.Cancellable refreshTimer;
  private boolean completed;
  private boolean stopped;

  /**
   * @param clients gives the client for a tracker URL, or null when none supports it
   */
  public TorrentAnnouncer(PeerSource.Context ctx, AnnounceConfig config, Scheduler scheduler,
      Function<URI, TrackerClient> clients, Random random) {
    this.ctx = ctx;
    this.config = config;
    this.scheduler = scheduler;
    this.clients = clients;
    this.random = random;
  }

  /** Starts announcing. */
  public void start() {
    if (stopped || !hashes.isEmpty()) {
      return;
    }
    key = random.nextInt();
    for (InfoHash h : ctx.infoHashes().shortHashes()) {
      hashes.add(new HashAnnouncer(h));
    }
    refresh();
  }

  /** The torrent finished downloading: announce {@code completed}. */
  public void completed() {
    if (stopped || completed) {
      return;
    }
    completed = true;
    for (HashAnnouncer h : hashes) {
      for (TrackerState t : h.trackers.values()) {
        if (t.contacted) { // sent started while incomplete (maybe still in flight)
          t.completedPending = true;
        }
      }
      for (Lane lane : h.lanes.values()) {
        lane.announceNow();
      }
    }
  }

  /**
   * Stops announcing and sends {@code stopped} to every tracker contacted; the future completes
   * when all of them answered or failed, or after {@code stoppedTimeout}, whichever is first.
   */
  public CompletableFuture<Void> stop() {
    if (stopped) {
      return CompletableFuture.completedFuture(null);
    }
    stopped = true;
    if (refreshTimer != null) {
      refreshTimer.cancel();
    }
    List<CompletableFuture<?>> sent = new ArrayList<>();
    for (HashAnnouncer h : hashes) {
      for (Lane lane : h.lanes.values()) {
        lane.cancel();
      }
      for (TrackerState t : h.trackers.values()) {
        if (t.contacted && !t.dead) {
          sent.add(sendStopped(h, t));
        }
      }
    }
    CompletableFuture<Void> all = CompletableFuture.allOf(sent.toArray(new CompletableFuture<?>[0]));
    if (!all.isDone()) {
      Scheduler.Cancellable c =
          scheduler.schedule(() -> all.complete(null), config.stoppedTimeout().toNanos());
      all.whenComplete((v, e) -> c.cancel());
    }
    return all.handle((v, e) -> null);
  }

  /** The tiers announced to now, after filtering: for tests and diagnostics. */
  public List<List<String>> effectiveTiers() {
    return effectiveTiers;
  }

  private CompletableFuture<?> sendStopped(HashAnnouncer h, TrackerState t) {
    t.contacted = false;
    if (t.client == null) {
      return CompletableFuture.completedFuture(null);
    }
    return t.client.announce(t.uri, h.request(t, AnnounceEvent.STOPPED, 0))
        .handle((r, e) -> {
          if (e != null) {
            log.debug("stopped announce to {} failed: {}", t.url, e.toString());
          }
          return null;
        });
  }

  private void refresh() {
    if (stopped) {
      return;
    }
    List<List<String>> tiers = filter(ctx.trackerTiers(), ctx.isPrivate());
    if (!tiers.equals(effectiveTiers)) {
      effectiveTiers = tiers;
      for (HashAnnouncer h : hashes) {
        h.rebuild(tiers);
      }
    }
    if (ctx.metainfo().isPresent()) {
      // the tiers and the private flag come from the metainfo now and no longer change: a timer
      // per torrent every few seconds was, with thousands of torrents, a steady load for nothing
      refreshTimer = null;
      return;
    }
    refreshTimer = scheduler.schedule(this::refresh, config.refreshInterval().toNanos());
  }

  /**
   * The wait after a {@code started} announce: drawn uniformly from the second half of {@code
   * wait} (never under {@code floor}, the tracker's and our minimum interval), so that torrents started together (a client
   * opening thousands) fall out of step and their regular announces spread over the interval
   * instead of reaching the tracker in one burst each time. Later waits are the interval itself,
   * which keeps the spread. On the scheduler's thread (the random generator's only user).
   */
  private long spread(long wait, long floor) {
    long least = Math.max(floor, wait / 2);
    if (least >= wait) {
      return wait;
    }
    return least + (long) (random.nextDouble() * (wait - least));
  }

  private List<List<String>> filter(List<List<String>> own, boolean isPrivate) {
    Set<String> seen = new LinkedHashSet<>();
    List<List<String>> out = new ArrayList<>();
    List<List<String>> all = new ArrayList<>(own);
    if (!isPrivate && !config.extraTrackers().isEmpty()) {
      all.add(config.extraTrackers());
    }
    int total = 0;
    for (List<String> tier : all) {
      List<String> kept = new ArrayList<>();
      for (String url : tier) {
        if (total >= MAX_TRACKERS) {
          break;
        }
        if (url == null || url.length() > 2048 || !seen.add(url.trim())) {
          continue;
        }
        if (usable(url.trim())) {
          kept.add(url.trim());
          total++;
        }
      }
      if (!kept.isEmpty()) {
        out.add(List.copyOf(kept));
      }
    }
    return List.copyOf(out);
  }

  private boolean usable(String url) {
    try {
      URI uri = new URI(url);
      if (uri.getHost() != null && clients.apply(uri) != null) {
        return true;
      }
    } catch (java.net.URISyntaxException | RuntimeException e) {
      // reported below
    }
    if (reportedUnusable.size() < 64 && reportedUnusable.add(url)) {
      log.info("ignoring tracker {}: not a URL a tracker client supports", url);
    }
    return false;
  }

  /** One tracker as seen by one hash's announces. */
  static final class TrackerState {
    final String url;
    final URI uri;
    final TrackerClient client;
    boolean contacted; // sent anything, so it may list us: owed a stopped
    boolean startedSent; // answered a started
    boolean completedPending;
    boolean dead; // retry in: never
    long notBefore; // BEP 31 retry in, in scheduler nanos
    boolean hasNotBefore;
    Optional<String> trackerId = Optional.empty();

    TrackerState(String url, URI uri, TrackerClient client) {
      this.url = url;
      this.uri = uri;
      this.client = client;
    }
  }

  /** The trackers and lanes of one 20-byte hash. */
  final class HashAnnouncer {
    final InfoHash hash;
    final Map<String, TrackerState> trackers = new HashMap<>();
    final Map<List<List<String>>, Lane> lanes = new LinkedHashMap<>();

    HashAnnouncer(InfoHash hash) {
      this.hash = hash;
    }

    void rebuild(List<List<String>> tiers) {
      List<List<List<String>>> keys = new ArrayList<>();
      if (config.announceToAllTiers()) {
        for (List<String> tier : tiers) {
          keys.add(List.of(tier));
        }
      } else if (!tiers.isEmpty()) {
        keys.add(tiers);
      }
      Map<List<List<String>>, Lane> old = new LinkedHashMap<>(lanes);
      lanes.clear();
      Set<String> present = new LinkedHashSet<>();
      for (List<List<String>> k : keys) {
        k.forEach(present::addAll);
        Lane lane = old.remove(k);
        if (lane == null) {
          lane = new Lane(this, k);
          lanes.put(k, lane);
          lane.announceNow();
        } else {
          lanes.put(k, lane);
        }
      }
      for (Lane gone : old.values()) {
        gone.cancel();
      }
      for (TrackerState t : new ArrayList<>(trackers.values())) {
        if (!present.contains(t.url)) {
          trackers.remove(t.url);
          if (t.contacted && !t.dead) {
            sendStopped(this, t);
          }
        }
      }
    }

    TrackerState tracker(String url) {
      return trackers.computeIfAbsent(url, u -> {
        URI uri = URI.create(u);
        TrackerState t = new TrackerState(u, uri, clients.apply(uri));
        // no client now (the peer source closed since the URL was filtered): never announced to,
        // so never owed a stopped either
        t.dead = t.client == null;
        return t;
      });
    }

    AnnounceRequest request(TrackerState t, AnnounceEvent event, int numWant) {
      long left = ctx.left();
      if (left < 0) {
        left = config.unknownLeft();
      }
      return AnnounceRequest.builder(hash, ctx.peerId(), ctx.listenPort())
          .uploaded(Math.max(0, ctx.uploaded()))
          .downloaded(Math.max(0, ctx.downloaded()))
          .left(left)
          .event(event)
          .numWant(numWant)
          .key(key)
          .trackerId(t.trackerId.orElse(null))
          .build();
    }
  }


  /** Walks an ordered list of tiers; see the class doc. */
  final class Lane {
    final HashAnnouncer owner;
    final List<List<TrackerState>> tiers = new ArrayList<>();
    int tier;
    int index;
    int failedRounds;
    boolean inFlight;
    boolean again; // announce as soon as the one in flight ends
    boolean cancelled;
    int seq; // numbers the announces, so that a late answer to a timed-out one is ignored
    Scheduler.Cancellable timer;
    Scheduler.Cancellable guard;

    Lane(HashAnnouncer owner, List<List<String>> urls) {
      this.owner = owner;
      for (List<String> tierUrls : urls) {
        List<TrackerState> t = new ArrayList<>();
        for (String u : tierUrls) {
          t.add(owner.tracker(u));
        }
        shuffle(t);
        tiers.add(t);
      }
    }

    private void shuffle(List<TrackerState> list) {
      for (int i = list.size() - 1; i > 0; i--) {
        int j = random.nextInt(i + 1);
        TrackerState x = list.get(i);
        list.set(i, list.get(j));
        list.set(j, x);
      }
    }

    /** The trackers in their current order, tier by tier: for tests. */
    List<List<String>> order() {
      List<List<String>> out = new ArrayList<>();
      for (List<TrackerState> t : tiers) {
        List<String> u = new ArrayList<>();
        t.forEach(s -> u.add(s.url));
        out.add(u);
      }
      return out;
    }

    void cancel() {
      cancelled = true;
      if (guard != null) {
        guard.cancel();
      }
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
    }

    void schedule(long delayNanos) {
      if (timer != null) {
        timer.cancel();
      }
      timer = scheduler.schedule(this::announceNow, Math.max(0, delayNanos));
    }

    void announceNow() {
      if (cancelled || stopped) {
        return;
      }
      if (inFlight) {
        again = true;
        return;
      }
      if (timer != null) {
        timer.cancel();
        timer = null;
      }
      long now = scheduler.nanoTime();
      TrackerState t = pick(now);
      if (t == null) {
        endRound(now);
        return;
      }
      AnnounceEvent event = !t.startedSent ? AnnounceEvent.STARTED
          : t.completedPending ? AnnounceEvent.COMPLETED : AnnounceEvent.NONE;
      AnnounceRequest req;
      try {
        req = owner.request(t, event, config.numWant());
      } catch (IllegalArgumentException e) { // e.g. the listen port is not known yet
        log.warn("cannot announce {}: {}", owner.hash, e.getMessage());
        schedule(config.retryBase().toNanos());
        return;
      }
      inFlight = true;
      t.contacted = true;
      boolean completeAtSend = completed;
      CompletableFuture<AnnounceResponse> f;
      try {
        f = t.client.announce(t.uri, req);
      } catch (RuntimeException e) {
        f = Futures.failed(e);
      }
      int mySeq = ++seq;
      guard = scheduler.schedule(() -> {
        if (inFlight && seq == mySeq) {
          done(t, event, completeAtSend, null, new TrackerException("",
              "no answer from " + t.url + " within " + config.announceTimeout()));
        }
      }, config.announceTimeout().toNanos());
      f.whenComplete((r, e) -> scheduler.execute(() -> {
        if (inFlight && seq == mySeq) {
          done(t, event, completeAtSend, r, e);
        }
      }));
    }

    /** The next tracker of this round from the cursor, skipping those set aside; null at the end. */
    private TrackerState pick(long now) {
      while (tier < tiers.size()) {
        List<TrackerState> ts = tiers.get(tier);
        while (index < ts.size()) {
          TrackerState t = ts.get(index);
          if (!t.dead && (!t.hasNotBefore || now - t.notBefore >= 0)) {
            return t;
          }
          index++;
        }
        tier++;
        index = 0;
      }
      return null;
    }

    private void endRound(long now) {
      tier = 0;
      index = 0;
      failedRounds++;
      long wait = config.retryBase().toNanos() << Math.min(failedRounds - 1, 20);
      wait = Math.min(wait, config.retryMax().toNanos());
      boolean anyAlive = false;
      for (List<TrackerState> ts : tiers) {
        for (TrackerState t : ts) {
          if (!t.dead) {
            anyAlive = true;
            if (t.hasNotBefore) {
              wait = Math.max(wait, Math.min(t.notBefore - now, Duration.ofDays(1).toNanos()));
            }
          }
        }
      }
      if (!anyAlive) {
        log.info("every tracker of a tier of {} said never to retry; giving up on it", owner.hash);
        return;
      }
      schedule(wait);
    }

    private void done(TrackerState t, AnnounceEvent event, boolean completeAtSend,
        AnnounceResponse r, Throwable e) {
      inFlight = false;
      guard.cancel();
      if (cancelled || stopped) {
        if (e == null && event == AnnounceEvent.STARTED) {
          t.startedSent = true;
        }
        return;
      }
      long now = scheduler.nanoTime();
      if (e == null) {
        success(t, event, completeAtSend, r, now);
      } else {
        failure(t, e instanceof CompletionException && e.getCause() != null ? e.getCause() : e);
      }
    }

    private void success(
        TrackerState t, AnnounceEvent event, boolean completeAtSend, AnnounceResponse r, long now) {
      if (event == AnnounceEvent.STARTED) {
        t.startedSent = true;
        if (completeAtSend) {
          t.completedPending = false; // reached after completion: started carried left 0
        }
      } else if (event == AnnounceEvent.COMPLETED) {
        t.completedPending = false;
      }
      t.hasNotBefore = false;
      r.trackerId().ifPresent(id -> t.trackerId = Optional.of(id));
      r.warning().ifPresent(w -> log.info("tracker {} warns: {}", t.url, w));
      List<TrackerState> ts = tiers.get(tier);
      ts.remove(t);
      ts.add(0, t);
      tier = 0;
      index = 0;
      failedRounds = 0;
      if (!r.peers().isEmpty()) {
        ctx.addPeers(r.peers(), PeerCandidate.Source.TRACKER);
      }
      long floor = config.minInterval().toNanos();
      if (r.minInterval().isPresent()) {
        floor = Math.max(floor, r.minInterval().get().toNanos());
      }
      long wait = Math.max(r.interval().toNanos(), floor);
      if (event == AnnounceEvent.STARTED) {
        wait = spread(wait, floor);
      }
      if (again || (t.completedPending && t.startedSent)) {
        again = false;
        announceNow();
      } else {
        schedule(wait);
      }
    }

    private void failure(TrackerState t, Throwable e) {
      if (e instanceof TrackerFailureException) {
        TrackerFailureException f = (TrackerFailureException) e;
        log.info("tracker {} refused {}: {}", t.url, owner.hash, f.failureReason());
        if (f.retryNever()) {
          t.dead = true;
        } else if (f.retryIn().isPresent()) {
          t.hasNotBefore = true;
          t.notBefore = scheduler.nanoTime() + f.retryIn().get().toNanos();
        }
      } else {
        log.debug("announce to {} failed: {}", t.url, e.toString());
      }
      again = false;
      index++;
      announceNow();
    }
  }
}
