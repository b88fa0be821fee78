package io.btlib.tracker.internal;

import io.btlib.tracker.TrackerException;

/**
 * A UDP tracker packet that breaks BEP 15: names the field ({@link #keyPath()}, e.g. {@code
 * announce.peers}) and what is wrong. The UDP client drops such packets and keeps waiting.
 */
final class UdpTrackerFormatException extends TrackerException {
  private static final long serialVersionUID = 1L;

  /** A malformed packet: {@code field} is where, {@code reason} what. */
  public UdpTrackerFormatException(String field, String reason) {
    super(field, reason);
  }
}
