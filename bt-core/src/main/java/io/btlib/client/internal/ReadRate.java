package io.btlib.client.internal;

import io.btlib.client.TorrentReader;

/**
 * A reader's default readahead from its own consumption: what it read per second since its first
 * read, times the {@link ReaderWindows#WINDOW_NANOS} in which its window's deadlines assume the
 * window is consumed, so that the deadlines match how fast the bytes are really wanted (a player
 * reads at the media's bit rate). {@link TorrentReader#DEFAULT_READAHEAD} until it has read for
 * {@link #MIN_SAMPLE_NANOS}; always between {@link #MIN_READAHEAD} and {@link #MAX_READAHEAD}
 * (a paused player lowers the rate; a fast first burst raises it). Guarded by its reader's lock.
 * Internal, not API.
 */
final class ReadRate {
  static final long MIN_SAMPLE_NANOS = 2_000_000_000L;
  static final long MIN_READAHEAD = 2L << 20;
  static final long MAX_READAHEAD = 64L << 20;

  private long firstNanos = Long.MIN_VALUE;
  private long bytes;

  /** {@code n} bytes were read at {@code now}. */
  void read(long n, long now) {
    if (firstNanos == Long.MIN_VALUE) {
      firstNanos = now;
    }
    bytes += n;
  }

  /** The readahead as of {@code now}. */
  long readahead(long now) {
    long elapsed = firstNanos == Long.MIN_VALUE ? 0 : now - firstNanos;
    if (elapsed < MIN_SAMPLE_NANOS) {
      return TorrentReader.DEFAULT_READAHEAD;
    }
    double perWindow = (double) bytes * ReaderWindows.WINDOW_NANOS / elapsed;
    return (long) Math.max(MIN_READAHEAD, Math.min(MAX_READAHEAD, perWindow));
  }
}
