package io.btlib.webseed.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.TestThreads;
import io.btlib.http.HttpTransport;
import io.btlib.http.HttpTransports;
import io.btlib.webseed.WebSeedConfig;
import java.net.URI;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;

@Timeout(20)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"urlConnection", "jdkHttpClient"})
class WebSeedFetcherTest {
  /** The transport under test: every test runs against both built-in ones. */
  @Parameter
  String transportName;

  HttpTransport.Factory transport() {
    return transportName.equals("urlConnection")
        ? HttpTransports.urlConnection() : HttpTransports.jdkHttpClient();
  }

  private TestWebServer server;
  private WebSeedFetcher fetcher;
  private final byte[] file = random(100_000);

  static byte[] random(int n) {
    byte[] b = new byte[n];
    new Random(n).nextBytes(b);
    return b;
  }

  private void start(TestWebServer.Mode mode, WebSeedConfig config) throws Exception {
    server = new TestWebServer(mode).put("/f.bin", file);
    fetcher = new WebSeedFetcher(config.toBuilder().httpTransport(transport()).build(),
        "bt-webseed-test");
  }

  private WebSeedLayout.Segment segment(long offset, int length, int dstOffset) {
    return new WebSeedLayout.Segment(URI.create(server.base() + "/f.bin"), 0, file.length, offset,
        length, dstOffset);
  }

  private Throwable failure(WebSeedFetcher.Fetch f) {
    assertThatThrownBy(() -> f.result().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class);
    return f.result().handle((v, e) -> e).join();
  }

  @AfterEach
  void tearDown() {
    if (fetcher != null) {
      fetcher.close();
    }
    if (server != null) {
      server.close();
    }
  }

  @Test
  void fetchesSegmentsIntoTheirPlaces() throws Exception {
    start(TestWebServer.Mode.GOOD, WebSeedConfig.DEFAULTS);
    byte[] got = fetcher.fetch(List.of(segment(5000, 100, 50), segment(90_000, 10, 0)), 200)
        .result().get(10, TimeUnit.SECONDS);
    for (int i = 0; i < 100; i++) {
      assertThat(got[50 + i]).isEqualTo(file[5000 + i]);
    }
    for (int i = 0; i < 10; i++) {
      assertThat(got[i]).isEqualTo(file[90_000 + i]);
    }
    assertThat(got[150]).isZero();
    assertThat(server.requests)
        .containsExactly("/f.bin bytes=5000-5099", "/f.bin bytes=90000-90009");
  }

  @Test
  void anEmptyListCompletesWithZeros() throws Exception {
    start(TestWebServer.Mode.GOOD, WebSeedConfig.DEFAULTS);
    assertThat(fetcher.fetch(List.of(), 10).result().get(10, TimeUnit.SECONDS))
        .isEqualTo(new byte[10]);
    assertThat(server.requests).isEmpty();
  }

  @Test
  void takesTheRangeOutOfAWholeFileAnswer() throws Exception {
    start(TestWebServer.Mode.IGNORES_RANGE, WebSeedConfig.DEFAULTS);
    byte[] got = fetcher.fetch(List.of(segment(40_000, 1000, 0)), 1000).result()
        .get(10, TimeUnit.SECONDS);
    for (int i = 0; i < 1000; i++) {
      assertThat(got[i]).isEqualTo(file[40_000 + i]);
    }
  }

  @Test
  void refusesAWholeFileAnswerWhenTheRangeEndsPastTheLimit() throws Exception {
    start(TestWebServer.Mode.IGNORES_RANGE,
        WebSeedConfig.builder().maxWholeFileBytes(10_000).build());
    Throwable e = failure(fetcher.fetch(List.of(segment(40_000, 1000, 0)), 1000));
    assertThat(e).isInstanceOf(WebSeedException.class).hasMessageContaining("ignored the Range");
  }

  @Test
  void refusesAnAnswerLongerThanAsked() throws Exception {
    start(TestWebServer.Mode.EXTRA_BYTES, WebSeedConfig.DEFAULTS);
    Throwable e = failure(fetcher.fetch(List.of(segment(0, 1000, 0)), 1000));
    assertThat(e).isInstanceOf(WebSeedException.class).hasMessageContaining("the answer has 1100");
  }

  @Test
  void refusesAChunkedAnswerLongerThanAskedAtItsFirstExtraByte() throws Exception {
    start(TestWebServer.Mode.EXTRA_BYTES_CHUNKED, WebSeedConfig.DEFAULTS);
    Throwable e = failure(fetcher.fetch(List.of(segment(0, 1000, 0)), 1000));
    assertThat(e).isInstanceOf(WebSeedException.class)
        .hasMessageContaining("longer than the 1000 bytes asked");
  }

  @Test
  void refusesAnAnswerThatEndsShort() throws Exception {
    start(TestWebServer.Mode.SHORT_CHUNKED, WebSeedConfig.DEFAULTS);
    Throwable e = failure(fetcher.fetch(List.of(segment(0, 1000, 0)), 1000));
    assertThat(e).isInstanceOf(WebSeedException.class)
        .hasMessageContaining("ended after 999 of the 1000 bytes");
  }

  @Test
  void refusesARangeOtherThanTheOneAsked() throws Exception {
    start(TestWebServer.Mode.WRONG_RANGE, WebSeedConfig.DEFAULTS);
    Throwable e = failure(fetcher.fetch(List.of(segment(0, 1000, 0)), 1000));
    assertThat(e).isInstanceOf(WebSeedException.class)
        .hasMessageContaining("asked bytes 0-999").hasMessageContaining("got 1-1000");
  }

  @Test
  void reportsTheStatusOfAnError() throws Exception {
    start(TestWebServer.Mode.NOT_FOUND, WebSeedConfig.DEFAULTS);
    Throwable e = failure(fetcher.fetch(List.of(segment(0, 1000, 0)), 1000));
    assertThat(e).isInstanceOf(WebSeedException.class).hasMessageContaining("404");
    assertThat(((WebSeedException) e).status()).isEqualTo(404);
  }

  @Test
  void followsARedirectWithTheRange() throws Exception {
    start(TestWebServer.Mode.REDIRECT, WebSeedConfig.DEFAULTS);
    byte[] got = fetcher.fetch(List.of(segment(7, 3, 0)), 3).result().get(10, TimeUnit.SECONDS);
    assertThat(got).containsExactly(file[7], file[8], file[9]);
    assertThat(server.requests).containsExactly("/f.bin bytes=7-9", "/moved/f.bin bytes=7-9");
  }

  @Test
  void cancelFailsAFetchThatGetsNoAnswer() throws Exception {
    start(TestWebServer.Mode.SILENT, WebSeedConfig.DEFAULTS);
    WebSeedFetcher.Fetch f = fetcher.fetch(List.of(segment(0, 10, 0)), 10);
    assertThat(server.awaitRequests(1, 10, TimeUnit.SECONDS)).isTrue(); // it waits unanswered
    f.cancel("too slow");
    assertThat(failure(f)).hasMessage("too slow");
  }

  @Test
  void closeStopsItsThreadsAndRefusesMoreWork() throws Exception {
    start(TestWebServer.Mode.GOOD, WebSeedConfig.DEFAULTS);
    fetcher.fetch(List.of(segment(0, 10, 0)), 10).result().get(10, TimeUnit.SECONDS);
    fetcher.close();
    fetcher.close();
    assertThatThrownBy(() -> fetcher.fetch(List.of(segment(0, 10, 0)), 10))
        .isInstanceOf(IllegalStateException.class).hasMessage("closed");
    assertThat(TestThreads.stillAliveAfterJoining(Set.of(), "bt-webseed-test", 5,
        TimeUnit.SECONDS)).isEmpty();
  }
}
