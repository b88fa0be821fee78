package io.btlib.tracker;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Thrown when a tracker answers with a {@code failure reason} (BEP 3): the request was refused,
 * for example because the torrent is not registered there. Carries the tracker's own text and,
 * when the tracker sent one, its BEP 31 {@code retry in} advice.
 *
 * <pre>{@code
 * try {
 *   AnnounceResponse r = HttpTrackerResponses.parseAnnounce(body);
 * } catch (TrackerFailureException e) {
 *   if (e.retryNever()) { dropTracker(); }
 *   else { scheduleRetry(e.retryIn().orElse(defaultBackoff)); }
 * }
 * }</pre>
 *
 * <p>BEP 31: {@code retry in} is a number of minutes, or the string {@code never}. A value that
 * is neither (wrong type, not positive, unknown text) is ignored rather than hiding the failure
 * reason behind a parse error; then {@link #retryIn()} is empty and {@link #retryNever()} false,
 * and the caller applies its own back-off.
 */
public class TrackerFailureException extends TrackerException {
  private static final long serialVersionUID = 1L;
  private static final int MAX_REASON_IN_MESSAGE = 200;

  /** The tracker's {@code failure reason}. */
  private final String failureReason;
  /** When to try again; null when the tracker gave no {@code retry in}. */
  private final Duration retryIn;
  /** Whether the tracker said never to try again. */
  private final boolean retryNever;

  /** A failure with no retry advice. */
  public TrackerFailureException(String failureReason) {
    this(failureReason, Optional.empty(), false);
  }

  /**
   * A failure with BEP 31 retry advice.
   *
   * @param failureReason the tracker's text
   * @param retryIn when to try again, if the tracker said; positive
   * @param retryNever whether the tracker said never to try again
   * @throws IllegalArgumentException if {@code retryIn} is not positive, or is given together with
   *     {@code retryNever}
   */
  public TrackerFailureException(String failureReason, Optional<Duration> retryIn, boolean retryNever) {
    super("failure reason", describe(failureReason, retryIn, retryNever));
    if (retryIn.isPresent() && (retryIn.get().isNegative() || retryIn.get().isZero())) {
      throw new IllegalArgumentException("retryIn must be positive, got " + retryIn.get());
    }
    if (retryIn.isPresent() && retryNever) {
      throw new IllegalArgumentException("retryIn " + retryIn.get() + " contradicts retryNever");
    }
    this.failureReason = failureReason;
    this.retryIn = retryIn.orElse(null);
    this.retryNever = retryNever;
  }

  private static String describe(String failureReason, Optional<Duration> retryIn, boolean never) {
    Objects.requireNonNull(failureReason, "failureReason");
    Objects.requireNonNull(retryIn, "retryIn");
    String shown = failureReason.length() <= MAX_REASON_IN_MESSAGE
        ? failureReason
        : failureReason.substring(0, MAX_REASON_IN_MESSAGE) + "... (" + failureReason.length() + " chars)";
    StringBuilder sb = new StringBuilder("the tracker refused the request: \"").append(shown).append('"');
    if (never) {
      sb.append(" (retry: never)");
    } else if (retryIn.isPresent()) {
      sb.append(" (retry in ").append(retryIn.get().toMinutes()).append(" min)");
    }
    return sb.toString();
  }

  /** The tracker's {@code failure reason}, as it sent it (decoded as UTF-8). */
  public String failureReason() {
    return failureReason;
  }

  /** How long to wait before trying this tracker again, if it said (BEP 31 {@code retry in}). */
  public Optional<Duration> retryIn() {
    return Optional.ofNullable(retryIn);
  }

  /** Whether the tracker said never to try again (BEP 31 {@code retry in: never}). */
  public boolean retryNever() {
    return retryNever;
  }
}
