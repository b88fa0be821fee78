package io.btlib.http;

import io.btlib.http.internal.JdkHttpClientFactory;
import io.btlib.http.internal.UrlConnectionTransport;

/** The built-in {@link HttpTransport}s. */
public final class HttpTransports {
  private static final HttpTransport.Factory URL_CONNECTION = UrlConnectionTransport::new;

  private HttpTransports() {}

  /**
   * The default: {@link java.net.HttpURLConnection}, on every JVM and on Android. It reuses a
   * connection after a body read to its end (the platform's keep-alive cache), and runs each
   * exchange on one of its threads. On a JVM, an exchange aborted while a body read is blocked
   * (cancel, {@code close()}) fails at once, but its socket and thread are released only when
   * that read ends, at the latest at the request's deadline: the JDK's {@code disconnect()}
   * cannot interrupt it. Android's implementation closes the socket at once.
   */
  public static HttpTransport.Factory urlConnection() {
    return URL_CONNECTION;
  }

  /**
   * The JDK's {@code java.net.http.HttpClient} (HTTP/1.1), for JVMs that have the {@code
   * java.net.http} module. Its classes are loaded only when the factory makes a transport, so a
   * runtime without the module (Android) never touches them unless this factory is used.
   */
  public static HttpTransport.Factory jdkHttpClient() {
    return new JdkHttpClientFactory();
  }
}
