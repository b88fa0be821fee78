package io.btlib.cli;

/**
 * Bad command-line usage: an unknown command or flag, a missing or extra argument, a bad flag
 * value. {@link Main} prints {@code bt: [COMMAND: ]MESSAGE} and exits with code 2.
 */
final class UsageException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UsageException(String message) {
    super(message);
  }
}
