package io.btlib.cli;

import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.Metainfo;
import io.btlib.storage.FileStorage;
import io.btlib.storage.Recheck;
import io.btlib.storage.RecheckResult;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * {@code bt verify TORRENT DIR}: checks every piece of the data under DIR against the torrent's
 * hashes, on all cores. Exit 0 only if every piece is good.
 *
 * <p>JSON: {@code {pieceCount, good, bad: [indices], missingFiles: [...], seconds, hashMiBps}}.
 * Progress goes to stdout as text, or to stderr with {@code --json}.
 */
final class VerifyCommand implements Command {
  private final LongSupplier nanoClock;
  private final BooleanSupplier isTerminal;

  VerifyCommand() {
    this(System::nanoTime, () -> System.console() != null);
  }

  VerifyCommand(LongSupplier nanoClock, BooleanSupplier isTerminal) {
    this.nanoClock = nanoClock;
    this.isTerminal = isTerminal;
  }

  @Override
  public String name() {
    return "verify";
  }

  @Override
  public String summary() {
    return "check the data in a directory against a torrent's hashes";
  }

  @Override
  public String usage() {
    return "usage: bt verify TORRENT DIR [--threads N] [--json]\n"
        + "\n"
        + "Checks every piece of TORRENT's data under DIR (the directory the torrent's name is\n"
        + "laid out in, as a download would) against the torrent's SHA-1 (v1) and SHA-256 (v2)\n"
        + "hashes, reading and hashing on several threads.\n"
        + "\n"
        + "Options:\n"
        + "  --threads N  hashing threads (default: the number of processors)\n"
        + "  --json       print one JSON object: pieceCount, good, bad (indices), missingFiles,\n"
        + "               seconds, hashMiBps; progress then goes to stderr\n"
        + "\n"
        + "Exit codes: 0 every piece good, 1 some piece bad or missing (or an error), 2 bad usage.\n";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) {
    Args a = Args.parse(args, Set.of("--json"), Set.of("--threads"));
    List<String> pos = a.positionals("TORRENT", "DIR");
    boolean json = a.has("--json");
    int threads = a.intValue("--threads", Runtime.getRuntime().availableProcessors(), 1, 256);
    Metainfo m = InfoCommand.load(pos.get(0));
    Path dir;
    try {
      dir = Path.of(pos.get(1));
    } catch (InvalidPathException e) {
      throw new CliException(Text.printable(pos.get(1)) + ": not a valid path: " + e.getReason(), e);
    }
    if (!Files.isDirectory(dir)) {
      throw new CliException(Text.printable(pos.get(1)) + ": not a directory");
    }
    List<String> missing = missingFiles(m, dir);
    long total = 0;
    for (int i = 0; i < m.pieceCount(); i++) {
      total += m.pieceSize(i);
    }
    CreateCommand.Progress progress =
        new CreateCommand.Progress(json ? err : out, isTerminal.getAsBoolean(), nanoClock);
    long totalBytes = total;
    RecheckResult r;
    try (FileStorage storage = FileStorage.open(m, dir)) {
      r = Recheck.builder(m, storage).threads(threads).nanoClock(nanoClock)
          .listener((piece, good, done, bytes) -> progress.onProgress(bytes, totalBytes))
          .build().run();
    } catch (IOException e) {
      throw new CliException(Text.printable(pos.get(1)) + ": " + InfoCommand.describe(e), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted", e);
    }
    progress.end();
    double seconds = r.elapsed().toNanos() / 1e9;
    double mibps = Math.round(r.mibPerSecond() * 10) / 10.0;
    BitSet bad = r.bad();
    if (json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("pieceCount", m.pieceCount());
      o.put("good", r.good().cardinality());
      List<Object> badList = new ArrayList<>();
      for (int i = bad.nextSetBit(0); i >= 0; i = bad.nextSetBit(i + 1)) {
        badList.add(i);
      }
      o.put("bad", badList);
      o.put("missingFiles", new ArrayList<Object>(missing));
      o.put("seconds", Math.round(seconds * 1000) / 1000.0);
      o.put("hashMiBps", mibps);
      out.print(Json.write(o) + "\n");
    } else {
      StringBuilder sb = new StringBuilder();
      sb.append(String.format("%-14s%s%n", "pieces", r.good().cardinality() + " of "
          + m.pieceCount() + " good"));
      if (!bad.isEmpty()) {
        sb.append(String.format("%-14s%s%n", "bad", ranges(bad)));
      }
      for (String f : missing) {
        sb.append(String.format("%-14s%s%n", "missing", Text.printable(f)));
      }
      sb.append(String.format("%-14s%s s, %s MiB/s%n", "time",
          CreateCommand.fixed(seconds, 2), CreateCommand.fixed(mibps, 1)));
      out.print(sb);
    }
    return bad.isEmpty() ? 0 : 1;
  }

  /** The non-pad, non-empty files that do not exist as regular files under {@code dir}. */
  static List<String> missingFiles(Metainfo m, Path dir) {
    List<String> missing = new ArrayList<>();
    for (FileEntry f : m.files()) {
      if (f.isPad()) {
        continue;
      }
      Path p = dir;
      for (String c : f.path()) {
        p = p.resolve(c);
      }
      if (!Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS) && f.length() > 0) {
        missing.add(f.pathString());
      }
    }
    return missing;
  }

  /** "3, 5-9, 12" for a set of pieces. */
  static String ranges(BitSet s) {
    StringBuilder sb = new StringBuilder();
    for (int i = s.nextSetBit(0); i >= 0; ) {
      int j = s.nextClearBit(i) - 1;
      if (sb.length() > 0) {
        sb.append(", ");
      }
      sb.append(i);
      if (j > i) {
        sb.append('-').append(j);
      }
      i = s.nextSetBit(j + 1);
    }
    return sb.toString();
  }
}
