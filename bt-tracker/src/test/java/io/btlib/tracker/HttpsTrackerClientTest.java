package io.btlib.tracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.btlib.http.HttpTransport;
import io.btlib.http.HttpTransports;
import io.btlib.peer.PeerAddress;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsServer;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS trackers: an announce and a scrape over TLS to a loopback server whose self-signed
 * certificate (made by the JDK's keytool for 127.0.0.1) the client is told to trust, and the
 * refusal of that certificate by a client left with the JDK's default trust store.
 */
@Timeout(30)
@ParameterizedClass(name = "{0}")
@ValueSource(strings = {"urlConnection", "jdkHttpClient"})
class HttpsTrackerClientTest {
  /** The transport under test: every test runs against both built-in ones. */
  @Parameter
  String transportName;

  HttpTransport.Factory transport() {
    return transportName.equals("urlConnection")
        ? HttpTransports.urlConnection() : HttpTransports.jdkHttpClient();
  }

  private static final char[] PASSWORD = "changeit".toCharArray();

  @TempDir
  static Path dir;
  static HttpsServer server;
  static SSLContext trusting;
  static final List<URI> requests = new CopyOnWriteArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    Path store = dir.resolve("tracker.p12");
    Path keytool = Path.of(System.getProperty("java.home"), "bin", "keytool");
    // every JDK has keytool; a jlink'd runtime without it cannot run this test
    Assumptions.assumeTrue(Files.isExecutable(keytool), "no keytool in " + keytool);
    Path log = dir.resolve("keytool.log");
    Process p = new ProcessBuilder(keytool.toString(), "-genkeypair", "-alias", "tracker",
        "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=localhost",
        "-ext", "SAN=ip:127.0.0.1,dns:localhost", "-validity", "2", "-storetype", "PKCS12",
        "-keystore", store.toString(), "-storepass", "changeit", "-keypass", "changeit")
        .redirectErrorStream(true).redirectOutput(log.toFile()).start();
    if (!p.waitFor(20, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new AssertionError("keytool did not finish in 20 s");
    }
    assertThat(p.exitValue()).as(Files.readString(log)).isZero();

    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(store)) {
      ks.load(in, PASSWORD);
    }
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(ks, PASSWORD);
    SSLContext serverContext = SSLContext.getInstance("TLS");
    serverContext.init(kmf.getKeyManagers(), null, null);
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(ks); // the self-signed certificate is its own trust anchor
    trusting = SSLContext.getInstance("TLS");
    trusting.init(null, tmf.getTrustManagers(), null);

    server = HttpsServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setHttpsConfigurator(new HttpsConfigurator(serverContext));
    server.createContext("/", ex -> {
      requests.add(ex.getRequestURI());
      byte[] body = ex.getRequestURI().getPath().endsWith("/scrape")
          ? Bodies.body("d5:filesd20:", HttpTrackerClientTest.HASH.bytes(),
              "d8:completei4e10:downloadedi9e10:incompletei2eeee")
          : Bodies.body("d8:intervali900e5:peers6:", Bodies.bytes(127, 0, 0, 7, 0x1A, 0xE1), "e");
      ex.sendResponseHeaders(200, body.length);
      try (OutputStream out = ex.getResponseBody()) {
        out.write(body);
      }
    });
    server.start();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  private static URI url(String path) {
    return URI.create("https://127.0.0.1:" + server.getAddress().getPort() + path);
  }

  @Test
  void announcesAndScrapesOverTlsWithTheGivenTrust() {
    try (HttpTrackerClient c = HttpTrackerClient.builder().httpTransport(transport())
        .sslContext(trusting)
        .requestTimeout(Duration.ofSeconds(10)).build()) {
      AnnounceResponse r = c.announce(url("/announce"),
          HttpTrackerClientTest.request().build()).join();
      assertThat(r.interval()).isEqualTo(Duration.ofSeconds(900));
      assertThat(r.peers()).containsExactly(PeerAddress.of("127.0.0.7", 6881));
      assertThat(requests.get(requests.size() - 1).getRawQuery())
          .startsWith("info_hash=%00%20~%FFAa-._0%25%26%2B%2F%3F%01%02%03z9&peer_id=");
      var stats = c.scrape(url("/announce"), List.of(HttpTrackerClientTest.HASH)).join();
      assertThat(stats.get(HttpTrackerClientTest.HASH).complete()).isEqualTo(4);
      assertThat(stats.get(HttpTrackerClientTest.HASH).incomplete()).isEqualTo(2);
    }
  }

  @Test
  void anUntrustedCertificateFailsTheAnnounceWithTheTlsError() {
    int before = requests.size();
    try (HttpTrackerClient c = HttpTrackerClient.builder().httpTransport(transport())
        .requestTimeout(Duration.ofSeconds(10)).build()) {
      assertThatThrownBy(() -> c.announce(url("/announce"),
          HttpTrackerClientTest.request().build()).join())
          .isInstanceOf(CompletionException.class)
          .hasCauseInstanceOf(SSLHandshakeException.class); // the certificate is not trusted
    }
    assertThat(requests).hasSize(before); // no request reached the tracker
  }

  @Test
  void theContextIsRequired() {
    assertThatThrownBy(() -> HttpTrackerClient.builder().sslContext(null))
        .isInstanceOf(NullPointerException.class);
  }
}
