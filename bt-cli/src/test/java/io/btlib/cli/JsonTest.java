package io.btlib.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void writesScalars() {
    assertThat(Json.write(null)).isEqualTo("null");
    assertThat(Json.write(true)).isEqualTo("true");
    assertThat(Json.write(false)).isEqualTo("false");
    assertThat(Json.write(0)).isEqualTo("0");
    assertThat(Json.write(-42)).isEqualTo("-42");
    assertThat(Json.write(Long.MAX_VALUE)).isEqualTo("9223372036854775807");
    assertThat(Json.write(Long.MIN_VALUE)).isEqualTo("-9223372036854775808");
    assertThat(Json.write((short) 7)).isEqualTo("7");
    assertThat(Json.write((byte) -1)).isEqualTo("-1");
    assertThat(Json.write(new BigInteger("123456789012345678901234567890")))
        .isEqualTo("123456789012345678901234567890");
    assertThat(Json.write(1.5)).isEqualTo("1.5");
    assertThat(Json.write(1.5f)).isEqualTo("1.5");
    assertThat(Json.write(new BigDecimal("0.25"))).isEqualTo("0.25");
    assertThat(Json.write("")).isEqualTo("\"\"");
  }

  @Test
  void writesDoublesThatParseBack() {
    for (double d : new double[] {0.0, -0.0, 1e-7, 1e21, 123.456, Double.MAX_VALUE, Double.MIN_VALUE}) {
      assertThat((Double) TestJson.parse(Json.write(d))).as("%s", d).isEqualTo(d);
    }
  }

  @Test
  void rejectsNonFiniteNumbers() {
    for (Object bad : List.of(Double.NaN, Double.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY)) {
      assertThatThrownBy(() -> Json.write(bad)).isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void rejectsUnsupportedTypesAndKeys() {
    assertThatThrownBy(() -> Json.write(new Object())).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> Json.write(Map.of(1, 2))).isInstanceOf(IllegalArgumentException.class);
    Map<Object, Object> nullKey = new HashMap<>();
    nullKey.put(null, 1);
    assertThatThrownBy(() -> Json.write(nullKey)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void rejectsSelfReferenceInsteadOfOverflowingTheStack() {
    List<Object> self = new ArrayList<>();
    self.add(self);
    assertThatThrownBy(() -> Json.write(self)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("deeper than");
  }

  @Test
  void escapesQuotesBackslashesAndControls() {
    assertThat(Json.write("a\"b\\c/d")).isEqualTo("\"a\\\"b\\\\c/d\"");
    assertThat(Json.write("\u0000\u0001\b\t\n\f\r\u001f")).isEqualTo(
        "\"\\u0000\\u0001\\u0008\\u0009\\u000a\\u000c\\u000d\\u001f\"");
    assertThat(Json.write("\u007f\u2028\u2029")).isEqualTo("\"\\u007f\\u2028\\u2029\"");
  }

  @Test
  void writesNonAsciiAndSurrogatePairsAsIs() {
    String s = "é 漢字 \uD83D\uDE00 \uDBFF\uDFFF";
    assertThat(Json.write(s)).isEqualTo("\"" + s + "\"");
  }

  @Test
  void escapesUnpairedSurrogates() {
    assertThat(Json.write("\uD800")).isEqualTo("\"\\ud800\"");
    assertThat(Json.write("\uDC00")).isEqualTo("\"\\udc00\"");
    assertThat(Json.write("a\uD800b")).isEqualTo("\"a\\ud800b\"");
    assertThat(Json.write("\uDE00\uD83D")).isEqualTo("\"\\ude00\\ud83d\"");
    assertThat(Json.write("\uD83D\uD83D\uDE00")).isEqualTo("\"\\ud83d\uD83D\uDE00\"");
    assertThat(Json.write("x\uD83D")).isEqualTo("\"x\\ud83d\"");
  }

  @Test
  void outputIsValidUtf8EvenForBrokenStrings() {
    String json = Json.write("\uD800\uDFFF\uDC00 \uD83D");
    byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
    assertThat(new String(utf8, StandardCharsets.UTF_8)).isEqualTo(json);
    assertThat(json.chars().filter(c -> Character.isSurrogate((char) c)).count()).isEqualTo(2);
  }

  @Test
  void everyCharRoundTrips() {
    StringBuilder sb = new StringBuilder();
    for (char c = 0; c < 0x3000; c++) {
      sb.append(c);
    }
    sb.append("\uD83D\uDE00");
    String s = sb.toString();
    assertThat(TestJson.parse(Json.write(s))).isEqualTo(s);
  }

  @Test
  void writesNestedListsAndObjectsInOrder() {
    Map<String, Object> inner = new LinkedHashMap<>();
    inner.put("z", 1);
    inner.put("a", null);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("list", List.of(List.of(), List.of("x", 2L), Arrays.asList(true, null)));
    o.put("obj", inner);
    o.put("empty", Map.of());
    o.put("key \"q\"", "v");
    String json = Json.write(o);
    assertThat(json).isEqualTo(
        "{\"list\":[[],[\"x\",2],[true,null]],\"obj\":{\"z\":1,\"a\":null},\"empty\":{},"
            + "\"key \\\"q\\\"\":\"v\"}");
    Map<String, Object> innerParsed = new LinkedHashMap<>();
    innerParsed.put("z", 1L);
    innerParsed.put("a", null);
    assertThat(TestJson.parse(json)).isEqualTo(Map.of(
        "list", List.of(List.of(), List.of("x", 2L), Arrays.asList(true, null)),
        "obj", innerParsed,
        "empty", Map.of(),
        "key \"q\"", "v"));
  }
}
