package io.btlib.metainfo;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BDocument;
import io.btlib.bencode.BInteger;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeException;
import io.btlib.bencode.BencodeWriter;
import io.btlib.bencode.Leniency;
import io.btlib.metainfo.internal.Merkle;
import io.btlib.metainfo.internal.PathRules;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Parses metainfo files with chosen settings; {@link Metainfo#parse(byte[])} uses the defaults.
 *
 * <pre>{@code
 * MetainfoParser p = Metainfo.parser().lenientBencode(false).maxBytes(8 << 20).build();
 * Metainfo m = p.parse(bytes);
 * }</pre>
 *
 * <p><b>Lenient by default.</b> Bencode that is not canonical but unambiguous (dictionary keys out
 * of order, leading zeros, bytes after the root dictionary such as a trailing newline) is
 * accepted, as every major client accepts it, and reported in {@link Metainfo#leniencies()}; info
 * hashes are always taken over the bytes as they are, so this is safe. {@link #strict()} refuses
 * such input. The metainfo rules themselves (safe paths, limits, hashes) are never relaxed.
 *
 * <p>Immutable and thread-safe.
 */
public final class MetainfoParser {
  /** The default size limit of a metainfo file: 64 MiB. */
  public static final int DEFAULT_MAX_BYTES = 64 << 20;
  /** The largest piece length accepted: 1 GiB. */
  public static final int MAX_PIECE_LENGTH = 1 << 30;
  /** The smallest v2 piece length (BEP 52). */
  public static final int MIN_V2_PIECE_LENGTH = Metainfo.BLOCK_SIZE;

  static final MetainfoParser DEFAULT = builder().build();
  private static final MetainfoParser STRICT = builder().lenientBencode(false).build();

  private final Bdecoder decoder;

  private MetainfoParser(Builder b) {
    this.decoder =
        Bdecoder.builder().strict(!b.lenient).maxInputBytes(b.maxBytes).build();
  }

  /** A builder starting from the defaults: lenient bencode, 64 MiB. */
  public static Builder builder() {
    return new Builder();
  }

  /** A parser that refuses non-canonical bencode, with the default size limit. */
  public static MetainfoParser strict() {
    return STRICT;
  }

  /** Parses a metainfo file. */
  public Metainfo parse(byte[] bytes) {
    if (bytes.length > decoder.maxInputBytes()) {
      throw new MetainfoException("", "file is " + bytes.length + " bytes, more than the limit of "
          + decoder.maxInputBytes());
    }
    BDocument d;
    try {
      d = decoder.decodeDocument(bytes);
    } catch (BencodeException e) {
      throw bencodeError(e);
    }
    return parse(asRoot(d.value()), d.leniencies());
  }

  /** Reads and parses a metainfo file. */
  public Metainfo parse(Path file) throws IOException {
    long size = Files.size(file);
    if (size > decoder.maxInputBytes()) {
      throw new MetainfoException("", "file is " + size + " bytes, more than the limit of "
          + decoder.maxInputBytes());
    }
    try (InputStream in = Files.newInputStream(file)) {
      return parse(in);
    }
  }

  /** Reads (up to the size limit) and parses a metainfo file; the stream is not closed. */
  public Metainfo parse(InputStream in) throws IOException {
    BDocument d;
    try {
      d = decoder.decodeDocument(in);
    } catch (BencodeException e) {
      throw bencodeError(e);
    }
    return parse(asRoot(d.value()), d.leniencies());
  }

  /** Validates a metainfo dictionary, decoded or built in code. */
  public Metainfo parse(BDict root) {
    return parse(root, List.of());
  }

  private Metainfo parse(BDict root, List<Leniency> leniencies) {
    Parsed p = new Parsed();
    p.root = root;
    p.leniencies = leniencies;
    BValue info = root.get("info");
    if (info == null) {
      throw new MetainfoException("info", "missing");
    }
    if (!(info instanceof BDict)) {
      throw new MetainfoException("info", "must be a dictionary, not " + kind(info));
    }
    p.info = (BDict) info;
    readInfo(p, "info.");
    readPieceLayers(p);
    readOptional(p);
    return new Metainfo(p);
  }

  /** Parses a bare info dictionary (BEP 9) and checks it hashes to {@code expected}. */
  Metainfo parseInfoOnly(byte[] infoBytes, InfoHashes expected) {
    BValue v;
    List<Leniency> leniencies;
    try {
      BDocument d = decoder.decodeDocument(infoBytes);
      v = d.value();
      leniencies = d.leniencies();
    } catch (BencodeException e) {
      throw bencodeError(e);
    }
    if (!(v instanceof BDict)) {
      throw new MetainfoException("info", "must be a dictionary, not " + kind(v));
    }
    Parsed p = new Parsed();
    p.leniencies = leniencies;
    p.info = (BDict) v;
    p.root = BDict.builder().put("info", v).build();
    readInfo(p, "info.");
    p.hasPieceLayers = false;
    if (expected.v1().isPresent() && !expected.v1().equals(p.infoHashes.v1())
        || expected.v2().isPresent() && !expected.v2().equals(p.infoHashes.v2())) {
      throw new MetainfoException("info",
          "hashes to " + p.infoHashes + ", not the expected " + expected);
    }
    return new Metainfo(p);
  }

  private BDict decodeRoot(byte[] bytes) {
    try {
      return asRoot(decoder.decode(bytes));
    } catch (BencodeException e) {
      throw bencodeError(e);
    }
  }

  private static BDict asRoot(BValue v) {
    if (!(v instanceof BDict)) {
      throw new MetainfoException("", "a metainfo file is a dictionary, not " + kind(v));
    }
    return (BDict) v;
  }

  private static MetainfoException bencodeError(BencodeException e) {
    return new MetainfoException("", "not valid bencode: " + e.getMessage(), e);
  }

  // ---------------------------------------------------------------- info

  private void readInfo(Parsed p, String at) {
    BDict info = p.info;
    Charset charset = StandardCharsets.UTF_8;
    BValue enc = p.root.get("encoding");
    if (enc instanceof BString) {
      charset = charsetOrUtf8(((BString) enc).asString(StandardCharsets.US_ASCII));
    }
    p.name = component(textPreferUtf8(info, "name", at, charset), at + "name");

    long pl = requireInt(info, "piece length", at);
    if (pl <= 0 || pl > MAX_PIECE_LENGTH) {
      throw new MetainfoException(at + "piece length",
          "must be in [1, " + MAX_PIECE_LENGTH + "]: " + pl);
    }
    p.pieceLength = (int) pl;

    BValue mv = info.get("meta version");
    boolean v2 = false;
    if (mv != null) {
      if (!(mv instanceof BInteger)) {
        throw new MetainfoException(at + "meta version", "must be an integer, not " + kind(mv));
      }
      long m = ((BInteger) mv).value();
      if (m != 2) {
        throw new MetainfoException(at + "meta version", "unsupported version " + m);
      }
      v2 = true;
    }
    boolean v1 = info.get("pieces") != null;
    if (!v1 && !v2) {
      throw new MetainfoException(at + "pieces", "missing (and no v2 'meta version')");
    }
    p.isPrivate = info.get("private") instanceof BInteger
        && ((BInteger) info.get("private")).value() == 1;
    p.version = v1 && v2 ? TorrentVersion.HYBRID : v2 ? TorrentVersion.V2 : TorrentVersion.V1;

    List<FileEntry> v1Files = null;
    if (v1) {
      v1Files = readV1Files(p, at, charset);
    }
    List<FileEntry> v2Files = null;
    if (v2) {
      if ((p.pieceLength & (p.pieceLength - 1)) != 0 || p.pieceLength < MIN_V2_PIECE_LENGTH) {
        throw new MetainfoException(at + "piece length",
            "must be a power of two of at least 16 KiB for v2: " + p.pieceLength);
      }
      v2Files = readFileTree(p, at);
    }
    if (v1 && v2) {
      checkHybrid(p, v1Files, v2Files, at);
    }
    p.files = v1 ? v1Files : v2Files;
    checkUniquePaths(p.files, at);

    long total = 0;
    for (FileEntry f : p.files) {
      total += f.length(); // each length was range-checked; offsets below 2^62 keep this exact
    }
    p.totalSize = total;
    if (total == 0) {
      throw new MetainfoException(at + (v2 && !v1 ? "file tree" : info.containsKey("files")
          ? "files" : "length"), "the torrent holds no data: every file is empty");
    }

    if (v1) {
      BValue pieces = info.get("pieces");
      if (!(pieces instanceof BString)) {
        throw new MetainfoException(at + "pieces", "must be a byte string, not " + kind(pieces));
      }
      BString ps = (BString) pieces;
      if (ps.length() % 20 != 0) {
        throw new MetainfoException(at + "pieces",
            "length " + ps.length() + " is not a multiple of 20");
      }
      long expected = (total + p.pieceLength - 1) / p.pieceLength;
      if (ps.length() / 20 != expected) {
        throw new MetainfoException(at + "pieces", "has " + ps.length() / 20
            + " hashes, but " + total + " bytes in pieces of " + p.pieceLength + " make "
            + expected);
      }
      p.piecesV1 = ps;
      p.pieceCount = (int) expected;
    }
    if (v2) {
      long count = 0;
      for (FileEntry f : v2Files) {
        count += (f.length() + p.pieceLength - 1) / p.pieceLength;
      }
      if (count > Integer.MAX_VALUE) {
        throw new MetainfoException(at + "file tree", "more than 2^31 - 1 pieces: " + count);
      }
      if (v1 && count != p.pieceCount) {
        throw new MetainfoException(at + "pieces", "v1 has " + p.pieceCount
            + " pieces but the v2 file tree makes " + count);
      }
      p.pieceCount = (int) count;
    }
    hashInfo(p);
  }

  private List<FileEntry> readV1Files(Parsed p, String at, Charset charset) {
    BDict info = p.info;
    BValue length = info.get("length");
    BValue files = info.get("files");
    List<FileEntry> out = new ArrayList<>();
    if (length != null && files != null) {
      throw new MetainfoException(at + "files", "present together with 'length'");
    }
    if (length != null) {
      long n = requireInt(info, "length", at);
      checkLength(n, at + "length");
      String attr = attributes(info, at);
      out.add(new FileEntry(List.of(p.name), n, 0, attr, Optional.empty(), Optional.empty()));
      return out;
    }
    if (files == null) {
      throw new MetainfoException(at + "files", "missing (and no 'length')");
    }
    if (!(files instanceof BList)) {
      throw new MetainfoException(at + "files", "must be a list, not " + kind(files));
    }
    BList list = (BList) files;
    if (list.isEmpty()) {
      throw new MetainfoException(at + "files", "is empty");
    }
    long offset = 0;
    for (int i = 0; i < list.size(); i++) {
      String fat = at + "files[" + i + "].";
      BValue fv = list.get(i);
      if (!(fv instanceof BDict)) {
        throw new MetainfoException(at + "files[" + i + "]", "must be a dictionary, not " + kind(fv));
      }
      BDict f = (BDict) fv;
      String attr = attributes(f, fat);
      long n = fileLength(f, fat, attr);
      List<String> path = new ArrayList<>();
      path.add(p.name);
      path.addAll(pathList(f, fat, charset, attr.indexOf('p') >= 0, n));
      Optional<List<String>> target = symlink(f, fat, attr, charset);
      if (offset > Long.MAX_VALUE / 2 - n) {
        throw new MetainfoException(fat + "length", "total size exceeds 2^62 bytes");
      }
      out.add(new FileEntry(path, n, offset, isLegacyPad(path) ? attr + "p" : attr, target,
          Optional.empty()));
      offset += n;
    }
    return out;
  }

  /**
   * A file's length: a BEP 47 symlink takes no room in the torrent's data whatever its {@code
   * length} says (and needs none), as libtorrent reads it.
   */
  private static long fileLength(BDict f, String fat, String attr) {
    if (attr.indexOf('l') >= 0) {
      return 0;
    }
    long n = requireInt(f, "length", fat);
    checkLength(n, fat + "length");
    return n;
  }

  private List<String> pathList(BDict f, String fat, Charset charset, boolean pad, long length) {
    BValue pv = f.get("path.utf-8");
    String key = "path.utf-8";
    if (!(pv instanceof BList) || !allUtf8((BList) pv)) {
      pv = f.get("path");
      key = "path";
    }
    if (pad && (pv == null || pv instanceof BList && ((BList) pv).isEmpty())) {
      // BEP 47 pad files need no path; libtorrent names them .pad/<length>
      return List.of(".pad", Long.toString(length));
    }
    if (pv == null) {
      throw new MetainfoException(fat + "path", "missing");
    }
    if (!(pv instanceof BList)) {
      throw new MetainfoException(fat + key, "must be a list, not " + kind(pv));
    }
    BList pl = (BList) pv;
    if (pl.isEmpty()) {
      throw new MetainfoException(fat + key, "is empty");
    }
    List<String> out = new ArrayList<>(pl.size());
    for (int j = 0; j < pl.size(); j++) {
      BValue c = pl.get(j);
      if (!(c instanceof BString)) {
        throw new MetainfoException(fat + key + "[" + j + "]", "must be a byte string, not " + kind(c));
      }
      out.add(component(text((BString) c, key.equals("path.utf-8") ? StandardCharsets.UTF_8 : charset),
          fat + key + "[" + j + "]"));
    }
    return out;
  }

  private Optional<List<String>> symlink(BDict f, String fat, String attr, Charset charset) {
    if (attr.indexOf('l') < 0) {
      return Optional.empty();
    }
    BValue sp = f.get("symlink path");
    if (!(sp instanceof BList)) {
      throw new MetainfoException(fat + "symlink path",
          sp == null ? "missing for a symlink" : "must be a list, not " + kind(sp));
    }
    BList l = (BList) sp;
    List<String> out = new ArrayList<>();
    for (int j = 0; j < l.size(); j++) {
      BValue c = l.get(j);
      if (!(c instanceof BString)) {
        throw new MetainfoException(fat + "symlink path[" + j + "]", "must be a byte string");
      }
      out.add(component(text((BString) c, charset), fat + "symlink path[" + j + "]"));
    }
    if (out.isEmpty()) {
      throw new MetainfoException(fat + "symlink path", "is empty");
    }
    return Optional.of(out);
  }

  private static boolean isLegacyPad(List<String> path) {
    // BitComet's pad files before BEP 47: "_____padding_file_N_..."
    return path.get(path.size() - 1).startsWith("_____padding_file_");
  }

  private static String attributes(BDict d, String at) {
    BValue a = d.get("attr");
    if (a == null) {
      return "";
    }
    if (!(a instanceof BString)) {
      throw new MetainfoException(at + "attr", "must be a byte string, not " + kind(a));
    }
    BString s = (BString) a;
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = (char) (s.byteAt(i) & 0xFF);
      if (c == 'p' || c == 'x' || c == 'h' || c == 'l') {
        if (sb.indexOf(String.valueOf(c)) < 0) {
          sb.append(c);
        }
      }
      // unknown attribute characters are ignored, as BEP 47 asks
    }
    return sb.toString();
  }

  // ------------------------------------------------------------------ v2

  private List<FileEntry> readFileTree(Parsed p, String at) {
    BValue tv = p.info.get("file tree");
    if (tv == null) {
      throw new MetainfoException(at + "file tree", "missing for meta version 2");
    }
    if (!(tv instanceof BDict)) {
      throw new MetainfoException(at + "file tree", "must be a dictionary, not " + kind(tv));
    }
    BDict tree = (BDict) tv;
    if (tree.isEmpty()) {
      throw new MetainfoException(at + "file tree", "is empty");
    }
    List<FileEntry> out = new ArrayList<>();
    // single-file v2: the tree's one entry is the file itself, named like the torrent; but a
    // hybrid whose v1 part lists files is a directory, even one holding a single file
    boolean single = tree.size() == 1 && isFileNode(tree.valueAt(0))
        && !p.info.containsKey("files");
    List<String> prefix = new ArrayList<>();
    if (!single) {
      prefix.add(p.name);
    }
    long[] offset = {0};
    walkTree(p, tree, prefix, at + "file tree", out, offset);
    return out;
  }

  private static boolean isFileNode(BValue v) {
    return v instanceof BDict && ((BDict) v).get("") != null;
  }

  private void walkTree(Parsed p, BDict dir, List<String> prefix, String at, List<FileEntry> out,
      long[] offset) {
    if (dir.isEmpty()) {
      throw new MetainfoException(at, "empty directory");
    }
    for (int i = 0; i < dir.size(); i++) {
      BString key = dir.keyAt(i);
      String name = text(key, StandardCharsets.UTF_8);
      String kat = at + "." + name;
      if (key.isEmpty()) {
        throw new MetainfoException(kat, "a file entry ('') mixed with directory entries");
      }
      component(name, kat);
      BValue child = dir.valueAt(i);
      if (!(child instanceof BDict)) {
        throw new MetainfoException(kat, "must be a dictionary, not " + kind(child));
      }
      BDict node = (BDict) child;
      List<String> path = new ArrayList<>(prefix);
      path.add(name);
      BValue leaf = node.get("");
      if (leaf != null) {
        if (node.size() != 1) {
          throw new MetainfoException(kat, "a file entry ('') mixed with directory entries");
        }
        if (!(leaf instanceof BDict)) {
          throw new MetainfoException(kat + ".\"\"", "must be a dictionary, not " + kind(leaf));
        }
        out.add(readLeaf(p, (BDict) leaf, path, kat + ".\"\".", offset));
      } else {
        walkTree(p, node, path, kat, out, offset);
      }
    }
  }

  private FileEntry readLeaf(Parsed p, BDict leaf, List<String> path, String at, long[] offset) {
    String attr = attributes(leaf, at);
    if (attr.indexOf('p') >= 0) {
      // BEP 52 aligns files to pieces by itself; a "pad" here would be real bytes never fetched
      throw new MetainfoException(at + "attr", "marks a pad file, but a v2 file tree has none");
    }
    long n = fileLength(leaf, at, attr);
    Optional<MerkleRoot> root = Optional.empty();
    BValue r = leaf.get("pieces root");
    if (n > 0) {
      if (r == null) {
        throw new MetainfoException(at + "pieces root", "missing for a non-empty file");
      }
      if (!(r instanceof BString) || ((BString) r).length() != 32) {
        throw new MetainfoException(at + "pieces root", "must be a 32-byte string, not " + kind(r)
            + (r instanceof BString ? " of " + ((BString) r).length() + " bytes" : ""));
      }
      byte[] bytes = ((BString) r).bytes();
      if (allZero(bytes)) {
        throw new MetainfoException(at + "pieces root", "is all zeros: no data can match it");
      }
      root = Optional.of(MerkleRoot.of(bytes));
    }
    long start = offset[0];
    long pieces = (n + p.pieceLength - 1) / p.pieceLength;
    if (start > Long.MAX_VALUE / 4 - pieces * p.pieceLength) {
      throw new MetainfoException(at + "length", "total size exceeds 2^61 bytes");
    }
    offset[0] = start + pieces * p.pieceLength;
    Optional<List<String>> target = symlink(leaf, at, attr, StandardCharsets.UTF_8);
    return new FileEntry(path, n, start, attr, target, root);
  }

  private void checkHybrid(Parsed p, List<FileEntry> v1Files, List<FileEntry> v2Files, String at) {
    List<FileEntry> real = new ArrayList<>();
    for (FileEntry f : v1Files) {
      if (!f.isPad()) {
        real.add(f);
      }
    }
    if (real.size() != v2Files.size()) {
      throw new MetainfoException(at + "files", "hybrid: v1 lists " + real.size()
          + " files but the v2 file tree has " + v2Files.size());
    }
    for (int i = 0; i < real.size(); i++) {
      FileEntry a = real.get(i);
      FileEntry b = v2Files.get(i);
      String fat = v1Files.size() == 1 && !p.info.containsKey("files") ? at + "length"
          : at + "files[" + v1Files.indexOf(a) + "]";
      if (!a.path().equals(b.path())) {
        throw new MetainfoException(fat, "hybrid: v1 path '" + a.pathString()
            + "' differs from v2 path '" + b.pathString() + "'");
      }
      if (a.length() != b.length()) {
        throw new MetainfoException(fat, "hybrid: v1 length " + a.length()
            + " differs from v2 length " + b.length());
      }
      if (a.length() > 0 && a.offset() % p.pieceLength != 0) {
        throw new MetainfoException(fat, "hybrid: file starts at offset " + a.offset()
            + ", not on a piece boundary (a pad file is missing)");
      }
    }
    // the v1 entries carry the v2 pieces roots too
    for (int i = 0, j = 0; i < v1Files.size(); i++) {
      FileEntry a = v1Files.get(i);
      if (!a.isPad()) {
        FileEntry b = v2Files.get(j++);
        v1Files.set(i, new FileEntry(a.path(), a.length(), a.offset(), mergeAttr(a, b),
            a.symlinkTarget(), b.piecesRoot()));
      }
    }
  }

  private static String mergeAttr(FileEntry a, FileEntry b) {
    StringBuilder sb = new StringBuilder(a.attributes());
    for (char c : b.attributes().toCharArray()) {
      if (sb.indexOf(String.valueOf(c)) < 0) {
        sb.append(c);
      }
    }
    return sb.toString();
  }

  private void readPieceLayers(Parsed p) {
    Map<MerkleRoot, BString> layers = new HashMap<>();
    p.pieceLayers = layers;
    BValue lv = p.root.get("piece layers");
    if (!p.version.hasV2()) {
      p.hasPieceLayers = false;
      return;
    }
    if (lv == null) {
      p.hasPieceLayers = false;
      return;
    }
    if (!(lv instanceof BDict)) {
      throw new MetainfoException("piece layers", "must be a dictionary, not " + kind(lv));
    }
    BDict d = (BDict) lv;
    p.hasPieceLayers = true;
    Set<MerkleRoot> roots = new HashSet<>();
    for (FileEntry f : p.files) {
      f.piecesRoot().ifPresent(roots::add);
    }
    for (BString k : d.keys()) {
      if (k.length() != 32 || !roots.contains(MerkleRoot.of(k.bytes()))) {
        String key = k.length() == 32 ? "the root " + MerkleRoot.of(k.bytes()).hex()
            : "a " + k.length() + "-byte string";
        throw new MetainfoException("piece layers",
            "a layer is keyed by " + key + ", which no file of the torrent has");
      }
    }
    MessageDigest sha256 = Merkle.sha256();
    byte[] pad = Merkle.zeroSubtreeRoot(sha256, p.pieceLength / Metainfo.BLOCK_SIZE);
    for (FileEntry f : p.files) {
      if (f.length() <= p.pieceLength || !f.piecesRoot().isPresent()) {
        continue;
      }
      MerkleRoot root = f.piecesRoot().get();
      String at = "piece layers." + root.hex();
      BValue layer = d.get(BString.of(root.bytes()));
      if (layer == null) {
        continue; // fetched from peers, as libtorrent does (and as for a magnet link)
      }
      if (!(layer instanceof BString)) {
        throw new MetainfoException(at, "must be a byte string, not " + kind(layer));
      }
      BString ls = (BString) layer;
      long pieces = (f.length() + p.pieceLength - 1) / p.pieceLength;
      if (ls.length() != pieces * 32) {
        throw new MetainfoException(at, "is " + ls.length() + " bytes, but file '"
            + f.pathString() + "' has " + pieces + " pieces of 32-byte hashes");
      }
      byte[] computed = Merkle.root(sha256, ls.bytes(), 0, (int) pieces, 1, pad);
      if (!root.matches(computed)) {
        throw new MetainfoException(at, "does not hash to the pieces root of file '"
            + f.pathString() + "'");
      }
      layers.put(root, ls);
    }
  }

  private void hashInfo(Parsed p) {
    ByteBuffer bytes = p.info.hasSource() ? p.info.sourceBytes()
        : ByteBuffer.wrap(BencodeWriter.encode(p.info));
    InfoHash v1 = null;
    InfoHash v2 = null;
    if (p.version.hasV1()) {
      v1 = InfoHash.of(digest("SHA-1", bytes.duplicate()));
    }
    if (p.version.hasV2()) {
      v2 = InfoHash.of(digest("SHA-256", bytes.duplicate()));
    }
    p.infoHashes = InfoHashes.of(v1, v2);
  }

  private static byte[] digest(String algorithm, ByteBuffer bytes) {
    try {
      MessageDigest md = MessageDigest.getInstance(algorithm);
      md.update(bytes);
      return md.digest();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required of every Java platform", e);
    }
  }

  // ------------------------------------------------------------- outside info

  private void readOptional(Parsed p) {
    BDict r = p.root;
    Charset charset = StandardCharsets.UTF_8;
    BValue enc = r.get("encoding");
    if (enc instanceof BString) {
      p.encoding = Optional.of(((BString) enc).asString(StandardCharsets.UTF_8));
      charset = charsetOrUtf8(p.encoding.get());
    } else if (enc != null) {
      p.warnings.add("encoding: ignored, not a byte string");
    }
    List<List<String>> tiers = new ArrayList<>();
    BValue al = r.get("announce-list");
    if (al instanceof BList) {
      BList tl = (BList) al;
      Set<String> seen = new HashSet<>();
      for (int i = 0; i < tl.size(); i++) {
        BValue t = tl.get(i);
        if (!(t instanceof BList)) {
          p.warnings.add("announce-list[" + i + "]: ignored, not a list");
          continue;
        }
        BList ul = (BList) t;
        List<String> tier = new ArrayList<>();
        for (int j = 0; j < ul.size(); j++) {
          BValue u = ul.get(j);
          String url = u instanceof BString ? text((BString) u, StandardCharsets.UTF_8).trim() : null;
          if (url == null || url.isEmpty()) {
            p.warnings.add("announce-list[" + i + "][" + j + "]: ignored, not a URL");
          } else if (seen.add(url)) {
            tier.add(url);
          }
        }
        if (!tier.isEmpty()) {
          tiers.add(tier);
        }
      }
    } else if (al != null) {
      p.warnings.add("announce-list: ignored, not a list");
    }
    BValue an = r.get("announce");
    if (an instanceof BString) {
      String url = text((BString) an, StandardCharsets.UTF_8).trim();
      if (tiers.isEmpty() && !url.isEmpty()) {
        tiers.add(List.of(url));
      }
    } else if (an != null) {
      p.warnings.add("announce: ignored, not a byte string");
    }
    p.trackerTiers = tiers;

    Set<String> seeds = new LinkedHashSet<>();
    BValue ul = r.get("url-list");
    if (ul instanceof BString) {
      String s = text((BString) ul, StandardCharsets.UTF_8).trim();
      if (!s.isEmpty()) {
        seeds.add(s);
      }
    } else if (ul instanceof BList) {
      BList l = (BList) ul;
      for (int i = 0; i < l.size(); i++) {
        if (l.get(i) instanceof BString) {
          String s = text((BString) l.get(i), StandardCharsets.UTF_8).trim();
          if (!s.isEmpty()) {
            seeds.add(s);
          }
        } else {
          p.warnings.add("url-list[" + i + "]: ignored, not a byte string");
        }
      }
    } else if (ul != null) {
      p.warnings.add("url-list: ignored, neither a string nor a list");
    }
    p.webSeeds = new ArrayList<>(seeds);

    BValue cd = r.get("creation date");
    if (cd instanceof BInteger) {
      long secs = ((BInteger) cd).value();
      if (secs >= 0 && secs <= Instant.MAX.getEpochSecond()) {
        p.creationDate = Optional.of(Instant.ofEpochSecond(secs));
      } else {
        p.warnings.add("creation date: ignored, out of range: " + secs);
      }
    } else if (cd != null) {
      p.warnings.add("creation date: ignored, not an integer");
    }
    p.comment = optionalText(p, r, "comment", charset);
    p.createdBy = optionalText(p, r, "created by", charset);
  }

  private static Optional<String> optionalText(Parsed p, BDict d, String key, Charset charset) {
    BValue v = d.get(key + ".utf-8");
    if (v instanceof BString && ((BString) v).isUtf8()) {
      return Optional.of(((BString) v).asString(StandardCharsets.UTF_8));
    }
    v = d.get(key);
    if (v == null) {
      return Optional.empty();
    }
    if (!(v instanceof BString)) {
      p.warnings.add(key + ": ignored, not a byte string");
      return Optional.empty();
    }
    return Optional.of(text((BString) v, charset));
  }

  // ------------------------------------------------------------- helpers

  private static String textPreferUtf8(BDict d, String key, String at, Charset charset) {
    BValue u = d.get(key + ".utf-8");
    if (u instanceof BString && ((BString) u).isUtf8()) {
      return ((BString) u).asString(StandardCharsets.UTF_8);
    }
    BValue v = d.get(key);
    if (v == null) {
      throw new MetainfoException(at + key, "missing");
    }
    if (!(v instanceof BString)) {
      throw new MetainfoException(at + key, "must be a byte string, not " + kind(v));
    }
    return text((BString) v, charset);
  }

  /** Text in the given charset; invalid sequences become U+FFFD, as libtorrent does. */
  private static String text(BString s, Charset charset) {
    return s.asString(charset);
  }

  private static boolean allUtf8(BList l) {
    for (BValue v : l.values()) {
      if (!(v instanceof BString) || !((BString) v).isUtf8()) {
        return false;
      }
    }
    return true;
  }

  private static Charset charsetOrUtf8(String name) {
    try {
      return Charset.forName(name.trim());
    } catch (RuntimeException e) {
      return StandardCharsets.UTF_8;
    }
  }

  private static String component(String c, String at) {
    String problem = PathRules.problem(c);
    if (problem != null) {
      throw new MetainfoException(at, problem);
    }
    return c;
  }

  private static void checkUniquePaths(List<FileEntry> files, String at) {
    Set<String> filePaths = new HashSet<>();
    Set<String> dirs = new HashSet<>();
    for (int i = 0; i < files.size(); i++) {
      FileEntry f = files.get(i);
      if (f.isPad()) {
        continue; // pad files are never written; several may share a name
      }
      String key = f.pathString();
      if (!filePaths.add(key)) {
        throw new MetainfoException(at + "files[" + i + "]",
            "path '" + key + "' is used by two files");
      }
      StringBuilder prefix = new StringBuilder();
      for (int j = 0; j < f.path().size() - 1; j++) {
        if (j > 0) {
          prefix.append('/');
        }
        prefix.append(f.path().get(j));
        dirs.add(prefix.toString());
      }
    }
    for (String d : dirs) {
      if (filePaths.contains(d)) {
        throw new MetainfoException(at + "files",
            "'" + d + "' is both a file and the directory of another file");
      }
    }
  }

  private static long requireInt(BDict d, String key, String at) {
    BValue v = d.get(key);
    if (v == null) {
      throw new MetainfoException(at + key, "missing");
    }
    if (!(v instanceof BInteger)) {
      throw new MetainfoException(at + key, "must be an integer, not " + kind(v));
    }
    return ((BInteger) v).value();
  }

  private static boolean allZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private static void checkLength(long n, String at) {
    if (n < 0) {
      throw new MetainfoException(at, "must be >= 0: " + n);
    }
    if (n > Long.MAX_VALUE / 4) {
      throw new MetainfoException(at, "too large: " + n);
    }
  }

  private static String kind(BValue v) {
    if (v == null) {
      return "missing";
    }
    switch (v.type()) {
      case STRING:
        return "a byte string";
      case INTEGER:
        return "an integer";
      case LIST:
        return "a list";
      default:
        return "a dictionary";
    }
  }

  /** Mutable state of one parse; becomes a {@link Metainfo}. */
  static final class Parsed {
    BDict root;
    BDict info;
    InfoHashes infoHashes;
    TorrentVersion version;
    String name;
    int pieceLength;
    int pieceCount;
    long totalSize;
    List<FileEntry> files;
    boolean isPrivate;
    BString piecesV1;
    Map<MerkleRoot, BString> pieceLayers = Map.of();
    boolean hasPieceLayers;
    List<List<String>> trackerTiers = List.of();
    List<String> webSeeds = List.of();
    Optional<Instant> creationDate = Optional.empty();
    Optional<String> comment = Optional.empty();
    Optional<String> createdBy = Optional.empty();
    Optional<String> encoding = Optional.empty();
    List<String> warnings = new ArrayList<>();
    List<Leniency> leniencies = List.of();
  }

  /** Settings for a {@link MetainfoParser}. Not thread-safe. */
  public static final class Builder {
    private boolean lenient = true;
    private int maxBytes = DEFAULT_MAX_BYTES;

    Builder() {}

    /**
     * Whether to accept non-canonical bencode (unsorted keys, leading zeros, trailing bytes...), as
     * some creators write and every major client reads (default true; each case is reported in
     * {@link Metainfo#leniencies()}). The info hash is taken over the bytes as they are either way.
     */
    public Builder lenientBencode(boolean lenient) {
      this.lenient = lenient;
      return this;
    }

    /** The largest metainfo file accepted, in bytes, at least 1 (default 64 MiB). */
    public Builder maxBytes(int maxBytes) {
      if (maxBytes < 1 || maxBytes > Integer.MAX_VALUE - 8) {
        throw new IllegalArgumentException("maxBytes must be in [1, 2^31 - 9]: " + maxBytes);
      }
      this.maxBytes = maxBytes;
      return this;
    }

    /** The parser. */
    public MetainfoParser build() {
      return new MetainfoParser(this);
    }
  }
}
