package io.btlib.storage;

import io.btlib.metainfo.FileEntry;
import java.io.IOException;
import java.nio.channels.FileChannel;

/**
 * Opens the channels of a torrent's files for a {@link ChannelStorage}: the application's side of
 * a storage whose files it opens itself, for platforms that hand out open files rather than paths
 * (Android's storage access framework gives a file descriptor per document).
 *
 * <p>A file is named by its index in {@link io.btlib.metainfo.Metainfo#files()} and its {@link
 * FileEntry}, whose {@link FileEntry#path() path} components (the torrent's name first, for a
 * multi-file torrent) are as the metainfo gives them after bt's checks: the provider decides where
 * they lead, and must not let them escape where it keeps downloads.
 *
 * <p><b>Contract.</b>
 *
 * <ul>
 *   <li>{@link Mode#READ}: a channel the storage only reads from (positional reads, {@code
 *       size()}, {@code transferTo}, {@code map(READ_ONLY)}), such as {@code
 *       FileInputStream.getChannel()}. A file that does not exist must fail with an {@link
 *       IOException} ({@link java.nio.file.NoSuchFileException} or {@link
 *       java.io.FileNotFoundException}), never be created.
 *   <li>{@link Mode#WRITE}: a channel the storage only writes to at positions and forces, such as
 *       {@code FileOutputStream.getChannel()}; the file is created if missing and its bytes are
 *       kept (never truncate: on Android open with mode {@code "rw"}, not {@code "w"} or {@code
 *       "wt"}). A channel that can also read is fine.
 *   <li>Each call returns a new, open, seekable channel (not a pipe or socket), and the storage
 *       owns it: it closes it when it evicts it, when the channel turns out closed, and on {@link
 *       ChannelStorage#close()}. The provider is asked again whenever the storage needs the file
 *       once more, so it may be called many times for one file.
 *   <li>Called concurrently from the storage's calling threads: implementations must be
 *       thread-safe. An exception fails the storage call that needed the file (and only that
 *       call); returning null is refused with an {@link IOException}.
 * </ul>
 */
@FunctionalInterface
public interface FileChannelProvider {

  /** What the storage will do through a channel. */
  enum Mode {
    /** Only read: the file must exist. */
    READ,
    /** Only write and force: the file is created if missing, never truncated. */
    WRITE
  }

  /**
   * Opens file {@code index} of the torrent, described by {@code file}, for {@code mode}.
   *
   * @throws IOException if the file cannot be opened; the storage call that needed it fails with
   *     this exception
   */
  FileChannel open(FileEntry file, int index, Mode mode) throws IOException;
}
