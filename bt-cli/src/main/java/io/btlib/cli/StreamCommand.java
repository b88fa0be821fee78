package io.btlib.cli;

import io.btlib.cli.stream.ServedFile;
import io.btlib.cli.stream.StreamServer;
import io.btlib.client.Client;
import io.btlib.client.StorageFactory;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentReader;
import io.btlib.client.TorrentState;
import io.btlib.client.TorrentStatus;
import io.btlib.metainfo.FileEntry;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.MagnetLinkException;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileCache;
import io.btlib.storage.FileStorage;
import io.btlib.storage.MemoryCache;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.stream.Stream;

/**
 * {@code bt stream TORRENT|MAGNET}: downloads and serves the torrent's files over HTTP/1.1 while
 * they download. Each HTTP response reads through a {@link TorrentReader}, which puts the pieces
 * just ahead of it first and blocks until the bytes it returns are verified.
 */
final class StreamCommand implements Command {
  /** The most HTTP connections served at once (a player uses one or two; a scan a few more). */
  static final int MAX_CONNECTIONS = 32;

  private final LongSupplier nanoClock;

  StreamCommand() {
    this(System::nanoTime);
  }

  StreamCommand(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public String name() {
    return "stream";
  }

  @Override
  public String summary() {
    return "download a torrent and serve its files over HTTP while it downloads";
  }

  @Override
  public String usage() {
    return "usage: bt stream TORRENT|MAGNET [--file N] [--port P] [--bind ADDR] [-o DIR]\n"
        + "           [--cache-mb N [--cache-dir DIR]] [--readahead BYTES] [--peer HOST:PORT]...\n"
        + "           [--peer-port N] [--tracker URL]... [--dht-bootstrap HOST:PORT]...\n"
        + "           [--no-dht] [--download-limit BYTES_PER_S] [--upload-limit BYTES_PER_S]\n"
        + "           [--timeout SECONDS] [--encryption disabled|enabled|forced]\n"
        + "           [--transport tcp|utp|both] [--json]\n"
        + "\n"
        + "Downloads the torrent and serves its files over HTTP/1.1 while they download, so that\n"
        + "a player plays at once: 'mpv URL', 'vlc URL', 'ffmpeg -i URL'. Each file's URL is\n"
        + "printed first: http://ADDR:PORT/INDEX/PATH (INDEX as in 'bt info'; GET / lists them).\n"
        + "A request reads from where it asks: the pieces just ahead of it are fetched first,\n"
        + "and the response waits for them; the rest of the torrent downloads as usual. Bytes\n"
        + "are sent only once their piece is verified.\n"
        + "\n"
        + "HTTP: GET and HEAD; one Range (bytes=A-B, A-, -N) gets 206 with Content-Range, an\n"
        + "unsatisfiable or malformed one 416, several ranges the whole file (200); keep-alive;\n"
        + "Content-Type from the file's extension. At most " + MAX_CONNECTIONS
        + " connections at once (503 beyond).\n"
        + "\n"
        + "Options:\n"
        + "  --file N                  serve and download only file N (default: all files)\n"
        + "  --port P                  HTTP port (default: any free port; the URLs show it)\n"
        + "  --bind ADDR               address for HTTP and for peers (default 127.0.0.1)\n"
        + "  -o, --output DIR          keep the data in DIR (default: a temporary directory,\n"
        + "                            removed on exit)\n"
        + "  --cache-mb N              keep at most N MiB of pieces, in memory, instead of the\n"
        + "                            whole torrent on disk (not with -o): only what requests\n"
        + "                            read ahead is fetched, what they left behind is dropped\n"
        + "                            first, and it never completes; at least one piece\n"
        + "  --cache-dir DIR           with --cache-mb: keep the cache in one file of at most N\n"
        + "                            MiB under DIR instead of in memory (a temporary file,\n"
        + "                            deleted on exit)\n"
        + "  --readahead BYTES         how far ahead of each request to fetch first (default:\n"
        + "                            8 MiB, then ten seconds' worth at the rate the\n"
        + "                            response is read, between 2 and 64 MiB)\n"
        + "  --peer HOST:PORT          a peer to dial, by IP address; repeatable\n"
        + "  --peer-port N             port to accept peers on, TCP and UDP (default: any)\n"
        + "  --tracker URL             announce to this tracker too (http, https, udp); repeatable\n"
        + "  --dht-bootstrap HOST:PORT join the DHT through this node, by IP address; repeatable\n"
        + "  --no-dht                  run no DHT node\n"
        + "  --download-limit B        download limit in bytes per second (default: none)\n"
        + "  --upload-limit B          upload limit in bytes per second (default: none)\n"
        + "  --timeout SECONDS         stop after this long (default: run until interrupted)\n"
        + Transfer.ENCRYPTION_USAGE
        + Transfer.TRANSPORT_USAGE
        + "  --json                    JSON lines: one {\"event\":\"listening\",\"url\":U,\"file\":N,\n"
        + "                            \"path\":P,\"length\":B} per file first, then progress about\n"
        + "                            once a second, hashfail, ban, and complete once the data is in\n"
        + "\n"
        + "Exit codes: 0 --timeout ended, 1 failure, 2 bad usage, 130 interrupted (Ctrl-C).\n";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
    Set<String> values = new HashSet<>(Transfer.VALUE_FLAGS);
    values.addAll(Set.of("-o", "--output", "--file", "--cache-mb", "--cache-dir", "--readahead",
        "--peer-port", "--timeout"));
    Args a = Args.parse(args, Transfer.BOOLEAN_FLAGS, values);
    String arg = a.positionals("TORRENT|MAGNET").get(0);
    boolean json = a.has("--json");
    int httpPort = a.intValue("--port", 0, 0, 65535);
    int only = a.intValue("--file", -1, 0, Integer.MAX_VALUE);
    long readahead = a.longValue("--readahead", 0, 0, 1L << 40);
    long timeout = a.longValue("--timeout", 0, 0, 365L * 24 * 3600);
    long cacheBytes = a.longValue("--cache-mb", 0, 1, 1L << 30) << 20;
    boolean output = a.value("-o").isPresent() || a.value("--output").isPresent();
    if (cacheBytes > 0 && output) {
      throw new UsageException("--cache-mb keeps pieces in memory only: not with -o");
    }
    Path cacheDir;
    try {
      cacheDir = a.value("--cache-dir").map(Path::of).orElse(null);
    } catch (InvalidPathException e) {
      throw new UsageException("bad value for --cache-dir: " + e.getMessage());
    }
    if (cacheDir != null && cacheBytes == 0) {
      throw new UsageException("--cache-dir needs --cache-mb");
    }
    if (cacheDir != null && !Files.isDirectory(cacheDir)) {
      throw new UsageException("--cache-dir " + cacheDir + ": not a directory");
    }
    StorageFactory cacheFactory = cacheBytes == 0 ? null
        : cacheDir == null ? MemoryCache.factory(cacheBytes)
        : FileCache.factory(cacheDir, cacheBytes);
    List<PeerAddress> peers = Transfer.peers(a);
    Transfer.bindAddress(a);
    Transfer.encryption(a);
    Transfer.transport(a);
    Transfer.trackers(a);
    MagnetLink magnet = null;
    Metainfo m = null;
    if (arg.regionMatches(true, 0, "magnet:", 0, 7)) {
      try {
        magnet = MagnetLink.parse(arg);
      } catch (MagnetLinkException e) {
        throw new CliException("bad magnet link: " + e.getMessage(), e);
      }
    } else {
      m = InfoCommand.load(arg);
      checkFile(m, only, true);
      checkCache(m, cacheBytes, true);
    }
    Path dir = cacheBytes > 0 ? null : directory(a);
    boolean temporary = cacheBytes == 0 && !output;
    long start = nanoClock.getAsLong();
    long deadline = timeout == 0 ? Long.MAX_VALUE : start + TimeUnit.SECONDS.toNanos(timeout);
    Transfer.Reporter reporter = new Transfer.Reporter(out, json);
    try (Transfer.Network network = Transfer.client(a, "--peer-port")) {
      Client client = network.client();
      Torrent t;
      if (m != null) {
        t = client.add(m, cacheFactory != null ? cacheFactory.open(m)
            : FileStorage.open(m, dir));
      } else {
        t = client.add(magnet, cacheFactory != null ? cacheFactory
            : meta -> FileStorage.open(meta, dir));
        for (var p : magnet.peers()) {
          try {
            t.addPeer(PeerAddress.of(p.getHostString(), p.getPort()));
          } catch (IllegalArgumentException e) {
            // a host name in x.pe: never resolved
          }
        }
      }
      for (PeerAddress p : peers) {
        t.addPeer(p);
      }
      t.start();
      Metainfo meta = awaitMetadata(t, deadline, reporter, json);
      if (meta == null) {
        return 0; // --timeout ended first
      }
      checkFile(meta, only, false);
      checkCache(meta, cacheBytes, false);
      if (only >= 0) {
        for (int i = 0; i < meta.files().size(); i++) {
          if (i != only) {
            t.setFilePriority(i, 0);
          }
        }
      }
      List<ServedFile> files = served(t, meta, only, readahead);
      try (StreamServer server = StreamServer.start(Transfer.bindAddress(a), httpPort, files,
          MAX_CONNECTIONS)) {
        announce(server, files, reporter, json);
        t.addListener(reporter); // hashfail and ban events come after the URLs, as progress does
        serve(t, deadline, start, reporter, json);
      } catch (IOException e) {
        throw new CliException("cannot serve HTTP on " + Transfer.bindAddress(a).getHostAddress()
            + ":" + httpPort + ": " + Main.describe(e), e);
      }
    } catch (IOException e) {
      Object where = dir != null ? dir : cacheDir != null ? cacheDir : "cache";
      throw new CliException(where + ": " + InfoCommand.describe(e), e);
    } finally {
      if (temporary) {
        deleteTree(dir);
      }
    }
    return 0;
  }

  /** A cache must hold one piece: a usage error for a .torrent, a runtime one for a magnet. */
  private static void checkCache(Metainfo m, long cacheBytes, boolean usage) {
    if (cacheBytes > 0 && cacheBytes < m.pieceLength()) {
      String problem = "--cache-mb " + (cacheBytes >> 20) + ": less than one piece ("
          + m.pieceLength() + " bytes)";
      throw usage ? new UsageException(problem) : new CliException(problem);
    }
  }

  /** Usage error (exit 2) for a .torrent, runtime error (1) once a magnet's metadata is in. */
  private static void checkFile(Metainfo m, int only, boolean usage) {
    if (only < 0) {
      return;
    }
    String problem = null;
    if (only >= m.files().size()) {
      problem = "--file " + only + ": the torrent has " + m.files().size() + " file"
          + (m.files().size() == 1 ? "" : "s") + " (0 to " + (m.files().size() - 1) + ")";
    } else if (m.files().get(only).isPad()) {
      problem = "--file " + only + ": a pad file, not data";
    }
    if (problem != null) {
      throw usage ? new UsageException(problem) : new CliException(problem);
    }
  }

  private static Path directory(Args a) {
    String dirArg = a.value("-o").or(() -> a.value("--output")).orElse(null);
    try {
      if (dirArg == null) {
        return Files.createTempDirectory("bt-stream-");
      }
      Path dir = Path.of(dirArg);
      Files.createDirectories(dir);
      return dir;
    } catch (InvalidPathException | IOException e) {
      throw new CliException((dirArg == null ? "temporary directory" : Text.printable(dirArg))
          + ": cannot use as download directory: " + Main.describe(e), e);
    }
  }

  /**
   * The metadata (waiting for a magnet's); null if the deadline passed first. Progress lines go
   * out meanwhile only in human output: JSON output starts with the URLs.
   */
  private Metainfo awaitMetadata(Torrent t, long deadline, Transfer.Reporter reporter,
      boolean json) throws InterruptedException {
    long next = nanoClock.getAsLong() + TimeUnit.SECONDS.toNanos(1);
    while (t.metainfo().isEmpty()) {
      failIfFailed(t);
      if (nanoClock.getAsLong() >= deadline) {
        return null;
      }
      Thread.sleep(50);
      if (nanoClock.getAsLong() >= next) {
        next += TimeUnit.SECONDS.toNanos(1);
        if (!json) {
          reporter.progress(t.status());
        }
      }
    }
    return t.metainfo().get();
  }

  /** The files to serve: every data file, or only {@code only}. */
  private static List<ServedFile> served(Torrent t, Metainfo m, int only, long readahead) {
    List<ServedFile> files = new ArrayList<>();
    for (int i = 0; i < m.files().size(); i++) {
      FileEntry f = m.files().get(i);
      if (f.isPad() || (only >= 0 && i != only)) {
        continue;
      }
      int index = i;
      files.add(new ServedFile(i, String.join("/", f.path()), f.length(), () -> {
        TorrentReader r = t.newReader(index);
        return readahead > 0 ? r.readahead(readahead) : r;
      }));
    }
    return files;
  }

  private static void announce(StreamServer server, List<ServedFile> files,
      Transfer.Reporter reporter, boolean json) {
    for (ServedFile f : files) {
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("event", "listening");
        o.put("url", server.url(f));
        o.put("file", f.index());
        o.put("path", f.path());
        o.put("length", f.length());
        reporter.event(o);
      } else {
        reporter.line("serving " + Text.printable(f.path()) + " (" + CreateCommand.size(f.length())
            + ") at " + server.url(f));
      }
    }
  }

  /** Reports progress once a second, and completion once, until the deadline or an interrupt. */
  private void serve(Torrent t, long deadline, long start, Transfer.Reporter reporter,
      boolean json) throws InterruptedException {
    boolean complete = false;
    long next = nanoClock.getAsLong() + TimeUnit.SECONDS.toNanos(1);
    while (nanoClock.getAsLong() < deadline) {
      failIfFailed(t);
      if (!complete && t.completion().isDone() && !t.completion().isCompletedExceptionally()) {
        complete = true;
        complete(t.status(), start, reporter, json);
      }
      long now = nanoClock.getAsLong();
      Thread.sleep(Math.max(1, Math.min(200, (Math.min(deadline, next) - now) / 1_000_000)));
      if (nanoClock.getAsLong() >= next) {
        next += TimeUnit.SECONDS.toNanos(1);
        reporter.progress(t.status());
      }
    }
  }

  private void complete(TorrentStatus s, long start, Transfer.Reporter reporter, boolean json) {
    double seconds = Math.max(1e-9, (nanoClock.getAsLong() - start) / 1e9);
    if (json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("event", "complete");
      o.put("bytes", s.downloaded());
      o.put("seconds", Math.round(seconds * 1000) / 1000.0);
      o.put("rateMiBps", Math.round(s.downloaded() / 1048576.0 / seconds * 100) / 100.0);
      reporter.event(o);
    } else {
      reporter.line("complete: " + CreateCommand.size(s.downloaded()) + " in "
          + CreateCommand.fixed(seconds, 1) + " s; still serving");
    }
  }

  private static void failIfFailed(Torrent t) {
    TorrentStatus s = t.status();
    if (s.state() == TorrentState.FAILED) {
      throw new CliException("torrent failed: " + s.error().orElse("unknown error"));
    }
  }

  /** Removes the temporary directory and what is in it; a file left behind is not an error. */
  private static void deleteTree(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> {
        try {
          Files.deleteIfExists(p);
        } catch (IOException e) {
          // left for the system's temporary-file cleaning
        }
      });
    } catch (IOException | UncheckedIOException e) {
      // likewise
    }
  }
}
