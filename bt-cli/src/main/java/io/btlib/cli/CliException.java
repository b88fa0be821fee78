package io.btlib.cli;

/**
 * A runtime failure of a command (bad torrent, I/O error, timeout) with a message fit for users.
 * {@link Main} prints {@code bt: COMMAND: MESSAGE} and exits with code 1; with {@code --verbose} it
 * also prints the stack trace of the cause.
 */
final class CliException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  CliException(String message) {
    super(message);
  }

  CliException(String message, Throwable cause) {
    super(message, cause);
  }
}
