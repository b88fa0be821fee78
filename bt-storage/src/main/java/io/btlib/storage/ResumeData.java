package io.btlib.storage;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BInteger;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeException;
import io.btlib.bencode.BencodeWriter;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.Metainfo;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Fast resume: the set of verified pieces of a torrent, with the size and modification time each of
 * its files had when the set was taken, so that a restart trusts what is still on disk and rechecks
 * only the files that changed.
 *
 * <pre>{@code
 * storage.flush();                                        // data first...
 * ResumeData.capture(metainfo, dir, verified).save(file); // ...then the claim about it
 *
 * ResumeData.Resolution r = ResumeData.load(file).resolve(metainfo, dir);
 * r.verified();   // still trusted
 * r.toRecheck();  // pieces touching files that changed: recheck these
 * }</pre>
 *
 * <p><b>Crash safety.</b> {@link #save(Path)} writes a temporary file beside the target, forces it
 * to disk, renames it over the target atomically and forces the directory, so the file on disk is
 * always a complete old or a complete new version. Call {@link #capture} only after the storage has
 * been flushed: then every piece the saved set claims is on disk before the claim is, and a crash
 * at any instant leaves no piece marked verified that is not there. A file written after the
 * capture has a new modification time, so its pieces are rechecked at the next start.
 *
 * <p>The file is bencode: {@code {"bt resume": 1, "info hash": <20 or 32 bytes>, "pieces": n,
 * "have": <bitfield, piece 0 in the high bit of the first byte>, "files": [[size, mtime-ns], ...],
 * "partfile": [size, mtime-ns]}}, a size of -1 meaning the file did not exist. A malformed or
 * foreign file fails {@link #load} with an {@link IOException}; the caller then rechecks everything.
 *
 * <p>Immutable and thread-safe.
 */
public final class ResumeData {
  private static final int FORMAT = 1;
  private static final int MAX_BYTES = 64 << 20;

  private final InfoHash infoHash;
  private final int pieceCount;
  private final BitSet verified;
  private final List<FileState> files;
  private final FileState partfile;

  /**
   * A file's size and modification time when resume data was taken.
   *
   * @param size the size in bytes, or -1 if the file did not exist
   * @param mtimeNanos the last-modified time in nanoseconds since the epoch (0 if missing)
   */
  public record FileState(long size, long mtimeNanos) {
    /** The state of a file that does not exist. */
    public static final FileState MISSING = new FileState(-1, 0);

    /** Checks the size. */
    public FileState {
      if (size < -1) {
        throw new IllegalArgumentException("size must be >= -1: " + size);
      }
    }

    static FileState of(Path p) throws IOException {
      try {
        BasicFileAttributes a = Files.readAttributes(p, BasicFileAttributes.class,
            LinkOption.NOFOLLOW_LINKS);
        if (!a.isRegularFile()) {
          return MISSING;
        }
        return new FileState(a.size(), a.lastModifiedTime().to(TimeUnit.NANOSECONDS));
      } catch (NoSuchFileException e) {
        return MISSING;
      }
    }
  }

  /**
   * Reports the current state of a torrent's file, for a storage whose files have no path: on
   * Android, a document's {@code COLUMN_SIZE} and {@code COLUMN_LAST_MODIFIED} (milliseconds,
   * times 1,000,000), or {@link FileState#MISSING}. Report the same clock every time: a
   * different time than recorded makes the file's pieces be rechecked.
   */
  @FunctionalInterface
  public interface FileStates {
    /** The state now of file {@code index} of the torrent, described by {@code file}. */
    FileState of(FileEntry file, int index) throws IOException;
  }

  /**
   * What resume data says after checking it against the files now on disk.
   *
   * @param verified the pieces still trusted
   * @param toRecheck the pieces that were verified but touch a file that changed
   */
  public record Resolution(BitSet verified, BitSet toRecheck) {
    /** Copies the sets. */
    public Resolution {
      verified = (BitSet) verified.clone();
      toRecheck = (BitSet) toRecheck.clone();
    }

    /** The pieces still trusted, as a copy. */
    @Override
    public BitSet verified() {
      return (BitSet) verified.clone();
    }

    /** The pieces that were verified but touch a file that changed, as a copy. */
    @Override
    public BitSet toRecheck() {
      return (BitSet) toRecheck.clone();
    }
  }

  private ResumeData(InfoHash infoHash, int pieceCount, BitSet verified, List<FileState> files,
      FileState partfile) {
    this.infoHash = infoHash;
    this.pieceCount = pieceCount;
    this.verified = (BitSet) verified.clone();
    this.files = List.copyOf(files);
    this.partfile = partfile;
  }

  /**
   * Takes resume data for {@code metainfo} stored under {@code root}: the given verified pieces and
   * the current state of every file (pad files excluded) and of the partfile. Flush the storage
   * first.
   */
  public static ResumeData capture(Metainfo metainfo, Path root, BitSet verified)
      throws IOException {
    return capture(metainfo, verified, (f, i) -> FileState.of(resolve(root, f)),
        FileState.of(root.resolve(partfileName(metainfo))));
  }

  /**
   * Takes resume data for a storage whose files have no path, such as a {@link ChannelStorage}:
   * the given verified pieces and each file's state as {@code states} reports it (pad files
   * excluded). Flush the storage first.
   */
  public static ResumeData capture(Metainfo metainfo, FileStates states, BitSet verified)
      throws IOException {
    return capture(metainfo, verified, states, FileState.MISSING);
  }

  private static ResumeData capture(Metainfo metainfo, BitSet verified, FileStates states,
      FileState partfile) throws IOException {
    if (verified.length() > metainfo.pieceCount()) {
      throw new IllegalArgumentException("piece " + (verified.length() - 1) + " outside [0, "
          + metainfo.pieceCount() + ")");
    }
    List<FileState> list = new ArrayList<>();
    for (int i = 0; i < metainfo.files().size(); i++) {
      FileEntry f = metainfo.files().get(i);
      list.add(f.isPad() ? FileState.MISSING : stateOf(states, f, i));
    }
    return new ResumeData(primaryHash(metainfo), metainfo.pieceCount(), verified, list, partfile);
  }

  /** The name of the side file that holds pieces shared with skipped files, under the root. */
  public static String partfileName(Metainfo metainfo) {
    return "." + metainfo.infoHashes().shortHash().hex() + ".parts";
  }

  /** The verified pieces recorded. */
  public BitSet verified() {
    return (BitSet) verified.clone();
  }

  /** The torrent's hash this data belongs to (v1, or v2 for a v2-only torrent). */
  public InfoHash infoHash() {
    return infoHash;
  }

  /** The recorded state of each file, in the torrent's order. */
  public List<FileState> files() {
    return files;
  }

  /**
   * Checks this data against {@code metainfo} and the files now under {@code root}: a verified
   * piece stays trusted only if every file it touches has the size and modification time recorded
   * (and the partfile too, where a touched file is absent).
   *
   * @throws IOException if the data belongs to another torrent, or the files cannot be examined
   */
  public Resolution resolve(Metainfo metainfo, Path root) throws IOException {
    checkTorrent(metainfo);
    boolean partfileSame = partfile.equals(FileState.of(root.resolve(partfileName(metainfo))));
    return resolve(metainfo, (f, i) -> FileState.of(resolve(root, f)), partfileSame);
  }

  /**
   * Checks this data against {@code metainfo} and the files' states now as {@code states}
   * reports them, for a storage whose files have no path (see {@link #capture(Metainfo,
   * FileStates, BitSet)}): a verified piece stays trusted only if every file it touches exists
   * with the size and modification time recorded.
   *
   * @throws IOException if the data belongs to another torrent, or {@code states} fails
   */
  public Resolution resolve(Metainfo metainfo, FileStates states) throws IOException {
    checkTorrent(metainfo);
    return resolve(metainfo, states, false);
  }

  private void checkTorrent(Metainfo metainfo) throws IOException {
    if (!infoHash.equals(primaryHash(metainfo)) || pieceCount != metainfo.pieceCount()
        || files.size() != metainfo.files().size()) {
      throw new IOException("resume data is for torrent " + infoHash + " with " + pieceCount
          + " pieces, not " + primaryHash(metainfo));
    }
  }

  private Resolution resolve(Metainfo metainfo, FileStates states, boolean partfileSame)
      throws IOException {
    PieceMap map = PieceMap.of(metainfo);
    BitSet changedFiles = new BitSet();
    BitSet absentFiles = new BitSet();
    for (int i = 0; i < files.size(); i++) {
      FileEntry f = metainfo.files().get(i);
      if (f.isPad() || f.length() == 0) {
        continue;
      }
      FileState now = stateOf(states, f, i);
      if (!now.equals(files.get(i)) || now.size() != -1 && now.size() < f.length()) {
        changedFiles.set(i);
      }
      if (now.size() == -1) {
        absentFiles.set(i);
      }
    }
    BitSet keep = new BitSet();
    BitSet recheck = new BitSet();
    for (int p = verified.nextSetBit(0); p >= 0; p = verified.nextSetBit(p + 1)) {
      boolean ok = true;
      for (FileSlice s : map.slices(p, 0, map.pieceSize(p))) {
        if (s.pad()) {
          continue;
        }
        if (changedFiles.get(s.fileIndex()) || absentFiles.get(s.fileIndex()) && !partfileSame) {
          ok = false;
          break;
        }
      }
      (ok ? keep : recheck).set(p);
    }
    return new Resolution(keep, recheck);
  }

  /** Writes the data to {@code file} atomically (temporary file, fsync, rename, fsync dir). */
  public void save(Path file) throws IOException {
    byte[] bytes = encode();
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path tmp = Files.createTempFile(dir, "." + file.getFileName() + ".", ".tmp");
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE,
          StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        while (b.hasRemaining()) {
          ch.write(b);
        }
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } finally {
      Files.deleteIfExists(tmp);
    }
    try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
      d.force(true); // make the rename durable; not every platform can open a directory
    } catch (IOException | UnsupportedOperationException e) {
      // best effort
    }
  }

  /** Reads resume data written by {@link #save(Path)}. */
  public static ResumeData load(Path file) throws IOException {
    if (Files.size(file) > MAX_BYTES) {
      throw new IOException("resume data " + file + " is larger than " + MAX_BYTES + " bytes");
    }
    return decode(Files.readAllBytes(file), file.toString());
  }

  byte[] encode() {
    BDict.Builder d = BDict.builder().put("bt resume", FORMAT)
        .put("info hash", BString.of(infoHash.bytes())).put("pieces", pieceCount)
        .put("have", BString.of(toBitfield(verified, pieceCount)));
    List<BValue> fs = new ArrayList<>();
    for (FileState s : files) {
      fs.add(BList.of(BInteger.of(s.size()), BInteger.of(s.mtimeNanos())));
    }
    d.put("files", BList.of(fs));
    d.put("partfile", BList.of(BInteger.of(partfile.size()), BInteger.of(partfile.mtimeNanos())));
    return BencodeWriter.encode(d.build());
  }

  static ResumeData decode(byte[] bytes, String where) throws IOException {
    try {
      BDict d = Bdecoder.strict().decodeDict(bytes);
      if (!(d.get("bt resume") instanceof BInteger)
          || ((BInteger) d.get("bt resume")).value() != FORMAT) {
        throw new IOException(where + ": not bt resume data (format " + FORMAT + ")");
      }
      InfoHash hash = InfoHash.of(string(d, "info hash", where).bytes());
      long pieces = integer(d, "pieces", where);
      if (pieces < 0 || pieces > Integer.MAX_VALUE) {
        throw new IOException(where + ": pieces out of range: " + pieces);
      }
      byte[] have = string(d, "have", where).bytes();
      if (have.length != (pieces + 7) / 8) {
        throw new IOException(where + ": have is " + have.length + " bytes for " + pieces
            + " pieces");
      }
      BitSet verified = fromBitfield(have, (int) pieces);
      BValue fv = d.get("files");
      if (!(fv instanceof BList)) {
        throw new IOException(where + ": files missing");
      }
      List<FileState> states = new ArrayList<>();
      for (BValue v : ((BList) fv).values()) {
        states.add(state(v, where));
      }
      FileState part = d.get("partfile") == null ? FileState.MISSING
          : state(d.get("partfile"), where);
      return new ResumeData(hash, (int) pieces, verified, states, part);
    } catch (BencodeException | IllegalArgumentException | ArithmeticException e) {
      throw new IOException(where + ": malformed resume data: " + e.getMessage(), e);
    }
  }

  private static FileState state(BValue v, String where) throws IOException {
    if (!(v instanceof BList) || ((BList) v).size() != 2
        || !(((BList) v).get(0) instanceof BInteger) || !(((BList) v).get(1) instanceof BInteger)) {
      throw new IOException(where + ": a file state is not [size, mtime]");
    }
    return new FileState(((BInteger) ((BList) v).get(0)).value(),
        ((BInteger) ((BList) v).get(1)).value());
  }

  private static BString string(BDict d, String key, String where) throws IOException {
    BValue v = d.get(key);
    if (!(v instanceof BString)) {
      throw new IOException(where + ": " + key + " missing or not a string");
    }
    return (BString) v;
  }

  private static long integer(BDict d, String key, String where) throws IOException {
    BValue v = d.get(key);
    if (!(v instanceof BInteger)) {
      throw new IOException(where + ": " + key + " missing or not an integer");
    }
    return ((BInteger) v).value();
  }

  static byte[] toBitfield(BitSet set, int n) {
    byte[] b = new byte[(n + 7) / 8];
    for (int i = set.nextSetBit(0); i >= 0 && i < n; i = set.nextSetBit(i + 1)) {
      b[i >> 3] |= (byte) (0x80 >>> (i & 7));
    }
    return b;
  }

  static BitSet fromBitfield(byte[] b, int n) throws IOException {
    BitSet s = new BitSet(n);
    for (int i = 0; i < b.length * 8; i++) {
      if ((b[i >> 3] & (0x80 >>> (i & 7))) != 0) {
        if (i >= n) {
          throw new IOException("bitfield has spare bits set beyond piece " + (n - 1));
        }
        s.set(i);
      }
    }
    return s;
  }

  private static InfoHash primaryHash(Metainfo m) {
    Optional<InfoHash> v1 = m.infoHashes().v1();
    return v1.isPresent() ? v1.get() : m.infoHashes().v2().get();
  }

  private static FileState stateOf(FileStates states, FileEntry f, int i) throws IOException {
    FileState s = states.of(f, i);
    if (s == null) {
      throw new NullPointerException("FileStates gave null for file " + i);
    }
    return s;
  }

  private static Path resolve(Path root, FileEntry f) {
    Path p = root;
    for (String c : f.path()) {
      p = p.resolve(c);
    }
    return p;
  }
}
