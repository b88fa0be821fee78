package io.btlib.storage;

/**
 * A run of bytes that one piece (or a range of it) occupies in one file.
 *
 * @param fileIndex the file's index in {@link io.btlib.metainfo.Metainfo#files()}
 * @param fileOffset where the run starts within the file
 * @param length the number of bytes, at least 1
 * @param pieceOffset where the run starts within the piece
 * @param pad whether the file is a BEP 47 pad file (never on disk; reads as zeros)
 */
public record FileSlice(int fileIndex, long fileOffset, int length, int pieceOffset, boolean pad) {

  /** Checks the ranges. */
  public FileSlice {
    if (fileIndex < 0) {
      throw new IllegalArgumentException("fileIndex must be >= 0: " + fileIndex);
    }
    if (fileOffset < 0) {
      throw new IllegalArgumentException("fileOffset must be >= 0: " + fileOffset);
    }
    if (length < 1) {
      throw new IllegalArgumentException("length must be >= 1: " + length);
    }
    if (pieceOffset < 0) {
      throw new IllegalArgumentException("pieceOffset must be >= 0: " + pieceOffset);
    }
  }
}
