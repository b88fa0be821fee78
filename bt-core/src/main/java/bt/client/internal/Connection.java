package bt.client.internal;

import bt.peer.PeerAddress;
import bt.peer.PeerId;
import bt.policy.PeerView;
import bt.wire.ExtendedHandshake;
import bt.wire.session.PeerSession;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.SocketChannel;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * One peer connection: the socket, its buffers, its {@link PeerSession}, and what the engine knows
 * about the peer. Owned by the engine thread; not thread-safe. Internal, not API.
 */
final class Connection implements PeerView {
  static final int BLOCK = 16 * 1024;

  final SocketChannel channel;
  final boolean outgoing;
  final PeerAddress address;
  final long createdNanos;
  SelectionKey key;
  PeerSession session;
  TorrentRuntime torrent;
  boolean connected;
  boolean closed;
  boolean readThrottled;
  boolean writeThrottled;

  /** Bytes read and not yet consumed (write mode). */
  ByteBuffer in = ByteBuffer.allocate(64 * 1024);
  /** Bytes to send (read mode: position..limit is pending). */
  final ByteBuffer out = ByteBuffer.allocate(64 * 1024).flip();
  /** The body of a piece message being sent after its header, or null. */
  ByteBuffer body;

  // what the peer has and does
  BitSet has = new BitSet();
  boolean seed;
  boolean chokingUs = true;
  boolean interestedInUs;
  final BitSet allowedFast = new BitSet();
  final BitSet suggested = new BitSet();
  ExtendedHandshake extended;
  int peerRequestQueue = 250;
  boolean handshakeDone;
  PeerId peerId;

  // what we do to the peer
  boolean chokedByUs = true;
  boolean weAreInterested;
  long lastUnchokedNanos = Long.MIN_VALUE;
  final BitSet allowedFastGiven = new BitSet();

  // our requests to the peer: piece << 32 | block
  final Set<Long> requests = new HashSet<>();
  long lastBlockNanos;
  long lastRequestNanos;

  // the peer's requests to us waiting for disk reads, and blocks read and ready to send
  final ArrayDeque<long[]> uploadQueue = new ArrayDeque<>();
  int readsInFlight;
  final Map<Long, ByteBuffer> ready = new HashMap<>();

  // figures
  RateMeter downMeter;
  RateMeter upMeter;
  long downloaded;
  long uploaded;
  long connectedNanos;
  long lastPexNanos = Long.MIN_VALUE;
  Set<PeerAddress> pexSent = new HashSet<>();
  long nowNanos;

  Connection(SocketChannel channel, boolean outgoing, PeerAddress address, long now) {
    this.channel = channel;
    this.outgoing = outgoing;
    this.address = address;
    this.createdNanos = now;
    this.downMeter = new RateMeter(now);
    this.upMeter = new RateMeter(now);
  }

  static long key(int piece, int block) {
    return ((long) piece << 32) | (block & 0xFFFFFFFFL);
  }

  @Override
  public PeerAddress address() {
    return address;
  }

  @Override
  public boolean has(int piece) {
    return seed || has.get(piece);
  }

  @Override
  public boolean isSeed() {
    return seed;
  }

  @Override
  public boolean isChokingUs() {
    return chokingUs;
  }

  @Override
  public boolean isAllowedFast(int piece) {
    return allowedFast.get(piece);
  }

  @Override
  public boolean isSuggested(int piece) {
    return suggested.get(piece);
  }

  @Override
  public boolean isRequested(int piece, int block) {
    return requests.contains(key(piece, block));
  }

  @Override
  public int requestsInFlight() {
    return requests.size();
  }

  @Override
  public long downloadRate() {
    return downMeter.rate(nowNanos);
  }

  @Override
  public boolean isSnubbed() {
    return !requests.isEmpty() && nowNanos - Math.max(lastBlockNanos, lastRequestNanos)
        > 60_000_000_000L;
  }

  @Override
  public String toString() {
    return address + (outgoing ? " (out)" : " (in)");
  }
}
