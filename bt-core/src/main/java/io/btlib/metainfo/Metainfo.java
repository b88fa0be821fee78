package io.btlib.metainfo;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.BencodeWriter;
import io.btlib.bencode.Leniency;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A parsed and validated metainfo file (a {@code .torrent}): BitTorrent v1 (BEP 3), v2 (BEP 52) or
 * hybrid.
 *
 * <pre>{@code
 * Metainfo m = Metainfo.parse(Path.of("ubuntu.torrent"));
 * m.infoHashes();   // v1 = SHA-1 and/or v2 = SHA-256 of the info dictionary's exact bytes
 * m.files();        // safe relative paths, lengths, offsets, pad files marked
 * }</pre>
 *
 * <p><b>What is checked.</b> Everything inside {@code info} is validated, and a problem fails the
 * whole parse with a {@link MetainfoException} naming the key path: the name and every path
 * component (see below), piece length (positive; for v2 a power of two of at least 16 KiB), file
 * lengths (non-negative, total within 2^63), {@code pieces} (a multiple of 20 bytes, one hash per
 * piece of the total size), the v2 {@code file tree} (each file a {@code ""} leaf with a 32-byte
 * {@code pieces root} when non-empty), {@code piece layers} (when present, one layer per file larger
 * than a piece, of the right length, whose merkle root is that file's {@code pieces root}), and for
 * hybrids that the v1 and v2 parts describe the same files, in the same order, with pad files
 * aligning each v2 file to a piece boundary. Outside {@code info} (trackers, web seeds, comment,
 * dates), malformed optional fields cannot harm anyone: they are dropped and listed in {@link
 * #warnings()}.
 *
 * <p><b>Paths are safe.</b> A torrent cannot name a file outside its download directory: the parser
 * <em>rejects</em> (never rewrites) a torrent whose name or any path component is empty, {@code .}
 * or {@code ..}, contains {@code /}, {@code \}, NUL or another control character, starts with a
 * drive prefix ({@code C:}), is a Windows device name ({@code CON}, {@code NUL}, {@code COM1}, ...),
 * or is longer than 255 bytes; it also rejects two files with the same path, and a file whose path
 * is the directory of another. Rejecting keeps one name for one file on every platform, so resume
 * data and seeding agree with what other clients see.
 *
 * <p><b>Bytes are kept.</b> The info hashes are taken over the original bytes of {@code info}, never
 * a re-encoding, and unknown keys are kept: {@link #encode()} writes a canonical torrent back byte
 * for byte. Decoding accepts non-canonical but unambiguous bencode by default, as other clients do,
 * and reports it in {@link #leniencies()}; {@link MetainfoParser#strict()} refuses it.
 *
 * <p>Instances are immutable and thread-safe. They keep a reference to the source bytes.
 */
public final class Metainfo {
  /**
   * 16 KiB: the unit of data transfer (every client requests blocks of this size, BEP 3) and the
   * leaf of BEP 52's merkle trees, so also the smallest v2 piece length. The one definition of the
   * block size in bt.
   */
  public static final int BLOCK_SIZE = 16 * 1024;

  private final BDict root;
  private final BDict info;
  private final InfoHashes infoHashes;
  private final TorrentVersion version;
  private final String name;
  private final int pieceLength;
  private final int pieceCount;
  private final long totalSize;
  private final List<FileEntry> files;
  private final boolean isPrivate;
  private final BString piecesV1;
  private final Map<MerkleRoot, BString> pieceLayers;
  private final boolean hasPieceLayers;
  private final List<List<String>> trackerTiers;
  private final List<String> webSeeds;
  private final Optional<Instant> creationDate;
  private final Optional<String> comment;
  private final Optional<String> createdBy;
  private final Optional<String> encoding;
  private final List<String> warnings;
  private final List<Leniency> leniencies;

  Metainfo(MetainfoParser.Parsed p) {
    this.root = p.root;
    this.info = p.info;
    this.infoHashes = p.infoHashes;
    this.version = p.version;
    this.name = p.name;
    this.pieceLength = p.pieceLength;
    this.pieceCount = p.pieceCount;
    this.totalSize = p.totalSize;
    this.files = List.copyOf(p.files);
    this.isPrivate = p.isPrivate;
    this.piecesV1 = p.piecesV1;
    this.pieceLayers = Map.copyOf(p.pieceLayers);
    this.hasPieceLayers = p.hasPieceLayers;
    this.trackerTiers = Collections.unmodifiableList(
        p.trackerTiers.stream().map(List::copyOf).collect(Collectors.toList()));
    this.webSeeds = List.copyOf(p.webSeeds);
    this.creationDate = p.creationDate;
    this.comment = p.comment;
    this.createdBy = p.createdBy;
    this.encoding = p.encoding;
    this.warnings = List.copyOf(p.warnings);
    this.leniencies = List.copyOf(p.leniencies);
  }

  /** Parses a metainfo file with the default parser (lenient bencode, reported in {@link #leniencies()}). */
  public static Metainfo parse(byte[] bytes) {
    return MetainfoParser.DEFAULT.parse(bytes);
  }

  /** Reads and parses a metainfo file with the default parser (lenient bencode, reported in {@link #leniencies()}). */
  public static Metainfo parse(Path file) throws IOException {
    return MetainfoParser.DEFAULT.parse(file);
  }

  /** Reads (up to the parser's size limit) and parses a metainfo file; the stream is not closed. */
  public static Metainfo parse(InputStream in) throws IOException {
    return MetainfoParser.DEFAULT.parse(in);
  }

  /**
   * Builds a metainfo from a dictionary: decoded (its {@code info} bytes are hashed as they are) or
   * built in code (its {@code info} is hashed in canonical encoding).
   */
  public static Metainfo of(BDict root) {
    return MetainfoParser.DEFAULT.parse(root);
  }

  /**
   * Builds a metainfo for a torrent known only by its info dictionary, as fetched from peers for a
   * magnet link (BEP 9): {@code infoBytes} must hash to {@code expected}.
   *
   * @throws MetainfoException if the bytes do not match the expected hashes or are invalid
   */
  public static Metainfo fromInfoDictionary(byte[] infoBytes, InfoHashes expected) {
    return MetainfoParser.DEFAULT.parseInfoOnly(infoBytes, expected);
  }

  /** A parser to configure: lenient (the default) or strict bencode, size limit. */
  public static MetainfoParser.Builder parser() {
    return MetainfoParser.builder();
  }

  /** The v1 and/or v2 info hashes. */
  public InfoHashes infoHashes() {
    return infoHashes;
  }

  /** Which protocol versions the info dictionary describes. */
  public TorrentVersion version() {
    return version;
  }

  /** The suggested name: the file's name (single file) or the top directory's (several). */
  public String name() {
    return name;
  }

  /** The number of bytes in each piece (the last piece of a file or torrent may be shorter). */
  public int pieceLength() {
    return pieceLength;
  }

  /** The number of pieces. */
  public int pieceCount() {
    return pieceCount;
  }

  /** The sum of all listed files' lengths, pad files included. */
  public long totalSize() {
    return totalSize;
  }

  /** The files, in the order of the torrent, pad files included. */
  public List<FileEntry> files() {
    return files;
  }

  /** Whether the torrent is private (BEP 27): peers only from its trackers, no DHT, no PEX. */
  public boolean isPrivate() {
    return isPrivate;
  }

  /** Whether this is a multi-file torrent (v1 {@code files} list, or a v2 tree of several files). */
  public boolean isMultiFile() {
    return files.size() != 1 || files.get(0).path().size() > 1;
  }

  /**
   * The number of bytes piece {@code index} covers: the piece length, except for the torrent's last
   * piece (v1 and hybrid, whose pieces run across files) or a file's last piece (v2-only, whose
   * pieces never span files).
   */
  public int pieceSize(int index) {
    checkPiece(index);
    long start = (long) index * pieceLength;
    long end;
    if (version == TorrentVersion.V2) {
      // the file holding this piece: the last non-empty file starting at or before it
      int lo = 0;
      int hi = files.size() - 1;
      int i = 0;
      while (lo <= hi) {
        int mid = (lo + hi) >>> 1;
        if (files.get(mid).offset() <= start) {
          i = mid;
          lo = mid + 1;
        } else {
          hi = mid - 1;
        }
      }
      // empty files share their offset with the next file; step back to a non-empty one
      while (i > 0 && files.get(i).length() == 0) {
        i--;
      }
      end = files.get(i).endOffset();
    } else {
      end = totalSize;
    }
    return (int) Math.min(pieceLength, end - start);
  }

  /** A copy of the v1 SHA-1 hash of piece {@code index}. */
  public byte[] pieceHash(int index) {
    byte[] h = new byte[20];
    copyPieceHash(index, h, 0);
    return h;
  }

  /** Copies the v1 SHA-1 hash of piece {@code index} into {@code dst} at {@code offset}. */
  public void copyPieceHash(int index, byte[] dst, int offset) {
    requireV1();
    checkPiece(index);
    piecesV1.copyTo(index * 20, dst, offset, 20);
  }

  /** Whether {@code digest} equals the v1 SHA-1 hash of piece {@code index}. */
  public boolean pieceHashMatches(int index, byte[] digest) {
    requireV1();
    checkPiece(index);
    return digest.length == 20 && piecesV1.slice(index * 20, 20).contentEquals(digest);
  }

  /** A read-only view of the v1 {@code pieces} string: 20 bytes per piece. */
  public ByteBuffer piecesV1() {
    requireV1();
    return piecesV1.asByteBuffer();
  }

  /**
   * Whether the torrent carries a v2 {@code piece layers} dictionary (a torrent made from a magnet
   * link's info dictionary does not). It may still lack the layer of some file, as libtorrent
   * allows: {@link #pieceLayer(FileEntry)} tells per file, and the engine fetches what is missing
   * from peers before it checks a piece.
   */
  public boolean hasPieceLayers() {
    return hasPieceLayers;
  }

  /**
   * The v2 piece layer of a file: the SHA-256 roots of its pieces' subtrees, 32 bytes each. Empty
   * for a file of at most one piece (its {@code pieces root} covers it), for pad files, and when the
   * torrent carries no piece layers.
   */
  public Optional<ByteBuffer> pieceLayer(FileEntry file) {
    return file.piecesRoot().map(pieceLayers::get).map(BString::asByteBuffer);
  }

  /** The trackers in tiers (BEP 12), or one tier of {@code announce}; empty if trackerless. */
  public List<List<String>> trackerTiers() {
    return trackerTiers;
  }

  /** The web seeds ({@code url-list}, BEP 19). */
  public List<String> webSeeds() {
    return webSeeds;
  }

  /** The {@code creation date}. */
  public Optional<Instant> creationDate() {
    return creationDate;
  }

  /** The {@code comment}. */
  public Optional<String> comment() {
    return comment;
  }

  /** The {@code created by} field. */
  public Optional<String> createdBy() {
    return createdBy;
  }

  /** The {@code encoding} field: the charset of legacy text fields, if the creator said. */
  public Optional<String> encoding() {
    return encoding;
  }

  /** Malformed optional fields outside {@code info} that were dropped, each with its key path. */
  public List<String> warnings() {
    return warnings;
  }

  /**
   * The non-canonical bencode the file was read with, in order (keys out of order, leading
   * zeros, trailing bytes...): empty for a canonical file or one built in code. Such a file is
   * accepted by default, as other clients accept it; {@link MetainfoParser#strict()} refuses it.
   */
  public List<Leniency> leniencies() {
    return leniencies;
  }

  /** The whole metainfo dictionary, unknown keys included. */
  public BDict root() {
    return root;
  }

  /** The info dictionary. */
  public BDict info() {
    return info;
  }

  /**
   * The exact bytes of the info dictionary that the info hashes are taken over: the original bytes
   * for a parsed torrent, the canonical encoding for one built in code.
   */
  public ByteBuffer infoBytes() {
    return info.hasSource() ? info.sourceBytes() : ByteBuffer.wrap(BencodeWriter.encode(info))
        .asReadOnlyBuffer();
  }

  /**
   * Writes the metainfo as bencode: the root's keys in canonical order, the info dictionary as its
   * original bytes (so the info hashes cannot change). A torrent with no {@link #leniencies()}
   * comes back byte for byte.
   */
  public void writeTo(OutputStream out) throws IOException {
    BencodeWriter w = new BencodeWriter(out);
    w.beginDict();
    BDict sorted = (BDict) canonical(root);
    for (int i = 0; i < sorted.size(); i++) {
      BString k = sorted.keyAt(i);
      w.key(k);
      if (k.contentEquals("info")) {
        w.raw(infoBytes());
      } else {
        w.value(sorted.valueAt(i));
      }
    }
    w.end();
  }

  /**
   * {@code v} as canonical bencode can hold it: dictionaries sorted, and of a repeated key (which
   * a lenient read accepts) the first, as lookups see it.
   */
  private static BValue canonical(BValue v) {
    if (v instanceof BDict) {
      BDict d = (BDict) v;
      BDict.Builder b = BDict.builder();
      java.util.Set<BString> seen = new java.util.HashSet<>();
      for (int i = 0; i < d.size(); i++) {
        if (seen.add(d.keyAt(i))) {
          b.put(d.keyAt(i), canonical(d.valueAt(i)));
        }
      }
      return b.build();
    }
    if (v instanceof BList) {
      BList l = (BList) v;
      List<BValue> out = new ArrayList<>(l.size());
      for (int i = 0; i < l.size(); i++) {
        out.add(canonical(l.get(i)));
      }
      return BList.of(out);
    }
    return v;
  }

  /** The bencoded metainfo, as {@link #writeTo(OutputStream)} writes it. */
  public byte[] encode() {
    ByteArrayOutputStream bos = new ByteArrayOutputStream();
    try {
      writeTo(bos);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bos.toByteArray();
  }

  /** Writes {@link #encode()} to {@code file}. */
  public void writeTo(Path file) throws IOException {
    Files.write(file, encode());
  }

  private void requireV1() {
    if (piecesV1 == null) {
      throw new IllegalStateException("a v2-only torrent has no v1 piece hashes");
    }
  }

  private void checkPiece(int index) {
    if (index < 0 || index >= pieceCount) {
      throw new IndexOutOfBoundsException(
          "piece " + index + " outside [0, " + pieceCount + ")");
    }
  }

  /** Equal when the info hashes and the whole dictionary are equal. */
  @Override
  public boolean equals(Object o) {
    return o instanceof Metainfo
        && infoHashes.equals(((Metainfo) o).infoHashes)
        && root.equals(((Metainfo) o).root);
  }

  @Override
  public int hashCode() {
    return infoHashes.hashCode();
  }

  @Override
  public String toString() {
    return "Metainfo{" + version + " " + infoHashes + " '" + name + "', " + files.size()
        + " files, " + totalSize + " bytes, " + pieceCount + " x " + pieceLength + "}";
  }
}
