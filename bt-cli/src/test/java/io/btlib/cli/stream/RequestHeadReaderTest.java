package io.btlib.cli.stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class RequestHeadReaderTest {

  static RequestHead read(String s) throws Exception {
    return RequestHeadReader.read(new ByteArrayInputStream(s.getBytes(StandardCharsets.ISO_8859_1)));
  }

  @Test
  void readsARequest() throws Exception {
    RequestHead h = read("GET /0/a.mkv HTTP/1.1\r\nHost: x\r\nRange:  bytes=0-1 \r\n"
        + "range: bytes=5-6\r\n\r\n");
    assertThat(h.method()).isEqualTo("GET");
    assertThat(h.target()).isEqualTo("/0/a.mkv");
    assertThat(h.minorVersion()).isEqualTo(1);
    assertThat(h.header("RANGE")).isEqualTo("bytes=0-1, bytes=5-6");
    assertThat(h.keepAlive()).isTrue();
    assertThat(h.hasBody()).isFalse();
  }

  @Test
  void acceptsBareLineFeedsAndLeadingEmptyLines() throws Exception {
    RequestHead h = read("\r\n\nHEAD / HTTP/1.0\nConnection: Keep-Alive\n\n");
    assertThat(h.method()).isEqualTo("HEAD");
    assertThat(h.keepAlive()).isTrue();
  }

  @Test
  void connectionCloseEndsKeepAlive() throws Exception {
    assertThat(read("GET / HTTP/1.1\r\nHost: x\r\nConnection: foo, close\r\n\r\n").keepAlive())
        .isFalse();
    assertThat(read("GET / HTTP/1.0\r\n\r\n").keepAlive()).isFalse();
  }

  @Test
  void cleanEndBeforeARequestIsNull() throws Exception {
    assertThat(read("")).isNull();
  }

  @Test
  void endInsideAHeadIsAnEof() {
    assertThatThrownBy(() -> read("GET / HTTP/1.1\r\nHost: x\r\n")).isInstanceOf(EOFException.class);
  }

  @ParameterizedTest(name = "{1}")
  @CsvSource(delimiter = '|', value = {
      "400|GARBAGE",
      "400|GET /  HTTP/1.1",
      "400|GET / HTTP/1.1 extra",
      "400|GET / FTP/1.1",
      "400|G(T / HTTP/1.1",
      "505|GET / HTTP/2.0",
      "505|GET / HTTP/0.9",
      "400|GET / HTTP/1.1\\nHost: x\\n folded",
      "400|GET / HTTP/1.1\\nHost x",
      "400|GET / HTTP/1.1\\nHost : x",
      "400|GET / HTTP/1.1\\nHost: a\\nHost: b",
      "400|GET / HTTP/1.1\\nAccept: */*",
      "400|GET / HTTP/1.1\\nHost: x\\u0001",
      "400|GET / HTTP/1.1\\nHost: x\\ry",
  })
  void refusesMalformedHeads(int status, String head) {
    String s = head.replace("\\n", "\r\n").replace("\\u0001", "\u0001").replace("\\r", "\r")
        + "\r\n\r\n";
    assertThatThrownBy(() -> read(s)).isInstanceOfSatisfying(HttpError.class,
        e -> assertThat(e.status()).as(e.getMessage()).isEqualTo(status));
  }

  @Test
  void refusesALongRequestLineWith414() {
    String s = "GET /" + "a".repeat(RequestHeadReader.MAX_LINE_BYTES) + " HTTP/1.1\r\n\r\n";
    assertThatThrownBy(() -> read(s)).isInstanceOfSatisfying(HttpError.class,
        e -> assertThat(e.status()).isEqualTo(414));
  }

  @Test
  void refusesALargeHeadWith431() {
    String s = "GET / HTTP/1.1\r\nHost: x\r\n" + "X-A: b\r\n".repeat(3000) + "\r\n";
    assertThatThrownBy(() -> read(s)).isInstanceOfSatisfying(HttpError.class,
        e -> assertThat(e.status()).isEqualTo(431));
    String big = "GET / HTTP/1.1\r\nHost: x\r\nX-A: " + "b".repeat(20000) + "\r\n\r\n";
    assertThatThrownBy(() -> read(big)).isInstanceOfSatisfying(HttpError.class,
        e -> assertThat(e.status()).isEqualTo(431));
  }

  @Test
  void aBodyIsNoticed() throws Exception {
    assertThat(read("GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n").hasBody()).isTrue();
    assertThat(read("GET / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n").hasBody())
        .isTrue();
  }
}
