package io.btlib.tracker;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.tracker.internal.Futures;
import io.btlib.tracker.internal.ThreadFactories;
import io.btlib.tracker.internal.UdpTrackerCodec;
import io.btlib.tracker.internal.UdpTrackerExchange;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Announces to and scrapes UDP trackers (BEP 15; {@code udp://host:port[/path]}, BEP 41 URL data).
 *
 * <pre>{@code
 * try (UdpTrackerClient udp = UdpTrackerClient.builder().build()) {
 *   AnnounceResponse r = udp.announce(URI.create("udp://[::1]:6969/announce"), request).join();
 * }
 * }</pre>
 *
 * <p><b>Protocol.</b> Each request first obtains a connection id (connect), which is reused for
 * the same tracker address for 60 s, then sends the announce or scrape. Every packet carries a
 * fresh random transaction id; a reply is accepted only from the tracker's address, with a
 * pending transaction id and the action expected: anything else (a stale or foreign id, garbage,
 * a truncated packet) is dropped and the request keeps waiting. Unanswered packets are sent
 * again after {@code base * 2^n} (n = 0, 1, ...; BEP 15's base is 15 s), up to {@link
 * Builder#maxRetransmits} times, after which the request fails with a {@link TrackerException};
 * a request whose connection id expired meanwhile connects again. An error reply (action 3)
 * fails the request with a {@link TrackerFailureException} carrying the tracker's message.
 * Announce replies from an IPv6 tracker carry 18-byte peers, from an IPv4 tracker 6-byte ones.
 * The interval is clamped to [{@link HttpTrackerResponses#MIN_INTERVAL}, {@link
 * HttpTrackerResponses#MAX_INTERVAL}] as for HTTP; negative counts read as absent.
 * Scrapes carry at most 74 hashes. Host names are resolved on the client's own resolver thread,
 * IP literals without any lookup.
 *
 * <p><b>Threads and sockets.</b> One {@link DatagramChannel} serves every tracker and torrent;
 * it is opened, with one daemon thread {@code bt-tracker-udp-N-1} that owns all protocol state,
 * on first use. Futures complete on that thread: dependent stages must not block (use the
 * {@code ...Async} forms for slow work). At most {@link Builder#maxPending} requests may be in
 * flight; more fail at once. {@link #close()} fails what is pending, closes the channel and
 * stops the threads.
 */
public final class UdpTrackerClient implements TrackerClient {
  /** How long a connection id may be used after it was received (BEP 15). */
  public static final Duration CONNECTION_ID_TTL = Duration.ofMinutes(1);

  private static final Logger log = LoggerFactory.getLogger(UdpTrackerClient.class);

  private final int maxPending;
  private final LongSupplier ticker;
  private final InetSocketAddress bindAddress;

  private final Object lock = new Object();
  private final Queue<Op> submitted = new ConcurrentLinkedQueue<>();
  private final AtomicInteger inFlight = new AtomicInteger();
  private volatile boolean closed;
  // guarded by lock: the lazily started I/O
  private DatagramChannel channel;
  private Selector selector;
  private Thread loop;
  private ExecutorService resolver;

  private final UdpTrackerExchange exchange; // owned by the loop thread

  private UdpTrackerClient(Builder b) {
    this.maxPending = b.maxPending;
    this.ticker = b.ticker;
    this.bindAddress = b.bindAddress;
    this.exchange = new UdpTrackerExchange(b.retransmitBase.toNanos(), b.maxRetransmits, b.random,
        b.sendUrlData);
  }

  /** A builder with BEP 15's defaults. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public boolean supports(URI tracker) {
    return tracker.getScheme() != null && tracker.getScheme().toLowerCase(Locale.ROOT).equals("udp");
  }

  /**
   * The local address of the client's socket, once it was opened by a first request; empty
   * before and after close.
   */
  public Optional<InetSocketAddress> localAddress() {
    synchronized (lock) {
      try {
        return channel == null || !channel.isOpen()
            ? Optional.empty()
            : Optional.ofNullable((InetSocketAddress) channel.getLocalAddress());
      } catch (IOException e) {
        return Optional.empty();
      }
    }
  }

  @Override
  public CompletableFuture<AnnounceResponse> announce(URI tracker, AnnounceRequest request) {
    Objects.requireNonNull(request, "request");
    Op op = new Op(tracker, request, null);
    return start(op).thenApply(r -> (AnnounceResponse) r);
  }

  @Override
  public CompletableFuture<Map<InfoHash, ScrapeStats>> scrape(URI tracker, List<InfoHash> hashes) {
    Objects.requireNonNull(hashes, "hashes");
    if (hashes.isEmpty() || hashes.size() > UdpTrackerCodec.MAX_SCRAPE_HASHES) {
      return Futures.failed(new IllegalArgumentException(
          "a UDP scrape carries 1.." + UdpTrackerCodec.MAX_SCRAPE_HASHES + " hashes, got "
              + hashes.size()));
    }
    for (InfoHash h : hashes) {
      if (!h.isV1()) {
        return Futures.failed(
            new IllegalArgumentException("info hashes must be 20 bytes, got " + h));
      }
    }
    Op op = new Op(tracker, null, List.copyOf(hashes));
    return start(op).thenApply(r -> {
      @SuppressWarnings("unchecked")
      Map<InfoHash, ScrapeStats> m = (Map<InfoHash, ScrapeStats>) r;
      return m;
    });
  }

  private CompletableFuture<Object> start(Op op) {
    Objects.requireNonNull(op.uri, "tracker");
    if (closed) {
      return Futures.failed(new IllegalStateException("closed"));
    }
    if (!supports(op.uri)) {
      return Futures.failed(
          new IllegalArgumentException("not a udp tracker URL: " + op.uri));
    }
    String host = op.uri.getHost();
    int port = op.uri.getPort();
    if (host == null || port < 1 || port > 65535) {
      return Futures.failed(new IllegalArgumentException(
          "a udp tracker URL needs a host and a port in 1..65535: " + op.uri));
    }
    if (inFlight.incrementAndGet() > maxPending) {
      inFlight.decrementAndGet();
      return Futures.failed(new TrackerException("",
          "too many UDP tracker requests in flight (limit " + maxPending + ")"));
    }
    op.result.whenComplete((v, e) -> inFlight.decrementAndGet());
    String bare = host.startsWith("[") && host.endsWith("]")
        ? host.substring(1, host.length() - 1) : host;
    InetAddress literal = null;
    try {
      literal = PeerAddress.of(bare, port).address();
    } catch (IllegalArgumentException notALiteral) {
      // a host name: resolve it off the caller's thread
    }
    try {
      ensureStarted();
    } catch (IOException | RuntimeException e) {
      op.result.completeExceptionally(e);
      return op.result;
    }
    if (literal != null) {
      submit(op, new InetSocketAddress(literal, port));
    } else {
      try {
        resolver.execute(() -> {
          try {
            submit(op, new InetSocketAddress(InetAddress.getByName(bare), port));
          } catch (UnknownHostException e) {
            op.result.completeExceptionally(e);
          }
        });
      } catch (RejectedExecutionException e) {
        op.result.completeExceptionally(new IllegalStateException("closed"));
      }
    }
    return op.result;
  }

  private void submit(Op op, InetSocketAddress target) {
    op.request = op.announce != null
        ? UdpTrackerExchange.Request.announce(op.uri, target, op.announce, op.result)
        : UdpTrackerExchange.Request.scrape(op.uri, target, op.hashes, op.result);
    submitted.add(op);
    Selector s;
    synchronized (lock) {
      s = selector;
    }
    if (closed) {
      op.result.completeExceptionally(new IllegalStateException("closed"));
    } else if (s != null) {
      s.wakeup();
    }
  }

  private void ensureStarted() throws IOException {
    synchronized (lock) {
      if (closed) {
        throw new IllegalStateException("closed");
      }
      if (channel != null) {
        return;
      }
      DatagramChannel ch;
      if (bindAddress == null) {
        ch = DatagramChannel.open();
      } else {
        ch = DatagramChannel.open(bindAddress.getAddress() instanceof Inet4Address
            ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
      }
      try {
        ch.bind(bindAddress);
        ch.configureBlocking(false);
        Selector sel = Selector.open();
        ch.register(sel, SelectionKey.OP_READ);
        channel = ch;
        selector = sel;
      } catch (IOException | RuntimeException e) {
        ch.close();
        throw e;
      }
      resolver = Executors.newSingleThreadExecutor(ThreadFactories.daemon("bt-tracker-udp-dns"));
      loop = ThreadFactories.daemon("bt-tracker-udp").newThread(this::run);
      loop.start();
    }
  }

  // ---- the loop thread ----

  private void run() {
    ByteBuffer buf = ByteBuffer.allocate(65536);
    try {
      while (!closed) {
        Op op;
        while ((op = submitted.poll()) != null) {
          exchange.start(op.request, ticker.getAsLong());
        }
        flush();
        long now = ticker.getAsLong();
        long next = exchange.nextDeadlineNanos();
        long waitMillis = next == Long.MAX_VALUE
            ? 0
            : Math.max(1, TimeUnit.NANOSECONDS.toMillis(next - now) + 1);
        selector.select(waitMillis);
        selector.selectedKeys().clear();
        SocketAddress from;
        while (!closed && (from = receive(buf)) != null) {
          ((Buffer) buf).flip();
          exchange.handleDatagram(buf, (InetSocketAddress) from, ticker.getAsLong());
          ((Buffer) buf).clear();
        }
        exchange.handleTimeout(ticker.getAsLong());
        flush();
      }
    } catch (IOException | RuntimeException e) {
      if (!closed) {
        log.warn("UDP tracker client loop failed; failing its requests", e);
      }
    } finally {
      shutdown();
    }
  }

  private void flush() {
    UdpTrackerExchange.Transmit t;
    while ((t = exchange.pollTransmit()) != null) {
      try {
        channel.send(ByteBuffer.wrap(t.packet()), t.to());
      } catch (IOException | RuntimeException e) {
        exchange.sendFailed(t.request(),
            e instanceof IOException ? e : new IOException("cannot send to " + t.to(), e));
      }
    }
  }

  private SocketAddress receive(ByteBuffer buf) {
    try {
      return channel.receive(buf);
    } catch (IOException e) {
      // e.g. an ICMP error surfacing on some platforms: not fatal for the socket
      log.debug("UDP tracker receive failed", e);
      return null;
    }
  }

  private void shutdown() {
    IllegalStateException closedEx = new IllegalStateException("closed");
    exchange.failAll(closedEx);
    Op op;
    while ((op = submitted.poll()) != null) {
      op.result.completeExceptionally(closedEx);
    }
    synchronized (lock) {
      closeQuietly();
    }
  }

  private void closeQuietly() {
    try {
      if (selector != null) {
        selector.close();
      }
    } catch (IOException e) {
      log.debug("closing the selector failed", e);
    }
    try {
      if (channel != null) {
        channel.close();
      }
    } catch (IOException e) {
      log.debug("closing the UDP tracker socket failed", e);
    }
  }

  /**
   * Fails pending requests with {@link IllegalStateException}, closes the socket and stops the
   * threads (waiting at most a second for the loop thread to end). Idempotent.
   */
  @Override
  public void close() {
    Thread t;
    synchronized (lock) {
      if (closed) {
        return;
      }
      closed = true;
      t = loop;
      if (resolver != null) {
        resolver.shutdownNow();
      }
      if (selector != null) {
        selector.wakeup();
      }
    }
    if (t == null) {
      return;
    }
    if (t != Thread.currentThread()) {
      try {
        t.join(1000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    Op op;
    while ((op = submitted.poll()) != null) {
      op.result.completeExceptionally(new IllegalStateException("closed"));
    }
  }

  /** A request on its way to the loop thread. */
  private static final class Op {
    final URI uri;
    final AnnounceRequest announce; // null for a scrape
    final List<InfoHash> hashes; // null for an announce
    final CompletableFuture<Object> result = new CompletableFuture<>();
    UdpTrackerExchange.Request request;

    Op(URI uri, AnnounceRequest announce, List<InfoHash> hashes) {
      this.uri = uri;
      this.announce = announce;
      this.hashes = hashes;
    }
  }

  /** Builds a {@link UdpTrackerClient}; setters check their value at once. Not thread-safe. */
  public static final class Builder {
    private Duration retransmitBase = Duration.ofSeconds(15);
    private int maxRetransmits = 8;
    private int maxPending = 4096;
    private LongSupplier ticker = System::nanoTime;
    private Random random = new java.security.SecureRandom();
    private InetSocketAddress bindAddress;
    private boolean sendUrlData = true;

    private Builder() {}

    /**
     * The wait before the first retransmission, doubled for each further one; default 15 s
     * (BEP 15). Tests use tens of milliseconds.
     */
    public Builder retransmitBase(Duration base) {
      Objects.requireNonNull(base, "base");
      if (base.toMillis() < 1 || base.compareTo(Duration.ofMinutes(5)) > 0) {
        throw new IllegalArgumentException("retransmitBase must be in 1 ms..5 min, got " + base);
      }
      this.retransmitBase = base;
      return this;
    }

    /**
     * How many times an unanswered packet is sent again before the request fails, 0..8; default
     * 8 (BEP 15: n up to 8, which with the 15 s base waits over two hours in all).
     */
    public Builder maxRetransmits(int n) {
      if (n < 0 || n > 8) {
        throw new IllegalArgumentException("maxRetransmits must be in 0..8, got " + n);
      }
      this.maxRetransmits = n;
      return this;
    }

    /** The most requests in flight at once; default 4096. */
    public Builder maxPending(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxPending must be at least 1, got " + n);
      }
      this.maxPending = n;
      return this;
    }

    /** The monotonic clock in nanoseconds for timeouts and connection id age; default {@link
     * System#nanoTime()}. */
    public Builder ticker(LongSupplier ticker) {
      this.ticker = Objects.requireNonNull(ticker, "ticker");
      return this;
    }

    /** The source of transaction ids; default a {@link java.security.SecureRandom}. */
    public Builder random(Random random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /**
     * The local address to bind the socket to; default the wildcard address (IPv4 and IPv6
     * where the platform allows) and an ephemeral port. Binding to an IPv4 address limits the
     * client to IPv4 trackers, and an IPv6 address to IPv6 ones.
     */
    public Builder bindAddress(InetSocketAddress address) {
      this.bindAddress = Objects.requireNonNull(address, "address");
      return this;
    }

    /** Whether to send the URL's path and query as BEP 41 URL data; default true. */
    public Builder sendUrlData(boolean send) {
      this.sendUrlData = send;
      return this;
    }

    /** Builds the client; its socket and thread start with the first request. */
    public UdpTrackerClient build() {
      return new UdpTrackerClient(this);
    }
  }
}
