package io.btlib.testkit;

import java.time.Duration;
import java.util.Objects;

/**
 * What goes wrong with datagrams on a simulated link or path, beside its queues: each datagram is
 * lost with probability {@code loss}, held back by an extra delay of up to {@code reorderDelay}
 * (uniform) with probability {@code reorder} so that later ones overtake it, and delivered twice
 * with probability {@code duplicate} (each copy then takes its own chances of reordering). The
 * draws come from the simulation's seed, so a run repeats. Only datagrams (uTP) meet these faults:
 * the simulated TCP is lossless. Set on a host's access link with {@link SimHost#faults} (its
 * datagrams both ways) or on the path between two hosts with {@link Simulation#faults}; a datagram
 * meets its sender's, the path's and its receiver's faults, one after another. Immutable.
 *
 * @param loss the probability that a datagram is lost, 0 to 1
 * @param reorder the probability that a datagram is delayed by up to {@code reorderDelay}, 0 to 1
 * @param reorderDelay the most extra delay of a reordered datagram
 * @param duplicate the probability that a datagram arrives twice, 0 to 1
 */
public record LinkFaults(double loss, double reorder, Duration reorderDelay, double duplicate) {

  private static final LinkFaults NONE = new LinkFaults(0, 0, Duration.ZERO, 0);

  /** Checks the figures. */
  public LinkFaults {
    check("loss", loss);
    check("reorder", reorder);
    check("duplicate", duplicate);
    Objects.requireNonNull(reorderDelay, "reorderDelay");
    if (reorderDelay.isNegative()) {
      throw new IllegalArgumentException("negative reorderDelay " + reorderDelay);
    }
  }

  private static void check(String name, double p) {
    if (!(p >= 0 && p <= 1)) {
      throw new IllegalArgumentException(name + " " + p + " outside 0..1");
    }
  }

  /** No faults: every datagram arrives once, in the order the queues give. */
  public static LinkFaults none() {
    return NONE;
  }

  /** Losing each datagram with probability {@code loss}, and no other fault. */
  public static LinkFaults loss(double loss) {
    return new LinkFaults(loss, 0, Duration.ZERO, 0);
  }

  /** These faults, and each datagram delayed by up to {@code delay} with probability {@code p}. */
  public LinkFaults withReorder(double p, Duration delay) {
    return new LinkFaults(loss, p, delay, duplicate);
  }

  /** These faults, and each datagram delivered twice with probability {@code p}. */
  public LinkFaults withDuplicate(double p) {
    return new LinkFaults(loss, reorder, reorderDelay, p);
  }

  /** Whether this is no fault at all. */
  public boolean isNone() {
    return loss == 0 && duplicate == 0 && (reorder == 0 || reorderDelay.isZero());
  }
}
