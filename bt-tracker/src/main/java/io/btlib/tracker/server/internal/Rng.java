package io.btlib.tracker.server.internal;

/**
 * A small, fast, non-cryptographic generator (xorshift64*) for sampling peers. Not thread-safe:
 * each server thread owns one. Seeded by the caller, so tests can be deterministic.
 */
public final class Rng {
  private long state;

  /** A generator seeded with {@code seed} (0 is replaced by a fixed odd constant). */
  public Rng(long seed) {
    this.state = seed == 0 ? 0x9E3779B97F4A7C15L : seed;
  }

  /** A uniformly distributed value in {@code [0, bound)}; {@code bound} must be positive. */
  public int nextInt(int bound) {
    state ^= state >>> 12;
    state ^= state << 25;
    state ^= state >>> 27;
    long r = (state * 0x2545F4914F6CDD1DL) >>> 33; // 31 random bits
    return (int) ((r * bound) >>> 31);
  }
}
