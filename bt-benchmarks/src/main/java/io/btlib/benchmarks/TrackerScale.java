package io.btlib.benchmarks;

import static java.nio.charset.StandardCharsets.US_ASCII;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.Arrays;

/**
 * A UDP (BEP 15) load generator for a tracker holding a large population: peer {@code g} (0, 1,
 * 2, ...) announces info hash {@code g % swarms} (so {@code swarms} swarms of equal size) from
 * source address {@code 127.1.(k / 250).(k % 250 + 1)}, {@code k = g / 50,000}, with announced port
 * {@code 1024 + g % 50,000} and a peer id made of {@code g}. Every peer is distinct by address
 * and port, as both bt and opentracker key a UDP peer (the datagram's source address and the
 * announced port), across the whole tracker, not only within its swarm. A quarter are seeders.
 * The info hashes are {@link TrackerLoad#hashes}'s, so {@code TrackerLoad hashes} writes the
 * allow-list.
 *
 * <pre>
 * TrackerScale fill --udp PORT --swarms S --from A --count N
 *     peers A..A+N-1 announce once each (event started); a lost request is sent again until
 *     answered, so afterwards the tracker holds all of them. Prints "fill_announces_per_s X".
 * TrackerScale reannounce --udp PORT --swarms S --population N --seconds T
 *     peers drawn at random from 0..N-1 announce again (event none) for T seconds.
 *     Prints "reannounce_announces_per_s X".
 * TrackerScale churn --udp PORT --swarms S --live N --interval I --turnover F --seconds T
 *     a steady population of N peers, each announcing once every I seconds, paced (N / I
 *     announces a second); every I seconds a fraction F of them falls silent for good and as
 *     many new peers take their places (the live set is the sliding range base..base+N-1, base
 *     growing by N * F / I a second). Prints a line every --report seconds (10): time, live
 *     base, announces/s, lost requests and the longest and 99.9th-percentile reply latency.
 * Options: --window W (64) requests in flight; --numwant K (50); --reconnect-ms M (50,000)
 *     how often each socket renews its connection id (an error reply also renews it, then the
 *     request is sent again).
 * </pre>
 */
public final class TrackerScale {
  /** Peers per source address (announced ports 1024..51023). */
  static final int PER_ADDRESS = 50_000;
  private static final long TIMEOUT_NANOS = 300_000_000L;
  private static final byte[] PEER_ID_PREFIX = "-BT0001-".getBytes(US_ASCII);

  private final int port;
  private final byte[][] hashes;
  private final int window;
  private final int numwant;
  private final long reconnectNanos;
  private final Selector selector;
  private Sock[] socks = new Sock[0];
  private final ByteBuffer out = ByteBuffer.allocateDirect(98);
  private final ByteBuffer in = ByteBuffer.allocateDirect(4096);
  // the window: slot i holds peer slotPeer[i] sent at slotSent[i] with transaction id slotTid[i]
  private final long[] slotPeer;
  private final int[] slotTid;
  private final long[] slotSent;
  private final int[] slotEvent;
  private int free; // free slots are marked by slotPeer < 0
  private int seq;
  long replies;
  long lost;
  long errors;
  private final long[] latencyHist = new long[4096]; // 0.1 ms buckets up to 409.6 ms, last = more

  private static final class Sock {
    DatagramChannel ch;
    long cid;
    long connectedAt;
    boolean stale = true;
  }

  private TrackerScale(int port, byte[][] hashes, int window, int numwant, long reconnectNanos)
      throws IOException {
    this.port = port;
    this.hashes = hashes;
    this.window = Math.min(window, 256);
    this.numwant = numwant;
    this.reconnectNanos = reconnectNanos;
    this.selector = Selector.open();
    slotPeer = new long[this.window];
    slotTid = new int[this.window];
    slotSent = new long[this.window];
    slotEvent = new int[this.window];
    Arrays.fill(slotPeer, -1);
    free = this.window;
  }

  /** Entry point; see the class doc. */
  public static void main(String[] args) throws Exception {
    String mode = args[0];
    java.util.Map<String, String> opt = new java.util.HashMap<>();
    for (int i = 1; i + 1 < args.length; i += 2) {
      opt.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int swarms = Integer.parseInt(opt.getOrDefault("swarms", "100000"));
    TrackerScale t = new TrackerScale(Integer.parseInt(opt.get("udp")), TrackerLoad.hashes(swarms),
        Integer.parseInt(opt.getOrDefault("window", "64")),
        Integer.parseInt(opt.getOrDefault("numwant", "50")),
        Long.parseLong(opt.getOrDefault("reconnect-ms", "50000")) * 1_000_000L);
    switch (mode) {
      case "fill":
        t.fill(Long.parseLong(opt.get("from")), Long.parseLong(opt.get("count")));
        break;
      case "reannounce":
        t.reannounce(Long.parseLong(opt.get("population")),
            Integer.parseInt(opt.getOrDefault("seconds", "5")));
        break;
      case "churn":
        t.churn(Long.parseLong(opt.get("live")), Double.parseDouble(opt.get("interval")),
            Double.parseDouble(opt.get("turnover")),
            Integer.parseInt(opt.getOrDefault("seconds", "60")),
            Integer.parseInt(opt.getOrDefault("report", "10")));
        break;
      default:
        throw new IllegalArgumentException("unknown mode " + mode);
    }
    System.out.flush();
    System.exit(0);
  }

  // ---- the three modes ----

  private void fill(long from, long count) throws IOException {
    long next = from;
    long end = from + count;
    long start = System.nanoTime();
    while (next < end || free < window) {
      while (free > 0 && next < end) {
        send(next++, 2);
      }
      poll(true);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    System.out.printf("fill_announces_per_s %.0f%n", count / secs);
    System.out.println("fill_seconds " + Math.round(secs * 10) / 10.0 + " resent " + lost
        + " error_replies " + errors);
    printLatency("fill");
  }

  private void reannounce(long population, int seconds) throws IOException {
    long x = System.nanoTime() | 1;
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    while (System.nanoTime() < end) {
      while (free > 0) {
        x ^= x << 13;
        x ^= x >>> 7;
        x ^= x << 17;
        send((x >>> 1) % population, 0);
      }
      poll(false);
    }
    double secs = (System.nanoTime() - start) / 1e9;
    System.out.printf("reannounce_announces_per_s %.0f%n", replies / secs);
    System.out.println("lost " + lost + " error_replies " + errors);
    printLatency("reannounce");
  }

  private void churn(long live, double interval, double turnover, int seconds, int report)
      throws IOException {
    double rate = live / interval; // announces a second
    double baseRate = live * turnover / interval; // peers replaced a second
    long start = System.nanoTime();
    long end = start + seconds * 1_000_000_000L;
    long sent = 0;
    long offset = 0;
    long nextReport = start + report * 1_000_000_000L;
    long repliesAtReport = 0;
    System.out.println("churn live " + live + " interval_s " + interval + " turnover " + turnover
        + " => " + Math.round(rate) + " announces/s, " + Math.round(baseRate)
        + " peers replaced/s");
    while (true) {
      long now = System.nanoTime();
      if (now >= end) {
        break;
      }
      double t = (now - start) / 1e9;
      long base = (long) (t * baseRate);
      long due = (long) (t * rate);
      while (free > 0 && sent < due) {
        send(base + offset % live, 0);
        offset++;
        sent++;
      }
      poll(false);
      if (now >= nextReport) {
        System.out.printf("t %4.0f s  base %d  announces_per_s %.0f  lost %d  p999_ms %s  "
                + "max_ms %s%n", t, base, (replies - repliesAtReport) / (double) report, lost,
            percentile(0.999), percentile(1.0));
        repliesAtReport = replies;
        Arrays.fill(latencyHist, 0);
        nextReport += report * 1_000_000_000L;
      }
    }
    System.out.println("churn_done replies " + replies + " lost " + lost + " error_replies "
        + errors);
  }

  // ---- sending and receiving ----

  private Sock sock(long peer) throws IOException {
    int k = (int) (peer / PER_ADDRESS);
    if (k >= socks.length) {
      Sock[] grown = Arrays.copyOf(socks, k + 1);
      for (int i = socks.length; i <= k; i++) {
        Sock s = new Sock();
        s.ch = DatagramChannel.open();
        s.ch.setOption(java.net.StandardSocketOptions.SO_RCVBUF, 1 << 20);
        s.ch.bind(new InetSocketAddress(InetAddress.getByAddress(
            new byte[] {127, 1, (byte) (i / 250), (byte) (i % 250 + 1)}), 0));
        s.ch.connect(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), port));
        s.ch.configureBlocking(false);
        s.ch.register(selector, SelectionKey.OP_READ, i);
        grown[i] = s;
      }
      socks = grown;
    }
    Sock s = socks[k];
    long now = System.nanoTime();
    if (s.stale || now - s.connectedAt > reconnectNanos) {
      connect(s);
    }
    return s;
  }

  /** Gets a fresh connection id for {@code s}, handling announce replies that arrive meanwhile. */
  private void connect(Sock s) throws IOException {
    for (int attempt = 0; attempt < 100; attempt++) {
      ByteBuffer c = ByteBuffer.allocate(16);
      c.putLong(0x41727101980L).putInt(0).putInt(-1).flip();
      s.ch.write(c);
      long until = System.nanoTime() + 100_000_000L;
      while (System.nanoTime() < until) {
        in.clear();
        if (s.ch.read(in) <= 0) {
          Thread.onSpinWait();
          continue;
        }
        if (in.position() >= 16 && in.getInt(0) == 0 && in.getInt(4) == -1) {
          s.cid = in.getLong(8);
          s.connectedAt = System.nanoTime();
          s.stale = false;
          return;
        }
        onReply(s);
      }
    }
    throw new IOException("no connect reply from UDP port " + port);
  }

  private void send(long peer, int event) throws IOException {
    int slot = 0;
    while (slotPeer[slot] >= 0) {
      slot++;
    }
    Sock s = sock(peer);
    int tid = (++seq << 8) | slot;
    slotPeer[slot] = peer;
    slotTid[slot] = tid;
    slotEvent[slot] = event;
    slotSent[slot] = System.nanoTime();
    free--;
    int h = (int) (peer % hashes.length);
    int p = (int) (peer % PER_ADDRESS);
    out.clear();
    out.putLong(s.cid).putInt(1).putInt(tid).put(hashes[h]);
    out.put(PEER_ID_PREFIX);
    for (long d = 100_000_000_000L; d > 0; d /= 10) {
      out.put((byte) ('0' + (peer / d) % 10));
    }
    out.putLong(0).putLong(peer % 4 == 0 ? 0 : 1000).putLong(0);
    out.putInt(event).putInt(0).putInt((int) peer).putInt(numwant).putShort((short) (1024 + p))
        .flip();
    s.ch.write(out);
  }

  /** Reads every datagram waiting; handles timed-out slots (resends them if {@code retry}). */
  private void poll(boolean retry) throws IOException {
    selector.select(1);
    for (SelectionKey k : selector.selectedKeys()) {
      Sock s = socks[(Integer) k.attachment()];
      while (true) {
        in.clear();
        if (s.ch.read(in) <= 0) {
          break;
        }
        onReply(s);
      }
    }
    selector.selectedKeys().clear();
    long now = System.nanoTime();
    for (int i = 0; i < window; i++) {
      if (slotPeer[i] >= 0 && now - slotSent[i] > TIMEOUT_NANOS) {
        long peer = slotPeer[i];
        release(i);
        lost++;
        if (retry) {
          send(peer, slotEvent[i]);
        }
      }
    }
  }

  private void onReply(Sock s) throws IOException {
    if (in.position() < 8) {
      return;
    }
    int action = in.getInt(0);
    int tid = in.getInt(4);
    int slot = tid & 0xFF;
    if (action == 0 || slot >= window || slotTid[slot] != tid || slotPeer[slot] < 0) {
      return; // a connect reply, or a late reply to a request given up on
    }
    long peer = slotPeer[slot];
    long lat = System.nanoTime() - slotSent[slot];
    latencyHist[(int) Math.min(latencyHist.length - 1, lat / 100_000)]++;
    release(slot);
    if (action == 1) {
      replies++;
    } else { // an error: most likely an expired connection id
      errors++;
      s.stale = true;
      send(peer, slotEvent[slot]);
    }
  }

  private void release(int slot) {
    slotPeer[slot] = -1;
    free++;
  }

  private String percentile(double q) {
    long total = 0;
    for (long c : latencyHist) {
      total += c;
    }
    if (total == 0) {
      return "-";
    }
    long want = (long) Math.ceil(total * q);
    long acc = 0;
    for (int i = 0; i < latencyHist.length; i++) {
      acc += latencyHist[i];
      if (acc >= want) {
        return i == latencyHist.length - 1 ? ">409" : String.format("%.1f", (i + 1) / 10.0);
      }
    }
    return "-";
  }

  private void printLatency(String what) {
    System.out.println(what + "_latency_ms p50 " + percentile(0.5) + " p999 " + percentile(0.999)
        + " max " + percentile(1.0));
  }
}
