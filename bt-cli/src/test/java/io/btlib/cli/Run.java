package io.btlib.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** The result of running {@code bt} in-process: exit code, stdout and stderr. */
record Run(int code, String out, String err) {

  static Run bt(String... args) {
    return bt(Main.COMMANDS, args);
  }

  static Run bt(List<Command> commands, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = Main.run(args, o, e, commands);
    }
    return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The lines of stderr. */
  List<String> errLines() {
    return err.lines().toList();
  }
}
