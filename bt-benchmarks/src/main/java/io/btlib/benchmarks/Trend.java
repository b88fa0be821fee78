package io.btlib.benchmarks;

/**
 * Whether a sampled series grows: a least-squares line through the samples after a warm-up, and a
 * verdict that calls it GROWING only when its rise over the window is both real and large.
 *
 * <ul>
 *   <li><b>Real</b>: the rise (slope × window) exceeds {@value #SIGMAS} standard errors of the
 *       slope times the window. A series that only jumps about (connections come and go, buffers
 *       are cached and dropped) has a fitted slope whose standard error is the scatter of the
 *       residuals over the spread of the times; a rise within {@value #SIGMAS} of them is what
 *       such scatter gives by chance.
 *   <li><b>Large</b>: the rise exceeds {@code max(fraction × mean, floor)}: a tiny but steady rise
 *       (a thread pool warming up, a JIT cache) is not what a soak looks for, and a series near
 *       zero needs an absolute floor, as a fraction of nearly nothing is nothing.
 * </ul>
 *
 * <p>A leak passes both: it rises steadily (small residuals, so a small standard error) and keeps
 * rising past any fixed band as the run gets longer. A flat series with noise fails the first; a
 * series that rises by a few bytes fails the second.
 *
 * @param slope units per second
 * @param window seconds from the first to the last sample after the warm-up
 * @param rise slope × window
 * @param stdErrRise the slope's standard error × window
 * @param band the "large" threshold: max(fraction × mean, floor)
 * @param mean the mean of the samples after the warm-up
 * @param first the first sample after the warm-up
 * @param last the last sample
 * @param samples how many samples the fit used
 */
record Trend(double slope, double window, double rise, double stdErrRise, double band, double mean,
    double first, double last, int samples) {

  /** How many standard errors a rise must exceed to be real. */
  static final double SIGMAS = 3;

  /** The verdict on a series. */
  enum Verdict {
    /** The rise is within the scatter, or within the band. */
    FLAT,
    /** The rise is beyond both: a leak, or load that kept growing. */
    GROWING,
    /** Too few samples after the warm-up to fit a line (fewer than 3). */
    TOO_SHORT
  }

  /**
   * Fits {@code values} sampled at {@code seconds} (ascending), skipping the samples of the first
   * {@code warmupFraction} of the run's time.
   *
   * @param fraction the band as a fraction of the mean (0.05: 5%)
   * @param floor the band's least width, in the series' units
   */
  static Trend fit(double[] seconds, double[] values, double warmupFraction, double fraction,
      double floor) {
    if (seconds.length != values.length) {
      throw new IllegalArgumentException(
          "times and values differ in length: " + seconds.length + " vs " + values.length);
    }
    int n = seconds.length;
    if (n == 0) {
      return new Trend(0, 0, 0, 0, floor, 0, 0, 0, 0);
    }
    double start = seconds[0] + warmupFraction * (seconds[n - 1] - seconds[0]);
    int from = 0;
    while (from < n && seconds[from] < start) {
      from++;
    }
    int m = n - from;
    double sumT = 0;
    double sumV = 0;
    for (int i = from; i < n; i++) {
      sumT += seconds[i];
      sumV += values[i];
    }
    double meanT = m == 0 ? 0 : sumT / m;
    double meanV = m == 0 ? 0 : sumV / m;
    double sxx = 0;
    double sxy = 0;
    for (int i = from; i < n; i++) {
      double dt = seconds[i] - meanT;
      sxx += dt * dt;
      sxy += dt * (values[i] - meanV);
    }
    double slope = sxx == 0 ? 0 : sxy / sxx;
    double sse = 0;
    for (int i = from; i < n; i++) {
      double r = values[i] - (meanV + slope * (seconds[i] - meanT));
      sse += r * r;
    }
    double stdErr = m > 2 && sxx > 0 ? Math.sqrt(sse / (m - 2) / sxx) : 0;
    double window = m == 0 ? 0 : seconds[n - 1] - seconds[from];
    double band = Math.max(fraction * Math.abs(meanV), floor);
    return new Trend(slope, window, slope * window, stdErr * window, band, meanV,
        m == 0 ? 0 : values[from], values[n - 1], m);
  }

  /** FLAT, GROWING or TOO_SHORT, as the class doc says. */
  Verdict verdict() {
    if (samples < 3) {
      return Verdict.TOO_SHORT;
    }
    return rise > SIGMAS * stdErrRise && rise > band ? Verdict.GROWING : Verdict.FLAT;
  }
}
