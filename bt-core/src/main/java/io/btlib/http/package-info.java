/**
 * A small HTTP/1.1 client interface for trackers and web seeds, so that bt runs where {@code
 * java.net.http} does not (Android).
 *
 * <p>{@link io.btlib.http.HttpTransport} sends a GET ({@link io.btlib.http.HttpRequest}) and hands
 * the answer ({@link io.btlib.http.HttpResponse}: status, headers, a streaming body) to a {@link
 * io.btlib.http.HttpTransport.BodyHandler} that reads as much as it wants. {@link
 * io.btlib.http.HttpTransports} makes the two built-in transports: {@link
 * io.btlib.http.HttpTransports#urlConnection()} (the default, on {@link
 * java.net.HttpURLConnection}, available on every JVM and on Android) and {@link
 * io.btlib.http.HttpTransports#jdkHttpClient()} (on {@code java.net.http.HttpClient}, loaded only
 * when asked for). Tracker and web seed clients take a {@link io.btlib.http.HttpTransport.Factory}
 * and own the transport it makes.
 */
package io.btlib.http;
