package io.btlib.client;

import java.io.InterruptedIOException;
import java.time.Duration;

/**
 * A {@link TorrentReader} waited longer than its {@link TorrentReader#timeout(Duration) timeout}
 * for bytes (or for the metadata). Nothing was read; the reader stays open and its position is
 * unchanged, so the read may be tried again. Like {@link java.net.SocketTimeoutException}, it is an
 * {@link InterruptedIOException} with {@link #bytesTransferred} 0.
 */
public final class ReadTimeoutException extends InterruptedIOException {
  private static final long serialVersionUID = 1L;

  /** The piece the read waited for, or -1 if it waited for the metadata. */
  private final int piece;

  /**
   * An exception for a read that waited {@code waited} for piece {@code piece} (-1: the metadata).
   */
  public ReadTimeoutException(int piece, Duration waited) {
    super((piece < 0 ? "metadata" : "piece " + piece) + " not available after " + waited);
    this.piece = piece;
  }

  /** The piece the read waited for, or -1 if it waited for the metadata. */
  public int piece() {
    return piece;
  }
}
