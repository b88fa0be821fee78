package io.btlib.tracker.server.internal;

/** Builds HTTP tracker request targets for tests. */
public final class Requests {
  private Requests() {}

  /** Every byte percent-encoded, as a careful client does. */
  public static String pct(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      sb.append('%').append(String.format("%02X", x & 255));
    }
    return sb.toString();
  }

  /** A 20-character peer id made from {@code n}. */
  public static String peerId(int n) {
    return "-BT0001-" + String.format("%012d", n);
  }

  /** An announce target for a leecher with 100 bytes left, plus {@code extra} parameters. */
  public static String announce(byte[] hash, int port, String extra) {
    return "/announce?info_hash=" + pct(hash) + "&peer_id=" + peerId(port) + "&port=" + port
        + "&uploaded=0&downloaded=0&left=100" + extra;
  }
}
