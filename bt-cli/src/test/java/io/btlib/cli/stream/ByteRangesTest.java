package io.btlib.cli.stream;

import static org.assertj.core.api.Assertions.assertThat;

import io.btlib.cli.stream.ByteRanges.Answer;
import io.btlib.cli.stream.ByteRanges.Kind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ByteRangesTest {
  static final long LEN = 1000;

  @Test
  void noHeaderIsTheWholeFile() {
    assertThat(ByteRanges.parse(null, LEN)).isEqualTo(new Answer(Kind.FULL, 0, 999));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "bytes=0-0|0|0", "bytes=0-499|0|499", "bytes=500-|500|999", "bytes=-1|999|999",
      "bytes=-300|700|999", "bytes=-5000|0|999", "bytes=990-5000|990|999",
      "bytes=999-999|999|999", "BYTES = 10-19 |10|19", "bytes=, 10-19,|10|19",
      "bytes=0-99999999999999999999999|0|999"})
  void oneSatisfiableRangeIsPartial(String header, long first, long last) {
    assertThat(ByteRanges.parse(header, LEN)).isEqualTo(new Answer(Kind.PARTIAL, first, last));
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"bytes=1000-", "bytes=1000-2000", "bytes=-0", "bytes=5-3", "bytes=x",
      "bytes=", "bytes", "bytes=1-2-3", "bytes=+1-2", "bytes=1 - 2", "bytes=-", "bytes=--1",
      "bytes=99999999999999999999999-", "bytes=0-1,5-3", "bytes=2000-,3000-"})
  void malformedOrUnsatisfiableIsRefused(String header) {
    assertThat(ByteRanges.parse(header, LEN).kind()).isEqualTo(Kind.UNSATISFIABLE);
  }

  @Test
  void severalRangesGetTheWholeFile() {
    assertThat(ByteRanges.parse("bytes=0-1,10-20", LEN)).isEqualTo(new Answer(Kind.FULL, 0, 999));
    assertThat(ByteRanges.parse("bytes=0-1,2000-", LEN).kind()).isEqualTo(Kind.FULL);
  }

  @Test
  void tooManyRangesAreRefused() {
    String many = "bytes=" + "0-1,".repeat(ByteRanges.MAX_RANGES) + "2-3";
    assertThat(ByteRanges.parse(many, LEN).kind()).isEqualTo(Kind.UNSATISFIABLE);
  }

  @Test
  void unknownUnitIsIgnored() {
    assertThat(ByteRanges.parse("items=0-5", LEN).kind()).isEqualTo(Kind.FULL);
  }

  @Test
  void anyRangeOfAnEmptyFileIsUnsatisfiable() {
    assertThat(ByteRanges.parse("bytes=0-", 0).kind()).isEqualTo(Kind.UNSATISFIABLE);
    assertThat(ByteRanges.parse("bytes=-1", 0).kind()).isEqualTo(Kind.UNSATISFIABLE);
    assertThat(ByteRanges.parse(null, 0)).isEqualTo(new Answer(Kind.FULL, 0, -1));
    assertThat(ByteRanges.parse(null, 0).count()).isZero();
  }
}
