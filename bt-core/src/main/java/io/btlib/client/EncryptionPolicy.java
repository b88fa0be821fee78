package io.btlib.client;

/**
 * Whether connections use Message Stream Encryption (MSE/PE), set separately for the connections
 * we open and those peers open to us (see {@link Client.Builder#encryption}). The levels are
 * libtorrent's.
 *
 * <p>MSE obfuscates the BitTorrent protocol against traffic shaping; it is not authentication.
 * As in libtorrent's default ({@code prefer_rc4 = false}), the payload after an MSE handshake is
 * plain text when both sides allow it (the handshake still hides the protocol) and RC4 when one
 * side is {@link #FORCED}: RC4 costs about half the throughput on a fast link.
 */
public enum EncryptionPolicy {
  /**
   * Outgoing: plain BitTorrent handshakes only. Incoming: an MSE handshake is refused (the
   * connection is closed as not BitTorrent).
   */
  DISABLED,
  /**
   * Outgoing: try MSE, offering RC4 and plaintext payload; if the connection fails before the MSE
   * handshake completes, dial the same peer again at once in plain text, and keep using plain
   * text for that peer for an hour (then MSE is tried again). Incoming: accept both a plain and
   * an MSE handshake (either payload method; plain text chosen when the peer allows it). The
   * default both ways.
   */
  ENABLED,
  /**
   * Outgoing: MSE with RC4 payload only, never plain text. Incoming: a plain handshake is refused,
   * and so is an MSE one that offers no RC4.
   */
  FORCED
}
