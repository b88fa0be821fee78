package io.btlib.client.internal;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * The windows of a torrent's readers and the deadlines they give pieces. A reader's window is the
 * bytes of its file from its position up to its readahead; each piece in it gets a deadline as if
 * the reader consumed the window in {@link #WINDOW_NANOS} from the moment it was set: the piece at
 * the position at once, the last one {@link #WINDOW_NANOS} later. A piece in several windows keeps
 * the nearest deadline. The pieces with a deadline are also kept sorted, nearest first, for the
 * time-critical requests and the picker's view.
 *
 * <p>Owned by the engine thread: readers post their windows ({@link #set}, {@link #remove}).
 * Internal, not API.
 */
final class ReaderWindows {
  /** How long a reader is assumed to take to consume its readahead. */
  static final long WINDOW_NANOS = 10_000_000_000L;

  /** One reader's window, in its file's coordinates. */
  private static final class Window {
    final int file;
    final long position;
    final long readahead;
    final long since;

    Window(int file, long position, long readahead, long since) {
      this.file = file;
      this.position = position;
      this.readahead = readahead;
      this.since = since;
    }
  }

  private final Map<Integer, Window> windows = new HashMap<>();
  private Metainfo metainfo;
  /** Per piece: its deadline, or {@link Long#MAX_VALUE}. */
  private long[] deadline = new long[0];
  /** The pieces with a deadline, nearest first; {@link #count} of them. */
  private int[] order = new int[0];
  private int count;
  /** Bumped whenever the windows change, so that users of {@link #order} know to look again. */
  private int version;

  /** The metainfo is known: the windows posted before it get their pieces. */
  void setMetainfo(Metainfo m) {
    this.metainfo = m;
    this.deadline = new long[m.pieceCount()];
    Arrays.fill(deadline, Long.MAX_VALUE);
    recompute();
  }

  /** Reader {@code id}'s window is now {@code readahead} bytes from {@code position} of a file. */
  void set(int id, int file, long position, long readahead, long now) {
    windows.put(id, new Window(file, position, readahead, now));
    recompute();
  }

  /** Reader {@code id} closed: its window goes. */
  void remove(int id) {
    if (windows.remove(id) != null) {
      recompute();
    }
  }

  /** Whether no piece has a deadline. */
  boolean isEmpty() {
    return count == 0;
  }

  /** Piece {@code piece}'s deadline, or {@link Long#MAX_VALUE} if no window holds it. */
  long deadline(int piece) {
    return piece >= 0 && piece < deadline.length ? deadline[piece] : Long.MAX_VALUE;
  }

  /** The number of pieces with a deadline. */
  int count() {
    return count;
  }

  /** The piece with the {@code rank}-th nearest deadline (0: the nearest). */
  int piece(int rank) {
    if (rank < 0 || rank >= count) {
      throw new IndexOutOfBoundsException("rank " + rank + " of " + count);
    }
    return order[rank];
  }

  /** Changes whenever the windows do. */
  int version() {
    return version;
  }

  private void recompute() {
    version++;
    for (int i = 0; i < count; i++) {
      deadline[order[i]] = Long.MAX_VALUE;
    }
    count = 0;
    Metainfo m = metainfo;
    if (m == null) {
      return;
    }
    long pieceLength = m.pieceLength();
    for (Window w : windows.values()) {
      if (w.file >= m.files().size()) {
        continue; // a magnet reader's index the metadata does not have: its reads fail
      }
      FileEntry f = m.files().get(w.file);
      if (w.position >= f.length()) {
        continue;
      }
      long start = f.offset() + w.position;
      long end = f.offset() + Math.min(f.length(), w.position + w.readahead);
      double nanosPerByte = (double) WINDOW_NANOS / w.readahead;
      for (long p = start / pieceLength; p * pieceLength < end; p++) {
        int piece = (int) p;
        long distance = Math.max(0, p * pieceLength - start);
        long d = w.since + (long) (distance * nanosPerByte);
        if (deadline[piece] == Long.MAX_VALUE) {
          add(piece);
        }
        deadline[piece] = Math.min(deadline[piece], d);
      }
    }
    // nearest first; ties in index order
    Integer[] boxed = new Integer[count];
    for (int i = 0; i < count; i++) {
      boxed[i] = order[i];
    }
    Arrays.sort(boxed, (a, b) -> deadline[a] != deadline[b]
        ? Long.compare(deadline[a], deadline[b]) : Integer.compare(a, b));
    for (int i = 0; i < count; i++) {
      order[i] = boxed[i];
    }
  }

  private void add(int piece) {
    if (count == order.length) {
      order = Arrays.copyOf(order, Math.max(16, 2 * count));
    }
    order[count++] = piece;
  }
}
