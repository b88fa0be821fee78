package io.btlib.storage;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import java.util.ArrayList;
import java.util.List;

/**
 * Maps pieces to the files that hold their bytes, for every layout: v1 (pieces run across file
 * boundaries), BEP 47 pad files (marked, never on disk), v2 (each file starts on a piece boundary
 * and its last piece is short) and hybrid (v1 with pad files that give the v2 alignment).
 *
 * <pre>{@code
 * PieceMap map = PieceMap.of(metainfo);
 * for (FileSlice s : map.slices(piece, 0, map.pieceSize(piece))) { ... }
 * int[] range = map.pieceRange(fileIndex); // first and last piece touching a file
 * }</pre>
 *
 * <p>Immutable and thread-safe; lookups are a binary search over the files.
 */
public final class PieceMap {
  private final int pieceLength;
  private final int pieceCount;
  private final long[] starts; // offset of each file in the piece-aligned stream
  private final long[] lengths;
  private final boolean[] pads;
  private final int[] pieceSizes; // null unless v2-only (short last piece per file)
  private final long streamLength;

  private PieceMap(Metainfo m) {
    List<FileEntry> files = m.files();
    int n = files.size();
    this.pieceLength = m.pieceLength();
    this.pieceCount = m.pieceCount();
    this.starts = new long[n];
    this.lengths = new long[n];
    this.pads = new boolean[n];
    long end = 0;
    for (int i = 0; i < n; i++) {
      FileEntry f = files.get(i);
      starts[i] = f.offset();
      lengths[i] = f.length();
      pads[i] = f.isPad();
      end = Math.max(end, f.endOffset());
    }
    this.streamLength = end;
    if (!m.version().hasV1()) {
      pieceSizes = new int[pieceCount];
      for (int p = 0; p < pieceCount; p++) {
        pieceSizes[p] = m.pieceSize(p);
      }
    } else {
      pieceSizes = null;
    }
  }

  /** The map of a torrent's pieces. */
  public static PieceMap of(Metainfo metainfo) {
    return new PieceMap(metainfo);
  }

  /** The number of pieces. */
  public int pieceCount() {
    return pieceCount;
  }

  /** The nominal piece length. */
  public int pieceLength() {
    return pieceLength;
  }

  /** The number of bytes in piece {@code index}. */
  public int pieceSize(int index) {
    checkPiece(index);
    if (pieceSizes != null) {
      return pieceSizes[index];
    }
    long start = (long) index * pieceLength;
    return (int) Math.min(pieceLength, streamLength - start);
  }

  /**
   * The runs of bytes, in order, that hold {@code length} bytes of piece {@code index} from {@code
   * offset}: usually one, several where the range crosses files; pad-file runs included and marked.
   */
  public List<FileSlice> slices(int index, int offset, int length) {
    int size = pieceSize(index);
    if (offset < 0 || length < 0 || offset > size - length) {
      throw new IndexOutOfBoundsException(
          "range " + offset + "+" + length + " outside piece " + index + " of " + size + " bytes");
    }
    List<FileSlice> out = new ArrayList<>(2);
    if (length == 0) {
      return out;
    }
    long pos = (long) index * pieceLength + offset;
    long end = pos + length;
    int f = fileAt(pos);
    while (pos < end) {
      if (f >= starts.length) {
        throw new IllegalStateException("piece " + index + " runs past the last file");
      }
      long fileEnd = starts[f] + lengths[f];
      if (lengths[f] == 0 || fileEnd <= pos) {
        f++;
        continue;
      }
      int run = (int) (Math.min(end, fileEnd) - pos);
      out.add(new FileSlice(f, pos - starts[f], run, (int) (pos - (long) index * pieceLength),
          pads[f]));
      pos += run;
      f++;
    }
    return out;
  }

  /**
   * The first and last piece that hold bytes of file {@code fileIndex}, as a two-element array; an
   * empty file gives {@code {-1, -1}}.
   */
  public int[] pieceRange(int fileIndex) {
    if (lengths[fileIndex] == 0) {
      return new int[] {-1, -1};
    }
    long s = starts[fileIndex];
    long e = s + lengths[fileIndex] - 1;
    return new int[] {(int) (s / pieceLength), (int) (e / pieceLength)};
  }

  /** The index of the last non-empty file starting at or before {@code pos}. */
  private int fileAt(long pos) {
    int lo = 0;
    int hi = starts.length - 1;
    int found = 0;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (starts[mid] <= pos) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found; // empty files are skipped by the caller

  }

  private void checkPiece(int index) {
    if (index < 0 || index >= pieceCount) {
      throw new IndexOutOfBoundsException("piece " + index + " outside [0, " + pieceCount + ")");
    }
  }
}
