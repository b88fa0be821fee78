package io.btlib.cli;

import java.io.PrintStream;
import java.util.List;

/**
 * One subcommand of {@code bt}, such as {@code info}. A new command is one class implementing this
 * interface, added to {@link Main#COMMANDS}.
 *
 * <p>{@link Main} handles {@code --help}/{@code -h} (prints {@link #usage()}) and {@code --verbose}
 * before calling {@link #run}, so commands never see them. A command parses the rest with {@link
 * Args}, writes its result to {@code out} and nothing else there, and reports problems by throwing:
 * {@link UsageException} for bad arguments (exit 2), {@link CliException} for runtime failures
 * (exit 1). Anything else thrown is reported as an internal error (exit 1).
 */
interface Command {
  /** The name typed after {@code bt}, e.g. {@code "info"}. */
  String name();

  /** One line for the command list of {@code bt --help}. */
  String summary();

  /** The full help text of {@code bt NAME --help}, starting with a {@code usage:} line. */
  String usage();

  /**
   * Runs the command.
   *
   * @param args the arguments after the command name, without {@code --verbose}
   * @param out standard output: the command's result only
   * @param err standard error: diagnostics
   * @return the exit code, normally 0
   */
  int run(List<String> args, PrintStream out, PrintStream err) throws Exception;
}
