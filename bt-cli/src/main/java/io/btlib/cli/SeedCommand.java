package io.btlib.cli;

import io.btlib.client.Client;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentState;
import io.btlib.metainfo.Metainfo;
import io.btlib.peer.PeerAddress;
import io.btlib.storage.FileStorage;
import io.btlib.storage.Recheck;
import io.btlib.storage.RecheckResult;
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
 * {@code bt seed TORRENT DIR}: verifies DIR, then serves it until stopped or the duration ends.
 */
final class SeedCommand implements Command {
  private final LongSupplier nanoClock;

  SeedCommand() {
    this(System::nanoTime);
  }

  SeedCommand(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public String name() {
    return "seed";
  }

  @Override
  public String summary() {
    return "verify a directory's data and serve it to peers";
  }

  @Override
  public String usage() {
    return "usage: bt seed TORRENT DIR [--peer HOST:PORT]... [--port N] [--bind ADDR]\n"
        + "           [--tracker URL]... [--dht-bootstrap HOST:PORT]... [--no-dht]\n"
        + "           [--upload-limit BYTES_PER_S] [--duration SECONDS]\n"
        + "           [--encryption disabled|enabled|forced]\n"
        + "           [--transport tcp|utp|both] [--json]\n"
        + "\n"
        + "Checks the data under DIR on all cores, then accepts peers (and dials --peer ones)\n"
        + "and uploads to them, until interrupted or --duration ends. Pieces that fail the check\n"
        + "are not served. Announces to the torrent's trackers, the --tracker ones (unless the\n"
        + "torrent is private) and the DHT; interrupting it tells the trackers it stopped.\n"
        + "\n"
        + "Options:\n"
        + "  --peer HOST:PORT          a peer to dial, by IP address; repeatable\n"
        + "  --port N                  port to accept peers on: TCP, and UDP for uTP and the\n"
        + "                            DHT, which share it (default: any free port)\n"
        + "  --bind ADDR               address to accept peers on (default 127.0.0.1)\n"
        + "  --tracker URL             announce to this tracker too (http, https, udp); repeatable\n"
        + "  --dht-bootstrap HOST:PORT join the DHT through this node, by IP address; repeatable\n"
        + "                            (default: none, the DHT contacts no one it is not told of)\n"
        + "  --no-dht                  run no DHT node\n"
        + "  --upload-limit B          upload limit in bytes per second (default: none)\n"
        + "  --duration SECONDS        stop after this long (default: run until interrupted)\n"
        + "  --super-seed              super-seeding (BEP 16): show each peer a few pieces at a\n"
        + "                            time, the swarm's rarest, so that a first seeder's upload\n"
        + "                            goes to pieces nobody has yet (for a new torrent's crowd)\n"
        + Transfer.ENCRYPTION_USAGE
        + Transfer.TRANSPORT_USAGE
        + "  --json                    JSON lines: {\"event\":\"listening\",\"port\":N,\"dhtPort\":N}\n"
        + "                            once bound, then progress events about once a second\n"
        + "\n"
        + "Exit codes: 0 served until the end, 1 failure, 2 bad usage, 130 interrupted.\n";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
    Set<String> values = new HashSet<>(Transfer.VALUE_FLAGS);
    values.add("--duration");
    Set<String> flags = new HashSet<>(Transfer.BOOLEAN_FLAGS);
    flags.add("--super-seed");
    Args a = Args.parse(args, flags, values);
    List<String> pos = a.positionals("TORRENT", "DIR");
    boolean json = a.has("--json");
    long duration = a.longValue("--duration", 0, 0, 365L * 24 * 3600);
    List<PeerAddress> peers = Transfer.peers(a);
    Metainfo m = InfoCommand.load(pos.get(0));
    Path dir;
    try {
      dir = Path.of(pos.get(1));
    } catch (InvalidPathException e) {
      throw new CliException(Text.printable(pos.get(1)) + ": not a valid path", e);
    }
    if (!Files.isDirectory(dir)) {
      throw new CliException(Text.printable(pos.get(1)) + ": not a directory");
    }
    Transfer.Reporter reporter = new Transfer.Reporter(json ? out : out, json);
    try (Transfer.Network network = Transfer.client(a)) {
      Client client = network.client();
      FileStorage storage = FileStorage.open(m, dir);
      RecheckResult r = Recheck.builder(m, storage).build().run();
      if (r.good().isEmpty()) {
        storage.close();
        throw new CliException(Text.printable(pos.get(1)) + ": holds no good piece of the torrent");
      }
      Torrent t = client.add(m, storage, r.good());
      t.addListener(reporter);
      for (PeerAddress p : peers) {
        t.addPeer(p);
      }
      t.start();
      int port = client.listenAddress().getPort();
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("event", "listening");
        o.put("port", port);
        o.put("dhtPort", network.dht() == null ? null : network.dht().localAddress().getPort());
        reporter.event(o);
      } else {
        reporter.line("seeding " + r.good().cardinality() + " of " + m.pieceCount()
            + " pieces on " + client.listenAddress().getAddress().getHostAddress() + ":" + port);
      }
      long end = duration == 0 ? Long.MAX_VALUE
          : nanoClock.getAsLong() + TimeUnit.SECONDS.toNanos(duration);
      while (nanoClock.getAsLong() < end) {
        Thread.sleep(Math.min(1000, Math.max(1, (end - nanoClock.getAsLong()) / 1_000_000)));
        reporter.progress(t.status());
        if (t.status().state() == TorrentState.FAILED) {
          throw new CliException("seeding failed: " + t.status().error().orElse("unknown"));
        }
      }
    } catch (IOException e) {
      throw new CliException(Text.printable(pos.get(1)) + ": " + InfoCommand.describe(e), e);
    }
    return 0;
  }
}
