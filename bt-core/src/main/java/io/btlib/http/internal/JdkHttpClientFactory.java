package io.btlib.http.internal;

import io.btlib.http.HttpTransport;

/**
 * Makes {@link JdkHttpClientTransport}s. A class of its own so that {@link
 * io.btlib.http.HttpTransports} names no {@code java.net.http} type: the transport class is
 * loaded only when {@link #create} runs.
 */
public final class JdkHttpClientFactory implements HttpTransport.Factory {
  @Override
  public HttpTransport create(HttpTransport.Options options) {
    return new JdkHttpClientTransport(options);
  }

  @Override
  public String toString() {
    return "HttpTransports.jdkHttpClient()";
  }
}
