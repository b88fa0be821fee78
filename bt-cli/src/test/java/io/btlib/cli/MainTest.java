package io.btlib.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class MainTest {

  /** Asserts a failure: the exit code, one {@code bt: } line on stderr, nothing on stdout. */
  static void assertOneLineError(Run r, int code, String startsWith) {
    assertOneLine(r, code, startsWith);
    assertThat(r.err()).as(r.toString()).doesNotContain("Exception");
  }

  /** Like {@link #assertOneLineError}, but allows an exception's class name in the message. */
  static void assertOneLine(Run r, int code, String startsWith) {
    assertThat(r.code()).as(r.toString()).isEqualTo(code);
    assertThat(r.out()).as(r.toString()).isEmpty();
    assertThat(r.errLines()).as(r.toString()).hasSize(1);
    assertThat(r.err()).as(r.toString())
        .startsWith(startsWith)
        .endsWith("\n")
        .doesNotContain("at bt.")
        .doesNotContain("\tat ");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--help", "-h"})
  void helpPrintsUsageListingTheCommands(String flag) {
    Run r = Run.bt(flag);
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).startsWith("usage: bt ").contains("\n  info ").contains("--version");
  }

  @Test
  void helpListsEveryCommandAndOnlyThose() {
    String usage = Run.bt("--help").out();
    for (Command c : Main.COMMANDS) {
      assertThat(usage).contains("  " + c.name());
    }
    for (String missing : List.<String>of()) {
      assertThat(usage).doesNotContain("  " + missing);
    }
  }

  @Test
  void noArgumentsPrintsUsageToStderrAndExits2() {
    Run r = Run.bt();
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.out()).isEmpty();
    assertThat(r.err()).startsWith("usage: bt ");
  }

  @Test
  void onlyVerboseIsLikeNoArguments() {
    Run r = Run.bt("--verbose");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("usage: bt ");
  }

  @Test
  void versionPrintsTheBuildVersion() {
    Run r = Run.bt("--version");
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).matches("bt \\d+\\.\\d+\\.\\d+\\S*\n").doesNotContain("${");
  }

  @ParameterizedTest
  @ValueSource(strings = {"--help", "-h"})
  void commandHelpPrintsTheCommandsUsage(String flag) {
    Run r = Run.bt("info", flag);
    assertThat(r.code()).isZero();
    assertThat(r.err()).isEmpty();
    assertThat(r.out()).startsWith("usage: bt info TORRENT|MAGNET [--json]").contains("creationDate");
  }

  @Test
  void commandHelpWinsOverBadArguments() {
    Run r = Run.bt("info", "--bogus", "a", "b", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).startsWith("usage: bt info");
  }

  @Test
  void helpAfterDoubleDashIsAnArgument() {
    Run r = Run.bt("info", "--", "--help");
    assertOneLineError(r, 1, "bt: info: --help: no such file");
  }

  @Test
  void unknownCommandExits2() {
    assertOneLineError(Run.bt("frobnicate"), 2, "bt: unknown command 'frobnicate'");
  }

  @Test
  void unknownGlobalOptionExits2() {
    assertOneLineError(Run.bt("--frob", "info"), 2, "bt: unknown option '--frob'");
  }

  @Test
  void unknownFlagExits2() {
    Run r = Run.bt("info", "--frob", "x.torrent");
    assertOneLineError(r, 2, "bt: info: unknown flag '--frob'");
    assertThat(r.err()).contains("bt info --help");
  }

  @Test
  void missingArgumentExits2() {
    assertOneLineError(Run.bt("info"), 2, "bt: info: missing argument TORRENT|MAGNET");
    assertOneLineError(Run.bt("info", "--json"), 2, "bt: info: missing argument TORRENT|MAGNET");
  }

  @Test
  void extraArgumentExits2() {
    assertOneLineError(Run.bt("info", "a", "b"), 2, "bt: info: unexpected argument 'b'");
  }

  @Test
  void valueForBooleanFlagExits2() {
    assertOneLineError(Run.bt("info", "--json=yes", "a"), 2, "bt: info: flag --json takes no value");
  }

  @Test
  void hostileArgumentsAreShownPrintable() {
    Run r = Run.bt("nope\u001b[31m\nline2");
    assertOneLineError(r, 2, "bt: unknown command 'nope\\u001b[31m\\u000aline2'");
  }

  // A stand-in command to exercise the top-level error handling.
  private static Command throwing(Supplier<Throwable> thrown) {
    return new Command() {
      @Override
      public String name() {
        return "boom";
      }

      @Override
      public String summary() {
        return "throws";
      }

      @Override
      public String usage() {
        return "usage: bt boom\n";
      }

      @Override
      public int run(List<String> args, PrintStream out, PrintStream err) throws Exception {
        Throwable t = thrown.get();
        if (t instanceof Exception e) {
          throw e;
        }
        throw (Error) t;
      }
    };
  }

  static List<Supplier<Throwable>> throwables() {
    return List.of(
        () -> new IllegalStateException("bug\nsecond line"),
        () -> new NullPointerException(),
        () -> new IOException("disk on fire"),
        () -> new UncheckedIOException(new IOException("x")),
        StackOverflowError::new,
        () -> new OutOfMemoryError("Java heap space"),
        () -> new AssertionError("nope"),
        () -> new CliException("it failed", new IOException("cause")));
  }

  @Test
  void everythingThrownBecomesOneLineAndExit1() {
    for (Supplier<Throwable> t : throwables()) {
      Run r = Run.bt(List.of(throwing(t)), "boom");
      assertOneLine(r, 1, "bt: boom: ");
    }
  }

  @Test
  void stackOverflowIsAnInternalError() {
    Run r = Run.bt(List.of(throwing(StackOverflowError::new)), "boom");
    assertOneLine(r, 1, "bt: boom: internal error: StackOverflowError");
  }

  @Test
  void verbosePrintsTheStackTrace() {
    for (String[] args : List.of(new String[] {"--verbose", "boom"}, new String[] {"boom", "--verbose"})) {
      Run r = Run.bt(List.of(throwing(() -> new IllegalStateException("bug"))), args);
      assertThat(r.code()).isEqualTo(1);
      assertThat(r.out()).isEmpty();
      assertThat(r.errLines().get(0)).isEqualTo("bt: boom: internal error: IllegalStateException: bug");
      assertThat(r.err()).contains("java.lang.IllegalStateException: bug").contains("\tat ");
    }
  }

  @Test
  void verbosePrintsTheCauseOfAFailure() {
    Run r = Run.bt(List.of(throwing(() -> new CliException("failed", new IOException("root cause")))),
        "--verbose", "boom");
    assertThat(r.code()).isEqualTo(1);
    assertThat(r.errLines().get(0)).isEqualTo("bt: boom: failed");
    assertThat(r.err()).contains("java.io.IOException: root cause").contains("\tat ");
  }

  @Test
  void usageErrorFromACommandExits2() {
    Run r = Run.bt(List.of(throwing(() -> new UsageException("bad value for --x: 'y'"))), "boom");
    assertOneLineError(r, 2, "bt: boom: bad value for --x: 'y' (see 'bt boom --help')");
  }
}
