package io.btlib.utp;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.Objects;
import java.util.Random;

/**
 * One uTP connection (BEP 29), sans I/O: packets in ({@link #handlePacket}), datagrams out
 * ({@link #pollTransmit}), time passed in, bytes written and read by the application ({@link
 * #write}, {@link #read}). It keeps sequence and ack numbers across their wrap-around, resends
 * what a selective ACK, three duplicate acks or a timeout (with back-off) says is lost, delivers
 * bytes in order through a bounded reorder buffer, advertises its receive window and respects the
 * peer's, and paces itself with LEDBAT (slow start, then the window grows while the queueing delay
 * the peer measures stays under the target, and shrinks above it or on loss).
 *
 * <p>Hostile packets are dropped alone: an ack of a packet never sent, data beyond the reorder
 * window or the receive buffer. Not thread-safe: one owner (the engine's loop) calls it.
 */
public final class UtpConnection {

  /** Where a connection is. */
  public enum State {
    /** Our SYN is out, no answer yet. */
    SYN_SENT,
    /** Both sides may send. */
    CONNECTED,
    /** Over: both FINs acknowledged, a RESET, a timeout or {@link #reset}. */
    CLOSED
  }

  private static final int HEADER = UtpPacket.HEADER_SIZE;
  /** Room kept in each packet for a selective ACK: 2 + 32 bytes, 256 packets. */
  private static final int SACK_ROOM = 34;
  private static final int MAX_SACK_BYTES = 32;
  private static final int MAX_STATE_SACK_BYTES = 252;
  /** Packets we keep for resending: a power of two. */
  private static final int OUT_SLOTS = 4096;
  /** Packets ahead of the next expected one that we keep: a power of two. */
  private static final int REORDER_SLOTS = 2048;
  /**
   * LEDBAT's largest window growth per round trip (BEP 29), for packets of up to 1,500 bytes; see
   * {@link #gainPerRtt}.
   */
  private static final long MAX_GAIN_PER_RTT = 3000;
  private static final long MIN_RTO_NANOS = 500_000_000L;
  private static final long MAX_RTO_NANOS = 60_000_000_000L;
  private static final long INITIAL_RTO_NANOS = 1_000_000_000L;
  private static final long KEEPALIVE_NANOS = 29_000_000_000L;
  private static final int MAX_TIMEOUTS = 7;
  /**
   * The base delay is the least delay sample of the last {@value #BASE_HISTORY} intervals of this
   * length (RFC 6817: ten one-minute minima). A queue some other flow keeps standing (a TCP bulk
   * flow behind a large router buffer) must not become the base within the time of a transfer,
   * or LEDBAT would take it for an empty path and compete; an old minimum still expires, so that
   * a route change that lengthens the path is learnt within ten minutes.
   */
  private static final long BASE_INTERVAL_NANOS = 60_000_000_000L;
  private static final int BASE_HISTORY = 10;
  /**
   * The queueing delay is the least of the last {@value #CURRENT_FILTER} samples (RFC 6817's
   * current filter): one late packet (the receiver descheduled, a GC pause) is not a queue.
   */
  private static final int CURRENT_FILTER = 4;
  private static final byte[] NO_BYTES = new byte[0];

  /** A queue of payloads in arrays that may be longer than the payload: the lengths beside. */
  private static final class Chunks {
    private byte[][] arrays = new byte[16][];
    private int[] lengths = new int[16];
    private int head;
    private int size;

    void add(byte[] b, int length) {
      if (size == arrays.length) {
        byte[][] a = new byte[size * 2][];
        int[] l = new int[size * 2];
        for (int i = 0; i < size; i++) {
          a[i] = arrays[(head + i) & (size - 1)];
          l[i] = lengths[(head + i) & (size - 1)];
        }
        arrays = a;
        lengths = l;
        head = 0;
      }
      int at = (head + size) & (arrays.length - 1);
      arrays[at] = b;
      lengths[at] = length;
      size++;
    }

    boolean isEmpty() {
      return size == 0;
    }

    byte[] first() {
      return arrays[head];
    }

    int firstLength() {
      return lengths[head];
    }

    void removeFirst() {
      arrays[head] = null;
      head = (head + 1) & (arrays.length - 1);
      size--;
    }
  }

  private static final class OutPacket {
    final int seq;
    final UtpPacket.Type type;
    final byte[] payload;
    long sentAt;
    int transmissions;
    /** Sent and neither acknowledged, selectively acknowledged, nor presumed lost. */
    boolean inFlight;
    /** A selective ACK said it arrived. */
    boolean sacked;
    /** Presumed lost: to be sent again. */
    boolean needResend;

    OutPacket(int seq, UtpPacket.Type type, byte[] payload) {
      this.seq = seq;
      this.type = type;
      this.payload = payload;
    }
  }

  private final UtpConfig config;
  /** The largest datagram the path to the peer carries whole (loopback: large). */
  private final int pathLimit;
  /** The largest datagram we send now: the path's and the peer's limits, the lesser. */
  private int packetSize;
  /** An accepted connection has heard more than the SYN: its answer arrived. */
  private boolean heardAfterSyn;
  private final boolean outgoing;
  private final int recvId;
  private final int sendId;
  private State state;
  private String closeReason;
  private boolean wasReset;

  // sending
  private int seqNr;
  private int oldestUnacked;
  private final OutPacket[] out = new OutPacket[OUT_SLOTS];
  private long bytesInFlight;
  /**
   * What was written and not yet packed, in chunks of a packet's payload (as large as the packet
   * size when the chunk was made): a full packet takes its chunk whole, not a copy of it. Every
   * chunk but the last is full; the last holds {@link #sendQueueTail} bytes.
   */
  private final ArrayDeque<byte[]> sendQueue = new ArrayDeque<>();
  private int sendQueueHead;
  private int sendQueueTail;
  private long sendQueued;
  private boolean closeRequested;
  /** Closed in good order (FINs, a timeout): a last ack may still go out. Not after a reset. */
  private boolean mayStillAck;
  private boolean finSent;
  private int finSeq;
  private boolean finAcked;
  private boolean resetPending;
  private int lastAckSeen = -1;
  /** Packets sent and lost lately (both halved every 512 sent): the loss rate. */
  private int sentRecently;
  private int lostRecently;
  /** Up to this share of packets lost (percent) counts as a lossy path, not congestion. */
  private static final int NOISE_LOSS_PERCENT = 3;
  private int duplicateAcks;
  private long maxWindow;
  /**
   * Packets marked for resending since the last scan found none, at least (a mark an ack or a
   * SACK clears is not subtracted: the next scan finds nothing and sets it to 0).
   */
  private int resendsMarked;
  private long slowStartThreshold = Long.MAX_VALUE;
  /**
   * Where a window cut for delay may slow-start back to once the queue is gone (0: nowhere): the
   * window when the multiplicative cuts began. When the flow we yielded to ends, LEDBAT's linear
   * growth would take minutes to give the window back on a long path.
   */
  private long recoverWindow;
  /** Since when the delay has been above the target; {@link Long#MIN_VALUE} while it is not. */
  private long aboveTargetSince = Long.MIN_VALUE;
  private long peerWindow;
  private long lastLossNanos = Long.MIN_VALUE;
  private long rttNanos;
  private long rttVarNanos;
  private long rtoNanos = INITIAL_RTO_NANOS;
  private long rtoDeadline = Long.MAX_VALUE;
  private int timeouts;
  private final long createdNanos;
  private long lastSentNanos;
  private long lastReceivedNanos;

  // LEDBAT's delay: samples are 32-bit microsecond clock differences, compared by subtraction
  private final int[] baseMinima = new int[BASE_HISTORY];
  private int baseCount;
  private int baseIndex;
  private long baseIntervalStart;
  private final int[] recentDelays = new int[CURRENT_FILTER];
  private int recentCount;
  private int recentIndex;
  private int ourDelayMicros;

  // receiving
  private int ackNr;
  /** An incoming connection's SYN: a repeat of it is answered again. */
  private int synSeq = -1;
  private final byte[][] reorder = new byte[REORDER_SLOTS][];
  /** The payload's length in each reorder slot (its array may be longer: see {@link PayloadPool}). */
  private final int[] reorderLength = new int[REORDER_SLOTS];
  private final boolean[] reorderPresent = new boolean[REORDER_SLOTS];
  private int reorderCount;
  private long reorderBytes;
  private final Chunks readable = new Chunks();
  /** Bytes of the first readable chunk already read. */
  private int readableHead;
  /** Where received payloads are copied to, and their arrays go back once read. */
  private final PayloadPool pool;
  private long readableBytes;
  private boolean ackNeeded;
  private int eofSeq = -1;
  private boolean eof;
  private int replyMicros;
  /** The receive window our last packet advertised. */
  private long windowSent;

  // figures
  private long resent;
  private long timeoutsTotal;

  private UtpConnection(UtpConfig config, PayloadPool pool, int pathLimit, boolean outgoing,
      int recvId, int sendId, long now) {
    this.config = Objects.requireNonNull(config, "config");
    this.pool = pool != null ? pool : new PayloadPool(config);
    if (pathLimit < config.packetSize() || pathLimit > config.maxDatagram()) {
      throw new IllegalArgumentException("path limit " + pathLimit + " outside "
          + config.packetSize() + ".." + config.maxDatagram());
    }
    this.pathLimit = pathLimit;
    this.packetSize = config.packetSize(); // until the peer says it takes more
    this.outgoing = outgoing;
    this.recvId = recvId;
    this.sendId = sendId;
    this.createdNanos = now;
    this.lastReceivedNanos = now;
    this.lastSentNanos = now;
    this.maxWindow = packetSize;
    this.peerWindow = packetSize;
  }

  /**
   * Opens a connection: its SYN is the first datagram {@link #pollTransmit} gives.
   *
   * @param config the settings
   * @param random picks the connection id
   * @param nowNanos the caller's monotonic clock
   * @return the connection, {@link State#SYN_SENT}
   */
  public static UtpConnection connect(UtpConfig config, Random random, long nowNanos) {
    return connect(config, config.packetSize(), random, nowNanos);
  }

  /**
   * Opens a connection over a path that carries datagrams of up to {@code pathLimit} bytes whole:
   * if the peer announces that it takes them too ({@link UtpPacket#EXT_DATAGRAM_LIMIT}), packets
   * grow to that size.
   *
   * @param config the settings
   * @param pathLimit {@link UtpConfig#packetSize()} for a path of unknown MTU, up to {@link
   *     UtpConfig#maxDatagram()} for loopback
   * @param random picks the connection id
   * @param nowNanos the caller's monotonic clock
   * @return the connection, {@link State#SYN_SENT}
   */
  public static UtpConnection connect(UtpConfig config, int pathLimit, Random random,
      long nowNanos) {
    return connect(config, null, pathLimit, random, nowNanos);
  }

  /** {@link #connect(UtpConfig, int, Random, long)} with the multiplexer's payload arrays. */
  static UtpConnection connect(UtpConfig config, PayloadPool pool, int pathLimit, Random random,
      long nowNanos) {
    int recv = random.nextInt(SeqNr.MODULUS);
    UtpConnection c = new UtpConnection(config, pool, pathLimit, true, recv,
        SeqNr.wrap(recv + 1), nowNanos);
    c.state = State.SYN_SENT;
    c.seqNr = 1;
    c.oldestUnacked = 1;
    c.queuePacket(UtpPacket.Type.SYN, new byte[0]).needResend = true; // sent by the first poll
    c.resendsMarked = 1;
    c.rtoDeadline = nowNanos + c.rtoNanos;
    return c;
  }

  /**
   * Accepts a connection from its SYN: the answer (a STATE) is the first datagram {@link
   * #pollTransmit} gives.
   *
   * @param config the settings
   * @param syn the peer's SYN
   * @param random picks our first sequence number
   * @param nowNanos the caller's monotonic clock
   * @return the connection, {@link State#CONNECTED}
   * @throws IllegalArgumentException if {@code syn} is not a SYN
   */
  public static UtpConnection accept(UtpConfig config, UtpPacket syn, Random random,
      long nowNanos) {
    return accept(config, config.packetSize(), syn, random, nowNanos);
  }

  /**
   * Accepts a connection from its SYN over a path that carries datagrams of up to {@code
   * pathLimit} bytes whole (see {@link #connect(UtpConfig, int, Random, long)}).
   *
   * @param config the settings
   * @param pathLimit {@link UtpConfig#packetSize()} for a path of unknown MTU, up to {@link
   *     UtpConfig#maxDatagram()} for loopback
   * @param syn the peer's SYN
   * @param random picks our first sequence number
   * @param nowNanos the caller's monotonic clock
   * @return the connection, {@link State#CONNECTED}
   * @throws IllegalArgumentException if {@code syn} is not a SYN
   */
  public static UtpConnection accept(UtpConfig config, int pathLimit, UtpPacket syn,
      Random random, long nowNanos) {
    return accept(config, null, pathLimit, syn, random, nowNanos);
  }

  /** {@link #accept(UtpConfig, int, UtpPacket, Random, long)} with the multiplexer's arrays. */
  static UtpConnection accept(UtpConfig config, PayloadPool pool, int pathLimit, UtpPacket syn,
      Random random, long nowNanos) {
    if (syn.type() != UtpPacket.Type.SYN) {
      throw new IllegalArgumentException("not a SYN: " + syn);
    }
    UtpConnection c = new UtpConnection(config, pool, pathLimit, false,
        SeqNr.wrap(syn.connectionId() + 1), syn.connectionId(), nowNanos);
    c.learnDatagramLimit(syn);
    c.state = State.CONNECTED;
    c.seqNr = random.nextInt(SeqNr.MODULUS);
    c.oldestUnacked = c.seqNr;
    c.ackNr = syn.seqNr();
    c.synSeq = syn.seqNr();
    c.peerWindow = syn.windowSize();
    c.replyMicros = micros(nowNanos) - syn.timestampMicros();
    c.ackNeeded = true;
    return c;
  }

  // ------------------------------------------------------------------------------ input

  /**
   * Handles a packet addressed to this connection ({@link #receiveId()}); one that breaks the
   * protocol is dropped and changes nothing.
   *
   * @param p the packet
   * @param nowNanos the caller's monotonic clock
   */
  public void handlePacket(UtpPacket p, long nowNanos) {
    if (state == State.CLOSED) {
      if (mayStillAck && p.type() == UtpPacket.Type.FIN && p.seqNr() == eofSeq) {
        ackNeeded = true; // our ack of its FIN was lost
      }
      return;
    }
    if (p.type() == UtpPacket.Type.RESET) {
      close("reset by the peer", true);
      return;
    }
    if (p.type() == UtpPacket.Type.SYN) {
      if (!outgoing && p.seqNr() == synSeq) {
        ackNeeded = true; // our answer was lost: say it again
      }
      return;
    }
    // An ack of a packet we never sent is forged or broken: drop the packet whole.
    int acked = p.ackNr();
    int sentUpTo = SeqNr.wrap(seqNr - 1);
    boolean ackUseful = SeqNr.compare(acked, SeqNr.wrap(oldestUnacked - 1)) >= 0;
    if (SeqNr.isAfter(acked, sentUpTo)) {
      return;
    }
    if (state == State.SYN_SENT) {
      if (p.type() != UtpPacket.Type.STATE || acked != 1) {
        return;
      }
      state = State.CONNECTED;
      ackNr = SeqNr.wrap(p.seqNr() - 1); // their STATE carries the seq_nr of their first data
      learnDatagramLimit(p);
    } else if (!outgoing) {
      heardAfterSyn = true; // the initiator has our answer (and our limit)
    }
    lastReceivedNanos = nowNanos;
    timeouts = 0;
    replyMicros = micros(nowNanos) - p.timestampMicros();
    peerWindow = p.windowSize();
    if (ackUseful) {
      onAck(p, nowNanos);
    }
    if (p.type() == UtpPacket.Type.DATA || p.type() == UtpPacket.Type.FIN) {
      onData(p);
    }
    maybeFinished();
  }

  /**
   * Grows (or shrinks) our packets to what the peer announced it takes, within the path's limit;
   * a peer that announces nothing gets {@link UtpConfig#packetSize()}.
   */
  private void learnDatagramLimit(UtpPacket p) {
    if (p.datagramLimit().isPresent()) {
      packetSize = Math.min(pathLimit, p.datagramLimit().getAsInt());
      maxWindow = Math.max(maxWindow, packetSize);
    }
  }

  private void onAck(UtpPacket p, long now) {
    int acked = p.ackNr();
    // the window limited what we sent (not the application, nor the peer's window): only then
    // do acks say the path could take more
    boolean windowFull = bytesInFlight + packetSize > maxWindow;
    long ackedBytes = 0;
    long rttSample = -1;
    while (SeqNr.compare(oldestUnacked, acked) <= 0 && oldestUnacked != seqNr) {
      OutPacket o = out[oldestUnacked & (OUT_SLOTS - 1)];
      if (o != null) {
        if (!o.sacked) {
          ackedBytes += o.payload.length;
        }
        leaveFlight(o);
        if (o.transmissions == 1) {
          rttSample = now - o.sentAt;
        }
        if (o.type == UtpPacket.Type.FIN) {
          finAcked = true;
        }
        out[oldestUnacked & (OUT_SLOTS - 1)] = null;
      }
      oldestUnacked = SeqNr.wrap(oldestUnacked + 1);
    }
    int sackedAfter = 0;
    long newestSackedSentAt = Long.MIN_VALUE;
    if (p.hasSelectiveAck()) {
      int span = p.selectiveAckSpan();
      for (int i = span - 1; i >= 0; i--) { // from the newest, counting how many are past each
        int seq = SeqNr.wrap(acked + 2 + i);
        if (!inFlight(seq)) {
          continue;
        }
        OutPacket o = out[seq & (OUT_SLOTS - 1)];
        if (o == null) {
          continue;
        }
        if (p.isSelectivelyAcked(seq)) {
          if (!o.sacked) {
            o.sacked = true;
            o.needResend = false;
            ackedBytes += o.payload.length;
            leaveFlight(o);
            if (o.transmissions == 1) {
              rttSample = now - o.sentAt;
            }
          }
          sackedAfter++;
          newestSackedSentAt = Math.max(newestSackedSentAt, o.sentAt);
        } else if (sackedAfter >= 3 && newestSackedSentAt - o.sentAt > 0) {
          // three later packets arrived (BEP 29), one of them sent after this one's last
          // transmission: lost (again, if it was resent)
          fastResend(o, now);
        }
      }
      OutPacket first = oldestUnacked == seqNr ? null : out[oldestUnacked & (OUT_SLOTS - 1)];
      if (first != null && sackedAfter >= 3 && newestSackedSentAt - first.sentAt > 0) {
        fastResend(first, now); // ack_nr + 1: missing
      }
    }
    if (ackedBytes == 0 && acked == lastAckSeen && oldestUnacked != seqNr
        && p.type() == UtpPacket.Type.STATE) {
      if (++duplicateAcks == 3) {
        fastResend(out[oldestUnacked & (OUT_SLOTS - 1)], now);
      }
    } else if (acked != lastAckSeen) {
      duplicateAcks = 0;
    }
    lastAckSeen = acked;
    if (rttSample >= 0) {
      updateRtt(rttSample);
    }
    if (p.timestampDifferenceMicros() != 0) {
      delaySample(p.timestampDifferenceMicros(), now);
    }
    if (ackedBytes > 0) {
      grow(ackedBytes, windowFull, now);
    }
    rtoDeadline = oldestUnacked == seqNr ? Long.MAX_VALUE : now + rtoNanos;
  }

  private boolean inFlight(int seq) {
    return SeqNr.compare(seq, oldestUnacked) >= 0 && SeqNr.isAfter(seqNr, seq);
  }

  private void leaveFlight(OutPacket o) {
    if (o.inFlight) {
      o.inFlight = false;
      bytesInFlight -= o.payload.length;
    }
  }

  private void fastResend(OutPacket o, long now) {
    if (o == null || o.sacked || o.needResend) {
      return;
    }
    o.needResend = true;
    resendsMarked++;
    leaveFlight(o); // out of the network: counted again when sent again
    lostRecently++;
    // Multiplicative decrease, once per round trip, when the loss is congestion: the queue the
    // peer measures is building (LEDBAT's own signal), or losses are too many to be noise. A
    // loss with the queue empty is a lossy path, not our queue overflowing: halving for it
    // would hold the window near 1.22 packets / sqrt(loss) (17 KiB at 1% loss, whatever the
    // link), which is what TCP Reno gets on such a path.
    boolean congestion = ourDelayMicros > targetMicros() * 3 / 4
        || lostRecently * 100 > Math.max(sentRecently, 1) * NOISE_LOSS_PERCENT;
    if (congestion && (lastLossNanos == Long.MIN_VALUE
        || now - lastLossNanos > Math.max(rttNanos, 1))) {
      lastLossNanos = now;
      long before = maxWindow;
      maxWindow = Math.max(packetSize, maxWindow / 2);
      slowStartThreshold = maxWindow;
      // Back towards the window before the cut as fast as slow start, but only while the queue
      // stays under 3/4 of the target (grow): a queue another flow keeps full holds it down,
      // while a path that only dropped slow start's overshoot (or a packet at random) gets its
      // bandwidth-delay product back in a few round trips, not in LEDBAT's 3,000 bytes a round
      // trip (minutes at 200 ms and a few MiB/s).
      recoverWindow = Math.max(recoverWindow, before);
    }
  }

  private long targetMicros() {
    return config.targetDelay().toNanos() / 1000;
  }

  private void updateRtt(long sample) {
    if (rttNanos == 0) {
      rttNanos = sample;
      rttVarNanos = sample / 2;
    } else {
      long delta = Math.abs(rttNanos - sample);
      rttVarNanos += (delta - rttVarNanos) / 4;
      rttNanos += (sample - rttNanos) / 8;
    }
    rtoNanos = Math.min(MAX_RTO_NANOS, Math.max(MIN_RTO_NANOS, rttNanos + 4 * rttVarNanos));
  }

  private void delaySample(int delayMicros, long now) {
    if (baseCount == 0 || now - baseIntervalStart >= BASE_INTERVAL_NANOS) {
      // a new interval: its minimum starts with this sample, the oldest one is forgotten
      baseIndex = baseCount == 0 ? 0 : (baseIndex + 1) % BASE_HISTORY;
      baseMinima[baseIndex] = delayMicros;
      baseCount = Math.min(BASE_HISTORY, baseCount + 1);
      baseIntervalStart = now;
    } else if (delayMicros - baseMinima[baseIndex] < 0) {
      baseMinima[baseIndex] = delayMicros;
    }
    recentDelays[recentIndex] = delayMicros;
    recentIndex = (recentIndex + 1) % CURRENT_FILTER;
    recentCount = Math.min(CURRENT_FILTER, recentCount + 1);
    int base = baseMinima[baseIndex];
    for (int k = 0; k < baseCount; k++) {
      if (baseMinima[k] - base < 0) {
        base = baseMinima[k];
      }
    }
    int current = recentDelays[(recentIndex + CURRENT_FILTER - 1) % CURRENT_FILTER];
    for (int k = 0; k < recentCount; k++) {
      if (recentDelays[k] - current < 0) {
        current = recentDelays[k];
      }
    }
    ourDelayMicros = Math.max(0, current - base);
  }

  /**
   * LEDBAT after a slow start that ends at the first loss or at 3/4 of the target. Below the
   * target the window grows by up to {@link #gainPerRtt} a round trip, in proportion to
   * how far below it is (BEP 29). Above it, it shrinks linearly as BEP 29 says for a round trip,
   * then, if the delay is still above the target, in proportion to the window: by {@code delay /
   * target - 1} of it a round trip and at most half (LEDBAT++,
   * draft-irtf-iccrg-ledbat-plus-plus). BEP 29's linear decrease alone takes off at most a few
   * kilobytes a round trip however far above the target the delay is, so a window of a megabyte
   * needs minutes to get out of the way of a TCP flow that fills a router's buffer, and keeps
   * half the link meanwhile. The round trip of grace lets a queue that is only slow start's own
   * burst drain without the window being cut below what the path holds.
   */
  private void grow(long ackedBytes, boolean windowFull, long now) {
    long target = targetMicros();
    if ((maxWindow < slowStartThreshold || maxWindow < recoverWindow)
        && ourDelayMicros < target * 3 / 4) {
      if (windowFull) {
        maxWindow += ackedBytes; // doubles per round trip
      }
      aboveTargetSince = Long.MIN_VALUE;
      return;
    }
    slowStartThreshold = Math.min(slowStartThreshold, maxWindow);
    long acked = Math.min(ackedBytes, maxWindow);
    double windowFactor = acked / (double) maxWindow;
    if (ourDelayMicros <= target) {
      aboveTargetSince = Long.MIN_VALUE;
      if (maxWindow >= recoverWindow) {
        recoverWindow = 0; // back where the cuts began
      }
      if (windowFull) {
        double delayFactor = (target - ourDelayMicros) / (double) target;
        maxWindow += (long) (gainPerRtt() * delayFactor * windowFactor);
      }
      return;
    }
    if (aboveTargetSince == Long.MIN_VALUE) {
      aboveTargetSince = now;
    }
    double over = (ourDelayMicros - target) / (double) target;
    if (now - aboveTargetSince < Math.max(rttNanos, 1)) {
      maxWindow -= (long) (gainPerRtt() * Math.min(over, 1) * windowFactor);
    } else {
      if (recoverWindow < maxWindow) {
        recoverWindow = maxWindow;
      }
      maxWindow -= (long) (Math.min(0.5, over) * acked);
    }
    maxWindow = Math.max(packetSize, maxWindow);
  }

  /**
   * The most the window grows (or, the first round trip above the target, shrinks) a round trip:
   * BEP 29's 3,000 bytes, two packets of its size, or two of ours when they are larger. RFC 6817
   * counts the gain in packets (at most one MSS a round trip per unit of gain); BEP 29's figure
   * is two of its packets. Over loopback to a peer that takes 64,000-byte datagrams, 3,000 bytes
   * a round trip is a twentieth of a packet: once slow start had ended (a receiver descheduled
   * for 75 ms on a busy host is enough) a bt-to-bt transfer stayed near the window it had then,
   * a few packets, for the rest of the transfer. With 1,400-byte packets (every path but
   * loopback) nothing changes.
   */
  private long gainPerRtt() {
    return Math.max(MAX_GAIN_PER_RTT, 2L * packetSize);
  }

  private void onData(UtpPacket p) {
    ackNeeded = true;
    int seq = p.seqNr();
    int ahead = SeqNr.distance(SeqNr.wrap(ackNr + 1), seq);
    if (ahead >= REORDER_SLOTS || (eofSeq >= 0 && SeqNr.isAfter(seq, eofSeq))) {
      return; // a duplicate of what we have (behind), or beyond what we keep
    }
    int n = p.payloadLength();
    if (readableBytes + reorderBytes + n > config.receiveBuffer()) {
      return; // beyond the window we advertised: it will come again
    }
    if (p.type() == UtpPacket.Type.FIN) {
      eofSeq = seq;
    }
    int slot = seq & (REORDER_SLOTS - 1);
    if (reorderPresent[slot]) {
      return; // a duplicate
    }
    // the one copy out of the datagram's buffer, which the socket reuses for the next one,
    // into an array that goes back to the pool once read
    byte[] bytes = n > 0 ? pool.take(n) : NO_BYTES;
    p.copyPayload(bytes);
    if (ahead == 0 && reorderCount == 0) {
      // the next one in order with nothing waiting behind a loss (the common case): delivered
      // at once, not through the reorder slots
      ackNr = seq;
      if (n > 0) {
        readable.add(bytes, n);
        readableBytes += n;
      }
      if (eofSeq >= 0 && seq == eofSeq) {
        eof = true;
      }
      return;
    }
    reorder[slot] = bytes;
    reorderLength[slot] = n;
    reorderPresent[slot] = true;
    reorderCount++;
    reorderBytes += n;
    // deliver what is now in order
    for (;;) {
      int next = SeqNr.wrap(ackNr + 1);
      int s = next & (REORDER_SLOTS - 1);
      if (!reorderPresent[s]) {
        break;
      }
      byte[] b = reorder[s];
      int len = reorderLength[s];
      reorder[s] = null;
      reorderPresent[s] = false;
      reorderCount--;
      reorderBytes -= len;
      ackNr = next;
      if (len > 0) {
        readable.add(b, len);
        readableBytes += len;
      }
      if (eofSeq >= 0 && next == eofSeq) {
        eof = true;
        break;
      }
    }
  }

  private void maybeFinished() {
    if (finSent && finAcked && eof && state != State.CLOSED) {
      close("closed", false);
    }
  }

  /**
   * The timer: resends on a timeout (window back to one packet, the timeout doubled), sends a
   * keep-alive, and closes a connection that heard nothing too long or whose SYN went
   * unanswered.
   *
   * @param nowNanos the caller's monotonic clock
   */
  public void handleTimeout(long nowNanos) {
    if (state == State.CLOSED) {
      return;
    }
    if (state == State.SYN_SENT
        && nowNanos - createdNanos >= config.connectTimeout().toNanos()) {
      close("no answer to the SYN within " + config.connectTimeout().toMillis() + " ms", false);
      return;
    }
    if (nowNanos - lastReceivedNanos >= config.idleTimeout().toNanos()) {
      close("nothing received for " + config.idleTimeout().toMillis() + " ms", false);
      return;
    }
    if (nowNanos - rtoDeadline >= 0 && oldestUnacked != seqNr) {
      timeouts++;
      timeoutsTotal++;
      if (timeouts > MAX_TIMEOUTS) {
        close("timed out: " + timeouts + " timeouts in a row", false);
        return;
      }
      maxWindow = packetSize;
      slowStartThreshold = Math.max(packetSize, slowStartThreshold / 2);
      recoverWindow = 0;
      lastLossNanos = nowNanos;
      rtoNanos = Math.min(MAX_RTO_NANOS, rtoNanos * 2);
      // everything in flight is presumed lost; resent in order as the window allows
      for (int s = oldestUnacked; s != seqNr; s = SeqNr.wrap(s + 1)) {
        OutPacket o = out[s & (OUT_SLOTS - 1)];
        if (o != null && !o.sacked) {
          if (!o.needResend) {
            resendsMarked++;
          }
          o.needResend = true;
          leaveFlight(o);
        }
      }
      rtoDeadline = nowNanos + rtoNanos;
    }
    if (state == State.CONNECTED && nowNanos - lastSentNanos >= KEEPALIVE_NANOS) {
      ackNeeded = true;
    }
  }

  /** When {@link #handleTimeout} should next be called; {@link Long#MAX_VALUE} once closed. */
  public long nextDeadlineNanos() {
    if (state == State.CLOSED) {
      return Long.MAX_VALUE;
    }
    long d = lastReceivedNanos + config.idleTimeout().toNanos();
    if (state == State.SYN_SENT) {
      d = Math.min(d, createdNanos + config.connectTimeout().toNanos());
    }
    if (oldestUnacked != seqNr) {
      d = Math.min(d, rtoDeadline);
    }
    if (state == State.CONNECTED) {
      d = Math.min(d, lastSentNanos + KEEPALIVE_NANOS);
    }
    return d;
  }

  // ------------------------------------------------------------------------------ output

  /**
   * Writes the next datagram to send at {@code dst}'s position: a resend, new data or a FIN as
   * the windows allow, else an ack if one is due.
   *
   * @param dst where to write; needs {@link #packetSize()} bytes of room ({@link
   *     UtpConfig#maxDatagram()} is always enough)
   * @param nowNanos the caller's monotonic clock
   * @return whether a datagram was written
   */
  public boolean pollTransmit(ByteBuffer dst, long nowNanos) {
    if (dst.remaining() < packetSize) {
      throw new IllegalArgumentException("room for a packet needed: " + packetSize);
    }
    if (resetPending) {
      resetPending = false;
      header(UtpPacket.Type.RESET, seqNr, nowNanos).encode(dst);
      return true;
    }
    if (state == State.CLOSED) {
      return mayStillAck && ackIfDue(dst, nowNanos);
    }
    // resends first, oldest first; the scan over what is in flight (hundreds of packets) only
    // while some may wait, or every poll would cost a window's worth of slots
    for (int s = oldestUnacked; resendsMarked > 0 && s != seqNr; s = SeqNr.wrap(s + 1)) {
      OutPacket o = out[s & (OUT_SLOTS - 1)];
      if (o != null && o.needResend) {
        if (bytesInFlight > 0 && bytesInFlight + o.payload.length > window()) {
          return ackIfDue(dst, nowNanos);
        }
        o.needResend = false;
        resendsMarked--;
        if (o.transmissions > 0) {
          resent++;
        }
        send(o, dst, nowNanos);
        return true;
      }
    }
    resendsMarked = 0; // the scan found none: marks an ack or a SACK cleared are gone too
    if (state == State.CONNECTED) {
      int maxPayload = packetSize - HEADER - SACK_ROOM;
      long room = window() - bytesInFlight;
      boolean slotFree = SeqNr.distance(oldestUnacked, seqNr) < OUT_SLOTS - 1;
      if (sendQueued > 0 && slotFree && (room >= Math.min(maxPayload, sendQueued)
          || bytesInFlight == 0)) {
        int n = (int) Math.min(maxPayload, sendQueued);
        if (bytesInFlight > 0) {
          n = (int) Math.min(n, room);
        }
        send(queuePacket(UtpPacket.Type.DATA, take(n)), dst, nowNanos);
        return true;
      }
      if (closeRequested && !finSent && sendQueued == 0 && slotFree) {
        finSent = true;
        finSeq = seqNr;
        OutPacket o = queuePacket(UtpPacket.Type.FIN, new byte[0]);
        send(o, dst, nowNanos);
        return true;
      }
    }
    return ackIfDue(dst, nowNanos);
  }

  private boolean ackIfDue(ByteBuffer dst, long now) {
    if (!ackNeeded || state == State.SYN_SENT) {
      return false;
    }
    ackNeeded = false;
    lastSentNanos = now;
    boolean answersSyn = !outgoing && !heardAfterSyn;
    UtpPacket p = withSack(header(UtpPacket.Type.STATE, seqNr, now), answersSyn ? 10 : 0);
    if (answersSyn) {
      p = p.withDatagramLimit(config.maxDatagram()); // the peer learns what we take
    }
    p.encode(dst);
    return true;
  }

  private long window() {
    return Math.min(maxWindow, peerWindow);
  }

  private OutPacket queuePacket(UtpPacket.Type type, byte[] payload) {
    OutPacket o = new OutPacket(seqNr, type, payload);
    out[seqNr & (OUT_SLOTS - 1)] = o;
    seqNr = SeqNr.wrap(seqNr + 1);
    return o;
  }

  private void send(OutPacket o, ByteBuffer dst, long now) {
    if (++sentRecently >= 512) {
      sentRecently /= 2;
      lostRecently /= 2;
    }
    o.sentAt = now;
    o.transmissions++;
    o.inFlight = true;
    bytesInFlight += o.payload.length;
    lastSentNanos = now;
    ackNeeded = false; // every packet carries our ack
    if (rtoDeadline == Long.MAX_VALUE) {
      rtoDeadline = now + rtoNanos;
    }
    UtpPacket p = header(o.type, o.seq, now);
    if (o.type == UtpPacket.Type.SYN) {
      p = UtpPacket.of(UtpPacket.Type.SYN, recvId, micros(now), replyMicros, advertisedWindow(), o.seq,
          0).withDatagramLimit(config.maxDatagram());
    } else {
      p = withSack(p, 0);
    }
    if (o.payload.length > 0) {
      p = p.withPayload(ByteBuffer.wrap(o.payload));
    }
    p.encode(dst);
  }

  private UtpPacket header(UtpPacket.Type type, int seq, long now) {
    windowSent = advertisedWindow();
    return UtpPacket.of(type, sendId, micros(now), replyMicros, windowSent, seq, ackNr);
  }

  /** The receive window we advertise: the buffer less what waits in it. */
  private long advertisedWindow() {
    return Math.max(0, config.receiveBuffer() - readableBytes - reorderBytes);
  }

  /**
   * {@code p} with a selective ACK of what waits in the reorder buffer: up to 252 bytes (2,016
   * packets) on an ack, which has room for it, so that a window larger than 256 packets is still
   * acknowledged past a loss; up to {@link #MAX_SACK_BYTES} on a data packet.
   */
  private UtpPacket withSack(UtpPacket p, int reserved) {
    if (reorderCount == 0) {
      return p;
    }
    int maxBytes = p.type() == UtpPacket.Type.STATE
        ? Math.min(MAX_STATE_SACK_BYTES, (packetSize - HEADER - 2 - reserved) / 4 * 4)
        : MAX_SACK_BYTES;
    byte[] mask = new byte[maxBytes];
    int last = -1;
    for (int i = 0; i < maxBytes * 8; i++) {
      int seq = SeqNr.wrap(ackNr + 2 + i);
      if (reorderPresent[seq & (REORDER_SLOTS - 1)]) {
        mask[i >>> 3] |= (byte) (1 << (i & 7));
        last = i;
      }
    }
    if (last < 0) {
      return p;
    }
    int len = ((last >>> 3) / 4 + 1) * 4;
    byte[] trimmed = new byte[len];
    System.arraycopy(mask, 0, trimmed, 0, len);
    return p.withSelectiveAck(trimmed);
  }

  private byte[] take(int n) {
    byte[] head = sendQueue.peekFirst();
    if (sendQueueHead == 0 && n == head.length
        && (sendQueue.size() > 1 || sendQueueTail == head.length)) {
      sendQueue.pollFirst(); // a full chunk, a full packet: no copy
      sendQueued -= n;
      if (sendQueue.isEmpty()) {
        sendQueueTail = 0;
      }
      return head;
    }
    byte[] b = new byte[n];
    int at = 0;
    while (at < n) {
      head = sendQueue.peekFirst();
      int filled = sendQueue.size() == 1 ? sendQueueTail : head.length;
      int k = Math.min(n - at, filled - sendQueueHead);
      System.arraycopy(head, sendQueueHead, b, at, k);
      at += k;
      sendQueueHead += k;
      if (sendQueueHead == filled) {
        sendQueue.pollFirst();
        sendQueueHead = 0;
        if (sendQueue.isEmpty()) {
          sendQueueTail = 0;
        }
      }
    }
    sendQueued -= n;
    return b;
  }

  private static int micros(long nanos) {
    return (int) (nanos / 1000);
  }

  // ------------------------------------------------------------------------------ the stream

  /**
   * Takes bytes to send, as many as the send buffer has room for.
   *
   * @param src the bytes, from its position; advanced past those taken
   * @return the number taken (0 when the buffer is full, the connection closing or closed)
   */
  public int write(ByteBuffer src) {
    if (state == State.CLOSED || closeRequested) {
      return 0;
    }
    int n = (int) Math.min(src.remaining(), config.sendBuffer() - sendQueued);
    if (n <= 0) {
      return 0;
    }
    int left = n;
    while (left > 0) {
      byte[] tail = sendQueue.peekLast();
      if (tail == null || sendQueueTail == tail.length) {
        tail = new byte[packetSize - HEADER - SACK_ROOM];
        sendQueue.add(tail);
        sendQueueTail = 0;
      }
      int k = Math.min(left, tail.length - sendQueueTail);
      src.get(tail, sendQueueTail, k);
      sendQueueTail += k;
      left -= k;
    }
    sendQueued += n;
    return n;
  }

  /**
   * Gives bytes received in order.
   *
   * @param dst where to put them, from its position
   * @return the number given; -1 once the peer's FIN has been reached and all was read
   */
  public int read(ByteBuffer dst) {
    int n = 0;
    while (dst.hasRemaining() && !readable.isEmpty()) {
      byte[] head = readable.first();
      int length = readable.firstLength();
      int k = Math.min(dst.remaining(), length - readableHead);
      dst.put(head, readableHead, k);
      readableHead += k;
      n += k;
      if (readableHead == length) {
        readable.removeFirst();
        readableHead = 0;
        pool.give(head); // read: nothing refers to it any more
      }
    }
    long before = advertisedWindow();
    readableBytes -= n;
    long after = advertisedWindow();
    if (state == State.CONNECTED && ((before < packetSize && after >= packetSize)
        || after - windowSent >= config.receiveBuffer() / 4)) {
      // the window opened again, or by a quarter of the buffer since the peer last heard it:
      // tell the peer, which may be waiting. The ack of a batch of datagrams goes out before
      // the engine reads them, so it advertises the window less that batch; with 64,000-byte
      // packets over loopback a batch is half the buffer, and the sender stayed held to what
      // was left until its next packet drew another ack
      ackNeeded = true;
    }
    return n == 0 && eof && readable.isEmpty() ? -1 : n;
  }

  /** Bytes {@link #read} can give now. */
  public long available() {
    return readableBytes;
  }

  /** Whether the peer's FIN has been reached (after the bytes {@link #read} still holds). */
  public boolean isEndOfStream() {
    return eof;
  }

  /** Room in the send buffer: what {@link #write} takes now. */
  public long writable() {
    return state == State.CLOSED || closeRequested ? 0 : config.sendBuffer() - sendQueued;
  }

  /** Ends our direction: a FIN follows the bytes written so far. */
  public void close() {
    closeRequested = true;
  }

  /** Aborts: a RESET goes out (the next {@link #pollTransmit}) and the connection is closed. */
  public void reset() {
    if (state != State.CLOSED) {
      resetPending = true;
      close("reset by us", false);
    }
  }

  private void close(String reason, boolean byPeerReset) {
    if (state == State.CLOSED) {
      return;
    }
    state = State.CLOSED;
    closeReason = reason;
    wasReset = byPeerReset;
    mayStillAck = !byPeerReset && !resetPending;
  }

  // ------------------------------------------------------------------------------ state

  /** Where the connection is. */
  public State state() {
    return state;
  }

  /** Why it closed, or null while open. */
  public String closeReason() {
    return closeReason;
  }

  /** Whether the peer reset the connection. */
  public boolean wasReset() {
    return wasReset;
  }

  /** Whether we opened it. */
  public boolean isOutgoing() {
    return outgoing;
  }

  /** The id packets to us carry: a UDP socket routes them by (address, this). */
  public int receiveId() {
    return recvId;
  }

  /** The id our packets carry. */
  public int sendId() {
    return sendId;
  }

  /**
   * The largest datagram this connection sends: {@link UtpConfig#packetSize()}, or more once a
   * peer on a path that carries more (loopback) has announced that it takes more.
   */
  public int packetSize() {
    return packetSize;
  }

  /** The congestion window, bytes. */
  public long congestionWindow() {
    return maxWindow;
  }

  /** Bytes sent and not yet acknowledged. */
  public long bytesInFlight() {
    return bytesInFlight;
  }

  /** The smoothed round trip, nanoseconds (0 before the first sample). */
  public long roundTripNanos() {
    return rttNanos;
  }

  /** The queueing delay the peer last measured on our packets, microseconds. */
  public int queueingDelayMicros() {
    return ourDelayMicros;
  }

  /** Packets sent again (lost, or presumed lost). */
  public long packetsResent() {
    return resent;
  }

  /** Retransmission timeouts so far. */
  public long timeouts() {
    return timeoutsTotal;
  }

  /** Bytes written and not yet sent once. */
  public long sendQueued() {
    return sendQueued;
  }

  @Override
  public String toString() {
    return "UtpConnection[" + state + " recv " + recvId + " send " + sendId + " seq " + seqNr
        + " ack " + ackNr + " cwnd " + maxWindow + " ssthresh " + slowStartThreshold
        + " recover " + recoverWindow + " delay " + ourDelayMicros + " inflight " + bytesInFlight
        + "]";
  }
}
