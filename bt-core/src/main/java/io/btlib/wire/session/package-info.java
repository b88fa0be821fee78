/**
 * The per-connection protocol state machine of the peer wire protocol: {@link
 * io.btlib.wire.session.PeerSession}, one per peer connection, sans-I/O in the shape of quinn-proto's
 * {@code Connection} and h11's {@code Connection}.
 *
 * <p>A session owns no socket, thread or clock. Bytes go in through {@code handleBytes}, time
 * through {@code handleTimeout}, the engine's decisions through commands ({@code request}, {@code
 * choke}, {@code sendBlock}, ...); bytes come out through {@code pollTransmit} into the caller's
 * buffer and {@link io.btlib.wire.session.PeerEvent}s through {@code pollEvent}. Above the codecs of
 * {@link io.btlib.wire}, it enforces the rules that need the connection's history and the torrent: the
 * handshake's info hash, message order, piece indices and block bounds, negotiated extensions,
 * request bookkeeping, choke semantics with and without the fast extension (BEP 6), BEP 9 and BEP
 * 11 limits, keep-alives and timeouts. A peer that breaks a rule closes its session with a {@link
 * io.btlib.wire.session.PeerEvent.Closed} event naming the rule and the value; nothing is thrown.
 *
 * <p>Public API: the engine drives sessions with it, and so can users who run their own I/O
 * (another event loop, an encrypted transport, a simulator).
 */
package io.btlib.wire.session;
