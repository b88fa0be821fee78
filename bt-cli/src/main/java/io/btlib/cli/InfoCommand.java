package io.btlib.cli;

import io.btlib.bencode.Leniency;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.InfoHashes;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.MagnetLinkException;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.MetainfoException;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code bt info TORRENT|MAGNET [--json]}: shows what a torrent file or a magnet link describes. */
final class InfoCommand implements Command {

  @Override
  public String name() {
    return "info";
  }

  @Override
  public String summary() {
    return "show what a torrent file or magnet link describes";
  }

  @Override
  public String usage() {
    return "usage: bt info TORRENT|MAGNET [--json]\n"
        + "\n"
        + "Shows the metadata of a .torrent file (v1, v2 or hybrid) or of a magnet link: name, info\n"
        + "hashes, size, pieces, trackers, web seeds and files. An argument starting with 'magnet:'\n"
        + "is a magnet link; anything else is a file path (use '--' before a path starting with '-').\n"
        + "\n"
        + "Options:\n"
        + "  --json       print one JSON object instead of the summary:\n"
        + "                 name, infoHashV1 (40 hex chars or null), infoHashV2 (64 hex chars or null),\n"
        + "                 pieceLength, pieceCount, totalSize, private, trackers (a list of tiers,\n"
        + "                 each a list of URLs), webSeeds, files (a list of {path, length, pad}, path\n"
        + "                 joined with '/'), creationDate (seconds since 1970-01-01T00:00:00Z, or\n"
        + "                 null), comment, createdBy.\n"
        + "               For a magnet link: name (dn), the info hashes, trackers (all tr in one\n"
        + "                 tier), webSeeds (ws); the other fields are null.\n"
        + "  -h, --help   show this help\n"
        + "  --verbose    print the stack trace of an error\n"
        + "\n"
        + "Exit codes: 0 success, 1 unreadable or invalid torrent or magnet link, 2 bad usage.\n";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) {
    Args a = Args.parse(args, Set.of("--json"), Set.of());
    String arg = a.positionals("TORRENT|MAGNET").get(0);
    boolean json = a.has("--json");
    if (arg.isEmpty()) {
      throw new UsageException("empty TORRENT|MAGNET argument");
    }
    String text;
    if (arg.regionMatches(true, 0, "magnet:", 0, 7)) {
      MagnetLink magnet;
      try {
        magnet = MagnetLink.parse(arg);
      } catch (MagnetLinkException e) {
        throw new CliException("bad magnet link: " + e.getMessage(), e);
      }
      text = json ? Json.write(toJson(magnet)) + "\n" : describe(magnet);
    } else {
      Metainfo m = load(arg);
      text = json ? Json.write(toJson(m)) + "\n" : describe(m);
    }
    out.print(text);
    return 0;
  }

  /** Reads and parses the torrent file {@code arg}; every failure is a {@link CliException}. */
  static Metainfo load(String arg) {
    String where = Text.printable(arg) + ": ";
    Path path;
    try {
      path = Path.of(arg);
    } catch (InvalidPathException e) {
      throw new CliException(where + "not a valid path: " + e.getReason(), e);
    }
    if (Files.isDirectory(path)) {
      throw new CliException(where + "is a directory, not a torrent file");
    }
    try {
      return Metainfo.parse(path);
    } catch (MetainfoException e) {
      throw new CliException(where + "invalid torrent: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new CliException(where + describe(e), e);
    }
  }

  /** A short message for an I/O error, without the path the caller already shows. */
  static String describe(IOException e) {
    if (e instanceof NoSuchFileException) {
      return "no such file";
    }
    if (e instanceof AccessDeniedException) {
      return "permission denied";
    }
    if (e instanceof FileSystemException fse && fse.getReason() != null) {
      return fse.getReason();
    }
    return Main.describe(e);
  }

  // ---------------------------------------------------------------- JSON

  static Map<String, Object> toJson(Metainfo m) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("name", m.name());
    putHashes(o, m.infoHashes());
    o.put("pieceLength", m.pieceLength());
    o.put("pieceCount", m.pieceCount());
    o.put("totalSize", m.totalSize());
    o.put("private", m.isPrivate());
    o.put("trackers", m.trackerTiers());
    o.put("webSeeds", m.webSeeds());
    List<Object> files = new ArrayList<>();
    for (FileEntry f : m.files()) {
      Map<String, Object> fo = new LinkedHashMap<>();
      fo.put("path", f.pathString());
      fo.put("length", f.length());
      fo.put("pad", f.isPad());
      files.add(fo);
    }
    o.put("files", files);
    o.put("creationDate", m.creationDate().map(d -> (Object) d.getEpochSecond()).orElse(null));
    o.put("comment", m.comment().orElse(null));
    o.put("createdBy", m.createdBy().orElse(null));
    List<Object> lenient = new ArrayList<>();
    for (Leniency l : m.leniencies()) {
      Map<String, Object> lo = new LinkedHashMap<>();
      lo.put("kind", l.kind().name());
      lo.put("offset", l.offset());
      lenient.add(lo);
    }
    o.put("leniencies", lenient);
    return o;
  }

  static Map<String, Object> toJson(MagnetLink magnet) {
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("name", magnet.displayName().orElse(null));
    putHashes(o, magnet.infoHashes());
    o.put("pieceLength", null);
    o.put("pieceCount", null);
    o.put("totalSize", null);
    o.put("private", null);
    o.put("trackers", magnet.trackers().isEmpty() ? List.of() : List.of(magnet.trackers()));
    o.put("webSeeds", magnet.webSeeds());
    o.put("files", null);
    o.put("creationDate", null);
    o.put("comment", null);
    o.put("createdBy", null);
    o.put("leniencies", List.of());
    return o;
  }

  private static void putHashes(Map<String, Object> o, InfoHashes h) {
    o.put("infoHashV1", h.v1().map(InfoHash::hex).orElse(null));
    o.put("infoHashV2", h.v2().map(InfoHash::hex).orElse(null));
  }

  // ---------------------------------------------------------------- human output

  private static final String FORMAT = "%-14s%s\n";

  private static String leniencyText(Leniency.Kind k) {
    switch (k) {
      case LEADING_ZERO:
        return "a number with a leading zero";
      case NEGATIVE_ZERO:
        return "the integer -0";
      case UNSORTED_KEY:
        return "a dictionary key out of order";
      case DUPLICATE_KEY:
        return "a repeated dictionary key (the first is used)";
      case TRAILING_BYTES:
        return "bytes after the end of the torrent";
      default:
        return k.name();
    }
  }

  static String describe(Metainfo m) {
    StringBuilder sb = new StringBuilder();
    line(sb, "Name:", Text.printable(m.name()));
    hashes(sb, m.infoHashes());
    line(sb, "Version:", versionName(m.infoHashes()));
    line(sb, "Total size:", bytes(m.totalSize()) + " (" + m.totalSize() + " bytes)");
    line(sb, "Pieces:", m.pieceCount() + " x " + bytes(m.pieceLength()));
    line(sb, "Private:", m.isPrivate() ? "yes" : "no");
    m.creationDate().ifPresent(d -> line(sb, "Created:", d.toString()));
    m.createdBy().ifPresent(c -> line(sb, "Created by:", Text.printable(c)));
    m.comment().ifPresent(c -> line(sb, "Comment:", Text.printable(c)));
    trackers(sb, m.trackerTiers());
    webSeeds(sb, m.webSeeds());

    List<FileEntry> shown = new ArrayList<>();
    long padBytes = 0;
    for (FileEntry f : m.files()) {
      if (f.isPad()) {
        padBytes += f.length();
      } else {
        shown.add(f);
      }
    }
    int pads = m.files().size() - shown.size();
    String header = "Files: " + shown.size()
        + (pads == 0 ? "" : " (and " + pads + " pad file" + (pads == 1 ? "" : "s") + " of "
            + bytes(padBytes) + ", not shown)");
    sb.append(header).append('\n');
    for (FileEntry f : shown) {
      StringBuilder row = new StringBuilder();
      row.append(String.format(Locale.ROOT, "  %10s  %s", bytes(f.length()), Text.printable(f.pathString())));
      f.symlinkTarget().ifPresent(t ->
          row.append(" -> ").append(Text.printable(String.join("/", t))));
      List<String> flags = new ArrayList<>();
      if (f.isExecutable()) {
        flags.add("executable");
      }
      if (f.isHidden()) {
        flags.add("hidden");
      }
      if (f.isSymlink()) {
        flags.add("symlink");
      }
      if (!flags.isEmpty()) {
        row.append("  [").append(String.join(", ", flags)).append(']');
      }
      sb.append(row).append('\n');
    }
    if (!m.leniencies().isEmpty()) {
      // accepted as other clients accept it; the info hash is over the bytes as they are
      sb.append("Non-canonical bencode (accepted):\n");
      for (Leniency l : m.leniencies()) {
        sb.append("  ").append(leniencyText(l.kind())).append(" at byte ").append(l.offset())
            .append('\n');
      }
    }
    if (!m.warnings().isEmpty()) {
      sb.append("Warnings (ignored fields):\n");
      for (String w : m.warnings()) {
        sb.append("  ").append(Text.printable(w)).append('\n');
      }
    }
    return sb.toString();
  }

  static String describe(MagnetLink magnet) {
    StringBuilder sb = new StringBuilder();
    line(sb, "Magnet link:", "size, pieces and files are known once the metadata is fetched from peers");
    line(sb, "Name:", magnet.displayName().map(Text::printable).orElse("(none)"));
    hashes(sb, magnet.infoHashes());
    line(sb, "Version:", versionName(magnet.infoHashes()));
    trackers(sb, magnet.trackers().isEmpty() ? List.of() : List.of(magnet.trackers()));
    webSeeds(sb, magnet.webSeeds());
    if (!magnet.peers().isEmpty()) {
      sb.append("Peers:\n");
      magnet.peers().forEach(p ->
          sb.append("  ").append(Text.printable(p.getHostString())).append(':').append(p.getPort())
              .append('\n'));
    }
    return sb.toString();
  }

  private static void hashes(StringBuilder sb, InfoHashes h) {
    h.v1().ifPresent(v -> line(sb, "Info hash v1:", v.hex()));
    h.v2().ifPresent(v -> line(sb, "Info hash v2:", v.hex()));
  }

  private static String versionName(InfoHashes h) {
    if (h.isHybrid()) {
      return "hybrid (v1 + v2)";
    }
    return h.hasV2() ? "v2" : "v1";
  }

  private static void trackers(StringBuilder sb, List<List<String>> tiers) {
    if (tiers.isEmpty()) {
      line(sb, "Trackers:", "none");
      return;
    }
    sb.append("Trackers:\n");
    for (int i = 0; i < tiers.size(); i++) {
      String label = "tier " + (i + 1) + ":";
      for (String url : tiers.get(i)) {
        sb.append(String.format(Locale.ROOT, "  %-9s %s\n", label, Text.printable(url)));
        label = "";
      }
    }
  }

  private static void webSeeds(StringBuilder sb, List<String> seeds) {
    if (seeds.isEmpty()) {
      return;
    }
    sb.append("Web seeds:\n");
    for (String s : seeds) {
      sb.append("  ").append(Text.printable(s)).append('\n');
    }
  }

  private static void line(StringBuilder sb, String label, String value) {
    sb.append(String.format(Locale.ROOT, FORMAT, label, value));
  }

  /** {@code n} bytes in binary units: {@code 512 B}, {@code 1.5 KiB}, ... {@code 8.0 EiB}. */
  static String bytes(long n) {
    if (n < 1024) {
      return n + " B";
    }
    String[] units = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
    double v = n;
    int u = -1;
    while (v >= 1023.95 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return String.format(Locale.ROOT, "%.1f %s", v, units[u]);
  }
}
