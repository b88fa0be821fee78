package io.btlib.client;

/**
 * A snapshot of what a {@link Client} holds, for monitoring: counts that should stay bounded over
 * a long run (a soak test samples them to find leaks). Taken on the client's engine thread, so the
 * figures are consistent with each other.
 *
 * @param torrents torrents in the client
 * @param connections peer connections open (TCP and uTP, handshaking or established)
 * @param halfOpen dials not yet connected
 * @param channels channels registered with the client's selector (listening sockets, the UDP
 *     socket, TCP connections and dials; cancelled keys count until the next select); -1 when the
 *     client runs on no selector (the test kit's simulated network)
 * @param spareBufferBytes bytes of spare buffers the client keeps for reuse (heap and direct)
 * @param readCacheBytes bytes of piece data cached or loading for uploads
 * @param bufferedBytes bytes of received blocks waiting for their pieces to be written
 */
public record ClientStats(
    int torrents,
    int connections,
    int halfOpen,
    int channels,
    long spareBufferBytes,
    long readCacheBytes,
    long bufferedBytes) {}
