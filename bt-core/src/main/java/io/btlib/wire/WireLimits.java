package io.btlib.wire;

import io.btlib.metainfo.Metainfo;

/**
 * The limits a {@link WireDecoder} enforces, as one immutable value.
 *
 * <p>The length prefix is checked as soon as its four bytes arrive, so a receive buffer never needs
 * more than {@code maxMessageLength + 4} bytes.
 *
 * @param maxMessageLength the longest message accepted (default 1 MiB + 13: enough for a bitfield
 *     of 8 million pieces and for a block); size it to the largest bitfield you serve
 * @param maxBlockLength the longest block in a piece message, request, cancel or reject (default
 *     16 KiB, the size every client requests; raise it only to talk to peers that ask more)
 * @param maxExtendedLength the longest BEP 10 extension message (default 1 MiB)
 */
public record WireLimits(int maxMessageLength, int maxBlockLength, int maxExtendedLength) {
  /** The defaults. */
  public static final WireLimits DEFAULTS = new WireLimits((1 << 20) + 13, Metainfo.BLOCK_SIZE, 1 << 20);

  /** Checks the values. */
  public WireLimits {
    if (maxBlockLength < 1 || maxBlockLength > (1 << 24)) {
      throw new IllegalArgumentException("maxBlockLength must be in [1, 16 MiB]: " + maxBlockLength);
    }
    if (maxMessageLength < maxBlockLength + 13) {
      throw new IllegalArgumentException("maxMessageLength must be >= maxBlockLength + 13: "
          + maxMessageLength);
    }
    if (maxExtendedLength < 2 || maxExtendedLength > maxMessageLength) {
      throw new IllegalArgumentException("maxExtendedLength must be in [2, maxMessageLength]: "
          + maxExtendedLength);
    }
  }
}
