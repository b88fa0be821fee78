/**
 * The {@code bt} command: a thin shell over the public API (see {@code CLI.md} for its contract).
 *
 * <p>{@link io.btlib.cli.Main} parses the global options and dispatches to one {@link io.btlib.cli.Command}
 * per subcommand. A command throws {@link io.btlib.cli.UsageException} for bad arguments (exit code 2) and
 * {@link io.btlib.cli.CliException} for runtime failures (exit code 1); {@code Main} turns those, and
 * anything else thrown, into one line on stderr. This is the only package of bt that prints.
 */
package io.btlib.cli;
