package io.btlib.cli.stream;

import java.io.IOException;
import java.nio.channels.SeekableByteChannel;
import java.util.Objects;

/**
 * One file the {@link StreamServer} serves: its index in the torrent, its path inside the torrent
 * ({@code /}-separated, used in the URL and for the content type), its length, and how to open a
 * channel onto its bytes.
 *
 * @param index the file's index in the torrent (the first segment of its URL path)
 * @param path the file's path inside the torrent, segments joined with {@code /}
 * @param length the file's length in bytes
 * @param opener opens a new channel for one response; the server closes it after the response
 */
public record ServedFile(int index, String path, long length, Opener opener) {
  /** Checks the values. */
  public ServedFile {
    if (index < 0) {
      throw new IllegalArgumentException("index < 0: " + index);
    }
    if (length < 0) {
      throw new IllegalArgumentException("length < 0: " + length);
    }
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(opener, "opener");
    if (path.isEmpty()) {
      throw new IllegalArgumentException("empty path");
    }
  }

  /**
   * Opens a channel onto a file's bytes. Reads may block until the bytes are available; they are
   * interrupted (the thread's interrupt) when the client goes away or the server closes.
   */
  @FunctionalInterface
  public interface Opener {
    /** A new channel at position 0; the caller closes it. */
    SeekableByteChannel open() throws IOException;
  }
}
