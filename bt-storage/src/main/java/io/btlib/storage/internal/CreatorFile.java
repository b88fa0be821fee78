package io.btlib.storage.internal;

import java.nio.file.Path;
import java.util.List;

/**
 * One file found for a new torrent. Internal, not API.
 *
 * @param path the path components inside the torrent: the file's name for a single-file torrent,
 *     else the components below the source directory (without the torrent's name)
 * @param source where the bytes are read from
 * @param length the length found when scanning; hashing fails if the file changes size
 * @param executable whether the owner may execute it (BEP 47 attribute {@code x})
 */
public record CreatorFile(List<String> path, Path source, long length, boolean executable) {

  /** Copies the path. */
  public CreatorFile {
    path = List.copyOf(path);
  }
}
