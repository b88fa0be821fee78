package io.btlib.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ArgsTest {
  private static Args parse(String... raw) {
    return Args.parse(List.of(raw), Set.of("--json", "--private"), Set.of("--port", "-o", "--tracker"));
  }

  @Test
  void parsesFlagsValuesAndPositionalsInAnyOrder() {
    Args a = parse("x.torrent", "--json", "--port", "6881", "-o", "out", "--tracker=u1", "--tracker", "u2", "dir");
    assertThat(a.has("--json")).isTrue();
    assertThat(a.has("--private")).isFalse();
    assertThat(a.value("-o")).contains("out");
    assertThat(a.values("--tracker")).containsExactly("u1", "u2");
    assertThat(a.intValue("--port", 0, 0, 65535)).isEqualTo(6881);
    assertThat(a.positionals("TORRENT", "DIR")).containsExactly("x.torrent", "dir");
  }

  @Test
  void doubleDashEndsFlags() {
    Args a = parse("--", "--json", "-o");
    assertThat(a.has("--json")).isFalse();
    assertThat(a.positionals()).containsExactly("--json", "-o");
  }

  @Test
  void loneDashIsPositional() {
    assertThat(parse("-").positionals()).containsExactly("-");
  }

  @Test
  void rejectsUnknownFlag() {
    assertThatThrownBy(() -> parse("--nope")).isInstanceOf(UsageException.class)
        .hasMessage("unknown flag '--nope'");
    assertThatThrownBy(() -> parse("--nope=3")).hasMessage("unknown flag '--nope'");
    assertThatThrownBy(() -> parse("-x")).hasMessage("unknown flag '-x'");
  }

  @Test
  void rejectsMissingValue() {
    assertThatThrownBy(() -> parse("--port")).isInstanceOf(UsageException.class)
        .hasMessage("flag --port needs a value");
  }

  @Test
  void rejectsValueOnBooleanFlag() {
    assertThatThrownBy(() -> parse("--json=1")).hasMessageStartingWith("flag --json takes no value");
  }

  @Test
  void rejectsRepeatedSingleValueFlag() {
    assertThatThrownBy(() -> parse("-o", "a", "-o", "b").value("-o"))
        .hasMessage("flag -o given more than once");
  }

  @Test
  void rejectsBadIntegers() {
    for (String bad : List.of("abc", "", "1.5", "65536", "-1", "99999999999999999999")) {
      assertThatThrownBy(() -> parse("--port", bad).intValue("--port", 0, 0, 65535))
          .as(bad)
          .isInstanceOf(UsageException.class)
          .hasMessageStartingWith("bad value for --port: '" + bad + "'")
          .hasMessageEndingWith("(expected an integer from 0 to 65535)");
    }
  }

  @Test
  void defaultWhenAbsent() {
    assertThat(parse().intValue("--port", 6881, 0, 65535)).isEqualTo(6881);
    assertThat(parse().value("-o")).isEmpty();
    assertThat(parse().values("--tracker")).isEmpty();
  }

  @Test
  void checksPositionalCount() {
    assertThatThrownBy(() -> parse("a").positionals("TORRENT", "DIR"))
        .hasMessage("missing argument DIR");
    assertThatThrownBy(() -> parse("a", "b", "c").positionals("TORRENT", "DIR"))
        .hasMessage("unexpected argument 'c'");
  }
}
