package io.btlib.wire.session;

import io.btlib.peer.PeerId;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.Handshake;
import io.btlib.wire.MetadataMessage;
import io.btlib.wire.PeerMessage;
import io.btlib.wire.PexMessage;
import io.btlib.wire.WireDecoder;
import io.btlib.wire.WireException;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;

/**
 * The protocol state machine of one peer connection: handshake, message order, choking, request
 * bookkeeping, extensions (BEP 3, 5, 6, 9, 10, 11), keep-alives and timeouts. Sans-I/O: it owns no
 * socket, thread or clock; time comes in as {@code nowNanos} from a monotonic clock.
 *
 * <pre>{@code
 * PeerSession s = PeerSession.outgoing(config, ticker.read());
 * s.bitfield(ourPieces);                            // first, before any other message
 * // whenever bytes arrive (rx in read mode; compact afterwards)
 * s.handleBytes(rx, ticker.read());
 * rx.compact();
 * // whenever the clock reaches s.nextDeadlineNanos()
 * s.handleTimeout(ticker.read());
 * // after every handle call and command: drain events, then output
 * for (PeerEvent e; (e = s.pollEvent()) != null; ) { engine.on(e); }   // may issue commands
 * for (;;) {
 *   boolean wrote = s.pollTransmit(tx);             // whole messages into tx
 *   flush(tx);
 *   PendingBlock b = s.pendingBlock();              // a piece header was just written
 *   if (b != null) {
 *     storage.transferTo(b.piece(), b.offset(), b.length(), channel);   // its body, next
 *   } else if (!wrote) {
 *     break;
 *   }
 * }
 * }</pre>
 *
 * <p><b>Methods by kind</b> (quinn's naming). {@code handle*} take input and time; {@code poll*}
 * give output; the other methods are commands from the engine. A command queues its message in
 * order; nothing is written until {@link #pollTransmit}. Commands use the latest time passed to a
 * {@code handle*} method.
 *
 * <p><b>Order on the wire.</b> Our handshake goes first (at once for an outgoing session; after
 * the peer's for an incoming one, answering with the info hash the peer used). Once the peer's
 * handshake is in: our extended handshake if both sides support BEP 10, then our piece
 * announcement, then everything else in command order. The announcement is {@link #bitfield},
 * {@link #haveAll} or {@link #haveNone}, which must come before any other message command; if
 * another message command comes first, the announcement is "none" (a have-none with the fast
 * extension, nothing without). With the fast extension a bitfield that is full or empty goes out as
 * have-all or have-none; without it an empty bitfield is left out (BEP 3). Replies the session
 * makes by itself (rejects) wait for the announcement instead of deciding it, so the engine may
 * announce on {@link PeerEvent.HandshakeReceived} even if requests came in the same read.
 *
 * <p><b>Sending blocks without copies.</b> {@link #sendBlock(int, int, int)} queues a block by
 * reference. When {@link #pollTransmit} reaches it, it writes the piece message's 13-byte header
 * and stops; {@link #pendingBlock()} then returns the {@link PendingBlock} whose {@code length}
 * bytes the engine must write next (from storage, with {@code transferTo} where it can). The next
 * call to {@link #pollTransmit} takes that body as written and goes on with the queue.
 * {@link #sendBlock(int, int, ByteBuffer)} instead copies the bytes into the queue, for engines
 * that have them in memory. Either way the block keeps its place among the other messages.
 *
 * <p><b>Peer errors are events, not exceptions.</b> A peer that breaks a rule closes the session:
 * {@link #handleBytes} never throws; it queues a {@link PeerEvent.Closed} whose {@link CloseCause}
 * names the rule and whose reason names the value. After that, input is discarded, commands are
 * ignored (those returning boolean return false), and nothing more is transmitted. Misuse by the
 * caller throws: {@link IllegalArgumentException} for a bad argument (a piece out of range),
 * {@link IllegalStateException} naming the state (a command before the peer's handshake, an
 * extension the peer does not support, a second announcement).
 *
 * <p><b>Rules enforced on the peer</b> (see {@link CloseCause}): the handshake's protocol string,
 * info hash and peer id (not ours); the bitfield, have-all or have-none only as the first message
 * (keep-alives, extension and port messages may precede it) and only once; bitfield length and
 * spare bits; piece indices of have, request, cancel, piece, reject, suggest and allowed-fast;
 * block bounds of request, cancel, reject and piece; fast-extension messages only when negotiated;
 * extension messages only when negotiated and only under ids we assigned; BEP 9 sizes. Tolerated
 * but counted: piece messages we did not request (closing past {@code maxUnrequestedBlocks}; a
 * block that crosses our cancel is not one of them, it is reported as a late block),
 * requests while we choke the peer or over {@code maxQueuedRequests} (rejected with the fast
 * extension, dropped without), PEX messages less than 45 s apart (ignored).
 *
 * <p>Not thread-safe: one event-loop thread owns a session.
 */
public final class PeerSession {
  /** Cancelled requests remembered without the fast extension, to recognise late blocks. */
  static final int MAX_REMEMBERED_CANCELS = 256;

  private enum Announcement { BITFIELD, ALL, NONE, IMPLICIT_NONE }

  private final SessionConfig config;
  private final boolean outgoing;
  private final WireDecoder decoder;
  private final TransmitQueue tx = new TransmitQueue();
  private final ArrayDeque<PeerEvent> events = new ArrayDeque<>();

  // time
  private final long createdAt;
  private final long keepAliveNanos;
  private final long inactivityNanos;
  private final long handshakeNanos;
  private long now;
  private long lastReceived;
  private long lastSent;

  // the torrent
  private int pieceCount;
  private IntUnaryOperator pieceSize;

  // connection state
  private boolean closed;
  /** Closed, but our handshake still goes out: the answer to a connection to ourselves. */
  private boolean farewell;
  private Handshake peerHandshake;
  private boolean fast;
  private boolean extensionProtocol;
  private boolean dht;

  // the peer's announcement
  private boolean peerAnnouncementOpen = true;
  private String peerFirstMessage;
  private PeerMessage storedAnnouncement; // while the piece count is unknown
  private BitSet storedHaves; // while the piece count is unknown

  // our announcement, and messages waiting for the peer's handshake or for the announcement
  private Announcement ourAnnouncement;
  private BitSet ourAnnouncedBits;
  private String ourFirstMessage;
  private boolean ourAnnouncementQueued;
  private final List<Object> parked = new ArrayList<>();

  // choking
  private boolean amChoking = true;
  private boolean amInterested;
  private boolean peerChoking = true;
  private boolean peerInterested;

  // requests
  private final LinkedHashSet<BlockKey> outstanding = new LinkedHashSet<>();
  private final LinkedHashSet<BlockKey> cancelled = new LinkedHashSet<>();
  private final LinkedHashSet<BlockKey> peerRequests = new LinkedHashSet<>();
  private final Set<Integer> ourAllowedFast = new HashSet<>();
  private final Set<Integer> peerAllowedFast = new HashSet<>();

  // extensions (BEP 9, 10, 11)
  private final Extensions extensions;
  private final Extensions.Output output = new Extensions.Output() {
    @Override
    public void event(PeerEvent e) {
      events.add(e);
    }

    @Override
    public void reply(PeerMessage m) {
      PeerSession.this.reply(m);
    }
  };

  // counters
  private long blocksReceived;
  private long unrequestedBlocks;
  private long wastedBytes;
  private long refusedPeerRequests;
  private long bytesReceived;

  private PeerSession(SessionConfig config, boolean outgoing, boolean handshakeSent,
      long nowNanos) {
    this.config = Objects.requireNonNull(config, "config");
    this.outgoing = outgoing;
    this.decoder = new WireDecoder(config.limits());
    this.createdAt = nowNanos;
    this.now = nowNanos;
    this.lastReceived = nowNanos;
    this.lastSent = nowNanos;
    this.keepAliveNanos = config.keepAliveInterval().toNanos();
    this.inactivityNanos = config.inactivityTimeout().toNanos();
    this.handshakeNanos = config.handshakeTimeout().toNanos();
    this.pieceCount = config.pieceCount();
    this.pieceSize = config.pieceSize();
    this.extensions = new Extensions(config);
    if (outgoing && !handshakeSent) {
      tx.add(handshake(config));
    }
  }

  /** A session for a connection we opened: our handshake is queued at once. */
  public static PeerSession outgoing(SessionConfig config, long nowNanos) {
    return new PeerSession(config, true, false, nowNanos);
  }

  /**
   * A session for a connection we opened whose handshake ({@link #handshake}) went out already,
   * as the initial payload of an MSE handshake: it waits for the peer's.
   */
  public static PeerSession outgoingAfterHandshake(SessionConfig config, long nowNanos) {
    return new PeerSession(config, true, true, nowNanos);
  }

  /** The handshake an outgoing session with {@code config} opens with. */
  public static Handshake handshake(SessionConfig config) {
    return new Handshake(config.reserved(), config.handshakeHash(), config.peerId());
  }

  /**
   * A session for a connection the peer opened, once the engine has matched the torrent (with
   * {@link Handshake#peekInfoHash}): we answer the peer's handshake with the info hash it used.
   */
  public static PeerSession incoming(SessionConfig config, long nowNanos) {
    return new PeerSession(config, false, false, nowNanos);
  }

  // ---------------------------------------------------------------------------------- input

  /**
   * Consumes the complete handshake and messages in {@code src} from its position, stopping at an
   * incomplete one with the position at its start (compact and read more); the limit and mark are
   * left alone. Never throws for anything the peer sends: a broken rule closes the session with a
   * {@link PeerEvent.Closed} event. Once closed, all input is consumed and discarded. No view into
   * {@code src} is kept.
   */
  public void handleBytes(ByteBuffer src, long nowNanos) {
    advance(nowNanos);
    if (closed) {
      ((Buffer) src).position(src.limit());
      return;
    }
    int start = src.position();
    if (src.hasRemaining()) {
      lastReceived = now;
    }
    try {
      if (peerHandshake == null) {
        Handshake h;
        try {
          h = Handshake.decode(src);
        } catch (WireException e) {
          throw new SessionViolation(CloseCause.MALFORMED_HANDSHAKE, e.getMessage());
        }
        if (h == null) {
          return;
        }
        onHandshake(h);
      }
      decoder.decode(src, this::onMessage);
    } catch (WireException e) {
      closeWith(CloseCause.MALFORMED_MESSAGE, e.getMessage());
    } catch (SessionViolation v) {
      closeWith(v.rule(), v.getMessage());
    } catch (RuntimeException e) {
      closeWith(CloseCause.INTERNAL_ERROR, e.toString());
    } finally {
      bytesReceived += src.position() - start;
      if (closed) {
        ((Buffer) src).position(src.limit());
      }
    }
  }

  /** The peer closed its side of the connection: the session closes (not a violation). */
  public void handleEof(long nowNanos) {
    advance(nowNanos);
    closeWith(CloseCause.EOF, peerHandshake == null
        ? "the peer closed the connection before its handshake"
        : "the peer closed the connection");
  }

  /**
   * Lets time pass: closes the session if the peer's handshake is late or the peer has been silent
   * too long, and queues a keep-alive if we have sent nothing for the keep-alive interval. Calling
   * it early or more often is harmless.
   */
  public void handleTimeout(long nowNanos) {
    advance(nowNanos);
    if (closed) {
      return;
    }
    if (peerHandshake == null && now - createdAt >= handshakeNanos) {
      closeWith(CloseCause.HANDSHAKE_TIMEOUT, "no handshake from the peer within "
          + config.handshakeTimeout().toMillis() + " ms");
    } else if (now - lastReceived >= inactivityNanos) {
      closeWith(CloseCause.INACTIVITY_TIMEOUT, "nothing received for "
          + TimeUnit.NANOSECONDS.toMillis(now - lastReceived) + " ms (limit "
          + config.inactivityTimeout().toMillis() + " ms)");
    } else if (peerHandshake != null && now - lastSent >= keepAliveNanos) {
      if (tx.isIdle()) {
        tx.add(PeerMessage.KeepAlive.INSTANCE);
      }
      lastSent = now;
    }
  }

  /**
   * When {@link #handleTimeout} should next be called: the earliest of the handshake deadline,
   * the inactivity deadline and the next keep-alive; {@link Long#MAX_VALUE} once closed.
   */
  public long nextDeadlineNanos() {
    if (closed) {
      return Long.MAX_VALUE;
    }
    long d = lastReceived + inactivityNanos;
    long other = peerHandshake == null ? createdAt + handshakeNanos : lastSent + keepAliveNanos;
    return other - d < 0 ? other : d;
  }

  // ---------------------------------------------------------------------------------- output

  /**
   * Writes queued bytes into {@code dst} from its position: whole messages as far as they fit (a
   * message larger than all of {@code dst}'s space is written across calls, so a small buffer
   * never stalls). Stops right after the header of a zero-copy block: see {@link
   * #pendingBlock()}. Calling it means the body of the previous pending block has been written.
   * Once closed it writes nothing, except our handshake answering an incoming connection that
   * turned out to be from ourselves ({@link CloseCause#SELF_CONNECTION}), so that our dialling
   * side learns it too.
   *
   * @return whether anything was written
   */
  public boolean pollTransmit(ByteBuffer dst) {
    if (closed && !farewell) {
      return false;
    }
    boolean wrote = tx.poll(dst);
    if (wrote) {
      lastSent = now;
    }
    return wrote;
  }

  /**
   * The zero-copy block whose 13-byte header the last {@link #pollTransmit} wrote, or null. Its
   * {@code length} bytes must follow on the wire right after the bytes that call wrote, before
   * anything the next {@link #pollTransmit} writes. A getter: it changes nothing.
   */
  public PendingBlock pendingBlock() {
    return closed ? null : tx.pendingBlock();
  }

  /** The next event, or null when there is none. {@link PeerEvent.Closed} is always the last. */
  public PeerEvent pollEvent() {
    return events.poll();
  }

  /** Whether {@link #pollEvent} has an event to give: a getter, it changes nothing. */
  public boolean hasEvents() {
    return !events.isEmpty();
  }

  /**
   * Whether {@link #pollTransmit} has bytes to write (or a zero-copy block's body is still owed):
   * a getter, it changes nothing. An I/O loop can skip a connection for which this, {@link
   * #hasEvents} and a passed {@link #nextDeadlineNanos} are all false.
   */
  public boolean hasTransmit() {
    return (!closed || farewell) && !tx.isIdle();
  }

  // ---------------------------------------------------------------------------------- commands

  /** Chokes the peer. Its unanswered requests are dropped, or rejected with the fast extension. */
  public void choke() {
    if (closed || amChoking) {
      return;
    }
    amChoking = true;
    queue(PeerMessage.Choke.INSTANCE);
    for (Iterator<BlockKey> it = peerRequests.iterator(); it.hasNext(); ) {
      BlockKey k = it.next();
      if (!ourAllowedFast.contains(k.piece())) {
        it.remove();
        if (fast) {
          queue(new PeerMessage.RejectRequest(k.piece(), k.offset(), k.length()));
        }
      }
    }
  }

  /** Unchokes the peer: we will serve its requests. */
  public void unchoke() {
    if (closed || !amChoking) {
      return;
    }
    amChoking = false;
    queue(PeerMessage.Unchoke.INSTANCE);
  }

  /** Tells the peer whether we want pieces it has; nothing is sent if that does not change. */
  public void interested(boolean interested) {
    if (closed || amInterested == interested) {
      return;
    }
    amInterested = interested;
    queue(interested ? PeerMessage.Interested.INSTANCE : PeerMessage.NotInterested.INSTANCE);
  }

  /**
   * Requests a block. The engine decides how many to keep outstanding ({@link
   * #outstandingRequests()}; the peer's {@code reqq} is in its extended handshake).
   *
   * @return true if sent; false if the peer chokes us and has not allowed this piece fast, if the
   *     block is already outstanding, or if the session is closed
   * @throws IllegalArgumentException if the block is not inside a piece or is longer than {@code
   *     maxBlockLength}
   * @throws IllegalStateException before the peer's handshake, or while the piece count is unknown
   */
  public boolean request(int piece, int offset, int length) {
    if (closed) {
      return false;
    }
    requireHandshake("request");
    BlockKey k = checkOurBlock(piece, offset, length);
    if (peerChoking && !peerAllowedFast.contains(piece)) {
      return false;
    }
    if (!outstanding.add(k)) {
      return false;
    }
    if (!cancelled.isEmpty()) {
      cancelled.remove(k);
    }
    queue(new PeerMessage.Request(piece, offset, length));
    return true;
  }

  /**
   * Withdraws an outstanding request. A block that still arrives (the peer had queued it) is
   * reported as a late {@link PeerEvent.BlockReceived}, while the cancel is remembered (without the
   * fast extension, the last {@value #MAX_REMEMBERED_CANCELS} cancels).
   *
   * @return whether the block was outstanding (and a cancel was sent)
   */
  public boolean cancel(int piece, int offset, int length) {
    if (closed) {
      return false;
    }
    BlockKey k = new BlockKey(piece, offset, length);
    if (!outstanding.remove(k)) {
      return false;
    }
    queue(new PeerMessage.Cancel(piece, offset, length));
    cancelled.add(k);
    if (!fast && cancelled.size() > MAX_REMEMBERED_CANCELS) {
      Iterator<BlockKey> it = cancelled.iterator();
      it.next();
      it.remove();
    }
    return true;
  }

  /**
   * Refuses one of the peer's requests: a reject with the fast extension, silence without.
   *
   * @return whether the request was waiting for an answer
   */
  public boolean rejectRequest(int piece, int offset, int length) {
    if (closed) {
      return false;
    }
    if (!peerRequests.remove(new BlockKey(piece, offset, length))) {
      return false;
    }
    if (fast) {
      queue(new PeerMessage.RejectRequest(piece, offset, length));
    }
    return true;
  }

  /**
   * Answers one of the peer's requests with a block the engine writes itself: {@link
   * #pollTransmit} writes the piece header, then {@link #pendingBlock()} returns the block, whose
   * bytes the engine writes next (zero-copy, see the class doc).
   *
   * @return true if queued; false if the request is no longer waiting (cancelled by the peer,
   *     dropped or rejected by our choke, already answered) or the session is closed: then the
   *     engine drops the block
   */
  public boolean sendBlock(int piece, int offset, int length) {
    if (closed || !peerRequests.remove(new BlockKey(piece, offset, length))) {
      return false;
    }
    queue(new PendingBlock(piece, offset, length));
    return true;
  }

  /**
   * Answers one of the peer's requests with the remaining bytes of {@code data}, copied into the
   * queue ({@code data} is not kept and its position is not moved).
   *
   * @return as {@link #sendBlock(int, int, int)}
   */
  public boolean sendBlock(int piece, int offset, ByteBuffer data) {
    if (closed || !peerRequests.remove(new BlockKey(piece, offset, data.remaining()))) {
      return false;
    }
    ByteBuffer copy = ByteBuffer.allocate(data.remaining()).put(data.duplicate());
    ((Buffer) copy).flip();
    queue(new PeerMessage.Piece(piece, offset, copy));
    return true;
  }

  /** Tells the peer we have a new piece. */
  public void have(int piece) {
    if (closed) {
      return;
    }
    checkOurPiece(piece);
    queue(new PeerMessage.Have(piece));
  }

  /**
   * Announces the pieces we have; must come before any other message command.
   *
   * @throws IllegalStateException if we already announced, another message went first, or the
   *     piece count is unknown
   * @throws IllegalArgumentException if a set bit is past the last piece
   */
  public void bitfield(BitSet pieces) {
    if (closed) {
      return;
    }
    requirePieceCount("bitfield");
    if (pieces.length() > pieceCount) {
      throw new IllegalArgumentException("piece " + (pieces.length() - 1) + " outside [0, "
          + pieceCount + ")");
    }
    announce(Announcement.BITFIELD, (BitSet) pieces.clone());
  }

  /** Announces that we have every piece; as {@link #bitfield}. */
  public void haveAll() {
    if (closed) {
      return;
    }
    requirePieceCount("haveAll");
    announce(Announcement.ALL, null);
  }

  /**
   * Announces that we have no piece (nothing is sent without the fast extension); as {@link
   * #bitfield}.
   */
  public void haveNone() {
    if (closed) {
      return;
    }
    announce(Announcement.NONE, null);
  }

  /**
   * Lets the peer request blocks of {@code piece} while we choke it (BEP 6).
   *
   * @throws IllegalStateException before the peer's handshake or without the fast extension
   */
  public void allowedFast(int piece) {
    if (closed) {
      return;
    }
    requireFast("allowedFast");
    checkOurPiece(piece);
    if (ourAllowedFast.add(piece)) {
      queue(new PeerMessage.AllowedFast(piece));
    }
  }

  /** Suggests a piece to the peer (BEP 6); as {@link #allowedFast} for the states. */
  public void suggest(int piece) {
    if (closed) {
      return;
    }
    requireFast("suggest");
    checkOurPiece(piece);
    queue(new PeerMessage.SuggestPiece(piece));
  }

  /**
   * Sends a {@code ut_metadata} message (BEP 9), usually a piece answering {@link
   * PeerEvent.MetadataRequested}, or a reject. Encoded at once: {@code message} is not kept.
   *
   * @throws IllegalStateException if the peer has not announced {@code ut_metadata}
   */
  public void sendMetadata(MetadataMessage message) {
    if (closed) {
      return;
    }
    requireHandshake("sendMetadata");
    queue(extensions.metadata(message));
  }

  /**
   * Requests a piece of the info dictionary (BEP 9); the answer is {@link
   * PeerEvent.MetadataReceived} or {@link PeerEvent.MetadataRejected}.
   *
   * @throws IllegalStateException if the peer has not announced {@code ut_metadata}
   * @throws IllegalArgumentException if the piece is past the peer's {@code metadata_size}
   */
  public void requestMetadata(int piece) {
    if (closed) {
      return;
    }
    requireHandshake("requestMetadata");
    queue(extensions.metadataRequest(piece));
  }

  /**
   * Sends a peer exchange message (BEP 11), at most once a minute.
   *
   * @return true if sent; false if the last one went less than 60 s ago (keep accumulating and try
   *     later) or the session is closed
   * @throws IllegalStateException if the peer has not announced {@code ut_pex}
   */
  public boolean sendPex(PexMessage message) {
    if (closed) {
      return false;
    }
    requireHandshake("sendPex");
    PeerMessage.Extended m = extensions.pex(message, now);
    if (m == null) {
      return false;
    }
    queue(m);
    return true;
  }

  /**
   * Sends a message of another extension the peer announced; {@code payload}'s remaining bytes are
   * copied.
   *
   * @throws IllegalStateException if the peer has not announced {@code name}
   */
  public void sendExtended(String name, ByteBuffer payload) {
    if (closed) {
      return;
    }
    requireHandshake("sendExtended");
    queue(extensions.other(name, payload));
  }

  /**
   * Tells the peer our DHT node's port (BEP 5).
   *
   * @throws IllegalStateException unless both sides set the DHT bit
   */
  public void sendPort(int port) {
    if (closed) {
      return;
    }
    requireHandshake("sendPort");
    if (!dht) {
      throw new IllegalStateException("sendPort needs the DHT bit on both sides");
    }
    queue(new PeerMessage.Port(port));
  }

  /**
   * Sends a BEP 52 hash request, hashes or hash reject; the hashes of a {@link
   * PeerMessage.Hashes} are copied.
   */
  public void sendHashMessage(PeerMessage message) {
    if (closed) {
      return;
    }
    requireHandshake("sendHashMessage");
    if (message instanceof PeerMessage.Hashes) {
      PeerMessage.Hashes h = (PeerMessage.Hashes) message;
      queue(new PeerMessage.Hashes(h.piecesRoot(), h.baseLayer(), h.index(), h.length(),
          h.proofLayers(), copyOf(h.hashes())));
    } else if (message instanceof PeerMessage.HashRequest
        || message instanceof PeerMessage.HashReject) {
      queue(message);
    } else {
      throw new IllegalArgumentException("not a hash message: " + message);
    }
  }

  /**
   * Closes the session: queued output is dropped and a {@link PeerEvent.Closed} with {@link
   * CloseCause#LOCAL} is the last event. Idempotent.
   */
  public void close(String reason) {
    closeWith(CloseCause.LOCAL, Objects.requireNonNull(reason, "reason"));
  }

  /**
   * Sets the piece count once the metadata is known (a magnet link). The peer's stored bitfield,
   * have-all or have-none and haves are checked now and reported as one {@link
   * PeerEvent.BitfieldReceived} (or, with no announcement, as {@link PeerEvent.HaveReceived}s); a
   * bad one closes the session.
   *
   * @throws IllegalStateException if the piece count is already known
   */
  public void setPieceCount(int count, IntUnaryOperator pieceSize) {
    if (pieceCount > 0) {
      throw new IllegalStateException("the piece count is already known: " + pieceCount);
    }
    if (count < 1) {
      throw new IllegalArgumentException("piece count must be >= 1: " + count);
    }
    this.pieceCount = count;
    this.pieceSize = Objects.requireNonNull(pieceSize, "pieceSize");
    if (closed) {
      return;
    }
    try {
      BitSet haves = storedHaves;
      storedHaves = null;
      if (storedAnnouncement != null) {
        PeerMessage a = storedAnnouncement;
        storedAnnouncement = null;
        if (haves != null && haves.length() > count) {
          checkPiece("have", haves.length() - 1);
        }
        reportAnnouncement(a, haves);
      } else if (haves != null) {
        for (int i = haves.nextSetBit(0); i >= 0; i = haves.nextSetBit(i + 1)) {
          checkPiece("have", i);
          events.add(new PeerEvent.HaveReceived(i));
        }
      }
    } catch (SessionViolation v) {
      closeWith(v.rule(), v.getMessage());
    }
  }

  // ---------------------------------------------------------------------------------- getters

  /** The config. */
  public SessionConfig config() {
    return config;
  }

  /** Whether we opened the connection. */
  public boolean isOutgoing() {
    return outgoing;
  }

  /** Whether the session is closed. */
  public boolean isClosed() {
    return closed;
  }

  /** Whether the peer's handshake has arrived. */
  public boolean isHandshakeReceived() {
    return peerHandshake != null;
  }

  /** The peer's id, once its handshake has arrived. */
  public Optional<PeerId> peerId() {
    return peerHandshake == null ? Optional.empty() : Optional.of(peerHandshake.peerId());
  }

  /** The peer's extended handshake, merged over updates, once it has arrived. */
  public Optional<ExtendedHandshake> peerExtendedHandshake() {
    return extensions.peerHandshake();
  }

  /** Whether both sides support the fast extension (false before the handshake). */
  public boolean isFastExtension() {
    return fast;
  }

  /**
   * Whether both sides set the DHT bit (BEP 5), so {@link #sendPort} may be used (false before the
   * handshake).
   */
  public boolean isDht() {
    return dht;
  }

  /** Whether both sides support the extension protocol (false before the handshake). */
  public boolean isExtensionProtocol() {
    return extensionProtocol;
  }

  /** The piece count, or -1 while unknown. */
  public int pieceCount() {
    return pieceCount;
  }

  /** Whether we choke the peer (initially true). */
  public boolean isChoking() {
    return amChoking;
  }

  /** Whether we are interested in the peer (initially false). */
  public boolean isInterested() {
    return amInterested;
  }

  /** Whether the peer chokes us (initially true). */
  public boolean isPeerChoking() {
    return peerChoking;
  }

  /** Whether the peer is interested in us (initially false). */
  public boolean isPeerInterested() {
    return peerInterested;
  }

  /** Our requests still waiting for a block or a reject (cancelled ones not counted). */
  public int outstandingRequests() {
    return outstanding.size();
  }

  /** The peer's requests waiting for {@link #sendBlock} or {@link #rejectRequest}. */
  public int queuedPeerRequests() {
    return peerRequests.size();
  }

  /** Blocks received that we had requested. */
  public long blocksReceived() {
    return blocksReceived;
  }

  /** Piece messages for blocks we never requested. */
  public long unrequestedBlocks() {
    return unrequestedBlocks;
  }

  /**
   * Bytes of blocks we never requested of this peer. Blocks arriving after our cancel are not
   * counted: they are reported as a late {@link PeerEvent.BlockReceived}, for the engine to use or
   * count as waste.
   */
  public long wastedBytes() {
    return wastedBytes;
  }

  /** Peer requests refused by the session: while we choke it, over the queue limit, no metadata. */
  public long refusedPeerRequests() {
    return refusedPeerRequests;
  }

  /** PEX messages ignored for arriving too soon. */
  public long ignoredPexMessages() {
    return extensions.ignoredPexMessages();
  }

  /** Bytes consumed from the peer, handshake included. */
  public long bytesReceived() {
    return bytesReceived;
  }

  /** Bytes written by {@link #pollTransmit}, excluding the bodies of zero-copy blocks. */
  public long bytesSent() {
    return tx.bytesWritten();
  }

  /** Payload bytes of blocks sent: copied ones written, zero-copy ones handed over. */
  public long blockBytesSent() {
    return tx.blockBytes();
  }

  @Override
  public String toString() {
    return "PeerSession[" + (outgoing ? "outgoing" : "incoming")
        + (peerHandshake != null ? ", peer " + peerHandshake.peerId() : ", awaiting handshake")
        + (closed ? ", closed" : "") + "]";
  }

  // ---------------------------------------------------------------------------------- receiving

  private void onHandshake(Handshake h) {
    if (!config.infoHashes().matchesShort(h.infoHash())) {
      throw new SessionViolation(CloseCause.WRONG_INFO_HASH, "handshake names info hash "
          + h.infoHash() + ", not " + config.infoHashes());
    }
    if (h.peerId().equals(config.peerId())) {
      if (!outgoing) {
        // answer as any peer would, so that our dialling side, which reached us through an
        // endpoint it could not tell was ours (a NAT's public address), learns it too
        tx.add(new Handshake(config.reserved(), h.infoHash(), config.peerId()));
        farewell = true;
      }
      throw new SessionViolation(CloseCause.SELF_CONNECTION, "handshake carries our own peer id "
          + h.peerId());
    }
    peerHandshake = h;
    fast = h.supports(Handshake.FAST) && (config.reserved() & Handshake.FAST) != 0;
    extensionProtocol = h.supports(Handshake.EXTENSION_PROTOCOL)
        && (config.reserved() & Handshake.EXTENSION_PROTOCOL) != 0;
    dht = h.supports(Handshake.DHT) && (config.reserved() & Handshake.DHT) != 0;
    if (!outgoing) {
      tx.add(new Handshake(config.reserved(), h.infoHash(), config.peerId()));
    }
    if (extensionProtocol) {
      tx.add(extensions.ourHandshake());
    }
    events.add(new PeerEvent.HandshakeReceived(h.peerId(), h.reserved(), h.infoHash(), fast,
        extensionProtocol));
    flushParked();
  }

  private void onMessage(PeerMessage m) {
    int id = m.id();
    if (id == PeerMessage.KEEP_ALIVE) {
      return;
    }
    if (id == PeerMessage.BITFIELD || id == PeerMessage.HAVE_ALL || id == PeerMessage.HAVE_NONE) {
      if (id != PeerMessage.BITFIELD) {
        requirePeerFast(m);
      }
      if (!peerAnnouncementOpen) {
        if (m instanceof PeerMessage.Bitfield) {
          // aria2 sends a Bitfield instead of a run of Haves whenever that is shorter, at any
          // time; libtorrent and transmission take it as Haves, and so do we (the pieces only
          // add: a peer cannot lose pieces)
          laterBitfield((PeerMessage.Bitfield) m);
          return;
        }
        throw new SessionViolation(CloseCause.BITFIELD_NOT_FIRST, name(m) + " after "
            + peerFirstMessage + "; it must come first after the handshake, and once");
      }
      peerAnnouncementOpen = false;
      peerFirstMessage = name(m);
      if (pieceCount < 0) {
        storedAnnouncement = m;
      } else {
        reportAnnouncement(m, null);
      }
      return;
    }
    if (peerAnnouncementOpen && id != PeerMessage.EXTENDED && id != PeerMessage.PORT
        && !(m instanceof PeerMessage.Unknown)) {
      peerAnnouncementOpen = false;
      peerFirstMessage = name(m);
    }
    if (m instanceof PeerMessage.Piece) {
      onPiece((PeerMessage.Piece) m);
    } else if (m instanceof PeerMessage.Have) {
      onHave(((PeerMessage.Have) m).piece());
    } else if (m instanceof PeerMessage.Request) {
      PeerMessage.Request r = (PeerMessage.Request) m;
      onRequest(checkPeerBlock("request", r.piece(), r.offset(), r.length()));
    } else if (m instanceof PeerMessage.Choke) {
      onChoke();
    } else if (m instanceof PeerMessage.Unchoke) {
      if (peerChoking) {
        peerChoking = false;
        events.add(new PeerEvent.Unchoked());
      }
    } else if (m instanceof PeerMessage.Interested || m instanceof PeerMessage.NotInterested) {
      boolean interested = m instanceof PeerMessage.Interested;
      if (peerInterested != interested) {
        peerInterested = interested;
        events.add(new PeerEvent.PeerInterested(interested));
      }
    } else if (m instanceof PeerMessage.Cancel) {
      PeerMessage.Cancel c = (PeerMessage.Cancel) m;
      onCancel(checkPeerBlock("cancel", c.piece(), c.offset(), c.length()));
    } else if (m instanceof PeerMessage.RejectRequest) {
      requirePeerFast(m);
      PeerMessage.RejectRequest r = (PeerMessage.RejectRequest) m;
      BlockKey k = checkPeerBlock("reject", r.piece(), r.offset(), r.length());
      if (outstanding.remove(k)) {
        events.add(new PeerEvent.RequestRejected(k.piece(), k.offset(), k.length()));
      } else {
        cancelled.remove(k);
      }
    } else if (m instanceof PeerMessage.AllowedFast) {
      requirePeerFast(m);
      int piece = ((PeerMessage.AllowedFast) m).piece();
      if (pieceCount > 0) { // advisory; ignored while the piece count is unknown
        checkPiece("allowed-fast", piece);
        if (peerAllowedFast.add(piece)) {
          events.add(new PeerEvent.AllowedFastReceived(piece));
        }
      }
    } else if (m instanceof PeerMessage.SuggestPiece) {
      requirePeerFast(m);
      int piece = ((PeerMessage.SuggestPiece) m).piece();
      if (pieceCount > 0) { // advisory; ignored while the piece count is unknown
        checkPiece("suggest", piece);
        events.add(new PeerEvent.SuggestReceived(piece));
      }
    } else if (m instanceof PeerMessage.Extended) {
      onExtended((PeerMessage.Extended) m);
    } else if (m instanceof PeerMessage.Port) {
      int port = ((PeerMessage.Port) m).port();
      if (port != 0) {
        events.add(new PeerEvent.PortReceived(port));
      }
    } else if (m instanceof PeerMessage.Hashes) {
      PeerMessage.Hashes h = (PeerMessage.Hashes) m;
      events.add(new PeerEvent.HashMessageReceived(new PeerMessage.Hashes(h.piecesRoot(),
          h.baseLayer(), h.index(), h.length(), h.proofLayers(), copyOf(h.hashes()))));
    } else if (m instanceof PeerMessage.HashRequest || m instanceof PeerMessage.HashReject) {
      events.add(new PeerEvent.HashMessageReceived(m));
    }
    // PeerMessage.Unknown: ignored, as BEP 3 asks
  }

  private void reportAnnouncement(PeerMessage m, BitSet haves) {
    BitSet pieces;
    boolean all = false;
    boolean none = false;
    if (m instanceof PeerMessage.Bitfield) {
      try {
        pieces = ((PeerMessage.Bitfield) m).toBitSet(pieceCount);
      } catch (IllegalArgumentException e) {
        throw new SessionViolation(CloseCause.BAD_BITFIELD, e.getMessage());
      }
    } else if (m instanceof PeerMessage.HaveAll) {
      pieces = new BitSet(pieceCount);
      pieces.set(0, pieceCount);
      all = true;
    } else {
      pieces = new BitSet();
      none = true;
    }
    if (haves != null && !haves.isEmpty()) {
      pieces.or(haves);
      none = false;
    }
    events.add(new PeerEvent.BitfieldReceived(pieces, all, none));
  }

  /** A Bitfield after the first announcement: its pieces, checked like the first, as Haves. */
  private void laterBitfield(PeerMessage.Bitfield b) {
    if (pieceCount >= 0) {
      BitSet pieces;
      try {
        pieces = b.toBitSet(pieceCount);
      } catch (IllegalArgumentException e) {
        throw new SessionViolation(CloseCause.BAD_BITFIELD, e.getMessage());
      }
      for (int i = pieces.nextSetBit(0); i >= 0; i = pieces.nextSetBit(i + 1)) {
        onHave(i);
      }
    } else {
      byte[] bytes = b.bytes();
      for (int i = 0; i < bytes.length * 8; i++) {
        if (b.has(i)) {
          onHave(i);
        }
      }
    }
  }

  private void onHave(int piece) {
    if (pieceCount > 0) {
      checkPiece("have", piece);
      events.add(new PeerEvent.HaveReceived(piece));
      return;
    }
    // no metadata yet: keep it for setPieceCount, within what any bitfield could hold
    long maxPieces = 8L * (config.limits().maxMessageLength() - 1);
    if (piece >= maxPieces) {
      throw new SessionViolation(CloseCause.PIECE_INDEX_OUT_OF_RANGE, "have " + piece
          + " >= the " + maxPieces + " pieces a bitfield within the message limit can hold");
    }
    if (storedHaves == null) {
      storedHaves = new BitSet();
    }
    storedHaves.set(piece);
  }

  private void onChoke() {
    if (!peerChoking) {
      peerChoking = true;
      events.add(new PeerEvent.Choked());
    }
    if (!fast) { // BEP 3: a choke drops every request; with BEP 6 each is answered separately
      for (BlockKey k : outstanding) {
        events.add(new PeerEvent.RequestRejected(k.piece(), k.offset(), k.length()));
      }
      outstanding.clear();
      cancelled.clear();
    }
  }

  private void onRequest(BlockKey k) {
    if (pieceCount < 0 || (amChoking && !ourAllowedFast.contains(k.piece()))
        || peerRequests.size() >= config.maxQueuedRequests()) {
      refuse(k);
      return;
    }
    if (peerRequests.add(k)) {
      events.add(new PeerEvent.RequestReceived(k.piece(), k.offset(), k.length()));
    }
    // a duplicate of a waiting request is ignored
  }

  private void refuse(BlockKey k) {
    refusedPeerRequests++;
    if (fast) {
      reply(new PeerMessage.RejectRequest(k.piece(), k.offset(), k.length()));
    }
  }

  private void onCancel(BlockKey k) {
    if (peerRequests.remove(k)) {
      if (fast) { // BEP 6: every request gets exactly one answer, a cancelled one too
        reply(new PeerMessage.RejectRequest(k.piece(), k.offset(), k.length()));
      }
      events.add(new PeerEvent.CancelReceived(k.piece(), k.offset(), k.length()));
    } else if (tx.removeBlock(k) && fast) {
      reply(new PeerMessage.RejectRequest(k.piece(), k.offset(), k.length()));
    }
  }

  private void onPiece(PeerMessage.Piece p) {
    int length = p.length();
    BlockKey k = checkPeerBlock("piece", p.piece(), p.offset(), length);
    if (outstanding.remove(k)) {
      blocksReceived++;
      events.add(new PeerEvent.BlockReceived(k.piece(), k.offset(), copyBlock(p)));
      return;
    }
    if (cancelled.remove(k)) {
      // it crossed our cancel: the engine may still want it (a seek cancels what the peer may
      // already have queued), so it is reported rather than thrown away here
      events.add(new PeerEvent.BlockReceived(k.piece(), k.offset(), copyBlock(p), true));
      return;
    }
    wastedBytes += length;
    unrequestedBlocks++;
    if (unrequestedBlocks > config.maxUnrequestedBlocks()) {
      throw new SessionViolation(CloseCause.UNREQUESTED_BLOCKS, unrequestedBlocks
          + " piece messages for blocks we never requested (limit "
          + config.maxUnrequestedBlocks() + "), the last " + k);
    }
  }

  /** The piece message's block, copied into a buffer from the config's allocator. */
  private ByteBuffer copyBlock(PeerMessage.Piece p) {
    int length = p.length();
    ByteBuffer data = config.blockAllocator().apply(length);
    ((Buffer) data).clear().limit(length);
    ((Buffer) data.put(p.block().duplicate())).flip();
    return data;
  }

  private void onExtended(PeerMessage.Extended e) {
    if (!extensionProtocol) {
      throw new SessionViolation(CloseCause.EXTENSION_NOT_NEGOTIATED, "extension message id "
          + e.extendedId() + " without the extension protocol on both sides");
    }
    extensions.handle(e, now, output);
  }

  private void requirePeerFast(PeerMessage m) {
    if (!fast) {
      throw new SessionViolation(CloseCause.FAST_NOT_NEGOTIATED, name(m)
          + " without the fast extension on both sides");
    }
  }

  private void checkPiece(String what, int piece) {
    if (pieceCount > 0 && piece >= pieceCount) {
      throw new SessionViolation(CloseCause.PIECE_INDEX_OUT_OF_RANGE, what + " " + piece
          + " >= piece count " + pieceCount);
    }
  }

  private BlockKey checkPeerBlock(String what, int piece, int offset, int length) {
    checkPiece(what, piece);
    BlockKey k = new BlockKey(piece, offset, length);
    if (pieceCount > 0) {
      int size = Math.max(pieceSize.applyAsInt(piece), config.paddedPieceLength());
      if ((long) offset + length > size) {
        throw new SessionViolation(CloseCause.BLOCK_OUT_OF_RANGE, what + " " + k + " ends at "
            + ((long) offset + length) + ", past the piece's " + size + " bytes");
      }
    }
    return k;
  }

  private static String name(PeerMessage m) {
    return m.getClass().getSimpleName();
  }

  private static ByteBuffer copyOf(ByteBuffer b) {
    return Extensions.copyOf(b);
  }

  // ---------------------------------------------------------------------------------- sending

  /**
   * Queues a message from an engine command, after the handshake and our announcement; the first
   * one decides the announcement ("none") if the engine has not.
   */
  private void queue(Object message) {
    if (ourAnnouncementQueued && parked.isEmpty()) {
      tx.add(message); // the usual case once both sides announced: nothing parked to go first
      return;
    }
    if (ourAnnouncement == null) {
      ourAnnouncement = Announcement.IMPLICIT_NONE;
      ourFirstMessage = message.getClass().getSimpleName();
    }
    parked.add(message);
    flushParked();
  }

  /**
   * Queues a reply the session makes by itself (a reject); it waits for the engine's announcement
   * rather than deciding it, so the engine may still call {@link #bitfield} after events that
   * arrived together with the peer's handshake.
   */
  private void reply(PeerMessage message) {
    parked.add(message);
    flushParked();
  }

  /** Moves parked messages to the wire queue once the peer's handshake and announcement are in. */
  private void flushParked() {
    if (peerHandshake == null || ourAnnouncement == null) {
      return;
    }
    queueAnnouncement();
    for (Object o : parked) {
      tx.add(o);
    }
    parked.clear();
  }

  private void announce(Announcement a, BitSet bits) {
    if (ourAnnouncement != null) {
      throw new IllegalStateException(ourAnnouncement == Announcement.IMPLICIT_NONE
          ? "the bitfield must be the first message after the handshake, but " + ourFirstMessage
              + " went first"
          : "our pieces are already announced (" + ourAnnouncement + ")");
    }
    ourAnnouncement = a;
    ourAnnouncedBits = bits;
    flushParked();
  }

  /** Queues our announcement; called once it is decided and the peer's handshake is in. */
  private void queueAnnouncement() {
    if (ourAnnouncementQueued) {
      return;
    }
    ourAnnouncementQueued = true;
    PeerMessage m = null;
    switch (ourAnnouncement) {
      case ALL:
        m = fast ? PeerMessage.HaveAll.INSTANCE : fullBitfield();
        break;
      case BITFIELD:
        int n = ourAnnouncedBits.cardinality();
        if (fast && n == pieceCount) {
          m = PeerMessage.HaveAll.INSTANCE;
        } else if (n == 0) {
          m = fast ? PeerMessage.HaveNone.INSTANCE : null;
        } else {
          m = PeerMessage.Bitfield.of(ourAnnouncedBits, pieceCount);
        }
        break;
      default:
        m = fast ? PeerMessage.HaveNone.INSTANCE : null;
    }
    ourAnnouncedBits = null;
    if (m != null) {
      tx.add(m);
    }
  }

  private PeerMessage fullBitfield() {
    BitSet all = new BitSet(pieceCount);
    all.set(0, pieceCount);
    return PeerMessage.Bitfield.of(all, pieceCount);
  }

  private void requireHandshake(String command) {
    if (peerHandshake == null) {
      throw new IllegalStateException(command + " before the peer's handshake");
    }
  }

  private void requireFast(String command) {
    requireHandshake(command);
    if (!fast) {
      throw new IllegalStateException(command + " needs the fast extension on both sides");
    }
  }

  private void requirePieceCount(String command) {
    if (pieceCount < 0) {
      throw new IllegalStateException(command + " while the piece count is unknown");
    }
  }

  private void checkOurPiece(int piece) {
    requirePieceCount("piece " + piece);
    if (piece < 0 || piece >= pieceCount) {
      throw new IllegalArgumentException("piece " + piece + " outside [0, " + pieceCount + ")");
    }
  }

  private BlockKey checkOurBlock(int piece, int offset, int length) {
    checkOurPiece(piece);
    int size = Math.max(pieceSize.applyAsInt(piece), config.paddedPieceLength());
    if (offset < 0 || length < 1 || length > config.limits().maxBlockLength()
        || (long) offset + length > size) {
      throw new IllegalArgumentException("block (offset " + offset + ", length " + length
          + ") not inside piece " + piece + " of " + size + " bytes, or longer than "
          + config.limits().maxBlockLength());
    }
    return new BlockKey(piece, offset, length);
  }

  // ---------------------------------------------------------------------------------- lifecycle

  private void advance(long nowNanos) {
    if (nowNanos - now > 0) {
      now = nowNanos;
    }
  }

  private void closeWith(CloseCause cause, String detail) {
    if (closed) {
      return;
    }
    closed = true;
    if (!farewell) {
      tx.clear();
    }
    parked.clear();
    outstanding.clear();
    cancelled.clear();
    peerRequests.clear();
    storedAnnouncement = null;
    storedHaves = null;
    events.add(new PeerEvent.Closed(cause, cause + ": " + detail));
  }
}
