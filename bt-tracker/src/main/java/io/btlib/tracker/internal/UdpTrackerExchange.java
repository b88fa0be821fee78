package io.btlib.tracker.internal;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import io.btlib.metainfo.InfoHash;
import io.btlib.tracker.AnnounceRequest;
import io.btlib.tracker.AnnounceResponse;
import io.btlib.tracker.HttpTrackerResponses;
import io.btlib.tracker.ScrapeStats;
import io.btlib.tracker.TrackerException;
import io.btlib.tracker.TrackerFailureException;
import io.btlib.tracker.internal.UdpTrackerCodec.AnnounceReply;
import io.btlib.tracker.internal.UdpTrackerCodec.ConnectReply;
import io.btlib.tracker.internal.UdpTrackerCodec.ErrorReply;
import io.btlib.tracker.internal.UdpTrackerCodec.Reply;
import io.btlib.tracker.internal.UdpTrackerCodec.ScrapeEntry;
import io.btlib.tracker.internal.UdpTrackerCodec.ScrapeReply;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Queue;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The BEP 15 exchange of one UDP tracker client, sans-I/O (quinn's shape): requests go in with
 * {@link #start}, datagrams with {@link #handleDatagram}, the clock with {@link #handleTimeout};
 * packets to send come out of {@link #pollTransmit}, and {@link #nextDeadlineNanos} says when to
 * call {@code handleTimeout} next. Results complete each {@link Request#result()}. Time is always
 * an argument; nothing here touches a socket, a thread or a clock. Not thread-safe: one thread
 * drives it.
 *
 * <p>Rules: a request connects first unless a connection id for its tracker address is younger
 * than 60 s; every step (connect, announce, scrape) gets a fresh random transaction id that no
 * other pending step uses; a step unanswered for {@code base * 2^n} is sent again with n + 1, up
 * to {@code maxRetransmits} times (n counts over the whole request), then the request fails; a
 * request whose connection id expired while it waited connects again. A datagram is accepted only
 * from the request's tracker address, with a pending transaction id, well formed, and of the
 * action the step expects (or an error); anything else is dropped and the step keeps waiting.
 */
public final class UdpTrackerExchange {
  /** How long a connection id may be used after it was received (BEP 15). */
  public static final long CONNECTION_ID_TTL_NANOS = Duration.ofMinutes(1).toNanos();
  /** The most connection ids remembered; the least recently used go first. */
  public static final int MAX_CACHED_CONNECTIONS = 1024;

  private static final Logger log = LoggerFactory.getLogger(UdpTrackerExchange.class);
  private static final int MAX_URL_DATA = 1024;
  private static final int CONNECTING = 0;
  private static final int REQUESTING = 1;

  private final long baseNanos;
  private final int maxRetransmits;
  private final Random random;
  private final boolean sendUrlData;
  private final Map<Integer, Request> byTx = new HashMap<>();
  private final Queue<Transmit> transmits = new ArrayDeque<>();
  private final Map<InetSocketAddress, long[]> connections =
      new LinkedHashMap<>(16, 0.75f, true) {
        private static final long serialVersionUID = 1L;

        @Override
        protected boolean removeEldestEntry(Map.Entry<InetSocketAddress, long[]> eldest) {
          return size() > MAX_CACHED_CONNECTIONS;
        }
      };

  /**
   * @param baseNanos the first retransmission timeout (BEP 15: 15 s)
   * @param maxRetransmits how many times a step may be sent again, 0..8
   * @param random the source of transaction ids
   * @param sendUrlData whether announces carry the URL's path and query (BEP 41)
   */
  public UdpTrackerExchange(
      long baseNanos, int maxRetransmits, Random random, boolean sendUrlData) {
    this.baseNanos = baseNanos;
    this.maxRetransmits = maxRetransmits;
    this.random = random;
    this.sendUrlData = sendUrlData;
  }

  /** A packet to send. */
  public record Transmit(byte[] packet, InetSocketAddress to, Request request) {}

  /** One announce or scrape; its state belongs to the exchange once started. */
  public static final class Request {
    final URI uri;
    final InetSocketAddress target;
    final boolean ipv6;
    final AnnounceRequest announce; // null for a scrape
    final List<InfoHash> hashes; // null for an announce
    final CompletableFuture<Object> result;
    int state;
    int tx;
    int attempt;
    long deadline;
    long connectionId;
    byte[] packet;

    private Request(URI uri, InetSocketAddress target, AnnounceRequest announce,
        List<InfoHash> hashes, CompletableFuture<Object> result) {
      this.uri = uri;
      this.target = target;
      this.ipv6 = target.getAddress() instanceof Inet6Address;
      this.announce = announce;
      this.hashes = hashes;
      this.result = result;
    }

    /**
     * An announce to the tracker at {@code target}; {@code result} gets an {@link
     * AnnounceResponse}.
     */
    public static Request announce(URI uri, InetSocketAddress target, AnnounceRequest r,
        CompletableFuture<Object> result) {
      return new Request(uri, target, r, null, result);
    }

    /**
     * A scrape of 1..74 hashes; {@code result} gets an unmodifiable {@code Map<InfoHash,
     * ScrapeStats>} in request order.
     */
    public static Request scrape(URI uri, InetSocketAddress target, List<InfoHash> hashes,
        CompletableFuture<Object> result) {
      return new Request(uri, target, null, List.copyOf(hashes), result);
    }

    /** Where the outcome goes. */
    public CompletableFuture<Object> result() {
      return result;
    }
  }

  /** Starts a request: queues its connect, or its announce/scrape when a connection id is fresh. */
  public void start(Request r, long now) {
    if (r.result.isDone()) {
      return;
    }
    long[] conn = connections.get(r.target);
    if (conn != null && now - conn[1] < CONNECTION_ID_TTL_NANOS) {
      step(r, REQUESTING, conn[0], now);
    } else {
      step(r, CONNECTING, 0, now);
    }
  }

  /** The next packet to send, or null. */
  public Transmit pollTransmit() {
    return transmits.poll();
  }

  /** The shell could not send a packet: the request fails with {@code cause}. */
  public void sendFailed(Request r, Exception cause) {
    byTx.remove(r.tx, r);
    r.result.completeExceptionally(cause);
  }

  /** When {@link #handleTimeout} is next due; {@link Long#MAX_VALUE} with nothing pending. */
  public long nextDeadlineNanos() {
    long next = Long.MAX_VALUE;
    for (Request r : byTx.values()) {
      next = Math.min(next, r.deadline);
    }
    return next;
  }

  /** The number of requests waiting for a reply. */
  public int pending() {
    return byTx.size();
  }

  /** Retransmits or fails the steps whose deadline passed; forgets cancelled requests. */
  public void handleTimeout(long now) {
    for (Request r : new ArrayList<>(byTx.values())) {
      if (r.result.isDone()) {
        byTx.remove(r.tx);
      } else if (now - r.deadline >= 0) {
        timeout(r, now);
      }
    }
  }

  /** Fails every pending request with {@code cause} and forgets them. */
  public void failAll(Throwable cause) {
    for (Request r : byTx.values()) {
      r.result.completeExceptionally(cause);
    }
    byTx.clear();
    transmits.clear();
  }

  private void step(Request r, int state, long connectionId, long now) {
    byTx.remove(r.tx, r);
    r.state = state;
    r.connectionId = connectionId;
    int tx;
    do {
      tx = random.nextInt();
    } while (byTx.containsKey(tx));
    r.tx = tx;
    byTx.put(tx, r);
    if (state == CONNECTING) {
      r.packet = UdpTrackerCodec.encodeConnect(tx);
    } else if (r.announce != null) {
      r.packet = UdpTrackerCodec.encodeAnnounce(connectionId, tx, r.announce, urlData(r.uri));
    } else {
      r.packet = UdpTrackerCodec.encodeScrape(connectionId, tx, r.hashes);
    }
    transmit(r, now);
  }

  private void transmit(Request r, long now) {
    r.deadline = now + (baseNanos << r.attempt);
    transmits.add(new Transmit(r.packet, r.target, r));
  }

  private byte[] urlData(URI uri) {
    if (!sendUrlData) {
      return new byte[0];
    }
    String path = uri.getRawPath() == null ? "" : uri.getRawPath();
    String query = uri.getRawQuery();
    String data = (path.equals("/") && query == null ? "" : path)
        + (query == null ? "" : "?" + query);
    byte[] b = data.getBytes(ISO_8859_1);
    return b.length > MAX_URL_DATA ? new byte[0] : b;
  }

  private void timeout(Request r, long now) {
    if (r.attempt >= maxRetransmits) {
      byTx.remove(r.tx);
      r.result.completeExceptionally(new TrackerException("", "no reply from " + r.uri
          + " after " + (r.attempt + 1) + " attempts (BEP 15 retransmission)"));
      return;
    }
    r.attempt++;
    long[] conn = connections.get(r.target);
    if (r.state == REQUESTING && (conn == null || conn[0] != r.connectionId
        || now - conn[1] >= CONNECTION_ID_TTL_NANOS)) {
      connections.remove(r.target);
      step(r, CONNECTING, 0, now);
    } else {
      transmit(r, now);
    }
  }

  /** Takes a datagram from {@code from}; drops it unless it answers a pending step. */
  public void handleDatagram(ByteBuffer packet, InetSocketAddress from, long now) {
    if (packet.remaining() < 8) {
      log.debug("dropped a {}-byte UDP packet from {}", packet.remaining(), from);
      return;
    }
    Request r = byTx.get(packet.getInt(packet.position() + 4));
    if (r == null || !sameEndpoint(from, r.target)) {
      log.debug("dropped a UDP packet from {} with no matching transaction", from);
      return;
    }
    if (r.result.isDone()) {
      byTx.remove(r.tx);
      return;
    }
    Reply reply;
    try {
      reply = UdpTrackerCodec.decode(packet, r.ipv6);
    } catch (UdpTrackerFormatException e) {
      log.debug("dropped a malformed UDP tracker packet from {}: {}", from, e.getMessage());
      return;
    }
    if (reply instanceof ErrorReply) {
      byTx.remove(r.tx);
      r.result.completeExceptionally(new TrackerFailureException(((ErrorReply) reply).message()));
    } else if (reply instanceof ConnectReply && r.state == CONNECTING) {
      long id = ((ConnectReply) reply).connectionId();
      connections.put(r.target, new long[] {id, now});
      step(r, REQUESTING, id, now);
    } else if (reply instanceof AnnounceReply && r.state == REQUESTING && r.announce != null) {
      byTx.remove(r.tx);
      r.result.complete(toResponse((AnnounceReply) reply));
    } else if (reply instanceof ScrapeReply && r.state == REQUESTING && r.hashes != null) {
      List<ScrapeEntry> entries = ((ScrapeReply) reply).entries();
      if (entries.size() > r.hashes.size()) {
        log.debug("dropped a scrape reply from {} with {} entries for {} hashes", from,
            entries.size(), r.hashes.size());
        return;
      }
      byTx.remove(r.tx);
      Map<InfoHash, ScrapeStats> out = new LinkedHashMap<>();
      for (int i = 0; i < entries.size(); i++) {
        ScrapeEntry e = entries.get(i);
        out.put(r.hashes.get(i), ScrapeStats.of(Math.max(0, e.seeders()),
            Math.max(0, e.leechers()), Math.max(0, e.completed())));
      }
      r.result.complete(Collections.unmodifiableMap(out));
    } else {
      log.debug("dropped a UDP tracker reply from {} with an unexpected action", from);
    }
  }

  private static AnnounceResponse toResponse(AnnounceReply r) {
    long s = r.intervalSeconds();
    Duration interval = Duration.ofSeconds(Math.max(HttpTrackerResponses.MIN_INTERVAL.getSeconds(),
        Math.min(HttpTrackerResponses.MAX_INTERVAL.getSeconds(), s)));
    return new AnnounceResponse(interval, Optional.empty(), Optional.empty(), count(r.seeders()),
        count(r.leechers()), r.peers(), Optional.empty());
  }

  private static OptionalInt count(int n) {
    return n < 0 ? OptionalInt.empty() : OptionalInt.of(n);
  }

  private static boolean sameEndpoint(InetSocketAddress from, InetSocketAddress target) {
    return from.getPort() == target.getPort()
        && normalize(from.getAddress()).equals(normalize(target.getAddress()));
  }

  /** An IPv4-mapped IPv6 address as IPv4; any IPv6 address without its scope id. */
  private static InetAddress normalize(InetAddress a) {
    byte[] b = a.getAddress();
    if (b.length != 16) {
      return a;
    }
    try {
      return InetAddress.getByAddress(b); // IPv4-mapped comes back as Inet4Address
    } catch (UnknownHostException impossible) {
      return a;
    }
  }
}
