package io.btlib.cli;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A command's parsed arguments: flags and positional arguments, checked against what the command
 * declares. Every problem is a {@link UsageException} naming it.
 *
 * <pre>{@code
 * Args a = Args.parse(args, Set.of("--json"), Set.of("--port"));
 * List<String> pos = a.positionals("TORRENT");      // exactly one
 * int port = a.intValue("--port", 6881, 0, 65535);
 * }</pre>
 *
 * <p>Syntax: {@code --flag}, {@code --flag VALUE}, {@code --flag=VALUE} (long flags), {@code -f
 * VALUE} (short value flags); a token {@code --} ends the flags, so later tokens are positional even
 * if they start with {@code -}; a lone {@code -} is positional. Flags and positionals may be mixed.
 */
final class Args {
  private final List<String> positionals;
  private final Set<String> flags;
  private final Map<String, List<String>> values;

  private Args(List<String> positionals, Set<String> flags, Map<String, List<String>> values) {
    this.positionals = positionals;
    this.flags = flags;
    this.values = values;
  }

  /**
   * Parses {@code raw}.
   *
   * @param booleanFlags the flags that take no value, e.g. {@code "--json"}
   * @param valueFlags the flags that take one value each time they are given, e.g. {@code "-o"}
   * @throws UsageException for an unknown flag, a missing value, or a value given to a boolean flag
   */
  static Args parse(List<String> raw, Set<String> booleanFlags, Set<String> valueFlags) {
    List<String> positionals = new ArrayList<>();
    Set<String> flags = new HashSet<>();
    Map<String, List<String>> values = new LinkedHashMap<>();
    boolean flagsEnded = false;
    for (int i = 0; i < raw.size(); i++) {
      String token = raw.get(i);
      if (flagsEnded || token.length() < 2 || token.charAt(0) != '-') {
        positionals.add(token);
        continue;
      }
      if (token.equals("--")) {
        flagsEnded = true;
        continue;
      }
      String name = token;
      String inline = null;
      int eq = token.indexOf('=');
      if (token.startsWith("--") && eq > 2) {
        name = token.substring(0, eq);
        inline = token.substring(eq + 1);
      }
      if (booleanFlags.contains(name)) {
        if (inline != null) {
          throw new UsageException("flag " + name + " takes no value, got " + Text.quote(token));
        }
        flags.add(name);
      } else if (valueFlags.contains(name)) {
        String value = inline;
        if (value == null) {
          if (i + 1 >= raw.size()) {
            throw new UsageException("flag " + name + " needs a value");
          }
          value = raw.get(++i);
        }
        values.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
      } else {
        throw new UsageException("unknown flag " + Text.quote(name));
      }
    }
    return new Args(List.copyOf(positionals), Set.copyOf(flags), values);
  }

  /** Whether the boolean flag was given. */
  boolean has(String flag) {
    return flags.contains(flag);
  }

  /** Every value given to a repeatable value flag, in order. */
  List<String> values(String flag) {
    return Collections.unmodifiableList(values.getOrDefault(flag, List.of()));
  }

  /**
   * The value of a value flag that may be given at most once.
   *
   * @throws UsageException if the flag was given more than once
   */
  Optional<String> value(String flag) {
    List<String> all = values(flag);
    if (all.size() > 1) {
      throw new UsageException("flag " + flag + " given more than once");
    }
    return all.stream().findFirst();
  }

  /** The value of an integer flag, or {@code defaultValue} when absent. */
  int intValue(String flag, int defaultValue, int min, int max) {
    return (int) longValue(flag, defaultValue, min, max);
  }

  /**
   * The value of an integer flag, or {@code defaultValue} when absent.
   *
   * @throws UsageException if the value is not a decimal integer within {@code [min, max]}
   */
  long longValue(String flag, long defaultValue, long min, long max) {
    Optional<String> v = value(flag);
    if (v.isEmpty()) {
      return defaultValue;
    }
    long n;
    try {
      n = Long.parseLong(v.get());
    } catch (NumberFormatException e) {
      throw badValue(flag, v.get(), min, max);
    }
    if (n < min || n > max) {
      throw badValue(flag, v.get(), min, max);
    }
    return n;
  }

  private static UsageException badValue(String flag, String value, long min, long max) {
    return new UsageException("bad value for " + flag + ": " + Text.quote(value)
        + " (expected an integer from " + min + " to " + max + ")");
  }

  /** All positional arguments, in order. */
  List<String> positionals() {
    return positionals;
  }

  /**
   * The positional arguments, exactly as many as {@code names}.
   *
   * @param names the arguments' names for messages, e.g. {@code "TORRENT"}
   * @throws UsageException naming the first missing argument, or the first extra one
   */
  List<String> positionals(String... names) {
    if (positionals.size() < names.length) {
      throw new UsageException("missing argument " + names[positionals.size()]);
    }
    if (positionals.size() > names.length) {
      throw new UsageException("unexpected argument " + Text.quote(positionals.get(names.length)));
    }
    return positionals;
  }
}
