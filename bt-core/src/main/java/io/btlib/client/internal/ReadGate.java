package io.btlib.client.internal;

import io.btlib.client.ReadTimeoutException;
import io.btlib.client.Storage;
import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.nio.channels.AsynchronousCloseException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.BitSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * What a torrent's readers may read, shared between the engine thread, which tells it what is
 * verified, and the readers' threads, which wait on it: the metainfo and storage once known, the
 * verified pieces, and whether the torrent is gone. The engine never waits here (it only takes the
 * lock to set a bit and signal); a reader waits on the one condition, signalled whenever anything
 * changes. Thread-safe. Internal, not API.
 */
final class ReadGate {
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  /** Guarded by {@link #lock}. */
  private final BitSet verified = new BitSet();
  private volatile Metainfo metainfo;
  private volatile Storage storage;
  /** Why the torrent can no longer be read, or null. Guarded by {@link #lock}. */
  private String gone;
  /** Why pieces will not come any more (the torrent failed), or null. Guarded by {@link #lock}. */
  private String failed;

  // ------------------------------------------------------------- engine thread

  /** The metainfo and the storage that holds its pieces are known. */
  void open(Metainfo m, Storage s) {
    lock.lock();
    try {
      metainfo = m;
      storage = s;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** Piece {@code piece} passed its hash check and is in storage. */
  void verified(int piece) {
    lock.lock();
    try {
      verified.set(piece);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** A bounded cache evicted {@code piece}: readers wait for it again. */
  void unverified(int piece) {
    lock.lock();
    try {
      verified.clear(piece);
    } finally {
      lock.unlock();
    }
  }

  /** The pieces set in {@code pieces} are verified (a check, or resume data). */
  void verified(BitSet pieces) {
    lock.lock();
    try {
      verified.or(pieces);
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The torrent failed: what is verified stays readable, the rest never comes. */
  void failed(String why) {
    lock.lock();
    try {
      failed = why;
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** The torrent is removed (or its client closed): nothing can be read any more. */
  void gone(String why) {
    lock.lock();
    try {
      if (gone == null) {
        gone = why;
      }
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  // ------------------------------------------------------------- readers' threads

  /** The metainfo, or null while it is fetched. */
  Metainfo metainfo() {
    return metainfo;
  }

  Storage storage() {
    return storage;
  }

  /** Whether piece {@code piece} is verified. */
  boolean isVerified(int piece) {
    lock.lock();
    try {
      return verified.get(piece);
    } finally {
      lock.unlock();
    }
  }

  /** The first piece from {@code from} that is not verified (or {@code from} itself). */
  int nextMissing(int from) {
    lock.lock();
    try {
      return verified.nextClearBit(from);
    } finally {
      lock.unlock();
    }
  }

  /** Wakes every waiting reader, so that one closed from another thread sees it. */
  void wakeAll() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  /** What a waiting reader is asked after each wake-up. */
  interface Waiter {
    /** Whether the reader was closed. */
    boolean isClosed();

    /** Closes the reader after its thread was interrupted. */
    void closeOnInterrupt();
  }

  /**
   * Waits until the metainfo is known; returns it.
   *
   * @param timeoutNanos how long to wait; 0 without limit
   */
  Metainfo awaitMetainfo(Waiter w, long timeoutNanos) throws IOException {
    Metainfo m = metainfo;
    if (m != null) {
      return m;
    }
    await(w, -1, timeoutNanos);
    return metainfo;
  }

  /**
   * Waits until piece {@code piece} is verified (or the metainfo known, for {@code piece} -1).
   *
   * @param timeoutNanos how long to wait; 0 without limit
   * @throws ReadTimeoutException once {@code timeoutNanos} passed
   * @throws AsynchronousCloseException if the reader was closed while it waited
   * @throws ClosedByInterruptException if the thread was interrupted (the reader is closed)
   * @throws IOException if the torrent is gone, or failed and the piece is not verified
   */
  void awaitPiece(Waiter w, int piece, long timeoutNanos) throws IOException {
    await(w, piece, timeoutNanos);
  }

  private void await(Waiter w, int piece, long timeoutNanos) throws IOException {
    long left = timeoutNanos;
    boolean interrupted = false;
    lock.lock();
    try {
      while (true) {
        if (w.isClosed()) {
          throw new AsynchronousCloseException();
        }
        if (piece < 0 ? metainfo != null : verified.get(piece)) {
          return;
        }
        if (gone != null) {
          throw new IOException("torrent " + gone);
        }
        if (failed != null) {
          throw new IOException("torrent failed: " + failed);
        }
        if (timeoutNanos > 0 && left <= 0) {
          throw new ReadTimeoutException(piece, Duration.ofNanos(timeoutNanos));
        }
        try {
          if (timeoutNanos > 0) {
            left = changed.awaitNanos(left);
          } else {
            changed.await();
          }
        } catch (InterruptedException e) {
          interrupted = true;
          break;
        }
      }
    } finally {
      lock.unlock();
    }
    if (interrupted) {
      w.closeOnInterrupt();
      Thread.currentThread().interrupt();
      throw new ClosedByInterruptException();
    }
  }
}
