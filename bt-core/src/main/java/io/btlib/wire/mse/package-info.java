/**
 * Message Stream Encryption / Protocol Encryption (MSE/PE): the obfuscation handshake that
 * BitTorrent clients run on a TCP connection before the BitTorrent handshake, as a sans-I/O state
 * machine, and the stream ciphers that wrap the connection after it.
 *
 * <p>{@link io.btlib.wire.mse.MseHandshake} takes bytes in ({@code handleBytes}, {@code handleEof}) and
 * gives bytes out ({@code pollTransmit}); it owns no socket, thread or clock. When it is done,
 * {@link io.btlib.wire.mse.MseResult} holds the negotiated {@link io.btlib.wire.mse.CryptoMethod}, the
 * torrent it named, the initiator's initial payload and one {@link io.btlib.wire.mse.PayloadCipher} per
 * direction. Every protocol violation is an {@link io.btlib.wire.mse.MseException} naming its rule.
 *
 * <p>MSE is obfuscation, not security: it hides the protocol from passive observers, it does not
 * authenticate the peer.
 */
package io.btlib.wire.mse;
