package io.btlib.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * The {@code bt} command's entry point: global options, the command list and the one place where
 * errors become exit codes and one-line messages.
 *
 * <p>Exit codes: 0 success; 1 runtime failure (bad torrent, I/O error) or internal error; 2 bad
 * usage; 130 interrupted (Ctrl-C or SIGTERM: the command closes what it opened first). Errors are one line on stderr starting with {@code bt: }; stack traces only with {@code
 * --verbose}.
 */
public final class Main {
  /** Every command, in the order {@code bt --help} lists them. */
  static final List<Command> COMMANDS =
      List.of(new InfoCommand(), new CreateCommand(), new VerifyCommand(), new DownloadCommand(),
          new SeedCommand(), new StreamCommand(), new TrackerCommand(), new DhtCommand(), new DemoCommand());

  private Main() {}

  /** Runs {@code bt} and exits with its exit code. Output is UTF-8. */
  public static void main(String[] args) {
    PrintStream out = new PrintStream(new FileOutputStream(FileDescriptor.out), true, StandardCharsets.UTF_8);
    PrintStream err = new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    // On Ctrl-C or SIGTERM, interrupt the command so that it closes what it opened (a seed tells
    // its trackers it stopped) and wait a little for it; the JVM then exits.
    Thread command = Thread.currentThread();
    CountDownLatch finished = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      command.interrupt();
      try {
        finished.await(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }, "bt-shutdown");
    Runtime.getRuntime().addShutdownHook(hook);
    int code = run(args, out, err);
    finished.countDown();
    try {
      Runtime.getRuntime().removeShutdownHook(hook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running: it returns now that the command has finished
    }
    System.exit(code);
  }

  /**
   * Runs {@code bt} with {@code args}, writing to {@code out} and {@code err}; never throws.
   *
   * @return the exit code
   */
  static int run(String[] args, PrintStream out, PrintStream err) {
    return run(args, out, err, COMMANDS);
  }

  /** {@link #run(String[], PrintStream, PrintStream)} with the given commands (for tests). */
  static int run(String[] args, PrintStream out, PrintStream err, List<Command> commands) {
    boolean verbose = false;
    Command command = null;
    try {
      List<String> rest = new ArrayList<>(Arrays.asList(args));
      // Global options before the command name.
      while (!rest.isEmpty() && rest.get(0).startsWith("-")) {
        String opt = rest.remove(0);
        switch (opt) {
          case "-h":
          case "--help":
            out.print(usage(commands));
            return 0;
          case "--version":
            out.println("bt " + version());
            return 0;
          case "--verbose":
            verbose = true;
            break;
          default:
            throw new UsageException("unknown option " + Text.quote(opt));
        }
      }
      if (rest.isEmpty()) {
        err.print(usage(commands));
        return 2;
      }
      String name = rest.remove(0);
      command = find(commands, name);
      if (command == null) {
        throw new UsageException("unknown command " + Text.quote(name));
      }
      // --help and --verbose are understood by every command, anywhere before "--".
      List<String> commandArgs = new ArrayList<>();
      boolean flagsEnded = false;
      boolean help = false;
      for (String a : rest) {
        if (!flagsEnded && (a.equals("--help") || a.equals("-h"))) {
          help = true;
        } else if (!flagsEnded && a.equals("--verbose")) {
          verbose = true;
        } else {
          flagsEnded |= a.equals("--");
          commandArgs.add(a);
        }
      }
      if (help) {
        out.print(command.usage());
        return 0;
      }
      return command.run(commandArgs, out, err);
    } catch (UsageException e) {
      String help = command == null ? "bt --help" : "bt " + command.name() + " --help";
      err.println(prefix(command) + Text.oneLine(e.getMessage()) + " (see '" + help + "')");
      return 2;
    } catch (InterruptedException e) {
      err.println(prefix(command) + "interrupted");
      return 130;
    } catch (CliException e) {
      err.println(prefix(command) + Text.oneLine(e.getMessage()));
      if (verbose) {
        (e.getCause() != null ? e.getCause() : e).printStackTrace(err);
      }
      return 1;
    } catch (Throwable t) {
      // A bug, or an Error such as StackOverflowError or OutOfMemoryError: still one line.
      try {
        err.println(prefix(command) + "internal error: " + Text.oneLine(describe(t)));
        if (verbose) {
          t.printStackTrace(err);
        }
      } catch (Throwable again) {
        err.println("bt: internal error");
      }
      return 1;
    } finally {
      out.flush();
      err.flush();
    }
  }

  private static String prefix(Command command) {
    return command == null ? "bt: " : "bt: " + command.name() + ": ";
  }

  /** The class and message of {@code t}, for a one-line report. */
  static String describe(Throwable t) {
    String m = t.getMessage();
    return m == null || m.isBlank() ? t.getClass().getSimpleName() : t.getClass().getSimpleName() + ": " + m;
  }

  private static Command find(List<Command> commands, String name) {
    for (Command c : commands) {
      if (c.name().equals(name)) {
        return c;
      }
    }
    return null;
  }

  /** The text of {@code bt --help}. */
  static String usage(List<Command> commands) {
    StringBuilder sb = new StringBuilder();
    sb.append("usage: bt [--verbose] COMMAND [ARGS...]\n");
    sb.append("       bt --help | --version\n\n");
    sb.append("bt: a BitTorrent client and toolkit.\n\n");
    sb.append("Commands:\n");
    int width = commands.stream().mapToInt(c -> c.name().length()).max().orElse(0);
    for (Command c : commands) {
      sb.append("  ").append(c.name()).append(" ".repeat(width - c.name().length() + 3))
          .append(c.summary()).append('\n');
    }
    sb.append("\nOptions:\n");
    sb.append("  -h, --help     show this help; 'bt COMMAND --help' shows a command's help\n");
    sb.append("  --version      show the version\n");
    sb.append("  --verbose      print the stack trace of an error\n");
    sb.append("\nExit codes: 0 success, 1 failure, 2 bad usage.\n");
    return sb.toString();
  }

  /** The version of bt, from the build; {@code "unknown"} when run from unbuilt classes. */
  static String version() {
    try (InputStream in = Main.class.getResourceAsStream("version.properties")) {
      if (in != null) {
        Properties p = new Properties();
        p.load(in);
        String v = p.getProperty("version", "");
        if (!v.isBlank() && !v.startsWith("${")) {
          return v.strip();
        }
      }
    } catch (IOException | UncheckedIOException | IllegalArgumentException e) {
      // fall through
    }
    return "unknown";
  }
}
