package io.btlib.benchmarks;

import io.btlib.bencode.BDict;
import io.btlib.bencode.BList;
import io.btlib.bencode.BString;
import io.btlib.bencode.BValue;
import io.btlib.bencode.BencodeWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

/**
 * The documents the bencode benchmarks work on, generated deterministically (fixed seeds) with bt's
 * own {@link BencodeWriter}, so every run and every machine decodes the same bytes.
 *
 * <ul>
 *   <li>{@code "torrent"}: a large multi-file metainfo file: 1000 files with paths of 2 to 4
 *       components, 20,480 pieces of 256 KiB (a 409,600-byte {@code pieces} string), an
 *       announce-list, comment, created by and creation date: 490,827 bytes.
 *   <li>{@code "announce"}: a tracker announce response: interval, min interval, complete,
 *       incomplete, a compact {@code peers} string of 50 peers and a {@code peers6} string of 25:
 *       844 bytes.
 * </ul>
 */
public final class BencodeInputs {
  /** Number of files in the torrent. */
  public static final int FILES = 1000;
  /** Number of pieces in the torrent. */
  public static final int PIECES = 20_480;
  /** The torrent's piece length. */
  public static final int PIECE_LENGTH = 256 << 10;
  /** IPv4 peers in the announce response. */
  public static final int PEERS = 50;
  /** IPv6 peers in the announce response. */
  public static final int PEERS6 = 25;

  private static final String[] TOP_DIRS = {
    "Season 01", "Season 02", "Season 03", "Extras", "Subtitles", "Disc 1", "Disc 2", "Artwork",
    "docs", "src", "data", "Samples", "Soundtrack", "Bonus Features", "Scans", "Specials"
  };
  private static final String[] SUB_DIRS = {
    "English", "Deutsch", "Français", "Español", "日本語", "Commentary", "Behind the Scenes",
    "Deleted Scenes", "FLAC 24-96", "MP3 320", "Booklet", "main", "test", "resources", "images",
    "Interviews", "Trailers", "Featurettes", "Covers", "raw"
  };
  private static final String[] WORDS = {
    "The", "Long", "Night", "Return", "of", "Ocean", "Signal", "Fire", "Garden", "Echo", "Winter",
    "Machine", "Silent", "River", "Glass", "Harbor", "North", "Paper", "Crown", "Station", "Last",
    "Light", "Stone", "Tide", "Horizon", "Ghost", "Iron", "Velvet", "Lantern", "Orbit"
  };
  private static final String[] EXTENSIONS = {
    ".mkv", ".mp4", ".srt", ".ass", ".flac", ".mp3", ".jpg", ".png", ".nfo", ".txt", ".pdf",
    ".cue", ".log", ".java", ".json", ".bin"
  };

  private static final BDict TORRENT = buildTorrent(new Random(0x5EED_0001L));
  private static final BDict ANNOUNCE = buildAnnounce(new Random(0x5EED_0002L));

  private BencodeInputs() {}

  /**
   * The named document as a value built in code (canonical order, no source spans): {@code
   * "torrent"} or {@code "announce"}.
   */
  public static BDict value(String name) {
    switch (name) {
      case "torrent":
        return TORRENT;
      case "announce":
        return ANNOUNCE;
      default:
        throw new IllegalArgumentException("unknown document " + name);
    }
  }

  /** The named document's encoding, as a new array. */
  public static byte[] bytes(String name) {
    return BencodeWriter.encode(value(name));
  }

  /** Prints a document's size once per trial, so MiB/s = ops/s × size / 2^20 can be derived. */
  static void printSize(String name, byte[] bytes) {
    System.out.printf("%n# bencode input '%s': %,d bytes (%.4f MiB)%n", name, bytes.length,
        bytes.length / (double) (1 << 20));
  }

  // ---- generation ----

  private static BDict buildTorrent(Random r) {
    // file lengths: log-uniform weights scaled so that the total needs exactly PIECES pieces
    long total = (long) (PIECES - 1) * PIECE_LENGTH + 1 + r.nextInt(PIECE_LENGTH);
    double[] w = new double[FILES];
    double sum = 0;
    for (int i = 0; i < FILES; i++) {
      w[i] = Math.exp(r.nextDouble() * Math.log(1e5));
      sum += w[i];
    }
    long[] lengths = new long[FILES];
    long assigned = 0;
    for (int i = 0; i < FILES - 1; i++) {
      lengths[i] = Math.max(1, (long) (w[i] / sum * total));
      assigned += lengths[i];
    }
    lengths[FILES - 1] = total - assigned;
    if (lengths[FILES - 1] < 1) {
      throw new AssertionError("bad length distribution");
    }

    List<BValue> files = new ArrayList<>(FILES);
    for (int i = 0; i < FILES; i++) {
      int components = 2 + r.nextInt(3); // 2 to 4
      BValue[] path = new BValue[components];
      path[0] = BString.of(pick(r, TOP_DIRS));
      for (int c = 1; c < components - 1; c++) {
        path[c] = BString.of(pick(r, SUB_DIRS));
      }
      path[components - 1] = BString.of(fileName(r, i));
      files.add(BDict.builder().put("length", lengths[i]).put("path", BList.of(path)).build());
    }

    byte[] pieces = new byte[PIECES * 20];
    r.nextBytes(pieces);

    BDict info =
        BDict.builder()
            .put("files", BList.of(files))
            .put("name", "The.Long.Night.Collection.1080p.BluRay")
            .put("piece length", PIECE_LENGTH)
            .put("pieces", BString.of(pieces))
            .build();

    BList announceList =
        BList.of(
            BList.of(BString.of("udp://tracker.opentrackr.org:1337/announce")),
            BList.of(
                BString.of("udp://open.demonii.com:1337/announce"),
                BString.of("udp://tracker.torrent.eu.org:451/announce")),
            BList.of(
                BString.of("https://tracker.example.org:443/announce"),
                BString.of("http://tracker.example.net:6969/announce")));

    return BDict.builder()
        .put("announce", "udp://tracker.opentrackr.org:1337/announce")
        .put("announce-list", announceList)
        .put("comment", "Generated deterministically for the bt bencode benchmarks.")
        .put("created by", "mktorrent 1.1")
        .put("creation date", 1_700_000_000L)
        .put("info", info)
        .build();
  }

  private static String fileName(Random r, int i) {
    StringBuilder sb = new StringBuilder();
    int words = 1 + r.nextInt(4);
    for (int k = 0; k < words; k++) {
      if (k > 0) {
        sb.append(r.nextBoolean() ? '.' : ' ');
      }
      sb.append(pick(r, WORDS));
    }
    sb.append(String.format(" - S%02dE%02d", 1 + r.nextInt(4), 1 + (i % 24)));
    if (r.nextInt(3) == 0) {
      sb.append(".1080p.WEB-DL");
    }
    return sb.append(pick(r, EXTENSIONS)).toString();
  }

  private static BDict buildAnnounce(Random r) {
    byte[] peers = new byte[PEERS * 6];
    r.nextBytes(peers);
    byte[] peers6 = new byte[PEERS6 * 18];
    r.nextBytes(peers6);
    return BDict.builder()
        .put("complete", 1_234)
        .put("incomplete", 87)
        .put("interval", 1_800)
        .put("min interval", 900)
        .put("peers", BString.of(peers))
        .put("peers6", BString.of(peers6))
        .build();
  }

  private static String pick(Random r, String[] a) {
    return a[r.nextInt(a.length)];
  }

  /** Prints the documents' sizes. */
  public static void main(String[] args) {
    printSize("torrent", bytes("torrent"));
    printSize("announce", bytes("announce"));
  }
}
