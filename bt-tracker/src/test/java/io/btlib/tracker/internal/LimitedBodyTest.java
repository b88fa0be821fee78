package io.btlib.tracker.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.http.HttpResponse;
import io.btlib.tracker.TrackerException;
import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.net.URI;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class LimitedBodyTest {
  /** An endless body that counts what was taken from it. */
  static final class Endless extends InputStream {
    long taken;

    @Override
    public int read() {
      taken++;
      return 'x';
    }

    @Override
    public int read(byte[] b, int off, int len) {
      taken += len;
      return len;
    }
  }

  static HttpResponse response(int status, String contentLength, InputStream body) {
    return new HttpResponse() {
      @Override
      public URI uri() {
        return URI.create("http://127.0.0.1/announce");
      }

      @Override
      public int status() {
        return status;
      }

      @Override
      public Optional<String> header(String name) {
        return name.equalsIgnoreCase("Content-Length") ? Optional.ofNullable(contentLength)
            : Optional.empty();
      }

      @Override
      public InputStream body() {
        return body;
      }
    };
  }

  @Test
  void anEndlessBodyIsCutOneBytePastTheLimit() {
    Endless body = new Endless();
    assertThatThrownBy(() -> LimitedBody.read(response(200, null, body), 100_000))
        .isInstanceOf(TrackerException.class)
        .hasMessageContaining("100001 bytes or more, over the limit of 100000");
    assertThat(body.taken).isEqualTo(100_001);
  }

  @Test
  void aContentLengthOverTheLimitFailsBeforeAnyByteIsRead() {
    Endless body = new Endless();
    assertThatThrownBy(() -> LimitedBody.read(response(200, "2097153", body), 2 << 20))
        .isInstanceOf(TrackerException.class).hasMessageContaining("2097153 bytes");
    assertThat(body.taken).isZero();
  }

  @Test
  void aBodyOfExactlyTheLimitIsKeptWithItsStatus() throws Exception {
    byte[] b = new byte[1000];
    b[999] = 7;
    LimitedBody.Answer a = LimitedBody.read(response(404, "1000", new ByteArrayInputStream(b)),
        1000);
    assertThat(a.status).isEqualTo(404);
    assertThat(a.body).isEqualTo(b);
  }

  @Test
  void aLyingContentLengthDoesNotRaiseTheLimit() {
    Endless body = new Endless();
    assertThatThrownBy(() -> LimitedBody.read(response(200, "10", body), 50))
        .isInstanceOf(TrackerException.class);
    assertThat(body.taken).isEqualTo(51);
  }
}
