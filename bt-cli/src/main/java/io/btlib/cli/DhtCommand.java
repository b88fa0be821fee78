package io.btlib.cli;

import io.btlib.dht.DhtNode;
import io.btlib.dht.DhtStats;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/** {@code bt dht}: a standalone DHT node, a bootstrap router for a private or test swarm. */
final class DhtCommand implements Command {
  private final LongSupplier nanoClock;

  DhtCommand() {
    this(System::nanoTime);
  }

  DhtCommand(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  @Override
  public String name() {
    return "dht";
  }

  @Override
  public String summary() {
    return "run a standalone DHT node (a bootstrap router for a private swarm)";
  }

  @Override
  public String usage() {
    return "usage: bt dht [--bind ADDR] [--port N] [--bootstrap HOST:PORT]... [--state FILE]\n"
        + "           [--duration SECONDS] [--json]\n"
        + "\n"
        + "Runs a Mainline DHT node (BEP 5) until interrupted: it answers ping, find_node,\n"
        + "get_peers and announce_peer, and keeps a routing table of the nodes it meets. Prints\n"
        + "its bound address first, then its routing table and stored peers each 10 seconds.\n"
        + "It contacts no node it is not told about: give --bootstrap to join a network.\n"
        + "\n"
        + "Options:\n"
        + "  --bind ADDR              address to bind (default 127.0.0.1)\n"
        + "  --port N                 UDP port (default: any free port)\n"
        + "  --bootstrap HOST:PORT    a node to join through, by IP address; repeatable\n"
        + "  --state FILE             save the routing table here and restore it on start\n"
        + "  --duration SECONDS       stop after this long (default: run until interrupted)\n"
        + "  --json                   JSON lines: {\"event\":\"listening\",...} first, then \"stats\"\n"
        + "\n"
        + "Exit codes: 0 stopped, 1 cannot bind, 2 bad usage.\n";
  }

  @Override
  public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
    Args a = Args.parse(args, Set.of("--json"),
        Set.of("--bind", "--port", "--bootstrap", "--state", "--duration"));
    if (!a.positionals().isEmpty()) {
      throw new UsageException("unexpected argument: " + Text.quote(a.positionals().get(0)));
    }
    boolean json = a.has("--json");
    InetAddress bind = Transfer.bindAddress(a);
    int port = a.intValue("--port", 0, 0, 65535);
    List<InetSocketAddress> bootstrap = Transfer.nodes(a, "--bootstrap");
    long duration = a.longValue("--duration", 0, 0, 365L * 24 * 3600);
    DhtNode.Builder b = DhtNode.builder().bindAddress(bind).port(port).bootstrapNodes(bootstrap);
    if (a.value("--state").isPresent()) {
      b.routingTableFile(Transfer.path(a.value("--state").get()));
    }
    Transfer.Reporter reporter = new Transfer.Reporter(out, json);
    DhtNode node;
    try {
      node = b.build().start();
    } catch (IOException e) {
      throw new CliException("cannot bind " + bind.getHostAddress() + ":" + port + ": "
          + Main.describe(e), e);
    }
    try (DhtNode n = node) {
      InetSocketAddress local = n.localAddress();
      if (json) {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("event", "listening");
        o.put("address", local.getAddress().getHostAddress());
        o.put("port", local.getPort());
        o.put("id", n.id().toString());
        reporter.event(o);
      } else {
        reporter.line("dht node " + n.id() + " on " + local.getAddress().getHostAddress() + ":"
            + local.getPort());
      }
      Transfer.serve(nanoClock, duration, TimeUnit.SECONDS.toNanos(10),
          () -> stats(reporter, json, n.stats()));
    }
    return 0;
  }

  private static void stats(Transfer.Reporter reporter, boolean json, DhtStats s) {
    if (json) {
      Map<String, Object> o = new LinkedHashMap<>();
      o.put("event", "stats");
      o.put("nodes", s.nodes());
      o.put("goodNodes", s.goodNodes());
      o.put("storedInfoHashes", s.storedInfoHashes());
      o.put("storedPeers", s.storedPeers());
      o.put("queriesAnswered", s.queriesAnswered());
      reporter.event(o);
    } else {
      reporter.line(s.nodes() + " nodes (" + s.goodNodes() + " good), " + s.storedPeers()
          + " peers stored for " + s.storedInfoHashes() + " info hashes, "
          + s.queriesAnswered() + " queries answered");
    }
  }
}
