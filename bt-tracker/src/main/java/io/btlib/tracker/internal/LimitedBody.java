package io.btlib.tracker.internal;

import io.btlib.http.HttpResponse;
import io.btlib.tracker.TrackerException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/**
 * Reads an HTTP answer's body into a byte array, up to a limit: a {@code Content-Length} over it
 * fails before any byte is read, and a body that grows past it fails as soon as the byte past the
 * limit arrives (the rest is never read; the transport closes the connection). Never holds more
 * than {@code limit + 1} bytes.
 */
public final class LimitedBody {
  /** The status and the body of an answer. */
  public static final class Answer {
    /** The HTTP status. */
    public final int status;
    /** The whole body. */
    public final byte[] body;

    Answer(int status, byte[] body) {
      this.status = status;
      this.body = body;
    }
  }

  private LimitedBody() {}

  /** Reads {@code r}'s body, failing with a {@link TrackerException} past {@code limit} bytes. */
  public static Answer read(HttpResponse r, int limit) throws IOException {
    long declared = r.contentLength();
    if (declared > limit) {
      throw tooLong(declared, limit);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream(
        (int) Math.min(limit, declared >= 0 ? declared : 8192));
    byte[] chunk = new byte[8192];
    InputStream in = r.body();
    long received = 0;
    int n;
    // ask for at most one byte past the limit, so the buffer never holds more than that
    while ((n = in.read(chunk, 0, (int) Math.min(chunk.length, limit + 1L - received))) >= 0) {
      received += n;
      if (received > limit) {
        throw tooLong(received, limit);
      }
      out.write(chunk, 0, n);
    }
    return new Answer(r.status(), out.toByteArray());
  }

  private static TrackerException tooLong(long size, int limit) {
    return new TrackerException("",
        "response body is " + size + " bytes or more, over the limit of " + limit);
  }
}
