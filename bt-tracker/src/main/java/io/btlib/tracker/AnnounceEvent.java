package io.btlib.tracker;

/**
 * The event an announce reports (BEP 3 {@code event}; BEP 15 action field values).
 *
 * <p>A client sends {@link #STARTED} in its first announce to a tracker, {@link #COMPLETED} once
 * when the download finishes (not when it was complete from the start), {@link #STOPPED} when it
 * leaves the swarm, and {@link #NONE} in regular announces.
 */
public enum AnnounceEvent {
  /** A regular announce: HTTP leaves the {@code event} parameter out; UDP sends 0. */
  NONE("", 0),
  /** The download finished: HTTP {@code completed}; UDP 1. */
  COMPLETED("completed", 1),
  /** The first announce to this tracker: HTTP {@code started}; UDP 2. */
  STARTED("started", 2),
  /** The client leaves the swarm: HTTP {@code stopped}; UDP 3. */
  STOPPED("stopped", 3);

  private final String httpValue;
  private final int udpValue;

  AnnounceEvent(String httpValue, int udpValue) {
    this.httpValue = httpValue;
    this.udpValue = udpValue;
  }

  /** The value of the HTTP {@code event} parameter; empty for {@link #NONE}, which omits it. */
  public String httpValue() {
    return httpValue;
  }

  /** The 32-bit event field of a BEP 15 announce. */
  public int udpValue() {
    return udpValue;
  }
}
