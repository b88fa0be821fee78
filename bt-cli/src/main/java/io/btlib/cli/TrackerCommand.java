package io.btlib.cli;

import io.btlib.tracker.server.TrackerServer;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** {@code bt tracker}: an embedded HTTP and UDP tracker, until interrupted. */
final class TrackerCommand implements Command {
  private final LongSupplier nanoClock;

  TrackerCommand() {
    this(System::nanoTime);
  }

  TrackerCommand(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public String name() {
    return "tracker";
  }

  @Override
  public String summary() {
    return "run a tracker (HTTP /announce and /scrape, UDP BEP 15)";
  }

  @Override
  public String usage() {
    return "usage: bt tracker [--bind ADDR] [--http-port N] [--udp-port N] [--interval SECONDS]\n"
        + "           [--duration SECONDS] [--json]\n"
        + "\n"
        + "Serves announces and scrapes from swarms held in memory, until interrupted. Prints the\n"
        + "bound ports and announce URLs first, then the number of swarms and peers each minute.\n"
        + "\n"
        + "Options:\n"
        + "  --bind ADDR          address to serve on (default 127.0.0.1)\n"
        + "  --http-port N        HTTP port (default: any free port; -1 disables HTTP)\n"
        + "  --udp-port N         UDP port (default: any free port; -1 disables UDP)\n"
        + "  --interval SECONDS   announce interval told to clients (default 1800)\n"
        + "  --duration SECONDS   stop after this long (default: run until interrupted)\n"
        + "  --json               JSON lines: {\"event\":\"listening\",...} first, then \"stats\"\n"
        + "\n"
        + "Exit codes: 0 stopped, 1 cannot bind, 2 bad usage.\n";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
    Args a = Args.parse(args, Set.of("--json"),
        Set.of("--bind", "--http-port", "--udp-port", "--interval", "--duration"));
    if (!a.positionals().isEmpty()) {
      throw new UsageException("unexpected argument: " + Text.quote(a.positionals().get(0)));
    }
    boolean json = a.has("--json");
    InetAddress bind = Transfer.bindAddress(a);
    int http = a.intValue("--http-port", 0, -1, 65535);
    int udp = a.intValue("--udp-port", 0, -1, 65535);
    if (http < 0 && udp < 0) {
      throw new UsageException("--http-port -1 and --udp-port -1: nothing to serve");
    }
    long interval = a.longValue("--interval", 1800, 1, 24 * 3600);
    long duration = a.longValue("--duration", 0, 0, 365L * 24 * 3600);
    Transfer.Reporter reporter = new Transfer.Reporter(out, json);
    TrackerServer server;
    try {
      server = TrackerServer.builder().bindAddress(bind).httpPort(http).udpPort(udp)
          .announceInterval(Duration.ofSeconds(interval)).build().start();
    } catch (IOException e) {
      throw new CliException("cannot serve on " + bind.getHostAddress() + ": "
          + Main.describe(e), e);
    }
    try (TrackerServer s = server) {
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("event", "listening");
        o.put("httpPort", s.httpPort() < 0 ? null : s.httpPort());
        o.put("udpPort", s.udpPort() < 0 ? null : s.udpPort());
        o.put("httpAnnounce", s.httpPort() < 0 ? null : s.httpAnnounceUrl());
        o.put("udpAnnounce", s.udpPort() < 0 ? null : s.udpAnnounceUrl());
        reporter.event(o);
      } else {
        reporter.line("http port " + (s.httpPort() < 0 ? "disabled" : s.httpPort())
            + ", udp port " + (s.udpPort() < 0 ? "disabled" : s.udpPort()));
        if (s.httpPort() >= 0) {
          reporter.line("announce " + s.httpAnnounceUrl());
        }
        if (s.udpPort() >= 0) {
          reporter.line("announce " + s.udpAnnounceUrl());
        }
      }
      Transfer.serve(nanoClock, duration, TimeUnit.MINUTES.toNanos(1),
          () -> stats(reporter, json, s));
    }
    return 0;
  }

  private static void stats(Transfer.Reporter reporter, boolean json, TrackerServer s) {
    if (json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("event", "stats");
      o.put("swarms", s.swarmCount());
      o.put("peers", s.peerCount());
      reporter.event(o);
    } else {
      reporter.line(s.swarmCount() + " swarms, " + s.peerCount() + " peers");
    }
  }
}
