package io.btlib.cli;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentState;
import io.btlib.client.TorrentStatus;
import io.btlib.metainfo.MagnetLink;
import io.btlib.metainfo.MagnetLinkException;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@code bt download TORRENT|MAGNET -o DIR}: downloads into DIR, resuming whatever verified data
 * DIR already holds, then optionally seeds for a while. Exit 0 when every wanted piece is verified
 * on disk, 1 on timeout or failure.
 */
final class DownloadCommand implements Command {
  private final LongSupplier nanoClock;

  DownloadCommand() {
    this(System::nanoTime);
  }

  DownloadCommand(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public String name() {
    return "download";
  }

  @Override
  public String summary() {
    return "download a torrent or magnet link from peers";
  }

  @Override
  public String usage() {
    return "usage: bt download TORRENT|MAGNET -o DIR [--peer HOST:PORT]... [--port N]\n"
        + "           [--bind ADDR] [--tracker URL]... [--dht-bootstrap HOST:PORT]... [--no-dht]\n"
        + "           [--seed-after SECONDS] [--download-limit BYTES_PER_S]\n"
        + "           [--upload-limit BYTES_PER_S] [--timeout SECONDS]\n"
        + "           [--encryption disabled|enabled|forced]\n"
        + "           [--transport tcp|utp|both] [--json]\n"
        + "\n"
        + "Downloads into DIR (the torrent's name is created inside it). Data DIR already holds is\n"
        + "checked first and kept where it is good. Peers come from --peer (dialled and retried),\n"
        + "the torrent's trackers (a magnet's tr= ones until the metadata arrives) and --tracker\n"
        + "ones, the DHT and peer exchange; a private torrent uses only its own trackers.\n"
        + "\n"
        + "Options:\n"
        + "  -o, --output DIR          where to download (required)\n"
        + "  --peer HOST:PORT          a peer to dial, by IP address; repeatable\n"
        + "  --port N                  port to accept peers on: TCP, and UDP for uTP and the\n"
        + "                            DHT, which share it (default: any free port)\n"
        + "  --bind ADDR               address to accept peers on (default 127.0.0.1)\n"
        + "  --tracker URL             announce to this tracker too (http, https, udp); repeatable\n"
        + "  --dht-bootstrap HOST:PORT join the DHT through this node, by IP address; repeatable\n"
        + "                            (default: none, the DHT contacts no one it is not told of)\n"
        + "  --no-dht                  run no DHT node\n"
        + "  --seed-after SECONDS      keep seeding this long after completing (default 0)\n"
        + "  --download-limit B        download limit in bytes per second (default: none)\n"
        + "  --upload-limit B          upload limit in bytes per second (default: none)\n"
        + "  --timeout SECONDS         give up after this long (default: never)\n"
        + Transfer.ENCRYPTION_USAGE
        + Transfer.TRANSPORT_USAGE
        + "  --json                    JSON lines: progress about once a second, hashfail, ban,\n"
        + "                            and a last complete event {bytes, seconds, rateMiBps}\n"
        + "\n"
        + "Exit codes: 0 complete, 1 timeout or failure, 2 bad usage, 130 interrupted.\n";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
    Set<String> values = new HashSet<>(Transfer.VALUE_FLAGS);
    values.addAll(Set.of("-o", "--output", "--seed-after", "--timeout"));
    Args a = Args.parse(args, Transfer.BOOLEAN_FLAGS, values);
    String arg = a.positionals("TORRENT|MAGNET").get(0);
    boolean json = a.has("--json");
    String dirArg = a.value("-o").or(() -> a.value("--output"))
        .orElseThrow(() -> new UsageException("missing -o DIR"));
    long seedAfter = a.longValue("--seed-after", 0, 0, 365L * 24 * 3600);
    long timeout = a.longValue("--timeout", 0, 0, 365L * 24 * 3600);
    List<PeerAddress> peers = Transfer.peers(a);
    Path dir;
    try {
      dir = Path.of(dirArg);
      Files.createDirectories(dir);
    } catch (InvalidPathException | IOException e) {
      throw new CliException(Text.printable(dirArg) + ": cannot use as download directory: "
          + Main.describe(e), e);
    }
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
    }
    Transfer.Reporter reporter = new Transfer.Reporter(out, json);
    long start = nanoClock.getAsLong();
    try (Transfer.Network network = Transfer.client(a)) {
      Client client = network.client();
      Torrent t;
      if (m != null) {
        t = client.add(m, FileStorage.open(m, dir));
      } else {
        t = client.add(magnet, meta -> FileStorage.open(meta, dir));
        for (var p : magnet.peers()) {
          try {
            t.addPeer(PeerAddress.of(p.getHostString(), p.getPort()));
          } catch (IllegalArgumentException e) {
            // a host name in x.pe: never resolved
          }
        }
      }
      t.addListener(reporter);
      for (PeerAddress p : peers) {
        t.addPeer(p);
      }
      t.start();
      long deadline = timeout == 0 ? Long.MAX_VALUE : start + TimeUnit.SECONDS.toNanos(timeout);
      while (!t.completion().isDone()) {
        long now = nanoClock.getAsLong();
        if (now >= deadline) {
          TorrentStatus s = t.status();
          throw new CliException("timed out after " + timeout + " s with " + s.piecesHave()
              + " of " + s.pieceCount() + " pieces");
        }
        try {
          t.completion().get(Math.min(1000, Math.max(1, (deadline - now) / 1_000_000)),
              TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
          reporter.progress(t.status());
        } catch (java.util.concurrent.ExecutionException e) {
          throw new CliException("download failed: " + t.status().error()
              .orElse(Main.describe(e.getCause())), e);
        }
      }
      double seconds = Math.max(1e-9, (nanoClock.getAsLong() - start) / 1e9);
      TorrentStatus s = t.status();
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("event", "complete");
        o.put("bytes", s.downloaded());
        o.put("seconds", Math.round(seconds * 1000) / 1000.0);
        o.put("rateMiBps", Math.round(s.downloaded() / 1048576.0 / seconds * 100) / 100.0);
        reporter.event(o);
      } else {
        reporter.line("complete: " + CreateCommand.size(s.downloaded()) + " in "
            + CreateCommand.fixed(seconds, 1) + " s ("
            + CreateCommand.fixed(s.downloaded() / 1048576.0 / seconds, 1) + " MiB/s)");
      }
      long seedUntil = nanoClock.getAsLong() + TimeUnit.SECONDS.toNanos(seedAfter);
      while (nanoClock.getAsLong() < seedUntil && t.status().state() != TorrentState.FAILED) {
        Thread.sleep(Math.min(1000, Math.max(1, (seedUntil - nanoClock.getAsLong()) / 1_000_000)));
        reporter.progress(t.status());
      }
    } catch (IOException e) {
      throw new CliException(Text.printable(dirArg) + ": " + InfoCommand.describe(e), e);
    }
    return 0;
  }
}
