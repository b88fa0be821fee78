package io.btlib.policy;

import io.btlib.peer.PeerAddress;

/**
 * A read-only view of one connected peer, for a {@link PiecePicker}: what it has and how it serves
 * us. Valid only during the call that receives it.
 */
public interface PeerView {

  /** The peer's address. */
  PeerAddress address();

  /** Whether the peer has piece {@code piece}. */
  boolean has(int piece);

  /** Whether the peer has every piece. */
  boolean isSeed();

  /** Whether the peer is choking us; then only allowed-fast pieces may be requested. */
  boolean isChokingUs();

  /** Whether the peer allows us piece {@code piece} while choked (BEP 6 allowed fast). */
  boolean isAllowedFast(int piece);

  /** Whether the peer suggested piece {@code piece} (BEP 6). */
  boolean isSuggested(int piece);

  /**
   * The next piece at or after {@code from} the peer suggested (BEP 6), or -1: walks a peer's few
   * suggestions without asking {@link #isSuggested(int)} of every piece. The default: none.
   */
  default int nextSuggested(int from) {
    return -1;
  }

  /** Whether block {@code block} of piece {@code piece} is already requested from this peer. */
  boolean isRequested(int piece, int block);

  /** The number of our requests this peer has not answered yet. */
  int requestsInFlight();

  /** The rate the peer sends us payload at, in bytes per second (a moving average). */
  long downloadRate();

  /** Whether the peer has sent us nothing for a while despite our requests. */
  boolean isSnubbed();
}
