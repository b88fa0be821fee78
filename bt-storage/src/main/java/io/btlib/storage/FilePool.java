package io.btlib.storage;

import io.btlib.storage.internal.ChannelPool;

/**
 * One bound on the files that many {@link FileStorage}s keep open: a least-recently-used cache of
 * file channels shared by every storage given it, so that a client holding thousands of torrents
 * keeps at most {@link #maxOpenFiles()} files open whatever their number, and an idle torrent
 * holds none once others have used the slots (files are opened again on demand).
 *
 * <pre>{@code
 * try (FilePool files = FilePool.create(64);
 *      Client client = Client.builder().build()) {
 *   StorageFactory storages = FileStorage.builder(Path.of("downloads")).filePool(files).build();
 *   for (Metainfo m : torrents) {
 *     client.add(m, storages.open(m)).start();
 *   }
 *   ...
 * } // the client closes its storages, then the pool closes
 * }</pre>
 *
 * <p>A {@link FileStorage.Builder} without a pool makes one of its own for the factory it builds,
 * shared by every storage that factory opens; {@link FileStorage#open(io.btlib.metainfo.Metainfo,
 * java.nio.file.Path)} gives each storage a pool of its own. Give the same pool to the storages
 * of several factories (several download directories) to keep one bound over all of them.
 *
 * <p><b>Bound.</b> Channels idle in the pool are closed least recently used first; a channel in use
 * by a read or write is never closed under it, so the pool may briefly hold more than its bound by
 * the number of calls in flight. A storage's channels leave the pool when the storage closes.
 *
 * <p><b>Ownership.</b> The pool starts no thread and holds nothing but open channels: closing the
 * storages that use it empties it. {@link #close()} closes every channel still open, in use or not;
 * the storages using it then fail their calls with {@link IllegalStateException}, so close it after
 * them (after the client). Thread-safe.
 */
public final class FilePool implements AutoCloseable {
  /** The default bound, {@value}: libtorrent's {@code file_pool_size} is 40, the OS's 1,024. */
  public static final int DEFAULT_MAX_OPEN_FILES = 64;

  private final ChannelPool channels;

  private FilePool(int maxOpenFiles) {
    this.channels = new ChannelPool(maxOpenFiles);
  }

  /**
   * A pool keeping at most {@code maxOpenFiles} idle files open, at least 1. Size it well under the
   * process's descriptor limit, leaving room for sockets: each connection is one descriptor too.
   *
   * @throws IllegalArgumentException if {@code maxOpenFiles} is below 1
   */
  public static FilePool create(int maxOpenFiles) {
    if (maxOpenFiles < 1) {
      throw new IllegalArgumentException("maxOpenFiles must be >= 1: " + maxOpenFiles);
    }
    return new FilePool(maxOpenFiles);
  }

  /** A pool of {@link #DEFAULT_MAX_OPEN_FILES} files. */
  public static FilePool create() {
    return create(DEFAULT_MAX_OPEN_FILES);
  }

  /** The most idle files the pool keeps open. */
  public int maxOpenFiles() {
    return channels.maxOpen();
  }

  /** The number of files open now through this pool, in use or idle, across its storages. */
  public int openFiles() {
    return channels.size();
  }

  /**
   * Closes every file still open through the pool; idempotent. Storages using it fail their
   * later calls with {@link IllegalStateException}.
   */
  @Override
  public void close() {
    channels.close();
  }

  @Override
  public String toString() {
    return "FilePool[" + openFiles() + "/" + maxOpenFiles() + " open]";
  }

  ChannelPool channels() {
    return channels;
  }
}
