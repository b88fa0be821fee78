package io.btlib.client.internal;

import io.btlib.peer.PeerAddress;
import io.btlib.policy.PeerView;
import io.btlib.wire.session.PeerSession;
import java.nio.ByteBuffer;

/**
 * One peer connection: its link (a socket), its buffers, its MSE state and its {@link PeerSession},
 * which the engine owns; and, through {@link #peer()}, what the torrent knows about the peer
 * ({@link PeerState}). Engine thread only; not thread-safe. Internal, not API.
 */
final class Connection implements PeerView {

  /** The byte stream: a TCP socket, or a simulated one. */
  final Link link;
  final boolean outgoing;
  final PeerAddress address;
  final long createdNanos;
  /** The BitTorrent session, once the torrent started it (see {@link #startSession}); or null. */
  PeerSession session;
  TorrentRuntime torrent;
  boolean connected;
  boolean closed;
  /**
   * Our BitTorrent handshake went out inside the MSE handshake (its initial payload), so the
   * session must not send it again.
   */
  boolean handshakeSent;
  /** The dial got no answer in time (a dead host, not a refusal). */
  boolean timedOut;
  boolean readThrottled;
  boolean writeThrottled;

  /** A read buffer grows up to this size while reads fill it (more for a longer message). */
  static final int MAX_READ_BUFFER = 1024 * 1024;

  /**
   * Bytes read and not yet consumed (write mode). It starts small on the heap; once reads fill it
   * the engine moves it to a larger direct buffer, which a socket reads into with no copy through
   * a temporary one.
   */
  ByteBuffer in = ByteBuffer.allocate(INITIAL_READ_BUFFER);
  /**
   * {@link #in}'s first size: enough for handshakes, bitfields and short messages; a connection
   * that carries blocks grows it on its first full read. Small because a busy torrent opens and
   * drops many connections that never carry a block.
   */
  static final int INITIAL_READ_BUFFER = 4 * 1024;
  /** The outgoing batch: the session's messages and the bodies of blocks, gathered. */
  final Outbox outbox = new Outbox();

  /** Message Stream Encryption: its handshake, then the payload ciphers (if any). */
  final MseLink mse = new MseLink();

  /** What the torrent knows about the peer; see {@link PeerState}. */
  private final PeerState peer;

  Connection(Link link, boolean outgoing, PeerAddress address, long now) {
    this.link = link;
    this.outgoing = outgoing;
    this.address = address;
    this.createdNanos = now;
    this.peer = new PeerState(now);
  }

  /** What the torrent knows about the peer, and changes through its methods. */
  PeerState peer() {
    return peer;
  }

  /** The torrent starts the connection's session (the engine feeds it from then on). */
  void startSession(PeerSession s) {
    session = s;
  }

  /** Whether bytes of a batch wait to be written. */
  boolean hasPendingOutput() {
    return outbox.hasPending() || mse.hasPendingOutput();
  }

  /**
   * A block whose bytes are read and queued in the session: its body is a view of a cached
   * extent (pinned until the body is written or dropped) or a buffer of its own.
   */
  static final class ReadyBlock {
    final int piece;
    final int offset;
    final int length;
    /** The bytes to send, or null for a zero-copy block sent from storage. */
    final ByteBuffer body;
    final ReadCache.Extent extent;

    ReadyBlock(int piece, int offset, ByteBuffer body, ReadCache.Extent extent) {
      this.piece = piece;
      this.offset = offset;
      this.length = body.remaining();
      this.body = body;
      this.extent = extent;
    }

    /** A block to send with {@code transferTo} from storage. */
    ReadyBlock(int piece, int offset, int length) {
      this.piece = piece;
      this.offset = offset;
      this.length = length;
      this.body = null;
      this.extent = null;
    }
  }

  /**
   * A set of non-negative longs without boxing: open addressing with linear probing, deletion by
   * backward shift. The engine touches its requests once or twice per block.
   */
  static final class LongSet {
    private static final long EMPTY = -1;
    private long[] slots = newSlots(16);
    private int size;

    private static long[] newSlots(int n) {
      long[] a = new long[n];
      java.util.Arrays.fill(a, EMPTY);
      return a;
    }

    private static int mix(long k, int mask) {
      long h = k * 0x9E3779B97F4A7C15L;
      return (int) (h ^ (h >>> 32)) & mask;
    }

    int size() {
      return size;
    }

    boolean isEmpty() {
      return size == 0;
    }

    boolean contains(long k) {
      int mask = slots.length - 1;
      for (int i = mix(k, mask); ; i = (i + 1) & mask) {
        long v = slots[i];
        if (v == k) {
          return true;
        }
        if (v == EMPTY) {
          return false;
        }
      }
    }

    /** Adds {@code k} (at least 0); false if it was there. */
    boolean add(long k) {
      if (k < 0) {
        throw new IllegalArgumentException("negative key " + k);
      }
      if ((size + 1) * 2 > slots.length) {
        grow();
      }
      int mask = slots.length - 1;
      for (int i = mix(k, mask); ; i = (i + 1) & mask) {
        long v = slots[i];
        if (v == k) {
          return false;
        }
        if (v == EMPTY) {
          slots[i] = k;
          size++;
          return true;
        }
      }
    }

    boolean remove(long k) {
      int mask = slots.length - 1;
      int i = mix(k, mask);
      for (; ; i = (i + 1) & mask) {
        long v = slots[i];
        if (v == EMPTY) {
          return false;
        }
        if (v == k) {
          break;
        }
      }
      // shift back the entries of the probe run after i that may live at i
      for (int j = (i + 1) & mask; ; j = (j + 1) & mask) {
        long v = slots[j];
        if (v == EMPTY) {
          break;
        }
        int home = mix(v, mask);
        // v may move to i if i lies cyclically in [home, j)
        if (((j - home) & mask) >= ((j - i) & mask)) {
          slots[i] = v;
          i = j;
        }
      }
      slots[i] = EMPTY;
      size--;
      return true;
    }

    void clear() {
      java.util.Arrays.fill(slots, EMPTY);
      size = 0;
    }

    /** The keys, in no particular order. */
    long[] toArray() {
      long[] out = new long[size];
      int n = 0;
      for (long v : slots) {
        if (v != EMPTY) {
          out[n++] = v;
        }
      }
      return out;
    }

    private void grow() {
      long[] old = slots;
      slots = newSlots(old.length * 2);
      size = 0;
      for (long v : old) {
        if (v != EMPTY) {
          add(v);
        }
      }
    }
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
    return peer.has(piece);
  }

  @Override
  public boolean isSeed() {
    return peer.isSeed();
  }

  @Override
  public boolean isChokingUs() {
    return peer.isChokingUs();
  }

  @Override
  public boolean isAllowedFast(int piece) {
    return peer.isAllowedFast(piece);
  }

  @Override
  public boolean isSuggested(int piece) {
    return peer.isSuggested(piece);
  }

  @Override
  public int nextSuggested(int from) {
    return peer.nextSuggested(from);
  }

  @Override
  public boolean isRequested(int piece, int block) {
    return peer.isRequested(piece, block);
  }

  @Override
  public int requestsInFlight() {
    return peer.requestsInFlight();
  }

  @Override
  public long downloadRate() {
    return peer.downloadRate(peer.now());
  }

  @Override
  public boolean isSnubbed() {
    return peer.isSnubbed();
  }

  @Override
  public String toString() {
    return address + (outgoing ? " (out)" : " (in)");
  }
}
