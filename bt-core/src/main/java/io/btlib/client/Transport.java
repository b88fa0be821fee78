package io.btlib.client;

/**
 * Which transports a {@link Client} speaks to peers (see {@link Client.Builder#transport}): TCP,
 * uTP (BEP 29, over UDP, with LEDBAT congestion control that yields to other traffic), or both.
 * With both, the client listens on TCP and UDP on the same port and accepts either; it dials
 * uTP first to peers known to speak it (a PEX flag, or a uTP connection from them) and TCP to the
 * others, and falls back to the other transport once when a dial fails before the BitTorrent
 * handshake (uTP unanswered; TCP refused or closed at once, as by a peer with TCP turned off).
 */
public enum Transport {
  /** TCP only: no UDP socket is opened. */
  TCP,
  /** uTP only: no TCP socket listens, every dial is uTP. */
  UTP,
  /** Both, listening on both; the default. */
  BOTH;

  /** Whether this includes TCP. */
  public boolean tcp() {
    return this != UTP;
  }

  /** Whether this includes uTP. */
  public boolean utp() {
    return this != TCP;
  }
}
