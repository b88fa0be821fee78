package io.btlib.policy;

import java.util.Random;

/**
 * What a {@link Choker} knows besides the peers.
 *
 * @param uploadSlots how many peers may be unchoked at once, optimistic unchoke included (the
 *     engine's setting, fixed or rate-based)
 * @param seeding whether we have the whole torrent (the seeding algorithms apply)
 * @param round the number of this rechoke round, counting from 0 (rounds run every 10 s)
 * @param nowNanos the engine's monotonic time
 * @param random the torrent's random source
 */
public record ChokeContext(
    int uploadSlots, boolean seeding, long round, long nowNanos, Random random) {

  /** Checks the values. */
  public ChokeContext {
    if (uploadSlots < 0) {
      throw new IllegalArgumentException("uploadSlots must be >= 0: " + uploadSlots);
    }
    if (round < 0) {
      throw new IllegalArgumentException("round must be >= 0: " + round);
    }
    if (random == null) {
      throw new NullPointerException("random");
    }
  }
}
