package io.btlib.tracker;

import io.btlib.client.PeerSource;
import io.btlib.http.HttpTransport;
import io.btlib.http.HttpTransports;
import io.btlib.tracker.internal.AnnounceConfig;
import io.btlib.tracker.internal.Scheduler;
import io.btlib.tracker.internal.ThreadFactories;
import io.btlib.tracker.internal.TorrentAnnouncer;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Finds peers through the torrent's HTTP(S) and UDP trackers: the {@link PeerSource} to give
 * {@link io.btlib.client.Client.Builder#peerSource}.
 *
 * <pre>{@code
 * try (TrackerPeerSource trackers = TrackerPeerSource.builder()
 *          .extraTrackers(List.of("udp://tracker.example:6969/announce"))
 *          .build();
 *      Client client = Client.builder().peerSource(trackers).build()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>For each torrent it announces {@code started}, then again at the tracker's interval (never
 * sooner than its {@code min interval}; the first time at a random point of the interval's second
 * half, so that torrents started together spread their announces), {@code completed} when the
 * download finishes, and {@code stopped} when the engine closes the session; found peers go to
 * {@link PeerSource.Context#addPeers} as {@link io.btlib.policy.PeerCandidate.Source#TRACKER}.
 * Trackers come from {@link PeerSource.Context#trackerTiers()}, read again every few seconds until
 * the metadata is known (a magnet link's metadata may bring new ones), plus the {@link
 * Builder#extraTrackers extra trackers} as one last tier unless the torrent is private (BEP 27),
 * which uses only its own. Tiers follow BEP 12:
 * each tier is shuffled once, trackers of a tier are tried in order, one that answers moves to
 * the front; by default the first working tracker of <em>every</em> tier is announced to
 * (libtorrent's and qBittorrent's {@code announce_to_all_tiers}); {@link
 * Builder#announceToAllTiers(boolean) announceToAllTiers(false)} gives strict BEP 12. When every
 * tracker of a tier failed, the tier waits {@link Builder#retryBase} doubled per failed round.
 * A hybrid torrent announces its v1 hash and its truncated v2 hash separately.
 *
 * <p><b>Threads.</b> The source owns one daemon thread ({@code bt-tracker-source-N-1}) running
 * all announce logic, and the {@link HttpTrackerClient} and {@link UdpTrackerClient} it creates
 * on first use (with their own threads). {@link #open} and the session methods only post work to
 * that thread and never block. {@link #close()} sends the pending {@code stopped} announces,
 * waits for them at most {@link Builder#stoppedTimeout} (default 2 s), then stops every thread
 * and socket; close the {@link io.btlib.client.Client} first so its sessions' {@code stopped}
 * announces are among them. Idempotent.
 */
public final class TrackerPeerSource implements PeerSource, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TrackerPeerSource.class);

  private final AnnounceConfig config;
  private final ScheduledExecutorService executor;
  private final boolean ownsExecutor;
  private final LongSupplier ticker;
  private final Random random;
  private final List<TrackerClient> givenClients;
  private final Duration httpTimeout;
  private final HttpTransport.Factory httpTransport;
  private final Duration udpRetransmitBase;
  private final int udpMaxRetransmits;
  private final Set<SessionImpl> sessions = ConcurrentHashMap.newKeySet();
  private final Scheduler scheduler;
  private final Object clientLock = new Object();
  private volatile boolean closed;
  private HttpTrackerClient http; // guarded by clientLock
  private UdpTrackerClient udp; // guarded by clientLock

  private TrackerPeerSource(Builder b) {
    this.config = new AnnounceConfig(b.extraTrackers, b.numWant, b.announceToAllTiers,
        b.retryBase, b.retryMax, b.minInterval, b.stoppedTimeout, b.refreshInterval, 16 * 1024,
        b.announceTimeout);
    this.ticker = b.ticker;
    this.random = b.random;
    this.givenClients = List.copyOf(b.clients);
    this.httpTimeout = b.httpTimeout;
    this.httpTransport = b.httpTransport;
    this.udpRetransmitBase = b.udpRetransmitBase;
    this.udpMaxRetransmits = b.udpMaxRetransmits;
    if (b.executor != null) {
      this.executor = b.executor;
      this.ownsExecutor = false;
    } else {
      ScheduledThreadPoolExecutor e =
          new ScheduledThreadPoolExecutor(1, ThreadFactories.daemon("bt-tracker-source"));
      e.setRemoveOnCancelPolicy(true);
      e.setExecuteExistingDelayedTasksAfterShutdownPolicy(false);
      this.executor = e;
      this.ownsExecutor = true;
    }
    this.scheduler = new Scheduler() {
      @Override
      public long nanoTime() {
        return ticker.getAsLong();
      }

      @Override
      public Cancellable schedule(Runnable task, long delayNanos) {
        try {
          ScheduledFuture<?> f = executor.schedule(() -> runSafely(task), Math.max(0, delayNanos),
              TimeUnit.NANOSECONDS);
          return () -> f.cancel(false);
        } catch (RejectedExecutionException e) {
          return () -> { };
        }
      }
    };
  }

  /** A builder with the defaults. */
  public static Builder builder() {
    return new Builder();
  }

  private static void runSafely(Runnable task) {
    try {
      task.run();
    } catch (RuntimeException e) {
      log.warn("tracker announce task failed", e);
    }
  }

  /** Starts announcing one torrent; returns at once (the work runs on the source's thread). */
  @Override
  public Session open(Context context) {
    Objects.requireNonNull(context, "context");
    if (closed) {
      throw new IllegalStateException("closed");
    }
    SessionImpl s = new SessionImpl(
        new TorrentAnnouncer(context, config, scheduler, this::clientFor, random));
    sessions.add(s);
    scheduler.execute(s.announcer::start);
    return s;
  }

  private TrackerClient clientFor(URI uri) {
    for (TrackerClient c : givenClients) {
      if (c.supports(uri)) {
        return c;
      }
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
    synchronized (clientLock) {
      if (closed) {
        return null;
      }
      switch (scheme) {
        case "http":
        case "https":
          if (http == null) {
            http = HttpTrackerClient.builder().connectTimeout(httpTimeout)
                .requestTimeout(httpTimeout).httpTransport(httpTransport).build();
          }
          return http;
        case "udp":
          if (udp == null) {
            udp = UdpTrackerClient.builder().retransmitBase(udpRetransmitBase)
                .maxRetransmits(udpMaxRetransmits).ticker(ticker).build();
          }
          return udp;
        default:
          return null;
      }
    }
  }

  /**
   * Stops every session (sending {@code stopped}, waiting for the answers at most the {@link
   * Builder#stoppedTimeout}), then the thread and the clients this source created. Clients given
   * to {@link Builder#client} and an executor given to {@link Builder#executor} are left to their
   * owner. Idempotent.
   */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    CompletableFuture<Void> done = new CompletableFuture<>();
    try {
      executor.execute(() -> {
        List<CompletableFuture<Void>> stops = new ArrayList<>();
        for (SessionImpl s : sessions) {
          stops.add(s.stopNow());
        }
        CompletableFuture.allOf(stops.toArray(new CompletableFuture<?>[0]))
            .whenComplete((v, e) -> done.complete(null));
      });
      done.get(config.stoppedTimeout().toMillis() + 500, TimeUnit.MILLISECONDS);
    } catch (RejectedExecutionException | ExecutionException | TimeoutException e) {
      log.debug("tracker source closed without waiting for every stopped announce", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (ownsExecutor) {
      executor.shutdownNow();
      try {
        executor.awaitTermination(1, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    synchronized (clientLock) {
      if (http != null) {
        http.close();
      }
      if (udp != null) {
        udp.close();
      }
    }
  }

  /** One torrent's announces; its methods post to the source's thread. */
  private final class SessionImpl implements Session {
    final TorrentAnnouncer announcer;
    private volatile boolean sessionClosed;
    private CompletableFuture<Void> stopping; // on the scheduler thread

    SessionImpl(TorrentAnnouncer announcer) {
      this.announcer = announcer;
    }

    @Override
    public void completed() {
      if (!sessionClosed) {
        scheduler.execute(announcer::completed);
      }
    }

    @Override
    public void close() {
      if (sessionClosed) {
        return;
      }
      sessionClosed = true;
      scheduler.execute(this::stopNow);
    }

    CompletableFuture<Void> stopNow() {
      if (stopping == null) {
        stopping = announcer.stop();
        stopping.whenComplete((v, e) -> sessions.remove(this));
      }
      return stopping;
    }
  }

  /** Builds a {@link TrackerPeerSource}; setters check their value at once. Not thread-safe. */
  public static final class Builder {
    private List<String> extraTrackers = List.of();
    private int numWant = 50;
    private boolean announceToAllTiers = true;
    private Duration retryBase = Duration.ofSeconds(30);
    private Duration retryMax = Duration.ofMinutes(30);
    private Duration minInterval = Duration.ofSeconds(30);
    private Duration stoppedTimeout = Duration.ofSeconds(2);
    private Duration refreshInterval = Duration.ofSeconds(5);
    private Duration httpTimeout = Duration.ofSeconds(30);
    private HttpTransport.Factory httpTransport = HttpTransports.urlConnection();
    private Duration announceTimeout = Duration.ofMinutes(5);
    private Duration udpRetransmitBase = Duration.ofSeconds(15);
    private int udpMaxRetransmits = 2;
    private ScheduledExecutorService executor;
    private LongSupplier ticker = System::nanoTime;
    private Random random = new java.security.SecureRandom();
    private final List<TrackerClient> clients = new ArrayList<>();

    private Builder() {}

    /**
     * Trackers to announce every non-private torrent to, as one extra tier after the torrent's
     * own; default none. Private torrents (BEP 27) never use them.
     */
    public Builder extraTrackers(List<String> urls) {
      List<String> copy = List.copyOf(urls);
      for (String u : copy) {
        URI uri = URI.create(u); // throws IllegalArgumentException naming the URL
        if (uri.getScheme() == null || uri.getHost() == null) {
          throw new IllegalArgumentException("not a tracker URL: " + u);
        }
      }
      this.extraTrackers = copy;
      return this;
    }

    /** Peers to ask for in each announce, 0..10000; default 50. */
    public Builder numWant(int numWant) {
      if (numWant < 0 || numWant > AnnounceRequest.MAX_NUM_WANT) {
        throw new IllegalArgumentException("numWant must be in 0.." + AnnounceRequest.MAX_NUM_WANT
            + ", got " + numWant);
      }
      this.numWant = numWant;
      return this;
    }

    /**
     * Whether to announce to the first working tracker of every tier (default true, as
     * libtorrent's {@code announce_to_all_tiers}) or only to the first working tracker over all
     * tiers in order (false: strict BEP 12).
     */
    public Builder announceToAllTiers(boolean all) {
      this.announceToAllTiers = all;
      return this;
    }

    /**
     * The wait after every tracker of a tier failed, doubled for each further failed round up to
     * {@code max}; default 30 s up to 30 min.
     */
    public Builder retryBase(Duration base, Duration max) {
      this.retryBase = positive("retryBase", base);
      this.retryMax = positive("retryMax", max);
      if (max.compareTo(base) < 0) {
        throw new IllegalArgumentException("retry max " + max + " is less than base " + base);
      }
      return this;
    }

    /** The least time between two regular announces to a tracker; default 30 s. */
    public Builder minInterval(Duration min) {
      this.minInterval = positive("minInterval", min);
      return this;
    }

    /** How long {@link #close()} waits for {@code stopped} announces; default 2 s. */
    public Builder stoppedTimeout(Duration timeout) {
      this.stoppedTimeout = positive("stoppedTimeout", timeout);
      return this;
    }

    /** How often a torrent's tracker list is read again until its metadata is known; 5 s. */
    public Builder refreshInterval(Duration interval) {
      this.refreshInterval = positive("refreshInterval", interval);
      return this;
    }

    /**
     * How long one announce may go unanswered before the next tracker is tried, whatever the
     * client; default 5 min (the built-in clients give up sooner: see {@link #httpTimeout} and
     * {@link #udpRetransmission}).
     */
    public Builder announceTimeout(Duration timeout) {
      this.announceTimeout = positive("announceTimeout", timeout);
      return this;
    }

    /**
     * What makes the transport of HTTP announces; default {@link HttpTransports#urlConnection()}
     * (runs on Android too); {@link HttpTransports#jdkHttpClient()} uses the JDK's {@code
     * HttpClient}. Ignored when {@link #client} replaces the built-in clients.
     */
    public Builder httpTransport(HttpTransport.Factory factory) {
      this.httpTransport = Objects.requireNonNull(factory, "factory");
      return this;
    }

    /** The connect and request timeout of HTTP announces; default 30 s. */
    public Builder httpTimeout(Duration timeout) {
      this.httpTimeout = positive("httpTimeout", timeout);
      return this;
    }

    /**
     * The UDP retransmission base and count ({@link UdpTrackerClient.Builder}); default 15 s and
     * 2 retransmissions (105 s in all before the next tracker is tried; BEP 15's 8 would keep a
     * dead tracker's tier waiting for two hours).
     */
    public Builder udpRetransmission(Duration base, int maxRetransmits) {
      UdpTrackerClient.builder().retransmitBase(base).maxRetransmits(maxRetransmits); // checks
      this.udpRetransmitBase = base;
      this.udpMaxRetransmits = maxRetransmits;
      return this;
    }

    /**
     * An executor to run the announce logic on instead of the source's own thread; it must run
     * one task at a time (single-threaded). The caller shuts it down.
     */
    public Builder executor(ScheduledExecutorService executor) {
      this.executor = Objects.requireNonNull(executor, "executor");
      return this;
    }

    /** The monotonic clock in nanoseconds; default {@link System#nanoTime()}. */
    public Builder ticker(LongSupplier ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** The randomness for tier shuffles and keys; default a {@link java.security.SecureRandom}. */
    public Builder random(Random random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * A client to use for the URLs it {@link TrackerClient#supports supports}, before the built-in
     * HTTP and UDP clients (for example a WebSocket tracker client, or one with other settings).
     * The caller closes it.
     */
    public Builder client(TrackerClient client) {
      this.clients.add(Objects.requireNonNull(client, "client"));
      return this;
    }

    /** Builds the source; it owns its thread until {@link TrackerPeerSource#close()}. */
    public TrackerPeerSource build() {
      return new TrackerPeerSource(this);
    }

    private static Duration positive(String what, Duration d) {
      Objects.requireNonNull(d, what);
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, got " + d);
      }
      return d;
    }
  }
}
