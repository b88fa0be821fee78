package io.btlib.http;

import java.io.IOException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.SSLContext;

/**
 * Sends HTTP/1.1 GETs for trackers and web seeds. Made by a {@link Factory} ({@link
 * HttpTransports#urlConnection()} by default) and owned by the client that made it, which
 * {@link #close() closes} it. Thread-safe.
 *
 * <p>Contract of every implementation:
 *
 * <ul>
 *   <li>{@link #send} never blocks; the exchange and the {@link BodyHandler} run on threads the
 *       transport owns (at most {@link Options#maxConcurrent} at a time, the rest wait in line).
 *   <li>The request's {@link HttpRequest#timeout() timeout} bounds everything from {@code send}
 *       to the handler's return, waiting in line included; past it the future fails with a
 *       {@link java.net.SocketTimeoutException} and the connection is closed.
 *   <li>Completing the returned future from outside (e.g. {@code cancel(true)}) aborts the
 *       exchange: the connection is closed and the handler's reads fail (with the JDK's {@code
 *       HttpURLConnection}, only when the read in progress ends, at the latest at the request's
 *       deadline; see {@link HttpTransports#urlConnection()}).
 *   <li>Redirects (301, 302, 303, 307, 308 with a {@code Location}) are followed, at most 5
 *       requests in all (the JDK client's default), never from {@code https} to {@code http}; a
 *       redirect not followed (the fifth, or one to {@code http}) is handed to the handler as
 *       is. No proxy is used; the body is not decoded.
 *   <li>{@link #close()} fails the exchanges in flight with {@link IllegalStateException}, closes
 *       their connections and stops the threads; a later {@code send} fails the same way.
 * </ul>
 */
public interface HttpTransport extends AutoCloseable {

  /**
   * Sends {@code request}; once the status and headers are in, runs {@code handler} on the
   * transport's thread and completes the future with what it returns, or fails it with what it
   * throws, or with the transport's {@link IOException}.
   */
  <T> CompletableFuture<T> send(HttpRequest request, BodyHandler<T> handler);

  /** Aborts what is in flight and stops the threads. Idempotent. */
  @Override
  void close();

  /**
   * Reads an answer: checks the status and headers and reads what it needs of the body (it may
   * stop early; the transport closes the connection then). Runs on a transport thread; it may
   * block on the body.
   *
   * @param <T> what it makes of the answer
   */
  @FunctionalInterface
  interface BodyHandler<T> {
    /** Makes a value of {@code response}; throws to fail the exchange with that exception. */
    T handle(HttpResponse response) throws IOException;
  }

  /**
   * Makes transports; a client calls it once, when it is built or first needs HTTP, and owns
   * what it gets. Must be thread-safe.
   */
  @FunctionalInterface
  interface Factory {
    /** A new transport with these options. */
    HttpTransport create(Options options);
  }

  /**
   * What a client asks of its transport.
   *
   * @param connectTimeout the bound on connecting, positive
   * @param sslContext the TLS context for {@code https}, or null for the platform's default
   *     (its trust store; hostname verification is on either way)
   * @param threadName the prefix of the transport's thread names, not blank
   * @param maxConcurrent exchanges run at once, 1 to 64
   */
  record Options(Duration connectTimeout, SSLContext sslContext, String threadName,
      int maxConcurrent) {
    /** Checks the values. */
    public Options {
      Objects.requireNonNull(connectTimeout, "connectTimeout");
      Objects.requireNonNull(threadName, "threadName");
      if (connectTimeout.isNegative() || connectTimeout.isZero()) {
        throw new IllegalArgumentException("connectTimeout must be positive, got "
            + connectTimeout);
      }
      if (threadName.trim().isEmpty()) {
        throw new IllegalArgumentException("threadName is blank");
      }
      if (maxConcurrent < 1 || maxConcurrent > 64) {
        throw new IllegalArgumentException("maxConcurrent must be in 1..64, got "
            + maxConcurrent);
      }
    }
  }
}
