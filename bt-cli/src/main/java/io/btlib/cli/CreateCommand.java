package io.btlib.cli;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.InfoHash;
import io.btlib.metainfo.Metainfo;
import io.btlib.metainfo.MetainfoException;
import io.btlib.metainfo.TorrentVersion;
import io.btlib.storage.CreateListener;
import io.btlib.storage.TorrentCreator;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * {@code bt create PATH -o OUT.torrent ...}: makes a torrent of a file or directory with {@link
 * TorrentCreator}.
 *
 * <p>Progress: on a terminal a live bar, otherwise a plain line every few seconds; on stdout, or on
 * stderr with {@code --json} so that stdout holds only the JSON object. The output file appears
 * only complete: it is written to a temporary file beside it and renamed over it.
 */
final class CreateCommand implements Command {
  private static final long BAR_NANOS = 100_000_000L;
  private static final long LINE_NANOS = 2_000_000_000L;

  private final LongSupplier nanoClock;
  private final BooleanSupplier isTerminal;

  CreateCommand() {
    this(System::nanoTime, () -> System.console() != null);
  }

  /** For tests: the clock timing the hashing and the progress, and whether output is a terminal. */
  CreateCommand(LongSupplier nanoClock, BooleanSupplier isTerminal) {
    this.nanoClock = nanoClock;
    this.isTerminal = isTerminal;
  }

  @Override
  public String name() {
    return "create";
  }

  @Override
  public String summary() {
    return "make a .torrent file (v1, v2 or hybrid) of a file or directory";
  }

  @Override
  public String usage() {
    return "usage: bt create PATH -o OUT.torrent [--piece-length BYTES] [--tracker URL]...\n"
        + "                 [--web-seed URL]... [--private] [--v1|--v2|--hybrid] [--threads N]\n"
        + "                 [--comment TEXT] [--no-date] [--json]\n"
        + "\n"
        + "Hashes PATH (a file, or every regular file below a directory) and writes a torrent\n"
        + "describing it. Files are ordered by path (UTF-8 bytes, component by component); hidden\n"
        + "files are included; symbolic links inside a directory, empty directories and special\n"
        + "files are skipped; a file with the owner-execute bit gets the BEP 47 attribute 'x'.\n"
        + "\n"
        + "Options:\n"
        + "  -o, --output OUT      the torrent file to write (replaced if it exists)\n"
        + "  --piece-length BYTES  a power of two from 16384 to 1073741824; a K or M suffix means\n"
        + "                        KiB or MiB (256K, 1M). Default: from the total size: up to\n"
        + "                        50 MiB 32K, 150 MiB 64K, 350 MiB 128K, 512 MiB 256K, 1 GiB 512K,\n"
        + "                        2 GiB 1M, 4 GiB 2M, 8 GiB 4M, 16 GiB 8M, larger 16M\n"
        + "  --tracker URL         a tracker, in a tier of its own (repeat for backup tiers); the\n"
        + "                        first is 'announce', all go in 'announce-list' when more than one\n"
        + "  --web-seed URL        a web seed (BEP 19 'url-list'); may be repeated\n"
        + "  --private             mark the torrent private (BEP 27)\n"
        + "  --v1                  BitTorrent v1 (the default)\n"
        + "  --v2                  BitTorrent v2 only (BEP 52)\n"
        + "  --hybrid              v1 and v2 in one torrent, with pad files\n"
        + "  --threads N           hashing threads, 1 to 256 (default: the number of processors)\n"
        + "  --comment TEXT        the torrent's comment\n"
        + "  --no-date             write no creation date (the same input then gives the same file)\n"
        + "  --json                print the new torrent as 'bt info --json' does, plus hashMiBps\n"
        + "                        (the hashing speed); progress goes to stderr\n"
        + "  -h, --help            show this help\n"
        + "  --verbose             print the stack trace of an error\n"
        + "\n"
        + "Exit codes: 0 success, 1 unreadable input or unwritable output, 2 bad usage.\n";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) {
    Args a = Args.parse(args,
        Set.of("--private", "--v1", "--v2", "--hybrid", "--no-date", "--json"),
        Set.of("-o", "--output", "--piece-length", "--tracker", "--web-seed", "--threads",
            "--comment"));
    String arg = a.positionals("PATH").get(0);
    if (arg.isEmpty()) {
      throw new UsageException("empty PATH argument");
    }
    Path source = path(arg);
    Path output = path(output(a));
    boolean json = a.has("--json");

    TorrentCreator.Builder b = TorrentCreator.builder(source).format(format(a));
    a.value("--piece-length").ifPresent(v -> b.pieceLength(pieceLength(v)));
    for (String url : a.values("--tracker")) {
      checkUrl(() -> b.tracker(url), "--tracker", url);
    }
    for (String url : a.values("--web-seed")) {
      checkUrl(() -> b.webSeed(url), "--web-seed", url);
    }
    b.privateTorrent(a.has("--private"));
    b.threads(a.intValue("--threads", Runtime.getRuntime().availableProcessors(), 1, 256));
    a.value("--comment").ifPresent(b::comment);
    if (a.has("--no-date")) {
      b.noCreationDate();
    }
    String version = Main.version();
    b.createdBy(version.equals("unknown") ? "bt" : "bt/" + version);
    checkOutput(output);

    PrintStream progressTo = json ? err : out;
    Progress progress = new Progress(progressTo, isTerminal.getAsBoolean(), nanoClock);
    b.listener(progress);

    TorrentCreator.Handle h;
    try {
      h = b.build().start();
    } catch (IOException e) {
      throw ioFailure(e);
    } catch (IllegalArgumentException e) {
      throw a.value("--piece-length").isPresent() ? new UsageException(e.getMessage())
          : new CliException(e.getMessage(), e);
    }
    long started = nanoClock.getAsLong();
    Metainfo m;
    try {
      m = await(h);
    } finally {
      progress.end(); // ends a bar's line, so an error starts on a line of its own
    }
    double seconds = Math.max(1e-9, (nanoClock.getAsLong() - started) / 1e9);
    write(m, output);

    double mibps = Math.round(h.totalBytes() / (double) (1 << 20) / seconds * 10) / 10.0;
    if (json) {
      Map<String, Object> o = new LinkedHashMap<>(InfoCommand.toJson(m));
      o.put("hashMiBps", mibps);
      out.print(Json.write(o) + "\n");
    } else {
      out.print(describe(m, output, seconds, mibps));
    }
    return 0;
  }

  // ---------------------------------------------------------------- arguments

  private static Path path(String arg) {
    try {
      return Path.of(arg);
    } catch (InvalidPathException e) {
      throw new CliException(Text.printable(arg) + ": not a valid path: " + e.getReason(), e);
    }
  }

  private static String output(Args a) {
    List<String> all = new ArrayList<>(a.values("-o"));
    all.addAll(a.values("--output"));
    if (all.isEmpty()) {
      throw new UsageException("missing -o OUT.torrent");
    }
    if (all.size() > 1) {
      throw new UsageException("flag -o given more than once");
    }
    if (all.get(0).isEmpty()) {
      throw new UsageException("empty -o argument");
    }
    return all.get(0);
  }

  private static TorrentVersion format(Args a) {
    int n = (a.has("--v1") ? 1 : 0) + (a.has("--v2") ? 1 : 0) + (a.has("--hybrid") ? 1 : 0);
    if (n > 1) {
      throw new UsageException("--v1, --v2 and --hybrid exclude each other");
    }
    return a.has("--v2") ? TorrentVersion.V2
        : a.has("--hybrid") ? TorrentVersion.HYBRID : TorrentVersion.V1;
  }

  /** Bytes, or a number with a K/KiB or M/MiB suffix; a power of two from 16 KiB to 1 GiB. */
  static int pieceLength(String v) {
    String s = v.trim().toUpperCase(Locale.ROOT);
    long unit = 1;
    if (s.endsWith("KIB") || s.endsWith("K")) {
      unit = 1024;
      s = s.substring(0, s.length() - (s.endsWith("KIB") ? 3 : 1));
    } else if (s.endsWith("MIB") || s.endsWith("M")) {
      unit = 1024 * 1024;
      s = s.substring(0, s.length() - (s.endsWith("MIB") ? 3 : 1));
    }
    long n = -1;
    if (!s.isEmpty() && s.length() <= 12 && s.chars().allMatch(c -> c >= '0' && c <= '9')) {
      n = Long.parseLong(s) * unit;
    }
    if (n < TorrentCreator.MIN_PIECE_LENGTH || n > TorrentCreator.MAX_PIECE_LENGTH
        || Long.bitCount(n) != 1) {
      throw new UsageException("bad value for --piece-length: " + Text.quote(v)
          + " (expected a power of two from " + TorrentCreator.MIN_PIECE_LENGTH + " to "
          + TorrentCreator.MAX_PIECE_LENGTH + " bytes, such as 262144 or 256K)");
    }
    return (int) n;
  }

  private static void checkUrl(Runnable add, String flag, String url) {
    try {
      add.run();
    } catch (IllegalArgumentException e) {
      throw new UsageException("bad value for " + flag + ": " + Text.quote(url) + " (expected a URL"
          + " such as http://tracker.example/announce)");
    }
  }

  /** Fails before any hashing if the output cannot be written where asked. */
  private static void checkOutput(Path output) {
    String where = Text.printable(output.toString()) + ": ";
    if (Files.isDirectory(output)) {
      throw new CliException(where + "is a directory; -o names the torrent file to write");
    }
    Path parent = output.toAbsolutePath().getParent();
    if (parent != null && !Files.isDirectory(parent)) {
      throw new CliException(where + "no such directory: " + Text.printable(parent.toString()));
    }
  }

  // ---------------------------------------------------------------- running

  private static Metainfo await(TorrentCreator.Handle h) {
    try {
      return h.result().get();
    } catch (InterruptedException e) {
      h.cancel();
      Thread.currentThread().interrupt();
      throw new CliException("interrupted", e);
    } catch (CancellationException e) {
      throw new CliException("cancelled", e);
    } catch (ExecutionException e) {
      Throwable c = e.getCause();
      if (c instanceof IOException) {
        throw ioFailure((IOException) c);
      }
      if (c instanceof MetainfoException) {
        throw new CliException("cannot make a valid torrent of these files: " + c.getMessage(), c);
      }
      if (c instanceof RuntimeException) {
        throw (RuntimeException) c;
      }
      if (c instanceof Error) {
        throw (Error) c;
      }
      throw new CliException(Main.describe(c), c);
    }
  }

  private static CliException ioFailure(IOException e) {
    if (e instanceof FileSystemException) {
      FileSystemException f = (FileSystemException) e;
      String file = f.getFile() == null ? "" : Text.printable(f.getFile()) + ": ";
      String why = e instanceof NoSuchFileException ? "no such file or directory"
          : InfoCommand.describe(e);
      return new CliException(file + why, e);
    }
    return new CliException(Main.describe(e), e);
  }

  /** Writes the torrent next to {@code output}, then renames it into place. */
  private static void write(Metainfo m, Path output) {
    Path abs = output.toAbsolutePath();
    Path temp = null;
    try {
      // not Files.createTempFile: its SecureRandom costs start-up time; the pid makes it unique
      temp = abs.resolveSibling("." + abs.getFileName() + "." + ProcessHandle.current().pid()
          + ".part");
      Files.write(temp, m.encode(), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      try {
        Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(temp, abs, StandardCopyOption.REPLACE_EXISTING);
      }
      temp = null;
    } catch (IOException e) {
      String where = Text.printable(output.toString()) + ": ";
      throw new CliException(where + "cannot write: " + InfoCommand.describe(e), e);
    } finally {
      if (temp != null) {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException ignored) {
          // best effort
        }
      }
    }
  }

  // ---------------------------------------------------------------- output

  private static String describe(Metainfo m, Path output, double seconds, double mibps) {
    StringBuilder sb = new StringBuilder();
    line(sb, "Wrote:", Text.printable(output.toString()));
    line(sb, "Name:", Text.printable(m.name()));
    m.infoHashes().v1().ifPresent(v -> line(sb, "Info hash v1:", v.hex()));
    m.infoHashes().v2().map(InfoHash::hex).ifPresent(v -> line(sb, "Info hash v2:", v));
    line(sb, "Version:", m.version() == TorrentVersion.HYBRID ? "hybrid (v1 + v2)"
        : m.version() == TorrentVersion.V2 ? "v2" : "v1");
    int files = 0;
    for (FileEntry f : m.files()) {
      files += f.isPad() ? 0 : 1;
    }
    line(sb, "Files:", Integer.toString(files));
    line(sb, "Total size:", size(m.totalSize()) + " (" + m.totalSize() + " bytes)");
    line(sb, "Pieces:", m.pieceCount() + " x " + size(m.pieceLength()));
    line(sb, "Hashed in:", fixed(seconds, 2) + " s (" + fixed(mibps, 1) + " MiB/s)");
    return sb.toString();
  }

  // No String.format here: the first use loads the Formatter, regex and locale machinery, tens of
  // milliseconds of start-up that `bt create` of a small file would mostly spend on that.

  private static void line(StringBuilder sb, String label, String value) {
    sb.append(label).append(" ".repeat(Math.max(1, 14 - label.length()))).append(value)
        .append('\n');
  }

  /** {@code v} with {@code decimals} (1 or 2) digits after the point, rounded. */
  static String fixed(double v, int decimals) {
    long scale = decimals == 1 ? 10 : 100;
    long x = Math.round(Math.max(0, v) * scale);
    String frac = Long.toString(x % scale);
    return (x / scale) + "." + "0".repeat(decimals - frac.length()) + frac;
  }

  /** Like {@link InfoCommand#bytes(long)}: {@code 512 B}, {@code 1.5 KiB}, ... */
  static String size(long n) {
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
    return fixed(v, 1) + " " + units[u];
  }

  /**
   * Shows the hashing: a bar redrawn in place at most ten times a second on a terminal, else a line
   * every two seconds. Called one call at a time (see {@link CreateListener}).
   */
  static final class Progress implements CreateListener {
    private final PrintStream to;
    private final boolean bar;
    private final LongSupplier nanoClock;
    private final long started;
    private long last;
    private boolean drawn;

    Progress(PrintStream to, boolean bar, LongSupplier nanoClock) {
      this.to = to;
      this.bar = bar;
      this.nanoClock = nanoClock;
      this.started = nanoClock.getAsLong(); // before the workers start: they may call at once
      this.last = started;
    }

    @Override
    public synchronized void onProgress(long done, long total) {
      long now = nanoClock.getAsLong();
      if (bar) {
        if (!drawn || now - last >= BAR_NANOS || done == total) {
          last = now;
          draw(done, total);
        }
      } else if (now - last >= LINE_NANOS) {
        last = now;
        to.print("hashed " + size(done) + " of " + size(total) + " (" + percent(done, total)
            + "%), " + fixed(rate(done, now), 1) + " MiB/s\n");
        to.flush();
      }
    }

    synchronized void end() {
      if (bar && drawn) {
        to.print("\n");
        to.flush();
      }
    }

    private void draw(long done, long total) {
      int width = 30;
      int filled = (int) (total == 0 ? width : done * width / total);
      String pct = Integer.toString(percent(done, total));
      // trailing spaces wipe what a longer previous line left
      to.print("\r[" + "#".repeat(filled) + ".".repeat(width - filled) + "] "
          + " ".repeat(3 - pct.length()) + pct + "%  " + size(done) + " / " + size(total) + "  "
          + fixed(rate(done, nanoClock.getAsLong()), 1) + " MiB/s   ");
      to.flush();
      drawn = true;
    }

    private static int percent(long done, long total) {
      return total == 0 ? 100 : (int) (done * 100 / total);
    }

    private double rate(long done, long now) {
      double s = (now - started) / 1e9;
      return s <= 0 ? 0 : done / (double) (1 << 20) / s;
    }
  }
}
