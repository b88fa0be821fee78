package io.btlib.client.internal;

import io.btlib.metainfo.InfoHash;
import io.btlib.peer.PeerAddress;
import io.btlib.peer.PeerId;
import io.btlib.policy.PeerView;
import io.btlib.wire.ExtendedHandshake;
import io.btlib.wire.mse.MseHandshake;
import io.btlib.wire.mse.PayloadCipher;
import io.btlib.wire.session.PeerSession;
import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.BitSet;
import java.util.HashSet;
import java.util.Set;

/**
 * One peer connection: its link (a socket), its buffers, its {@link PeerSession}, and what the engine knows
 * about the peer. Owned by the engine thread; not thread-safe. Internal, not API.
 */
final class Connection implements PeerView {

  /** The byte stream: a TCP socket, or a simulated one. */
  final Link link;
  final boolean outgoing;
  final PeerAddress address;
  final long createdNanos;
  PeerSession session;
  TorrentRuntime torrent;
  boolean connected;
  boolean closed;
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

  // Message Stream Encryption
  /** The MSE handshake, from the connection's start until its last bytes are written; or null. */
  MseHandshake mse;
  /** Whether the MSE handshake finished (the payload phase began). */
  boolean mseDone;
  /**
   * The peer ended the MSE handshake: closed, reset, broke it or let it time out (what makes an
   * ENABLED outgoing connection retry in plain text; a close of ours does not).
   */
  boolean mseRefused;
  /** MSE handshake bytes being written (they go before anything else), while {@link #mse} runs. */
  ByteBuffer mseOut;
  /** The torrent an incoming connection's MSE handshake named, or null. */
  InfoHash mseSkey;
  /**
   * The payload ciphers once RC4 was negotiated; null for a plain payload. Reads are decrypted in
   * {@link #in} as they arrive; the batch is encrypted once when it is filled.
   */
  PayloadCipher encryptor;
  PayloadCipher decryptor;
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
  /** When the peer last requested a block of us. */
  long peerRequestNanos = Long.MIN_VALUE;
  /**
   * Unchoked for a while, interested, yet it asked nothing of us: it counts as not interested for
   * the choker (so an idle peer cannot hold an upload slot) until it requests, says interested
   * again or we have a piece it lacks.
   */
  boolean idle;
  final BitSet allowedFastGiven = new BitSet();
  /** Super-seeding: the pieces we showed this peer; null when we announced ours in full. */
  BitSet superShown;

  // our requests to the peer: piece << 32 | block
  final LongSet requests = new LongSet();
  long lastBlockNanos;
  long lastRequestNanos;

  // the peer's requests to us waiting for disk reads, and blocks read and ready to send (in the
  // order the session queued them, which is the order it will ask for their bodies)
  final ArrayDeque<long[]> uploadQueue = new ArrayDeque<>();
  int readsInFlight;
  /** Requests arrived: the upload queue needs pumping once the events of a read are handled. */
  boolean pumpNeeded;
  /** Blocks arrived: the request pipe needs refilling once the events of a read are handled. */
  boolean requestNeeded;
  final ArrayDeque<ReadyBlock> ready = new ArrayDeque<>();

  // figures
  RateMeter downMeter;
  RateMeter upMeter;
  long downloaded;
  long uploaded;
  long connectedNanos;
  long lastPexNanos = Long.MIN_VALUE;
  Set<PeerAddress> pexSent = new HashSet<>();
  long nowNanos;

  Connection(Link link, boolean outgoing, PeerAddress address, long now) {
    this.link = link;
    this.outgoing = outgoing;
    this.address = address;
    this.createdNanos = now;
    this.downMeter = new RateMeter(now);
    this.upMeter = new RateMeter(now);
  }

  /** Whether bytes of a batch wait to be written. */
  boolean hasPendingOutput() {
    return outbox.hasPending() || hasPendingHandshakeOutput();
  }

  /** Whether MSE handshake bytes wait to be written. */
  boolean hasPendingHandshakeOutput() {
    return mse != null && (mse.hasTransmit() || (mseOut != null && mseOut.hasRemaining()));
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
