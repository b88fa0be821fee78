package io.btlib.webseed.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.btlib.http.HttpResponse;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Optional;

/**
 * Coverage-guided fuzz targets (Jazzer) for a web seed's answer. {@code contentRange}: what a 206
 * answer says about itself, the {@code Content-Range} header; only {@link WebSeedException}
 * escapes, and an accepted range is in order and reads back the same once written in canonical
 * form. {@code body}: the body of a 206 or 200 answer, of any length, delivered in reads of any
 * sizes, against the range asked; only {@link WebSeedException} escapes, the answer is taken
 * exactly when its body holds the range (a 206 one nothing more), the range's bytes land where
 * they were asked and nowhere else, and no byte past the range (plus one, for a 206, to see the
 * end) is read.
 *
 * <p>{@code mvn test} replays {@code src/test/resources/io/btlib/webseed/internal/
 * WebSeedFuzzTestInputs/contentRange/}; {@code JAZZER_FUZZ=1} with {@code
 * -Dtest='WebSeedFuzzTest#contentRange'} fuzzes it (or {@code TARGETS=contentRange
 * interop/fuzz.sh}).
 */
class WebSeedFuzzTest {

  @FuzzTest(maxDuration = "60s")
  void contentRange(byte[] data) throws WebSeedException {
    ContentRange r;
    try {
      r = ContentRange.parse(new String(data, StandardCharsets.ISO_8859_1));
    } catch (WebSeedException e) {
      return;
    }
    assertThat(r.first()).isNotNegative();
    assertThat(r.last()).isGreaterThanOrEqualTo(r.first());
    if (r.total() != -1) {
      assertThat(r.total()).isGreaterThan(r.last());
    }
    String canonical = "bytes " + r.first() + "-" + r.last() + "/"
        + (r.total() == -1 ? "*" : Long.toString(r.total()));
    assertThat(ContentRange.parse(canonical)).isEqualTo(r);
  }

  /** The most of a file a 200 answer may be read through, in {@link #body}. */
  private static final long MAX_WHOLE_FILE = 300;

  /**
   * Input: byte 0 flags (bit 0: status 206, else 200; bit 1: a Content-Length of the body's real
   * length; bit 2: a Content-Length of what was asked), 1 the range's length - 1, 2 its offset in
   * the file, 3 the file's length past the range, 4 where the range lands in the array, 5 the read
   * sizes; the rest is the body.
   */
  @FuzzTest(maxDuration = "60s")
  void body(byte[] data) {
    if (data.length < 6) {
      return;
    }
    boolean partial = (data[0] & 1) != 0;
    int length = 1 + (data[1] & 0xFF);
    long offset = data[2] & 0xFF;
    long fileLength = offset + length + (data[3] & 0xFF);
    int dstOffset = data[4] & 0x1F;
    int reads = data[5] & 0xFF;
    byte[] body = Arrays.copyOfRange(data, 6, data.length);
    String contentLength = (data[0] & 2) != 0 ? Integer.toString(body.length)
        : (data[0] & 4) != 0 ? Long.toString(partial ? length : fileLength) : null;
    WebSeedLayout.Segment s = new WebSeedLayout.Segment(URI.create("http://127.0.0.1/f"), 0,
        fileLength, offset, length, dstOffset);
    byte[] dst = new byte[dstOffset + length + 16];
    Arrays.fill(dst, (byte) 0x5A);
    Answer answer = new Answer(partial ? 206 : 200, partial ? "bytes " + offset + "-"
        + (offset + length - 1) + "/" + fileLength : null, contentLength, body, reads);

    boolean took;
    try {
      new WebSeedFetcher.RangeReader(s, dst, MAX_WHOLE_FILE).read(answer);
      took = true;
    } catch (WebSeedException e) {
      took = false;
    } catch (java.io.IOException e) {
      throw new AssertionError("only WebSeedException may escape", e);
    }
    long lengthSaid = contentLength == null ? -1 : Long.parseLong(contentLength);
    boolean fits = partial
        ? body.length == length && (lengthSaid == -1 || lengthSaid == length)
        : offset + length <= MAX_WHOLE_FILE && body.length >= offset + length
            && (lengthSaid == -1 || lengthSaid == fileLength);
    assertThat(took).as("taken exactly when the body holds the range").isEqualTo(fits);
    assertThat(answer.read).as("bytes read").isLessThanOrEqualTo(offset + length + 1);
    for (int i = 0; i < dst.length; i++) {
      boolean inRange = i >= dstOffset && i < dstOffset + length;
      if (!inRange) {
        assertThat(dst[i]).as("byte %d, outside the range", i).isEqualTo((byte) 0x5A);
      } else if (took) {
        assertThat(dst[i]).as("byte %d", i).isEqualTo(body[(int) (i - dstOffset + (partial ? 0
            : offset))]);
      }
    }
  }

  /** A web seed's answer whose body arrives in reads of varying sizes. */
  private static final class Answer implements HttpResponse {
    private final int status;
    private final String contentRange;
    private final String contentLength;
    private final byte[] body;
    private final int reads;
    long read;

    Answer(int status, String contentRange, String contentLength, byte[] body, int reads) {
      this.status = status;
      this.contentRange = contentRange;
      this.contentLength = contentLength;
      this.body = body;
      this.reads = reads;
    }

    @Override
    public URI uri() {
      return URI.create("http://127.0.0.1/f");
    }

    @Override
    public int status() {
      return status;
    }

    @Override
    public Optional<String> header(String name) {
      if (name.equalsIgnoreCase("Content-Range")) {
        return Optional.ofNullable(contentRange);
      }
      if (name.equalsIgnoreCase("Content-Length")) {
        return Optional.ofNullable(contentLength);
      }
      return Optional.empty();
    }

    @Override
    public InputStream body() {
      return new InputStream() {
        private int k;

        @Override
        public int read() {
          byte[] one = new byte[1];
          return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public int read(byte[] b, int off, int len) {
          if (len == 0) {
            return 0;
          }
          if (read >= body.length) {
            return -1;
          }
          int chunk = 1 + ((reads * ++k) & 0x3F); // short reads, as a network gives
          int n = (int) Math.min(Math.min(len, chunk), body.length - read);
          System.arraycopy(body, (int) read, b, off, n);
          read += n;
          return n;
        }
      };
    }
  }
}
