package io.btlib.wire.session;

/**
 * A rule the peer broke, thrown out of message handling and turned into a {@link
 * PeerEvent.Closed} by {@link PeerSession}; never leaves the package.
 */
final class SessionViolation extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final CloseCause rule;

  SessionViolation(CloseCause rule, String detail) {
    super(detail, null, false, false);
    this.rule = rule;
  }

  CloseCause rule() {
    return rule;
  }
}
