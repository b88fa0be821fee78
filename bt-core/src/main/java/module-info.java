/**
 * The protocol and the engine: metainfo (v1, v2, hybrid), magnet links, info hashes, the peer wire
 * protocol (sans-I/O codec, session, message stream encryption), download policies, web seeds, and
 * the client ({@link io.btlib.client.Client}) with its service provider interfaces.
 *
 * <p>Only the API packages are exported; {@code *.internal} packages are implementation, with one
 * qualified exports: the path rules bt-storage applies to files on disk are the metainfo parser's,
 * and the engine's host seam is open to the test kit (bt-testkit).
 */
module io.btlib.core {
  requires transitive io.btlib.bencode;
  requires org.slf4j;
  // Only HttpTransports.jdkHttpClient() uses it, and loads it only when asked: the default HTTP
  // transport is HttpURLConnection (java.base), so an image without java.net.http runs bt.
  requires static java.net.http;

  exports io.btlib.client;
  exports io.btlib.hash;
  exports io.btlib.http;
  exports io.btlib.metainfo;
  exports io.btlib.peer;
  exports io.btlib.policy;
  exports io.btlib.utp;
  exports io.btlib.webseed;
  exports io.btlib.wire;
  exports io.btlib.wire.mse;
  exports io.btlib.wire.session;

  exports io.btlib.metainfo.internal to io.btlib.storage;
  // the engine's host seam: the test kit runs clients on a simulated network through it
  exports io.btlib.client.internal to io.btlib.testkit;
}
