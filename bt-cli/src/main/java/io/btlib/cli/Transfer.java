package io.btlib.cli;

import io.btlib.client.Client;
import io.btlib.client.EncryptionPolicy;
import io.btlib.client.Torrent;
import io.btlib.client.TorrentListener;
import io.btlib.client.TorrentStatus;
import io.btlib.client.Transport;
import io.btlib.dht.DhtNode;
import io.btlib.peer.PeerAddress;
import io.btlib.tracker.TrackerPeerSource;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** What {@code bt download} and {@code bt seed} share: flags, the client, progress output. */
final class Transfer {
  static final Set<String> VALUE_FLAGS = Set.of("--port", "--bind", "--peer", "--upload-limit",
      "--download-limit", "--tracker", "--dht-bootstrap", "--encryption", "--transport");
  static final Set<String> BOOLEAN_FLAGS = Set.of("--json", "--no-dht");

  private Transfer() {}

  /** The {@code --encryption} policy, both ways (default enabled). */
  static EncryptionPolicy encryption(Args a) {
    String v = a.value("--encryption").orElse("enabled");
    switch (v) {
      case "disabled":
        return EncryptionPolicy.DISABLED;
      case "enabled":
        return EncryptionPolicy.ENABLED;
      case "forced":
        return EncryptionPolicy.FORCED;
      default:
        throw new UsageException("--encryption must be disabled, enabled or forced: " + v);
    }
  }

  /** The {@code --transport} choice (default both). */
  static Transport transport(Args a) {
    String v = a.value("--transport").orElse("both");
    switch (v) {
      case "tcp":
        return Transport.TCP;
      case "utp":
        return Transport.UTP;
      case "both":
        return Transport.BOTH;
      default:
        throw new UsageException("--transport must be tcp, utp or both: " + v);
    }
  }

  /** The usage lines of {@code --transport}. */
  static final String TRANSPORT_USAGE =
      "  --transport T             tcp, utp (uTP, BEP 29: UDP with LEDBAT congestion control,\n"
      + "                            which yields to other traffic) or both (the default: listen\n"
      + "                            on both, dial uTP to peers known to speak it, else TCP)\n";

  /** The usage lines of {@code --encryption}. */
  static final String ENCRYPTION_USAGE =
      "  --encryption MODE         Message Stream Encryption (MSE/PE) with peers, both ways:\n"
      + "                            disabled (plain only), enabled (try encrypted, fall back\n"
      + "                            to plain; accept both; the default) or forced (RC4 only)\n";

  /**
   * A client from the common flags, with its peer sources: listens on 127.0.0.1 unless {@code
   * --bind} says otherwise; announces to the torrent's trackers and the {@code --tracker} ones;
   * runs a DHT node unless {@code --no-dht}, bootstrapped only from {@code --dht-bootstrap}: on
   * the client's UDP socket, shared with uTP, when the transport has uTP, else on a socket of its
   * own on the same address (on {@code --port} when given).
   */
  static Network client(Args a) {
    return client(a, "--port");
  }

  /** {@link #client(Args)} with the peer port from {@code portFlag} ({@code bt stream}'s
   * {@code --port} is its HTTP port, so its peer port is {@code --peer-port}). */
  static Network client(Args a, String portFlag) {
    int port = a.intValue(portFlag, 0, 0, 65535);
    InetAddress bind = bindAddress(a);
    long up = a.longValue("--upload-limit", 0, 0, Long.MAX_VALUE / 2);
    long down = a.longValue("--download-limit", 0, 0, Long.MAX_VALUE / 2);
    EncryptionPolicy encryption = encryption(a);
    Transport transport = transport(a);
    List<String> trackers = trackers(a);
    List<InetSocketAddress> bootstrap = nodes(a, "--dht-bootstrap");
    boolean dhtOn = !a.has("--no-dht");
    if (!dhtOn && !bootstrap.isEmpty()) {
      throw new UsageException("--dht-bootstrap and --no-dht contradict each other");
    }
    DhtNode dht = null;
    TrackerPeerSource trackerSource = null;
    try {
      DhtNode.Builder b = DhtNode.builder().bindAddress(bind).port(port)
          .bootstrapNodes(bootstrap);
      if (bind.isLoopbackAddress()) {
        b.rateLimit(2000, 4000); // a local swarm's nodes all share one address
      }
      if (dhtOn && transport.utp()) {
        dht = b.build(); // started below on the client's UDP socket, shared with uTP
      } else if (dhtOn) {
        try {
          dht = b.build().start();
        } catch (IOException e) {
          if (port == 0) {
            throw new CliException("cannot start the DHT on " + bind.getHostAddress() + ": "
                + Main.describe(e), e);
          }
          dht = b.port(0).build().start(); // UDP port taken: any other will do
        }
      }
      trackerSource = TrackerPeerSource.builder().extraTrackers(trackers).build();
      Client.Builder cb = Client.builder().listenAddress(bind).port(port).uploadLimit(up)
          .downloadLimit(down).encryption(encryption).transport(transport)
          .peerSource(trackerSource)
          .superSeeding(a.has("--super-seed")); // a flag of bt seed only
      if (dht != null) {
        cb.peerSource(dht);
      }
      Client client;
      try {
        client = cb.build();
      } catch (RuntimeException e) {
        throw new CliException("cannot listen on " + bind.getHostAddress() + ":" + port + ": "
            + Main.describe(e.getCause() != null ? e.getCause() : e), e);
      }
      if (dht != null && transport.utp()) {
        try {
          dht.start(client.udpPort().orElseThrow());
        } catch (IOException | RuntimeException e) {
          client.close();
          throw e;
        }
      }
      return new Network(client, trackerSource, dht);
    } catch (IOException | RuntimeException e) {
      if (trackerSource != null) {
        trackerSource.close();
      }
      if (dht != null) {
        dht.close();
      }
      if (e instanceof RuntimeException) {
        throw (RuntimeException) e;
      }
      throw new CliException("cannot start the DHT: " + Main.describe(e), e);
    }
  }

  /**
   * A client and the peer sources it uses; closing closes the client first (its torrents tell
   * their trackers they stopped), then the sources.
   */
  record Network(Client client, TrackerPeerSource trackers, DhtNode dht)
      implements AutoCloseable {
    @Override
    public void close() {
      try {
        client.close();
      } finally {
        trackers.close();
        if (dht != null) {
          dht.close();
        }
      }
    }
  }

  /**
   * Waits until {@code durationSeconds} pass (0: until interrupted), calling {@code report} every
   * {@code periodNanos} and once more at the end: the main loop of the serving commands.
   */
  static void serve(LongSupplier nanoClock, long durationSeconds, long periodNanos,
      Runnable report) throws InterruptedException {
    long start = nanoClock.getAsLong();
    long end = durationSeconds == 0 ? Long.MAX_VALUE
        : start + TimeUnit.SECONDS.toNanos(durationSeconds);
    long next = start + periodNanos;
    while (nanoClock.getAsLong() < end) {
      long now = nanoClock.getAsLong();
      Thread.sleep(Math.max(1, Math.min(1000, (Math.min(end, next) - now) / 1_000_000)));
      if (nanoClock.getAsLong() >= next) {
        next += periodNanos;
        report.run();
      }
    }
    report.run();
  }

  /** The {@code --tracker} URLs: http, https or udp, each with a host. */
  static List<String> trackers(Args a) {
    List<String> out = new ArrayList<>();
    for (String t : a.values("--tracker")) {
      try {
        URI u = new URI(t);
        String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
        if (!Set.of("http", "https", "udp").contains(scheme) || u.getHost() == null) {
          throw new URISyntaxException(t, "not an http, https or udp URL with a host");
        }
      } catch (URISyntaxException e) {
        throw new UsageException("bad value for --tracker: " + Text.quote(t)
            + " (expected http://, https:// or udp://HOST:PORT/...)");
      }
      out.add(t);
    }
    return out;
  }

  /** The {@code --bind} address (default 127.0.0.1), an IP literal. */
  static InetAddress bindAddress(Args a) {
    if (a.value("--bind").isEmpty()) {
      return InetAddress.getLoopbackAddress();
    }
    String addr = a.value("--bind").get();
    try {
      return InetAddress.getByName(literal(addr));
    } catch (UnknownHostException | IllegalArgumentException e) {
      throw new UsageException("bad value for --bind: " + Text.quote(addr)
          + " (expected an IP address)");
    }
  }

  /** The values of a repeatable {@code HOST:PORT} flag naming DHT nodes, by IP address. */
  static List<InetSocketAddress> nodes(Args a, String flag) {
    List<InetSocketAddress> out = new ArrayList<>();
    for (String v : a.values(flag)) {
      try {
        PeerAddress p = PeerAddress.parse(v);
        out.add(new InetSocketAddress(p.address(), p.port()));
      } catch (IllegalArgumentException e) {
        throw new UsageException("bad value for " + flag + ": " + Text.quote(v)
            + " (expected IP:PORT or [IPv6]:PORT)");
      }
    }
    return out;
  }

  /** A path argument, checked for syntax. */
  static Path path(String s) {
    try {
      return Path.of(s);
    } catch (InvalidPathException e) {
      throw new UsageException("not a valid path: " + Text.quote(s));
    }
  }

  /** An IP literal only: a host name would mean a DNS lookup, which the CLI never does. */
  private static String literal(String s) {
    String t = s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s;
    if (!t.matches("[0-9.]+|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*")) {
      throw new IllegalArgumentException("not an IP literal");
    }
    return t;
  }

  /** The {@code --peer} values, checked. */
  static List<PeerAddress> peers(Args a) {
    List<PeerAddress> out = new ArrayList<>();
    for (String p : a.values("--peer")) {
      try {
        out.add(PeerAddress.parse(p));
      } catch (IllegalArgumentException e) {
        throw new UsageException("bad value for --peer: " + Text.quote(p)
            + " (expected IP:PORT or [IPv6]:PORT)");
      }
    }
    return out;
  }

  /** Prints JSON-lines events, or readable lines, for a running torrent. */
  static final class Reporter implements TorrentListener {
    private final PrintStream out;
    private final boolean json;

    Reporter(PrintStream out, boolean json) {
      this.out = out;
      this.json = json;
    }

    synchronized void event(Map<String, Object> o) {
      out.print(Json.write(o) + "\n");
      out.flush();
    }

    synchronized void line(String s) {
      out.print(s + "\n");
      out.flush();
    }

    void progress(TorrentStatus s) {
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("event", "progress");
        o.put("have", s.piecesHave());
        o.put("pieceCount", s.pieceCount());
        o.put("downloaded", s.downloaded());
        o.put("uploaded", s.uploaded());
        o.put("rateBps", s.downloadRate());
        o.put("uploadRateBps", s.uploadRate());
        o.put("peers", s.peers());
        o.put("state", s.state().name().toLowerCase(java.util.Locale.ROOT));
        event(o);
      } else {
        line(String.format("%-17s %5.1f%%  %d/%d pieces  down %s/s  up %s/s  %d peers",
            s.state().name().toLowerCase(java.util.Locale.ROOT), s.progress() * 100,
            s.piecesHave(), s.pieceCount(), CreateCommand.size(s.downloadRate()),
            CreateCommand.size(s.uploadRate()), s.peers()));
      }
    }

    @Override
    public void onHashFailed(Torrent torrent, int piece, Set<PeerAddress> peers,
        Set<String> webSeeds) {
      if (json) {
        for (PeerAddress p : peers) {
          Map<String, Object> o = new LinkedHashMap<>();
          o.put("event", "hashfail");
          o.put("piece", piece);
          o.put("peer", p.toString());
          event(o);
        }
        for (String url : webSeeds) {
          Map<String, Object> o = new LinkedHashMap<>();
          o.put("event", "hashfail");
          o.put("piece", piece);
          o.put("webSeed", url);
          event(o);
        }
      } else {
        List<String> from = new ArrayList<>();
        peers.forEach(p -> from.add(p.toString()));
        from.addAll(webSeeds);
        line("piece " + piece + " failed its hash check (from " + from + ")");
      }
    }

    @Override
    public void onPeerBanned(Torrent torrent, PeerAddress peer, String reason) {
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("event", "ban");
        o.put("peer", peer.toString());
        o.put("reason", reason);
        event(o);
      } else {
        line("banned " + peer + ": " + reason);
      }
    }
  }
}
