package io.btlib.metainfo;

import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * One file of a torrent, as laid out under the download directory.
 *
 * <p>{@code path} is relative to the download directory: for a multi-file torrent it starts with
 * the torrent's name (its directory), for a single-file torrent it is just the name. Every component
 * has been checked by the parser to be safe (see {@link Metainfo}). {@code offset} is where the file
 * starts in the torrent's piece-aligned byte stream: for v1 and hybrid torrents the concatenation of
 * all listed files, pad files included; for v2-only torrents the same stream as if each file were
 * padded to a piece boundary (BEP 52), so {@code offset / pieceLength} is always the file's first
 * piece.
 *
 * @param path the path components, relative to the download directory
 * @param length the file's length in bytes
 * @param offset where the file starts in the torrent's piece-aligned byte stream
 * @param attributes the BEP 47 {@code attr} characters ({@code p} pad, {@code x} executable, {@code
 *     h} hidden, {@code l} symlink), or {@code ""}
 * @param symlinkTarget for a symlink ({@code l}), its target's components relative to the torrent's
 *     root, checked like {@code path}
 * @param piecesRoot for a non-empty file of a v2 or hybrid torrent, its BEP 52 {@code pieces root}
 */
public record FileEntry(
    List<String> path,
    long length,
    long offset,
    String attributes,
    Optional<List<String>> symlinkTarget,
    Optional<MerkleRoot> piecesRoot) {

  /** Checks and copies the components. */
  public FileEntry {
    path = List.copyOf(path);
    if (path.isEmpty()) {
      throw new IllegalArgumentException("a file path has at least one component");
    }
    if (length < 0) {
      throw new IllegalArgumentException("file length must be >= 0: " + length);
    }
    if (offset < 0) {
      throw new IllegalArgumentException("file offset must be >= 0: " + offset);
    }
    Objects.requireNonNull(attributes, "attributes");
    symlinkTarget = symlinkTarget.map(List::copyOf);
    Objects.requireNonNull(piecesRoot, "piecesRoot");
  }

  /** The path joined with {@code /}. */
  public String pathString() {
    return String.join("/", path);
  }

  /** Whether this is a BEP 47 pad file: filler that is never written to disk and reads as zeros. */
  public boolean isPad() {
    return attributes.indexOf('p') >= 0;
  }

  /** Whether the BEP 47 executable attribute is set. */
  public boolean isExecutable() {
    return attributes.indexOf('x') >= 0;
  }

  /** Whether the BEP 47 hidden attribute is set. */
  public boolean isHidden() {
    return attributes.indexOf('h') >= 0;
  }

  /** Whether this entry is a BEP 47 symlink. */
  public boolean isSymlink() {
    return attributes.indexOf('l') >= 0;
  }

  /** The offset just past the file's last byte in the torrent's byte stream. */
  public long endOffset() {
    return offset + length;
  }
}
