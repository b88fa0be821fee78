package io.btlib.storage;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.btlib.bencode.BDict;
import io.btlib.bencode.BInteger;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.Bdecoder;
import io.btlib.bencode.BencodeWriter;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.MetainfoException;
import io.btlib.metainfo.internal.PathRules;
import io.btlib.storage.internal.PartFile;
import io.btlib.storage.internal.SafePaths;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/**
 * Coverage-guided fuzz targets (Jazzer) for what bt-storage reads that others may have written:
 * path components from a torrent, resume data and the part file. Each asserts what must hold:
 *
 * <ul>
 *   <li>{@code paths}: a component {@link PathRules} passes names one entry directly under the
 *       directory it is resolved against (no separator, no {@code .}/{@code ..}, no control
 *       character, at most 255 UTF-8 bytes), a path of such components stays inside the download
 *       directory and passes {@link SafePaths#check}, and a torrent is accepted exactly when every
 *       component of its file's path passes, with the path as given.
 *   <li>{@code resumeData}: only {@link IOException} escapes; what is accepted encodes and reads
 *       back the same, and resolved against a torrent it belongs to splits its verified pieces
 *       into kept and to-recheck, nothing more (against another torrent: an IOException).
 *   <li>{@code partFile}: loading a part file of any contents throws only IOException and
 *       allocates what the torrent's shape says, not what the file says; a loaded one has at
 *       most one piece per slot, reads each piece's slot as written in the file (zeros past its
 *       end), keeps no file past the torrent's, and writing pieces then reads them back without
 *       disturbing the others.
 * </ul>
 *
 * <p>{@code mvn test} replays {@code src/test/resources/io/btlib/storage/StorageFuzzTestInputs/
 * <target>/}; {@code JAZZER_FUZZ=1} with {@code -Dtest='StorageFuzzTest#partFile'} fuzzes one
 * (or {@code TARGETS=partFile interop/fuzz.sh}).
 */
class StorageFuzzTest {
  @TempDir
  static Path dir;

  private static final Metainfo TORRENT;

  static {
    try {
      TORRENT = RecheckFixtures.load("hybrid-multi.torrent");
    } catch (IOException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  // ------------------------------------------------------------------------------------ paths

  /** Input: components, each a length byte then that many bytes (UTF-8, invalid ones replaced). */
  @FuzzTest(maxDuration = "60s")
  void paths(byte[] data) throws IOException {
    List<BString> raw = new ArrayList<>();
    for (int at = 0; at < data.length && raw.size() < 8; ) {
      int n = Math.min(data[at] & 0xFF, data.length - at - 1);
      raw.add(BString.of(Arrays.copyOfRange(data, at + 1, at + 1 + n)));
      at += 1 + n;
    }
    if (raw.isEmpty()) {
      return;
    }
    Path root = dir.resolve("root");
    List<String> components = new ArrayList<>();
    boolean allSafe = true;
    for (BString b : raw) {
      String c = b.asString(StandardCharsets.UTF_8);
      components.add(c);
      String problem = PathRules.problem(c);
      if (problem != null) {
        allSafe = false;
        continue;
      }
      assertThat(c).isNotIn("", ".", "..");
      assertThat(c.getBytes(StandardCharsets.UTF_8).length)
          .isLessThanOrEqualTo(PathRules.MAX_COMPONENT_BYTES);
      assertThat(c.chars()).noneMatch(ch -> ch < 0x20 || ch == 0x7F || ch == '/' || ch == '\\');
      assertThat(PathRules.isReservedDeviceName(c)).isFalse();
      Path p = root.resolve(c);
      assertThat(p.getParent()).isEqualTo(root);
      assertThat(p.getFileName().toString()).isEqualTo(c);
      assertThat(p.normalize()).isEqualTo(p);
    }
    if (allSafe) {
      Path file = SafePaths.resolve(root, components);
      assertThat(file.normalize().startsWith(root)).isTrue();
      assertThat(file.getNameCount()).isEqualTo(root.getNameCount() + components.size());
      Files.createDirectories(root);
      SafePaths.check(root, root.toRealPath(), components); // nothing there yet: passes
    }
    BDict info = BDict.builder()
        .put("files", BList.of(BDict.builder().put("length", 1)
            .put("path", BList.of(new ArrayList<BValue>(raw))).build()))
        .put("name", "d").put("piece length", 16384).put("pieces", BString.of(new byte[20]))
        .build();
    byte[] torrent = BencodeWriter.encode(BDict.builder().put("info", info).build());
    Metainfo m;
    try {
      m = Metainfo.parse(torrent);
    } catch (MetainfoException e) {
      assertThat(allSafe).as("refused only for an unsafe component: %s", e.getMessage())
          .isFalse();
      return;
    }
    assertThat(allSafe).as("accepted only if every component is safe").isTrue();
    List<String> path = new ArrayList<>(components);
    path.add(0, "d");
    assertThat(m.files().get(0).path()).isEqualTo(path);
  }

  // ------------------------------------------------------------------------------ resume data

  /**
   * Input: the resume file; the states of the torrent's files now are those recorded, except
   * that file i (mod 8) has changed where bit i of the first file's recorded mtime is set.
   */
  @FuzzTest(maxDuration = "60s")
  void resumeData(byte[] data) throws IOException {
    ResumeData r;
    try {
      r = ResumeData.decode(data, "fuzz");
    } catch (IOException e) {
      return;
    }
    byte[] encoded = r.encode();
    ResumeData again = ResumeData.decode(encoded, "again");
    assertThat(again.infoHash()).isEqualTo(r.infoHash());
    assertThat(again.verified()).isEqualTo(r.verified());
    assertThat(again.files()).isEqualTo(r.files());
    assertThat(again.encode()).isEqualTo(encoded);

    int changed = r.files().isEmpty() ? 0 : (int) (r.files().get(0).mtimeNanos() & 0xFF);
    ResumeData.Resolution res;
    try {
      res = r.resolve(TORRENT, (f, i) -> (changed & (1 << (i & 7))) != 0
          ? new ResumeData.FileState(f.length(), 1) : r.files().get(i));
    } catch (IOException e) {
      long pieces = ((BInteger) Bdecoder.strict().decodeDict(encoded).get("pieces")).value();
      assertThat(r.infoHash().equals(TORRENT.infoHashes().v1().get())
          && pieces == TORRENT.pieceCount() && r.files().size() == TORRENT.files().size())
          .as("refused only for another torrent: " + e.getMessage()).isFalse();
      return;
    }
    BitSet all = res.verified();
    all.or(res.toRecheck());
    assertThat(all).as("kept and to recheck: the verified pieces").isEqualTo(r.verified());
    assertThat(res.verified().intersects(res.toRecheck())).isFalse();
    boolean allThere = true;
    for (int i = 0; i < r.files().size(); i++) {
      FileEntry f = TORRENT.files().get(i);
      allThere &= f.isPad() || f.length() == 0 || r.files().get(i).size() >= f.length();
    }
    if (changed == 0 && allThere) {
      assertThat(res.toRecheck().isEmpty()).as("nothing changed: nothing to recheck").isTrue();
    }
  }

  // -------------------------------------------------------------------------------- part file

  /**
   * Input: the part file. The torrent's shape is the one its header names if small (piece length
   * at most 4096, at most 64 pieces and 64 files), else 1024-byte pieces, 8 pieces, 3 files.
   */
  @FuzzTest(maxDuration = "60s")
  void partFile(byte[] data) throws IOException {
    int pieceLength = 1024;
    int pieceCount = 8;
    int fileCount = 3;
    if (data.length >= 20) {
      ByteBuffer h = ByteBuffer.wrap(data, 8, 12);
      int pl = h.getInt();
      int pc = h.getInt();
      int fc = h.getInt();
      if (pl >= 1 && pl <= 4096 && pc >= 0 && pc <= 64 && fc >= 0 && fc <= 64) {
        pieceLength = pl;
        pieceCount = pc;
        fileCount = fc;
      }
    }
    Path path = dir.resolve("fuzz.parts");
    Files.write(path, data);
    PartFile part = new PartFile(path, FileChannel::open, pieceLength, pieceCount, fileCount);
    try {
      try {
        assertThat(part.load()).isTrue();
      } catch (IOException e) {
        return;
      }
      assertThat(part.kept().length()).as("kept files").isLessThanOrEqualTo(fileCount);
      int bitmap = (fileCount + 7) / 8;
      long header = 20L + bitmap + 4L * pieceCount;
      long dataStart = (header + 4095) / 4096 * 4096;
      BitSet slots = new BitSet();
      byte[][] before = new byte[pieceCount][];
      for (int p = 0; p < pieceCount; p++) {
        int slot = ByteBuffer.wrap(data, (int) (20 + bitmap + 4L * p), 4).getInt();
        assertThat(part.hasSlot(p)).isEqualTo(slot != 0);
        ByteBuffer b = ByteBuffer.allocate(pieceLength);
        assertThat(part.read(p, 0, b)).isEqualTo(slot != 0);
        if (slot == 0) {
          continue;
        }
        assertThat(slots.get(slot)).as("slot %d given twice", slot).isFalse();
        slots.set(slot);
        byte[] expected = new byte[pieceLength];
        long start = dataStart + (long) (slot - 1) * pieceLength;
        if (start < data.length) {
          System.arraycopy(data, (int) start, expected, 0,
              (int) Math.min(pieceLength, data.length - start));
        }
        assertThat(b.array()).as("piece %d", p).isEqualTo(expected);
        before[p] = expected;
      }
      // write every other piece, then read all back
      for (int p = 0; p < pieceCount; p += 2) {
        byte[] b = new byte[pieceLength];
        Arrays.fill(b, (byte) (p + 1));
        part.write(p, 0, ByteBuffer.wrap(b));
        before[p] = b;
      }
      for (int p = 0; p < pieceCount; p++) {
        ByteBuffer b = ByteBuffer.allocate(pieceLength);
        assertThat(part.read(p, 0, b)).isEqualTo(before[p] != null);
        if (before[p] != null) {
          assertThat(b.array()).as("piece %d after the writes", p).isEqualTo(before[p]);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("I/O after a successful load", e);
    } finally {
      part.close();
    }
  }
}
