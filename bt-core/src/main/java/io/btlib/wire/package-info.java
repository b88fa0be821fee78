/**
 * The peer wire protocol as a sans-I/O codec: the handshake and messages of BEP 3, the fast
 * extension (BEP 6), the extension protocol (BEP 10) and BitTorrent v2's hash messages (BEP 52).
 *
 * <p>{@link io.btlib.wire.WireDecoder} turns bytes into {@link io.btlib.wire.PeerMessage}s and checks framing
 * and each message's length; {@link io.btlib.wire.WireEncoder} writes messages into the caller's buffer.
 * Neither owns a socket, a thread or a clock. Protocol rules that need the torrent (piece indices,
 * block bounds, bitfield length) are checked by the session layer above.
 */
package io.btlib.wire;
