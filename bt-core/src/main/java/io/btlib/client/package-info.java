/**
 * The client: the service interfaces through which an application plugs in storage (and, as the
 * engine grows, peer sources), and later the {@code Client} and {@code Torrent} handles. A
 * {@link io.btlib.client.TorrentReader} reads a file while it downloads, for streaming.
 *
 * <p>Everything in {@code io.btlib.client.internal} is implementation, not API.
 */
package io.btlib.client;
