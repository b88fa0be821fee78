package io.btlib.client.internal;

/**
 * A torrent's transfer figures for its status: payload bytes down and up (and their rates), and
 * bytes downloaded for nothing. Owned by the engine thread. Internal, not API.
 */
final class TransferTotals {
  private long downloaded;
  private long uploaded;
  private long wasted;
  private final RateMeter downMeter;
  private final RateMeter upMeter;

  TransferTotals(long now) {
    this.downMeter = new RateMeter(now);
    this.upMeter = new RateMeter(now);
  }

  /** {@code n} payload bytes arrived (from a peer or a web seed). */
  void received(long n, long now) {
    downloaded += n;
    downMeter.add(n, now);
  }

  /** {@code n} payload bytes went out. */
  void sent(long n, long now) {
    uploaded += n;
    upMeter.add(n, now);
  }

  /** {@code n} bytes arrived that were not needed, or failed their check. */
  void wasted(long n) {
    wasted += n;
  }

  long downloaded() {
    return downloaded;
  }

  long uploaded() {
    return uploaded;
  }

  long wasted() {
    return wasted;
  }

  long downloadRate(long now) {
    return downMeter.rate(now);
  }

  long uploadRate(long now) {
    return upMeter.rate(now);
  }
}
