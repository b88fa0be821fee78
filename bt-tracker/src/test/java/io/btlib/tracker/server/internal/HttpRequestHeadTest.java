package io.btlib.tracker.server.internal;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class HttpRequestHeadTest {
  private static final int LINE = 64;
  private static final int HEAD = 128;

  private static int parse(String s) {
    byte[] b = s.getBytes(ISO_8859_1);
    return new HttpRequestHead(LINE, HEAD).parse(b, b.length);
  }

  @Test
  void parsesAGetAndFindsTheTarget() {
    String req = "GET /announce?a=1 HTTP/1.1\r\nHost: x\r\n\r\n";
    byte[] b = req.getBytes(ISO_8859_1);
    HttpRequestHead p = new HttpRequestHead(LINE, HEAD);
    assertThat(p.parse(b, b.length)).isEqualTo(b.length);
    assertThat(new String(b, p.targetStart(), p.targetEnd() - p.targetStart(), ISO_8859_1))
        .isEqualTo("/announce?a=1");
    assertThat(p.keepAlive()).isTrue();
  }

  @Test
  void givesTheSameAnswerWhenBytesArriveOneByOneOrWithTrailingBytes() {
    String req = "GET /x HTTP/1.0\nConnection: keep-alive\n\n";
    byte[] whole = (req + "GET /y HTTP/1.1\r\n").getBytes(ISO_8859_1);
    HttpRequestHead p = new HttpRequestHead(LINE, HEAD);
    for (int n = 1; n < req.length(); n++) {
      assertThat(p.parse(whole, n)).as("after %d bytes", n).isEqualTo(HttpRequestHead.NEED_MORE);
    }
    assertThat(p.parse(whole, req.length())).isEqualTo(req.length());
    assertThat(p.keepAlive()).isTrue();
    assertThat(new HttpRequestHead(LINE, HEAD).parse(whole, whole.length)).isEqualTo(req.length());
  }

  @Test
  void http10ClosesUnlessKeepAliveAndHttp11KeepsUnlessClose() {
    HttpRequestHead p = new HttpRequestHead(LINE, HEAD);
    byte[] a = "GET / HTTP/1.0\r\n\r\n".getBytes(ISO_8859_1);
    assertThat(p.parse(a, a.length)).isPositive();
    assertThat(p.keepAlive()).isFalse();
    byte[] b = "GET / HTTP/1.1\r\nConnection: Close\r\n\r\n".getBytes(ISO_8859_1);
    p.reset();
    assertThat(p.parse(b, b.length)).isPositive();
    assertThat(p.keepAlive()).isFalse();
  }

  @Test
  void rejectsALongRequestLineWith414BeforeTheHeadEnds() {
    assertThat(parse("GET /" + "a".repeat(LINE) + " HTTP/1.1")).isEqualTo(-414);
    assertThat(parse("GET /" + "a".repeat(LINE) + " HTTP/1.1\r\n\r\n")).isEqualTo(-414);
  }

  @Test
  void rejectsAHeadLargerThanTheBufferWith431() {
    String req = "GET / HTTP/1.1\r\nX: " + "b".repeat(HEAD) + "\r\n\r\n";
    byte[] b = req.getBytes(ISO_8859_1);
    assertThat(new HttpRequestHead(LINE, HEAD).parse(b, HEAD)).isEqualTo(-431);
  }

  @Test
  void rejectsOtherMethodsWith405AndGarbageWith400() {
    assertThat(parse("POST /announce HTTP/1.1\r\n\r\n")).isEqualTo(-405);
    assertThat(parse("\u0000\u0001\u0002garbage")).isEqualTo(-400);
    assertThat(parse(" GET / HTTP/1.1\r\n\r\n")).isEqualTo(-400);
    assertThat(parse("AAAAAAAAAAAAAAAAAAAAAAAAA")).isEqualTo(-400);
  }

  @Test
  void rejectsBadTargetsVersionsAndHeaders() {
    assertThat(parse("GET announce HTTP/1.1\r\n\r\n")).isEqualTo(-400);
    assertThat(parse("GET / HTTP/2.0\r\n\r\n")).isEqualTo(-505);
    assertThat(parse("GET / HTTP/1.1 extra\r\n\r\n")).isEqualTo(-400);
    assertThat(parse("GET /\u0001 HTTP/1.1\r\n\r\n")).isEqualTo(-400);
    assertThat(parse("GET / HTTP/1.1\r\nno colon\r\n\r\n")).isEqualTo(-400);
    assertThat(parse("GET / HTTP/1.1\r\nA: b\r\n folded\r\n\r\n")).isEqualTo(-400);
    assertThat(parse("GET / HTTP/1.1\r\nContent-Length: 5\r\n\r\n")).isEqualTo(-400);
    assertThat(parse("GET / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n")).isEqualTo(-400);
    assertThat(parse("GET / HTTP/1.1\r\nContent-Length: 0\r\n\r\n")).isPositive();
  }
}
